/**
 * Custom properties (`--x: …` read through `var()`) and math functions (`calc()`, `min()`, `max()`, `clamp()`) in the
 * declarations that hide text (src/fingerprint/css-custom-properties.ts, css-calc.ts): salt hidden with them is left
 * out as salt hidden without them is, what they leave shown stays, and hostile nesting costs bounded work.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { testHiddenCases, visibleWords } from "../support/visible-words.js";
import { MAX_CALC_CHARS, MAX_CALC_DEPTH, mathValue } from "../../src/fingerprint/css-calc.js";
import {
  elementProperties,
  MAX_VAR_DEPTH,
  type CustomProperties,
} from "../../src/fingerprint/css-custom-properties.js";
import { MAX_CUSTOM_PROPERTIES, MAX_CUSTOM_TAKEN } from "../../src/fingerprint/css-deferred.js";
import {
  declare,
  emptyDeclarations,
  fieldsOf,
  parseDeclarations,
  type StyleDecls,
} from "../../src/fingerprint/css-style.js";
import { readStyleSheet } from "../../src/fingerprint/html-visibility.js";

const ROOT_SHEET = "<style>:root{--h:none} .q{display:var(--h)}</style>";

void describe("htmlToText: salt hidden through var() and calc() is left out", () => {
  const hidden: [string, string][] = [
    ["display:var(--h) with --h on :root", `${ROOT_SHEET}<span style="display:var(--h)">salt</span>`],
    ["a class rule of display:var(--h)", `${ROOT_SHEET}<span class="q">salt</span>`],
    ["font-size:calc(0px)", '<span style="font-size:calc(0px)">salt</span>'],
    ["opacity:var(--z) declared beside it", '<span style="--z:0;opacity:var(--z)">salt</span>'],
    ["var() from an ancestor's style attribute", '<div style="--h:none"><p><span style="display:var(--h)">salt</span></p></div>'],
    ["var() from a rule on an ancestor's class", '<style>.w{--v:hidden}</style><div class=w><b style="visibility:var(--v)">salt</b></div>'],
    ["a fallback var(--missing, none)", '<span style="display:var(--missing, none)">salt</span>'],
    ["nested: --a is var(--b)", '<div style="--b:none;--a:var(--b)"><span style="display:var(--a)">salt</span></div>'],
    ["nested across elements", '<div style="--b:0"><p style="--a:var(--b)"><span style="opacity:var(--a)">salt</span></p></div>'],
    ["a fallback that is itself a var()", '<div style="--c:none"><span style="display:var(--x, var(--c))">salt</span></div>'],
    ["var() inside a shorthand", '<div style="--s:0"><span style="font:var(--s)/1 arial">salt</span></div>'],
    ["a custom property name is case-sensitive", '<div style="--H:block;--h:none"><span style="display:var(--h)">salt</span></div>'],
    ["an !important rule's var() beats the style attribute", `${ROOT_SHEET}<style>.i{display:var(--h)!important}</style><p class=i style="display:block">salt</p>`],
    ["var() in an @media screen rule", "<style>@media screen{:root{--o:0.01}} .o{opacity:var(--o)}</style><b class=o>salt</b>"],
    ["calc() of a far left", '<div style="position:absolute;left:calc(-100px * 100)">salt</div>'],
    ["calc() of 1% of a 16px font (0.16px)", '<span style="font-size:calc(1% + 0%)">salt</span>'],
    ["min() of a font size", '<span style="font-size:min(2px, 3em)">salt</span>'],
    ["max() of a negative text-indent", '<p style="text-indent:max(-9999px, -8000px)">salt</p>'],
    ["clamp() of a 1px box that clips", '<div style="height:clamp(0px, 1px, 1px);overflow:hidden">salt</div>'],
    ["calc() of an opacity", '<span style="opacity:calc(1 - 1)">salt</span>'],
    ["calc() nested in calc() with a var()", '<div style="--k:0"><span style="font-size:calc((var(--k) * 1px) + calc(1px / 2))">salt</span></div>'],
    ["a margin of calc() inside the shorthand", '<p style="margin:calc(-50em - 10000px) 0 0">salt</p>'],
  ]; // prettier-ignore
  testHiddenCases(hidden);
});

void describe("htmlToText: what var() and calc() leave shown stays", () => {
  const shown: [string, string][] = [
    ["a var() naming a property set to block", '<div style="--h:block"><span style="display:var(--h)">shown</span></div>'],
    ["a calc() of 16px", '<span style="font-size:calc(10px + 6px)">shown</span>'],
    ["a custom property declared on a sibling, not an ancestor", '<div style="--h:none"></div><span style="display:var(--h)">shown</span>'],
    ["one declared on a closed element", '<div><b style="--h:none">x</b> <span style="display:var(--h)">shown</span></div>'],
    ["an undefined var() with no fallback: the declaration is invalid, display its initial", "<style>.a{display:none}</style><span class=a style='display:var(--nope)'>shown</span>"],
    ["a nearer ancestor redeclares it", '<div style="--h:none"><div style="--h:inline"><span style="display:var(--h)">shown</span></div></div>'],
    ["a custom property's value is computed where it is declared", '<div style="--b:none;--a:var(--b)"><p style="--b:block"><span style="display:var(--a)">x</span></p></div>shown'],
    ["a cycle makes both invalid, and the fallback is used", '<span style="--a:var(--b);--b:var(--a);display:var(--a, inline)">shown</span>'],
    ["a cycle without a fallback leaves display its initial", "<style>.c{display:none}</style><span class=c style='--a:var(--a);display:var(--a)'>shown</span>"],
    ["--h:initial is no value: the fallback is used", '<div style="--h:none"><span style="--h:initial;display:var(--h, block)">shown</span></div>'],
    ["a later plain declaration beats an earlier var()", '<span style="--z:0;opacity:var(--z);opacity:1">shown</span>'],
    ["calc() with a viewport unit it cannot tie to px is read as before", '<span style="font-size:calc(100% - 1vmin * 0)">shown</span>'],
    ["calc() mixing a length and a number is invalid", '<span style="font-size:calc(1px + 1)">shown</span>'],
    ["calc() dividing by zero is not read", '<span style="opacity:calc(1 / 0)">shown</span>'],
    ["a percentage height the reader cannot resolve", '<div style="height:calc(0% + 0px);overflow:hidden">shown</div>'],
    ["a var() naming an attribute value it cannot read", '<span style="opacity:var(--o, attr(data-o))">shown</span>'],
    ["min() of a readable size", '<span style="font-size:min(14px, 2em)">shown</span>'],
    ["white on a background of var() falls back to black", '<div style="background:var(--bg, #000)"><span style="color:#fff">shown</span></div>'],
  ]; // prettier-ignore
  for (const [name, html] of shown) {
    void test(name, () => assert.match(visibleWords(html), /\bshown\b/));
  }
});

void describe("custom properties and math functions cost bounded work", () => {
  const many = (n: number, value: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => `--p${i}:${value(i)}`).join(";");

  void test(`10,000 custom properties in one style attribute: ${MAX_CUSTOM_PROPERTIES} kept, a var() of the rest read as before`, () => {
    const decls = parseDeclarations(
      many(10_000, () => "none"),
      emptyDeclarations(),
    );
    assert.equal(decls.deferredNormal!.custom.size, MAX_CUSTOM_PROPERTIES);
    assert.equal(decls.deferredNormal!.truncated, true);
    const properties = elementProperties(null, null, decls)!;
    assert.equal(properties.values.size, MAX_CUSTOM_PROPERTIES);
    assert.ok(properties.work <= 2 * MAX_CUSTOM_PROPERTIES, `${properties.work} steps`);
    const style = many(10_000, () => "none");
    assert.equal(visibleWords(`<span style="${style};display:var(--p1)">salt</span>shown`), "shown");
    assert.equal(visibleWords(`<span style="${style};display:var(--p9999)">shown</span>`), "shown");
    assert.equal(visibleWords(`<span style="${style};display:var(--p9999, none)">shown</span>`), "shown");
  });

  void test("10,000 custom properties in rules for the 16 classes of 5,000 elements: each takes a bounded number", () => {
    const css = Array.from({ length: 16 }, (_, c) => `.c${c}{${many(625, (i) => `${i}px`)}}`).join("");
    const classes = Array.from({ length: 16 }, (_, c) => `c${c}`);
    const sheet = readStyleSheet(`<style>${css}</style>`);
    let matched = 0;
    for (let e = 0; e < 5000; e++) {
      const rules = sheet.matching("b", classes, null);
      // the document's cascade budget (src/fingerprint/css-budget.ts) is spent before the 5,000th: no rule after
      if (rules === null) {
        assert.ok(sheet.spent && matched > 0, `${matched} matched`);
        continue;
      }
      matched++;
      const taken = rules.deferredNormal!;
      assert.ok(taken.taken <= MAX_CUSTOM_TAKEN && taken.custom.size <= MAX_CUSTOM_PROPERTIES);
      assert.equal(taken.truncated, true);
    }
  });

  void test("a var() chain 1,000 deep in one element: at most the kept properties computed, each once", () => {
    const chain = Array.from({ length: 1000 }, (_, i) => (i === 0 ? "--v0:none" : `--v${i}:var(--v${i - 1})`));
    const read = (block: string[]) => elementProperties(null, null, parseDeclarations(block.join(";"), emptyDeclarations()))!; // prettier-ignore
    // Each after the one it names: each is computed from one computed before, whatever the chain's length.
    const forward = read(chain);
    assert.ok(forward.work <= 3 * MAX_CUSTOM_PROPERTIES, `${forward.work} steps`);
    assert.equal(forward.get(`--v${MAX_CUSTOM_PROPERTIES - 1}`), "none");
    assert.equal(forward.get("--v999"), undefined, "past the kept ones: unknown, read as before");
    // Each before the one it names: computing the first follows the chain, MAX_VAR_DEPTH deep at most.
    const backward = read(chain.slice(0, MAX_CUSTOM_PROPERTIES).reverse());
    assert.ok(backward.work <= 3 * MAX_CUSTOM_PROPERTIES, `${backward.work} steps`);
    assert.equal(
      backward.get(`--v${MAX_CUSTOM_PROPERTIES - 1}`),
      undefined,
      `past the depth (${MAX_VAR_DEPTH}): unknown`,
    );
    assert.equal(backward.get("--v0"), "none");
  });

  void test("a var() chain through 1,000 nested elements: one lookup each, resolved", () => {
    const open = Array.from(
      { length: 1000 },
      (_, i) => `<div style="--${i % 2 ? "a" : "b"}:var(--${i % 2 ? "b" : "a"}, none)">`,
    );
    const html = `${open.join("")}<span style="display:var(--b)">salt</span>${"</div>".repeat(1000)}shown`;
    assert.equal(visibleWords(html), "shown");
    let parent: CustomProperties | null = null;
    let work = 0;
    for (let i = 0; i < 1000; i++) {
      parent = elementProperties(
        parent,
        null,
        parseDeclarations(`--a${i % 3}:var(--a${(i + 2) % 3})`, emptyDeclarations()),
      );
      work += parent!.work;
    }
    assert.ok(work <= 1000 * 8, `${work} steps`);
  });

  void test("calc() nested 1,000 deep, and a long sum: bounded steps, not read", () => {
    const work = { steps: 0 };
    assert.equal(mathValue(`${"calc(".repeat(1000)}0px${")".repeat(1000)}`, work), null);
    assert.equal(work.steps, 0, "past MAX_CALC_CHARS: not read at all");
    assert.equal(mathValue(`${"calc(".repeat(50)}0px${")".repeat(50)}`, work), null);
    assert.ok(work.steps <= MAX_CALC_DEPTH + 1, `${work.steps} steps`);
    work.steps = 0;
    const sum = mathValue(`calc(${Array.from({ length: 40 }, () => "1px").join(" + ")})`, work);
    assert.equal(sum?.px, 40);
    assert.ok(work.steps <= 41 && MAX_CALC_CHARS >= 200, `${work.steps} steps`);
    assert.equal(
      visibleWords(`<span style="font-size:${"calc(".repeat(1000)}0px${")".repeat(1000)}">shown</span>`),
      "shown",
    );
  });

  void test("var() nested 1,000 deep in fallbacks, and one value doubling through 1,000 elements: unknown, read as before", () => {
    const fallbacks = `${"var(--x, ".repeat(1000)}none${")".repeat(1000)}`;
    assert.equal(visibleWords(`<span style="display:${fallbacks}">shown</span>`), "shown");
    const doubling = '<div style="--d:none">' + '<div style="--d:var(--d) var(--d)">'.repeat(1000);
    assert.equal(visibleWords(`${doubling}<span style="font:var(--d)">shown</span>`), "shown");
  });
});

void describe("every property the reader reads names the fields it sets", () => {
  const properties = ["display", "visibility", "opacity", "font-size", "font", "color", "background", "background-color", "background-image", "overflow", "overflow-x", "overflow-y", "height", "max-height", "width", "max-width", "position", "left", "top", "text-indent", "margin-left", "margin-top", "margin", "clip", "clip-path", "transform"]; // prettier-ignore
  const values = ["none", "hidden", "0", "1px", "-9999px", "50%", "#fff", "absolute", "rect(0 0 0 0)", "inset(50%)", "scale(0)", "url(x.png)", "0/0 a", "block", "inherit"]; // prettier-ignore
  for (const property of properties) {
    void test(property, () => {
      const fields = fieldsOf(property);
      assert.ok(fields, "named");
      for (const value of values) {
        const into = emptyDeclarations().normal;
        declare(property, value, into);
        for (const [field, v] of Object.entries(into)) {
          if (v !== undefined)
            assert.ok(fields.includes(field as keyof StyleDecls), `${property}:${value} sets ${field}`);
        }
      }
    });
  }
  void test("a property it does not read sets nothing", () => {
    const into = emptyDeclarations().normal;
    for (const value of ["none", "0", "-9999px"]) declare("line-height", value, into);
    assert.deepEqual(
      Object.values(into).filter((v) => v !== undefined),
      [],
    );
    assert.equal(fieldsOf("line-height"), undefined);
    assert.equal(fieldsOf("constructor"), undefined);
  });
});
