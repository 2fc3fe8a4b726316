/**
 * The first pass for selectors that need what follows an element (src/fingerprint/css-lookahead.ts): made only for a
 * sheet that uses them, what it records of each element, its cap, and work that grows with the elements, whatever
 * their nesting (counted, never timed).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Ancestors, MAX_HAS } from "../../src/fingerprint/css-context.js";
import { MAX_COMPLEX, MAX_RULES } from "../../src/fingerprint/css-sheet.js";
import { MAX_RECORDED } from "../../src/fingerprint/css-lookahead.js";
import { htmlToText, surveyElements } from "../../src/fingerprint/html-text.js";
import { readStyleSheet } from "../../src/fingerprint/html-visibility.js";

const survey = (html: string) => surveyElements(html, readStyleSheet(html));

void describe("which sheets make the first pass", () => {
  test("only those whose selectors need what follows an element", () => {
    for (const [css, lookahead] of [
      [".w span, li:nth-child(2n), p + b, :is(.a, .b) i, :where(p){color:red}", false],
      ["li:last-child{color:red}", true],
      ["p:not(:empty){color:red}", true],
      [":is(.a, :only-of-type){color:red}", true],
      ["div:has(> b){color:red}", true],
      ["a:hover:last-child, p:has(.a, .b), div:has(> p > b), :has(:last-child){color:red}", false],
      ["p:has(~ b){color:red}", true],
    ] as const) {
      assert.equal(readStyleSheet(`<style>${css}</style>`).needs.lookahead, lookahead, css);
    }
  });

  test(`:has() tests of ${MAX_HAS} texts at most: a rule past them is not applied`, () => {
    const tests = Array.from({ length: MAX_HAS }, (_, i) => `div:has(> .h${i}){color:red}`).join("");
    const html = `<style>${tests} div:has(> .late){display:none}</style><div><i class=late></i>shown</div>`;
    assert.equal(readStyleSheet(html).needs.has.size, MAX_HAS);
    assert.match(htmlToText(html), /shown/);
  });
});

void describe("what the first pass records", () => {
  test("positions from the last, of any name and of its own, and emptiness", () => {
    // element 0 is the style block, 1 the div; then its children
    const s = survey("<style>p:last-child{color:red}</style><div><p>a</p><b></b><p><!-- c --></p><br></div>");
    assert.deepEqual([s.lastIndex(2), s.lastIndex(3), s.lastIndex(4), s.lastIndex(5)], [4, 3, 2, 1]);
    assert.deepEqual([s.lastTypeIndex(2), s.lastTypeIndex(3), s.lastTypeIndex(4)], [2, 1, 1]);
    assert.deepEqual([s.empty(1), s.empty(2), s.empty(3), s.empty(4), s.empty(5)], [false, false, true, true, true]);
    assert.equal(s.empty(0), false, "the style block holds its text");
  });

  test(":has() of a later sibling", () => {
    const s = survey("<style>u:has(~ b){color:red}</style><div><u></u><b></b><u></u></div><u></u><i><b></b></i>");
    // elements: 1 div, 2 u, 3 b, 4 u, 5 u, 6 i, 7 b
    assert.deepEqual([s.has(2), s.has(3), s.has(4), s.has(5), s.has(6)], [1, 0, 0, 0, 0]);
  });

  test(":has() of a child, a descendant and the next sibling", () => {
    const s = survey("<style>u:has(> b), u:has(b), u:has(+ b){color:red}</style><u><u><b></b></u></u><u></u><b></b>");
    // bits: > b is 1, b is 2, + b is 4; elements: 1 u, 2 u, 3 b, 4 u, 5 b
    assert.deepEqual([s.has(1), s.has(2), s.has(3), s.has(4), s.has(5)], [2, 3, 0, 4, 0]);
  });

  test(`past ${MAX_RECORDED} elements their facts are not known, and earlier ones still count them`, () => {
    const items = MAX_RECORDED + 4;
    const html = "<style>li:last-child{display:none}</style><ul>" + "<li></li>".repeat(items) + "<li>last</li></ul>";
    const s = survey(html);
    assert.equal(s.recorded, MAX_RECORDED);
    assert.equal(s.lastIndex(2), items + 1, "the first item counts every later one");
    assert.match(htmlToText(html, Infinity), /last/, "the last item's position is not known: the rule is not applied");
  });
});

void describe("the first pass's work grows with the elements", () => {
  const sheet = "<style>li:last-child, li:empty + li, ul:has(> li.z), b:has(i), b:has(+ b) i{display:none}</style>";
  const documents: [string, (n: number) => string][] = [
    ["a flat list", (n) => `${sheet}<ul>${"<li>x</li>".repeat(n)}</ul>`],
    ["deep nesting", (n) => sheet + "<b><i>x</i>".repeat(n)],
    ["nested lists", (n) => sheet + "<ul><li>x".repeat(n)],
    ["unclosed elements in table cells", (n) => `${sheet}<table><tr>${"<td><b>".repeat(n)}`],
  ];
  for (const [name, at] of documents) {
    test(`${name}: at most a few steps an element, at 10,000 and 40,000`, () => {
      const elements = (html: string) => (html.match(/<[a-z]/g) ?? []).length;
      const [small, large] = [at(10_000), at(40_000)];
      const [w1, w4] = [survey(small).work, survey(large).work];
      // an element: one step, its :has() compounds (3 here), its close; text one step more
      assert.ok(w1 <= 8 * elements(small), `${w1} steps for ${elements(small)} elements`);
      assert.ok(w4 <= 8 * elements(large), `${w4} steps for ${elements(large)} elements`);
      assert.ok(w4 / w1 <= 4.1, `${w4} steps against ${w1}`);
    });
  }

  test(`1,024 rules that need what follows: an element checks at most ${MAX_COMPLEX}, each in a few steps`, () => {
    const kinds = ["li:last-child", "li:nth-last-child(2n)", "li:is(.a, .b)", "ul:has(> .z) li", "li:not(:empty)"];
    const css = Array.from({ length: MAX_RULES }, (_, i) => `${kinds[i % kinds.length]}{color:red}`).join("");
    const html = `<style>${css}</style><ul>${"<li class=a>x</li>".repeat(1000)}</ul>`;
    const sheet = readStyleSheet(html);
    const ancestors = new Ancestors(sheet.needs, surveyElements(html, sheet));
    // the elements as the reader tells of them: the style block, the list, its items
    const open = (tag: string, classes: string[], isVoid: boolean) => {
      sheet.matching(tag, classes, null, ancestors);
      ancestors.opened(ancestors.facts(tag, classes, null, {}), isVoid);
    };
    open("style", [], true);
    open("ul", [], false);
    const checks = sheet.checks;
    for (let i = 0; i < 1000; i++) {
      open("li", ["a"], false);
      ancestors.pop();
    }
    assert.equal(sheet.checks - checks, MAX_COMPLEX * 1000);
  });

  test("the text read with the first pass is what its rules hide and no more", () => {
    const html = (n: number) => `${sheet}<ul>${"<li>x</li>".repeat(n)}</ul><p>end</p>`;
    assert.equal(htmlToText(html(40_000)).replace(/\s+/g, " ").trim(), `${"x ".repeat(39_999)}end`);
  });
});
