/**
 * The rules of a document's `<style>` blocks applied to its elements (src/fingerprint/css-sheet.ts, css-fold.ts):
 * the same declarations as applying every matching rule in turn, and work that grows with the elements and the rules,
 * never with their product (a stylesheet of 1,024 rules for one class named on every element once took 16 s); one
 * budget a document for what the cascade does, past which later elements are read by their own markup; and the
 * memory nested elements keep.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import { defaultConfig } from "../../src/config/schema.js";
import { CASCADE_BUDGET } from "../../src/fingerprint/css-budget.js";
import { taskOptions } from "../../src/fingerprint/pool-messages.js";
import { runFingerprintTask } from "../../src/fingerprint/task.js";
import { MAX_COMPLEX, MAX_RULES, MAX_UNIVERSAL, StyleSheet } from "../../src/fingerprint/css-sheet.js";
import { Ancestors } from "../../src/fingerprint/css-context.js";
import { elementKeys } from "../../src/fingerprint/css-selectors.js";
import { cascade, emptyDeclarations, parseDeclarations, type StyleDecls } from "../../src/fingerprint/css-style.js";
import { htmlToText, HIDDEN_CLOSE, HIDDEN_OPEN, type HtmlTextStats } from "../../src/fingerprint/html-text.js";
import { attributes, MAX_ATTRIBUTE_VALUE } from "../../src/fingerprint/html-tags.js";
import { readStyleSheet, ROOT, visibilityOf } from "../../src/fingerprint/html-visibility.js";

/** Every start tag of a document given to visibilityOf as html-text does (as children of the root); their count. */
function visitElements(html: string, sheet: StyleSheet): number {
  let elements = 0;
  for (const m of html.matchAll(/<([a-z]+)(\s[^>]*)?>/g)) {
    const nameEnd = m.index + 1 + m[1]!.length;
    visibilityOf(ROOT, m[1]!, attributes(html, nameEnd, m.index + m[0].length - 1), sheet);
    elements++;
  }
  return elements;
}

const classBomb = (rule: string, rules = MAX_RULES) =>
  `<style>${`.a{${rule}}`.repeat(rules)}</style>` + `<b class="${"a ".repeat(16)}">w</b>`.repeat(5400) + "hello";
const tagBomb = (rule: string, rules = MAX_RULES) =>
  `<style>${`b{${rule}}`.repeat(rules)}</style>` + "<b>w".repeat(80_000);

