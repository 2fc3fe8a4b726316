/**
 * Whether an at-rule's block applies to the reference reader, a desktop mail client 800px wide
 * (src/fingerprint/css-at-rules.ts, css-media.ts): a table of preludes, the blocks of a style sheet nested in one
 * another, and work linear in a hostile prelude.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { afterStatements, atRuleApplies, MAX_AT_DEPTH, MAX_PRELUDE_CHARS } from "../../src/fingerprint/css-at-rules.js";
import { htmlToText } from "../../src/fingerprint/html-text.js";

const words = (html: string) => htmlToText(html).split(/\s+/).filter(Boolean).join(" ");

void describe("@media against a desktop reader (screen, 800 by 600 px, light, a mouse, 1dppx, no scripting)", () => {
  const table: [string, boolean][] = [
    ["@media", true], ["@media all", true], ["@media screen", true], ["@media SCREEN", true], ["@media only screen", true],
    ["@media print", false], ["@media speech", false], ["@media tv", false], ["@media yahoo", false],
    ["@media not print", true], ["@media not screen", false], ["@media not all and (max-width:600px)", true],
    ["@media print, screen", true], ["@media print, tv", false], ["@media screen,", true], ["@media , print", false],
    ["@media (min-width:1px)", true], ["@media(min-width:1px)", true], ["@media screen and (min-width:0)", true],
    ["@media only screen and (max-width:600px)", false], ["@media only screen and (max-width: 620px)", false],
    ["@media screen and (max-device-width:480px)", false], ["@media (min-width:768px)", true],
    ["@media (min-width:1024px)", false], ["@media (max-width:800px)", true], ["@media (max-width:799.5px)", false],
    ["@media (width >= 600px)", true], ["@media (width < 600px)", false], ["@media (600px < width)", true],
    ["@media (400px <= width <= 700px)", false], ["@media (700px < width < 900px)", true],
    ["@media (900px > width > 700px)", true], ["@media (700px < width > 900px)", false], ["@media (width = 800px)", true],
    ["@media (min-width: 40em)", true], ["@media (max-width: 37.5em)", false], ["@media (min-width: 50rem)", true],
    ["@media (max-width: 450pt)", false], ["@media (min-width: 8in)", true],
    ["@media (max-width: 21cm)", false], ["@media (max-width: 22cm)", true],
    ["@media (max-width: 600)", false], ["@media not all and (max-width: 600)", false],
    ["@media (orientation: landscape)", true], ["@media (orientation: portrait)", false],
    ["@media (orientation: sideways)", false], ["@media (min-aspect-ratio: 4/3)", true],
    ["@media (max-aspect-ratio: 1/1)", false], ["@media (min-height: 500px)", true],
    ["@media (prefers-color-scheme: dark)", false], ["@media (prefers-color-scheme: light)", true],
    ["@media (prefers-color-scheme)", true], ["@media (hover: hover)", true], ["@media (hover: none)", false],
    ["@media (pointer: coarse)", false], ["@media (any-pointer: fine)", true], ["@media (any-hover: hover)", true],
    ["@media (-webkit-min-device-pixel-ratio: 2)", false], ["@media (-webkit-min-device-pixel-ratio: 1)", true],
    ["@media (min-resolution: 192dpi)", false], ["@media (min-resolution: 1dppx)", true], ["@media (resolution: 1x)", true],
    ["@media (-webkit-min-device-pixel-ratio: 2), (min-resolution: 192dpi)", false],
    ["@media (color)", true], ["@media (min-color: 8)", true], ["@media (monochrome)", false],
    ["@media (monochrome: 0)", true], ["@media (grid)", false], ["@media (grid: 0)", true],
    ["@media (scripting: none)", true], ["@media (scripting)", false], ["@media (scripting: enabled)", false],
    ["@media (prefers-reduced-motion: reduce)", false], ["@media (prefers-reduced-motion: no-preference)", true],
    ["@media (prefers-reduced-motion)", false], ["@media (update: fast)", true], ["@media (forced-colors: active)", false],
    ["@media (min-width:1px) and (max-width:600px)", false], ["@media (min-width:1px) and (max-width:900px)", true],
    ["@media (max-width:600px) or (orientation: landscape)", true], ["@media not (max-width:600px)", true],
    ["@media not ((max-width:600px) or (hover: none))", true], ["@media ((min-width:1px) and (color))", true],
    ["@media screen and not (max-width:600px)", true], ["@media screen and (max-width:600px) or (color)", false],
    ["@media (min-width:1px) and (color) or (grid)", false], ["@media not (min-width:1px) and (color)", false],
    // Unknown features and general-enclosed parts are unknown: false unless `or` makes the query true anyway.
    ["@media (foo: bar)", false], ["@media not (foo: bar)", false], ["@media (foo: bar) or (color)", true],
    ["@media (foo: bar) and (color)", false], ["@media (min-orientation: landscape)", false],
    ["@media (min-width > 600px)", false], ["@media (width: calc(100px + 1em))", false], ["@media foo(1) or (color)", true],
    ["@media screen and (-ms-high-contrast: active)", false], ["@media all and (min-width:0\\0)", false],
    // Malformed queries are "not all"; the others of the list still count.
    ["@media screen and", false], ["@media and screen", false], ["@media only (color)", false],
    ["@media screen (color)", false], ["@media (min-width:1px", false], ["@media (color))", false],
    ["@media not", false], ["@media garbage!, screen", true], ["@media \\73 creen", true],
  ]; // prettier-ignore
  for (const [prelude, applies] of table) {
    void test(`${prelude}: ${applies ? "applied" : "not applied"}`, () =>
      assert.equal(atRuleApplies(prelude), applies));
  }
});

void describe("@container against a container as wide as the reader (800px)", () => {
  const table: [string, boolean][] = [
    ["@container (min-width:1px)", true], ["@container (max-width:400px)", false], ["@container (width > 600px)", true],
    ["@container (400px <= inline-size <= 900px)", true], ["@container (min-inline-size:801px)", false],
    ["@container not (max-width:400px)", true], ["@container (width)", true],
    ["@container card (min-width:1px)", true], ["@container card (max-width:479px)", false],
    ["@container a (max-width:1px), b (min-width:2px)", true], ["@container (min-width:1px) or (min-height:1px)", true],
    ["@container (min-width:1px) and (min-height:1px)", false], ["@container (min-height:1px)", false],
    ["@container (block-size > 0px)", false], ["@container (orientation:landscape)", false],
    ["@container (aspect-ratio > 1)", false], ["@container (color)", false], ["@container (min-width:1cqw)", false],
    ["@container style(--salt: 1)", false], ["@container scroll-state(stuck: top)", false],
    ["@container card", false], ["@container none (min-width:1px)", false], ["@container", false],
    ["@container (min-width:1px", false],
  ]; // prettier-ignore
  for (const [prelude, applies] of table) {
    void test(`${prelude}: ${applies ? "applied" : "not applied"}`, () =>
      assert.equal(atRuleApplies(prelude), applies));
  }
});

void describe("@supports, @layer and the other at-rules", () => {
  const table: [string, boolean][] = [
    ["@supports (display:none)", true], ["@supports (display: grid) and (gap: 1px)", true],
    ["@supports not (display:grid)", false], ["@supports (display:flex) or (display:box)", true],
    ["@supports selector(:has(a))", true], ["@supports not selector(a > b)", false],
    ["@supports (foo)", false], ["@supports not (foo)", true], ["@supports foo(1)", false],
    ["@supports ((display:flex))", true], ["@supports (display:)", false], ["@supports (--x:)", true],
    ["@supports display:none", false], ["@supports (a:b) and (c:d) or (e:f)", false], ["@supports", false],
    ["@layer", true], ["@layer x", true], ["@layer base.reset", true], ["@layer a, b", false],
    ["@scope (.card)", false],
    ["@starting-style", false], ["@page", false], ["@font-face", false], ["@keyframes spin", false],
    ["@-webkit-keyframes spin", false], ["@document url(http://x)", false], ["@-moz-document url-prefix()", false],
    ["@import url(x.css)", false], ["@mediascreen", false], ["@", false], ["media screen", false],
  ]; // prettier-ignore
  for (const [prelude, applies] of table) {
    void test(`${prelude}: ${applies ? "applied" : "not applied"}`, () =>
      assert.equal(atRuleApplies(prelude), applies));
  }

  void test("the block-less at-rules ahead of a rule end at their semicolons", () => {
    assert.equal(afterStatements('@import url("a;b.css"); @media screen'), "@media screen");
    assert.equal(afterStatements('@charset "utf-8"; @import url(a;b); .x'), ".x");
    assert.equal(afterStatements("@layer a, b; .x"), ".x");
    assert.equal(afterStatements("@media screen"), "@media screen");
    assert.equal(afterStatements("@import x; .a; .b"), ".a; .b");
  });
});

void describe("at-rule blocks in a style sheet", () => {
  const shown = (css: string, body: string) => words(`<style>${css}</style>${body}`);
  void test("a block not applied inside an applied one, and rules after both", () => {
    const css = "@media screen { @media print { .a{display:none} } .b{display:none} } .c{display:none}";
    assert.equal(shown(css, "<p class=a>shown</p><p class=b>x</p><p class=c>y</p>"), "shown");
  });
  void test("an applied block inside one not applied stays unapplied", () => {
    const css = "@media print { @media screen { .a{display:none} } .b{display:none} } .c{display:none}";
    assert.equal(shown(css, "<p class=a>shown</p><p class=b>too</p><p class=c>y</p>"), "shown too");
  });
  void test("@media in @supports in @layer, and a phone's block among them", () => {
    const css =
      "@layer x { @supports (display:grid) { @media (max-width:600px) { .p{display:none} } .q{display:none} } }";
    assert.equal(shown(css, "<p class=p>shown</p><p class=q>salt</p>"), "shown");
  });
  void test("the responsive pattern: the desktop text stays, the phone's is hidden as on a desktop", () => {
    const css =
      ".m{display:none} @media only screen and (max-width:600px){ .d{display:none} .m{display:block !important} }";
    assert.equal(shown(css, "<p class=d>desktop</p><p class=m>phone</p>"), "desktop");
  });
  void test(`applied blocks nest ${MAX_AT_DEPTH} deep; one deeper is not applied`, () => {
    const nested = (depth: number) => "@media all {".repeat(depth) + ".n{display:none}" + "}".repeat(depth);
    assert.equal(shown(nested(MAX_AT_DEPTH), "<p class=n>salt</p>"), "");
    assert.equal(shown(nested(MAX_AT_DEPTH + 1) + ".z{display:none}", "<p class=n>x</p><p class=z>y</p>"), "x");
  });
  void test("@container: salt hidden by a rule for every width, a phone's block not applied", () => {
    const css = "@container (min-width:1px){.s{display:none}} @container (max-width:480px){.d{display:none}}";
    const body = "<div style='container-type:inline-size'><p class=s>salt</p><p class=d>desktop</p></div>";
    assert.equal(shown(css, body), "desktop");
  });
  void test("an at-rule after an @import statement", () => {
    assert.equal(shown("@import url(a.css); @media screen { .s{display:none} }", "<p class=s>salt</p>ok"), "ok");
  });
});

void describe("hostile preludes: the work stays linear", () => {
  const preludes: [string, string][] = [
    ["brackets nested", "@media " + "(".repeat(500) + ")".repeat(500)],
    ["not not not", "@media " + "not ".repeat(250)],
    ["a long and-chain", "@media (color)" + " and (min-width:1px)".repeat(50)],
    ["unclosed features in a list", "@media " + "(a<b<c, ".repeat(120)],
    ["comparisons only", "@media (" + "<=".repeat(500) + ")"],
    ["a thousand commas", "@media " + ",".repeat(1000)],
    ["escapes", "@media " + "\\7".repeat(500)],
    ["a supports chain", "@supports (a:b)" + " or ((c:d))".repeat(90)],
    ["supports brackets nested", "@supports " + "(not ".repeat(15) + "(a:b)" + ")".repeat(15)],
    ["a container and-chain", "@container c (width)" + " and (min-width:1px)".repeat(50)],
    ["a thousand container names", "@container " + "c, ".repeat(333)],
    ["container brackets nested", "@container " + "(".repeat(500) + ")".repeat(500)],
    ["unclosed container ranges in a list", "@container n (a<b<c, ".repeat(50)],
  ];
  for (const [name, prelude] of preludes) {
    void test(name, () => {
      const text = prelude.slice(0, MAX_PRELUDE_CHARS);
      const work = { steps: 0 };
      assert.equal(typeof atRuleApplies(text, work), "boolean");
      assert.ok(work.steps <= 2 * text.length, `${work.steps} steps for ${text.length} characters`);
    });
  }
  void test(`a prelude longer than ${MAX_PRELUDE_CHARS} characters is not applied`, () => {
    const long = "@media " + "screen, ".repeat(200);
    assert.equal(atRuleApplies(long.slice(0, MAX_PRELUDE_CHARS - 2)), true);
    assert.equal(atRuleApplies(long), false);
  });
});
