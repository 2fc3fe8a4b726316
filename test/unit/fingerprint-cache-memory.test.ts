/**
 * The fingerprint threads' caches keep what they remember, not the text it was found in: a URL or a charset name
 * cut from a message is a view into that message's text in V8, so a cache entry keyed by it would keep the whole
 * text alive (src/util/detached-string.ts). Measured on the heap after full collections.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { linkDomains } from "../../src/fingerprint/links.js";
import { detachedString } from "../../src/util/detached-string.js";
import { collectGarbage } from "../support/gc.js";

/** Heap used after full collections, MiB. */
function heapMiB(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** A 1 MiB text of its own (built, not a constant), with a link of its own in its middle. */
function textWithLink(n: number): string {
  const filler = `${n} `.repeat(Math.ceil(2 ** 19 / `${n} `.length));
  return `${filler} see https://www.shop${n}.example.com/offer/${n}/index.html today ${filler}`;
}

void describe("fingerprint caches and the texts they were read from", () => {
  void test("a detached string is equal to its source and shares nothing with it", () => {
    const source = textWithLink(1);
    const cut = source.slice(2 ** 19, 2 ** 19 + 60);
    assert.equal(detachedString(cut), cut);
    const odd = "\ud800 lone surrogate \udfff and text";
    assert.equal(detachedString(odd), odd);
  });

  void test("the link domains remembered do not keep 64 one-MiB message texts alive", () => {
    const before = heapMiB();
    for (let n = 0; n < 64; n++) {
      let text: string | null = textWithLink(n);
      assert.deepEqual(linkDomains(text, ""), [`example.com`]);
      text = null;
    }
    const grown = heapMiB() - before;
    assert.ok(grown < 16, `the heap grew ${grown.toFixed(1)} MiB after 64 texts of 1 MiB were dropped`);
  });
});