void describe("a stylesheet with many rules for one selector", () => {
  test("1,024 rules for a class named 16 times on 5,400 elements: the text of one rule", () => {
    for (const rule of ["color:red", "display:none", "font-size:0"]) {
      assert.equal(htmlToText(classBomb(rule)), htmlToText(classBomb(rule, 1)), rule);
    }
  });

  test("1,024 rules for a tag on 80,000 elements: the text of one rule", () => {
    for (const rule of ["color:red", "display:none", "visibility:hidden !important"]) {
      assert.equal(htmlToText(tagBomb(rule), Infinity), htmlToText(tagBomb(rule, 1), Infinity), rule);
    }
  });

  test("the last of the rules wins, as one rule alone would", () => {
    const css = ".a{display:none}".repeat(1023) + ".a{display:inline}";
    const html = `<style>${css}</style>` + `<b class="a a a">shown</b>`.repeat(100);
    assert.equal(
      htmlToText(html),
      htmlToText(`<style>.a{display:inline}</style>` + `<b class=a>shown</b>`.repeat(100)),
    );
  });

  test(`rules with descendant selectors: the first ${MAX_COMPLEX} are kept, so an element costs at most those`, () => {
    const rules = (n: number, rule: string) => `<style>${`div b{${rule}}`.repeat(n)}</style>`;
    const body = "<div>" + "<b>w</b>".repeat(20_000) + "</div>";
    const sheet = readStyleSheet(rules(MAX_RULES, "color:red"));
    assert.equal(sheet.hasComplex, true);
    const inDiv = new Ancestors();
    inDiv.push(elementKeys("div", [], null));
    for (let i = 0; i < 1000; i++) sheet.matching("b", [], null, inDiv);
    // One fold a kept rule as it is read, then one a kept rule for each element it matches.
    assert.equal(sheet.merges, MAX_COMPLEX + MAX_COMPLEX * 1000);
    // The rule past the kept ones is not applied; the same rule among them is.
    const late = rules(MAX_COMPLEX, "color:red") + "<style>div b{display:none}</style>" + body;
    assert.match(htmlToText(late), /w/);
    assert.doesNotMatch(htmlToText(rules(1, "display:none") + body), /w/);
  });

  test(`1,024 rules of attribute selectors, pseudo-classes, * and siblings: an element checks at most ${MAX_COMPLEX}`, () => {
    const kinds = ["b[data-a]", "[data-a^=x]", "b:nth-child(n)", "i + b", "i ~ b:not(.z)", ".w > b:first-of-type"];
    const css = Array.from({ length: MAX_RULES }, (_, i) => `${kinds[i % kinds.length]}{color:red}`).join("");
    const sheet = readStyleSheet(`<style>${css}</style>`);
    const ancestors = new Ancestors(sheet.needs);
    const open = (tag: string, tagText: string, isVoid: boolean) => {
      const attrs = attributes(tagText, 0, tagText.length, sheet.attributeNames);
      const classes = attrs.class ? [attrs.class] : [];
      sheet.matching(tag, classes, null, ancestors, attrs);
      ancestors.opened(ancestors.facts(tag, classes, null, attrs), isVoid);
    };
    open("div", " class=w", false);
    const [checks, merges] = [sheet.checks, sheet.merges];
    for (let i = 0; i < 1000; i++) {
      open("i", "", true);
      open("b", " data-a=x1", true);
    }
    // Every kept selector is filed under a key of <b> (its name or data-a), none under <i>'s: each <b> checks all
    // of them and matches all (the first child of its type only once), each <i> checks none.
    assert.equal(sheet.checks - checks, MAX_COMPLEX * 1000);
    assert.ok(sheet.merges - merges <= MAX_COMPLEX * 1000, `${sheet.merges - merges} merges`);
    assert.ok(sheet.merges - merges >= (MAX_COMPLEX - 16) * 1000, `${sheet.merges - merges} merges`);
  });

  test(`selectors filed under no key of the element (*, :first-child): ${MAX_UNIVERSAL} kept`, () => {
    for (const selector of ["*", ":first-child", "*:not(.z)", ".w *"]) {
      const sheet = readStyleSheet(`<style>${`${selector}{color:red}`.repeat(MAX_RULES)}</style>`);
      const ancestors = new Ancestors(sheet.needs);
      ancestors.push(elementKeys("div", ["w"], null));
      const checks = sheet.checks;
      for (let i = 0; i < 100; i++) sheet.matching("u", [], null, ancestors);
      assert.equal(sheet.checks - checks, MAX_UNIVERSAL * 100, selector);
    }
    // Past them a rule is not applied, and the page's white is not assumed if it declares a background.
    const late = `<style>${"*{color:red}".repeat(MAX_UNIVERSAL)}:first-child{display:none}</style><p>shown</p>`;
    assert.match(htmlToText(late), /shown/);
    assert.equal(
      readStyleSheet(`<style>${"*{color:red}".repeat(MAX_UNIVERSAL)}*{background:#000}</style>`).unfollowedBackground,
      true,
    );
  });

  test("the cascade's work stays within the elements and the rules", () => {
    for (const html of [classBomb("color:red"), tagBomb("color:red")]) {
      const sheet = readStyleSheet(html);
      const elements = visitElements(html, sheet);
      assert.ok(sheet.merges <= MAX_RULES + 2 * elements, `${sheet.merges} merges for ${elements} elements`);
    }
  });

  test("an element's work does not grow with the rules its selectors have", () => {
    const perElement = (rules: number) => {
      const css = Array.from({ length: 16 }, (_, i) => `.c${i}, b.c${i}, #x{color:red}`.repeat(rules)).join("");
      const names = Array.from({ length: 16 }, (_, i) => `c${i}`).join(" ");
      const html = `<style>${css}</style>` + `<b class="${names}" id=x>w</b>`.repeat(100);
      const sheet = readStyleSheet(html);
      const folded = sheet.merges;
      visitElements(html, sheet);
      return (sheet.merges - folded) / 100;
    };
    assert.equal(perElement(21), perElement(1));
    assert.ok(perElement(1) <= 1 + 2 * 16 + 2);
  });
});

