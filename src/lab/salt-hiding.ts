/**
 * The ways the evasion suite's hidden salt is hidden from a reader (./evasion.ts, hiddenSalt): each wraps a block of
 * HTML, with a style sheet rule when it needs one. Their order is part of the generator's output (a copy picks one by
 * its index), so a new way goes at the end, and the golden file is written again (benchmarks/fingerprint-same.ts).
 * Deterministic: every choice is drawn from the PRNG the generator passes.
 */
/** The generator's PRNG: a number in [0, 1). */
export type Random = () => number;

/** One of `items`, drawn by `random`. */
export const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

/** The ways, in the generator's order. */
export const HIDING: readonly ((html: string, random: Random) => { html: string; css?: string })[] = [
  (h) => ({ html: `<div style="display:none">${h}</div>` }),
  (h) => ({ html: `<div style="display: none !important; mso-hide: all">${h}</div>` }),
  (h) => ({ html: `<span style="visibility:hidden">${h}</span>` }),
  (h) => ({ html: `<span style="font-size:0px">${h}</span>` }),
  (h) => ({ html: `<span style="font:0/0 a;color:transparent">${h}</span>` }),
  (h) => ({ html: `<div style="opacity:0">${h}</div>` }),
  (h) => ({ html: `<div style="background-color:#ffffff"><span style="color:#FFFFFF">${h}</span></div>` }),
  (h) => ({ html: `<table bgcolor="#fafafa"><tr><td><font color="#fbfbfb">${h}</font></td></tr></table>` }),
  (h) => ({ html: `<font color="#fdfdfd">${h}</font>` }),
  (h) => ({ html: `<div style="max-height:0;overflow:hidden">${h}</div>` }),
  (h) => ({ html: `<div style="width:0;height:0;overflow:hidden">${h}</div>` }),
  (h) => ({ html: `<div style="position:absolute;left:-9999px;top:-9999px">${h}</div>` }),
  (h) => ({ html: `<p hidden>${h}</p>` }),
  (h, random) => {
    const name = `c${Math.floor(random() * 1e6).toString(36)}`;
    const rule = pick(random, ["display:none", "font-size:0", "visibility:hidden", "opacity:0"]);
    return { html: `<div class="row ${name}">${h}</div>`, css: `.${name} { ${rule} }` };
  },
  (h, random) => {
    const name = `s${Math.floor(random() * 1e6).toString(36)}`;
    return { html: `<span id="${name}">${h}</span>`, css: `#${name}{display:none}` };
  },
  (h, random) => {
    const name = `w${Math.floor(random() * 1e6).toString(36)}`;
    return { html: `<div class="${name}"><p><span>${h}</span></p></div>`, css: `.${name} p > span{display:none}` };
  },
  (h, random) => {
    const value = Math.floor(random() * 1e6).toString(36);
    return { html: `<span data-h="${value}">${h}</span>`, css: `span[data-h="${value}"]{display:none}` };
  },
  (h, random) => {
    const name = `n${Math.floor(random() * 1e6).toString(36)}`;
    return {
      html: `<div class="${name}"><b></b><span>${h}</span></div>`,
      css: `.${name} > :nth-child(2n){font-size:0}`,
    };
  },
  (h, random) => {
    const name = `b${Math.floor(random() * 1e6).toString(36)}`;
    return { html: `<div><i class="${name}"></i><p>${h}</p></div>`, css: `.${name} + p{display:none}` };
  },
  (h) => ({ html: `<span style="display&#58;n\\6f ne">${h}</span>` }),
  (h) => ({ html: `<span style="-webkit-text-fill-color:transparent">${h}</span>` }),
  (h) => ({ html: `<div style="transform:translateX(-9999px)">${h}</div>` }),
  (h, random) => {
    const name = `m${Math.floor(random() * 1e6).toString(36)}`;
    const query = pick(random, ["@media (min-width:1px)", "@media not print", "@supports (display:none)"]);
    return { html: `<div class="${name}">${h}</div>`, css: `${query} {\n.${name}{display:none}\n}` };
  },
  (h, random) => {
    const name = `v${Math.floor(random() * 1e6).toString(36)}`;
    return { html: `<div class="${name}">${h}</div>`, css: `:root{--${name}:none}\n.${name}{display:var(--${name})}` };
  },
  (h) => ({ html: `<span style="font-size:calc(1px - 1px)">${h}</span>` }),
  (h) => ({ html: `<div style="translate:-9999px">${h}</div>` }),
  (h) => ({ html: `<span style="color:oklch(100% 0 0)">${h}</span>` }),
  (h) => ({ html: `<div style="filter:blur(8px)">${h}</div>` }),
  (h, random) => {
    const name = `q${Math.floor(random() * 1e6).toString(36)}`;
    const css = `@container (min-width:1px) {\n.${name}{display:none}\n}`;
    return { html: `<div style="container-type:inline-size"><div class="${name}">${h}</div></div>`, css };
  },
  (h, random) => {
    const name = `l${Math.floor(random() * 1e6).toString(36)}`;
    return {
      html: `<div class="${name}"><p></p><span>${h}</span></div>`,
      css: `.${name} > span:last-child{display:none}`,
    };
  },
  (h, random) => {
    const name = `i${Math.floor(random() * 1e6).toString(36)}`;
    return { html: `<div class="${name}"><p>${h}</p></div>`, css: `:is(.${name}, .z${name}) > p{font-size:0}` };
  },
];