void describe("what attribute selectors and pseudo-classes make the reader keep", () => {
  test("a tag's other attributes only when a rule names them, each value cut", () => {
    const tag = ` data-s="${"x".repeat(1000)}" title=t data-s=second`;
    assert.equal(attributes(tag, 0, tag.length).extra, undefined);
    const kept = attributes(tag, 0, tag.length, readStyleSheet("<style>[data-s]{color:red}</style>").attributeNames);
    assert.equal(kept.extra?.get("data-s"), "x".repeat(MAX_ATTRIBUTE_VALUE));
    assert.equal(kept.extra?.has("title"), false);
  });

  test("children are counted only when a rule needs positions or siblings", () => {
    for (const [css, positions, siblings] of [
      [".w span{color:red}", false, false],
      ["span[data-s]{color:red}", false, false],
      ["li:nth-child(2n) b{color:red}", true, false],
      ["p ~ b{color:red}", false, true],
      ["a:hover, p:last-child{color:red}", false, false],
      ["p:only-child{color:red}", true, false],
    ] as const) {
      const { needs } = readStyleSheet(`<style>${css}</style>`);
      assert.deepEqual([needs.positions, needs.siblings], [positions, siblings], css);
    }
  });
});

/** A rule as the property test writes it: a selector list and a declaration block. */
type TestRule = { selectors: string[]; block: string };

/** The declarations of an element by the rule of css-sheet: by tier (tag, class, id), in order inside a tier, each
 * rule's declarations over the ones before, `!important` over all normal ones. */
function reference(rules: TestRule[], tag: string, classes: string[], id: string | null): StyleDecls | null {
  const tiers: { order: number; block: string }[][] = [[], [], []];
  let order = 0;
  for (const { selectors, block } of rules) {
    for (const selector of selectors) {
      const m = /^([a-z]+)?(?:([.#])([a-z]+))?$/.exec(selector)!;
      const [, ruleTag = "", kind, name] = m;
      const at = order++;
      if (ruleTag !== "" && ruleTag !== tag) continue;
      if (kind === "." ? classes.includes(name!) : kind === "#" ? name === id : ruleTag === tag) {
        tiers[kind === "." ? 1 : kind === "#" ? 2 : 0]!.push({ order: at, block });
      }
    }
  }
  const matched = tiers.flatMap((tier) => tier.sort((a, b) => a.order - b.order));
  if (matched.length === 0) return null;
  const out: Record<string, unknown> = {};
  for (const level of ["normal", "important"] as const) {
    for (const { block } of matched) {
      const decls = parseDeclarations(block, emptyDeclarations())[level];
      for (const [property, value] of Object.entries(decls)) if (value !== undefined) out[property] = value;
    }
  }
  return out;
}

const declared = (d: StyleDecls) => Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined));

void describe("the folded cascade gives what applying each matching rule gives", () => {
  const tagName = fc.constantFrom("b", "p", "div");
  const className = fc.constantFrom("a", "b", "c");
  const idName = fc.constantFrom("x", "y");
  const selector = fc.oneof(
    tagName,
    className.map((c) => `.${c}`),
    fc.tuple(tagName, className).map(([t, c]) => `${t}.${c}`),
    idName.map((i) => `#${i}`),
    fc.tuple(tagName, idName).map(([t, i]) => `${t}#${i}`),
  );
  const declaration = fc.constantFrom(
    ...["display:none", "display:block", "color:red", "color:#fff", "font-size:0", "font:12px a", "opacity:0"],
    ...["visibility:hidden", "visibility:visible", "position:absolute", "left:-900px", "left:0", "width:1px"],
    ...["overflow:hidden", "background:#fff", "unknown:x"],
  );
  const block = fc
    .array(fc.tuple(declaration, fc.boolean()), { minLength: 0, maxLength: 4 })
    .map((ds) => ds.map(([d, important]) => (important ? `${d} !important` : d)).join(";"));
  const rule = fc.record({ selectors: fc.array(selector, { minLength: 1, maxLength: 3 }), block });
  const element = fc.record({
    tag: tagName,
    classes: fc.uniqueArray(className, { maxLength: 3 }),
    id: fc.option(idName, { nil: null }),
  });

  test("on random stylesheets and elements", () => {
    fc.assert(
      fc.property(
        fc.array(rule, { maxLength: 40 }),
        fc.array(element, { minLength: 1, maxLength: 8 }),
        (rules, els) => {
          const sheet = new StyleSheet();
          sheet.add(rules.map((r) => `${r.selectors.join(",")}{${r.block}}`).join("\n"));
          for (const { tag, classes, id } of els) {
            const expected = reference(rules, tag, classes, id);
            const got = sheet.matching(tag, classes, id);
            assert.equal(got === null, expected === null);
            if (got && expected) assert.deepEqual(declared(cascade(got, null)), declared(expected));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("a repeated class name is one class name, and names after the sixteenth are not read", () => {
    const html = (names: string) => `<style>.a{color:red}.z{display:none}</style><b class="${names}">salt</b>`;
    const marked = (names: string) => htmlToText(html(names), Infinity, { markHidden: true });
    assert.equal(marked("a ".repeat(16) + "z"), marked("a"));
    assert.equal(marked("a ".repeat(15) + "z"), `${HIDDEN_OPEN}salt${HIDDEN_CLOSE}`);
  });
});

/** Words of a text, one space apart. */
const wordsOf = (text: string) => text.split(/\s+/).filter((w) => w !== "");
const ATTRIBUTE_TESTS = `[data-x~=a i]`.repeat(7) + `[data-x~=zz i]`;
/** Hostile sheets and markup whose cascade work is a product of two sizes (F1-F3 of the review), each followed by a
 * tail read past the budget: salt hidden by a style attribute, salt hidden by the sheet's `.h` rule. */
/** Six properties given var() values, plain and !important: what each position rule below declares. */
const DEFERRED_BLOCK = ["color", "opacity", "width", "height", "top", "left"]
  .flatMap((p) => [`${p}:var(--a,1px)`, `${p}:var(--a,1px) !important`])
  .join(";");

const BUSTERS: [string, string, string][] = [
  [
    "512 attribute tests a selector on 400 elements of a 256-character attribute",
    Array(9)
      .fill(`a${`:not(${Array(8).fill(ATTRIBUTE_TESTS).join(",")})`.repeat(8)}`)
      .join(",") + "{color:red}",
    `<a data-x="${"a ".repeat(128)}">x</a>`.repeat(400),
  ],
  [
    "var() fallback chains 17 deep in every declaration of a rule for 3,000 elements",
    `b{${["display", "opacity", "color", "font-size", "width", "height"]
      .map((p) => `${p}:${"var(--a,".repeat(17)}${"x".repeat(800)}${")".repeat(17)}`)
      .join(";")}}`,
    "<b>w</b>".repeat(3000),
  ],
  [
    "46 position rules of 48 declarations with var() each, all matching 500 elements",
    Array.from({ length: 46 }, (_, k) => `b:nth-child(n+${k}){${DEFERRED_BLOCK}}`).join(""),
    "<b>w</b>".repeat(500),
  ],
];

void describe("the cascade's work budget (src/fingerprint/css-budget.ts)", () => {
  for (const [name, css, markup] of BUSTERS) {
    void test(`${name}: the budget is spent and recorded, later elements read by their own markup`, () => {
      const html =
        `<style>${css} .h{display:none}</style><i class=h>early</i>${markup}` +
        ` <span style="display:none">inlinesalt</span> <i class=h>sheetsalt</i> shown`;
      const stats = { visibleChars: 0, hiddenChars: 0, hiddenSinceVersionTwo: 0 } as HtmlTextStats;
      const words = wordsOf(htmlToText(html, Infinity, { stats }));
      assert.equal(stats.styleSpent, true);
      // Before the budget ran out the sheet hid its salt; past it a style attribute still hides, the sheet no more.
      assert.ok(!words.includes("early") && !words.includes("inlinesalt"), words.slice(-4).join(" "));
      assert.deepEqual(words.slice(-2), ["sheetsalt", "shown"]);
    });
  }

  void test("the budget is far above what a styled message costs: nothing recorded, the sheet applies", () => {
    const rows = `<tr><td class=c><p class=t>word</p><span class=h>salt</span></td></tr>`.repeat(500);
    const html = `<style>td.c{color:#333} .t{font-size:14px} .h{display:none} tr td p{margin:0}</style><table>${rows}</table>`; // prettier-ignore
    const stats = { visibleChars: 0, hiddenChars: 0, hiddenSinceVersionTwo: 0 } as HtmlTextStats;
    const sheet = readStyleSheet(html);
    assert.ok(!wordsOf(htmlToText(html, Infinity, { stats })).includes("salt"));
    assert.equal(stats.styleSpent, undefined);
    visitElements(html, sheet);
    assert.ok(sheet.budget.used * 100 < CASCADE_BUDGET, `${sheet.budget.used} steps`);
  });

  void test('a fingerprint whose HTML spent the budget says so: limit "style"; an ordinary one null', async () => {
    const [, css, markup] = BUSTERS[1]!;
    const mail = (html: string) =>
      Buffer.from(`Subject: s\r\nContent-Type: text/html\r\n\r\n${html}<p>${"word ".repeat(40)}</p>\r\n`, "latin1");
    const limitOf = async (html: string) => {
      const result = await runFingerprintTask({ ...taskOptions(defaultConfig().fingerprint), message: mail(html) });
      return result.status === "ok" ? result.fingerprint.limit : assert.fail("no fingerprint");
    };
    assert.equal(await limitOf(`<style>${css}</style>${markup}`), "style");
    assert.equal(await limitOf(`<style>b{color:red}</style>${markup}`), null);
  });
});

/** The fingerprint task on a message of `html`, in a thread with the heap the daemon's fingerprint threads have
 * (src/fingerprint/pool-threads.ts, threadHeapMb): its limit and word count, or how the thread died. */
async function inThread(html: string): Promise<{ limit: string | null; words: number } | { died: string }> {
  const code = `const { parentPort, workerData } = require("node:worker_threads");
    import(workerData.module).then(async ({ runFingerprintTask }) => {
      const result = await runFingerprintTask({ ...workerData.options, message: Buffer.from(workerData.mail) });
      const { limit, words } = result.fingerprint;
      parentPort.postMessage({ limit, words });
    });`;
  const module = new URL("../../src/fingerprint/task.js", import.meta.url).href;
  const config = defaultConfig().fingerprint;
  const mail = `From: a@b.c\r\nTo: d@e.f\r\nSubject: hi\r\nContent-Type: text/html\r\n\r\n${html}`;
  const worker = new Worker(code, {
    eval: true,
    workerData: { module, mail, options: taskOptions(config) },
    resourceLimits: { maxOldGenerationSizeMb: config.threadHeapMb },
  });
  try {
    return await new Promise((resolve) => {
      worker.once("message", resolve);
      worker.once("error", (e: Error & { code?: string }) => resolve({ died: e.code ?? e.message }));
    });
  } finally {
    await worker.terminate();
  }
}

const TEXT = ` ${"word ".repeat(50)}`;

void describe("the memory nested elements keep", () => {
  void test("60,000 nested elements under a rule of 64 custom properties finish in a 128 MB thread", async () => {
    assert.equal(defaultConfig().fingerprint.threadHeapMb, 128);
    const customs = Array.from({ length: 64 }, (_, i) => `--p${i}:1px`).join(";");
    const result = await inThread(`<style>b{${customs}}</style>${"<b>".repeat(60_000)}${TEXT}`);
    assert.ok("words" in result, JSON.stringify(result));
    assert.equal(result.words, 50);
  });

  // 160,000 took 85 MB when each open element had a map and a set; 330,000 (990 KB) ran the heap out
  void test("positional and sibling selectors over 330,000 nested elements finish in a 128 MB thread", async () => {
    for (const css of ["b:nth-child(2){color:red}", "b + i{color:red}"]) {
      const result = await inThread(`<style>${css}</style>${"<b>".repeat(330_000)}${TEXT}`);
      assert.ok("words" in result, `${css}: ${JSON.stringify(result)}`);
      assert.equal(result.words, 50);
    }
  });
});
