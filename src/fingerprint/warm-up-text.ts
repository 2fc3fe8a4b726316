/**
 * The text of the built-in warm-up mail (./warm-up-mail.ts): sentences, paragraphs and HTML made from a small
 * vocabulary by a seeded generator, with what real text has that the tokeniser treats apart (numbers, words with a
 * number, links, addresses, accented and non-Latin words, the no-break space). Made up, never real mail. Pure.
 */

/** Common English mail words: the bulk of what the tokeniser walks. */
const WORDS = (
  "the of and to a in is you that it for your on with this are be as at we have from or by not all will can an " +
  "our more one about which their if has new information please email free click here list mail message time " +
  "people money business order report offer work would only other help use out now some any may get make just " +
  "like know see been what they when who there were its also was should than service site remove company number " +
  "thanks regards meeting tomorrow attached version release update problem server software kernel package build " +
  "think question answer week today price account credit bank save limited special receive million dollars best " +
  "quality internet program address subscribe unsubscribe below above call phone reply sincerely friend team"
).split(" ");

/** Words outside ASCII, as the text of latin1, windows and UTF-8 mail has them. */
const ACCENTED = ["café", "naïve", "Grüße", "Müller", "señor", "déjà", "façade", "größer", "été", "Øresund"];
const NON_LATIN = ["привет", "мир", "письмо", "你好", "世界", "邮件", "こんにちは", "メール", "안녕하세요", "Ελλάδα"];

/** A seeded source of choices. */
export interface Rng {
  (): number;
}

export const pick = <T>(rng: Rng, list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;

/** What a text may contain besides ASCII words. */
export type TextKind = "ascii" | "latin" | "unicode";

function word(rng: Rng, kind: TextKind): string {
  const roll = rng();
  if (roll < 0.04) return String(Math.floor(rng() * 100_000));
  if (roll < 0.06) return `${pick(rng, WORDS)}${Math.floor(rng() * 1000)}`;
  if (roll < 0.075) return `http://www.${pick(rng, WORDS)}${Math.floor(rng() * 90)}.com/${pick(rng, WORDS)}?id=${roll}`;
  if (roll < 0.085) return `${pick(rng, WORDS)}.${pick(rng, WORDS)}@example.org`;
  if (kind !== "ascii" && roll < 0.12) return pick(rng, ACCENTED);
  if (kind === "unicode" && roll < 0.16) return pick(rng, NON_LATIN);
  return pick(rng, WORDS);
}

/** One sentence of 4 to 20 words. */
export function sentence(rng: Rng, kind: TextKind): string {
  const count = 4 + Math.floor(rng() * 17);
  const words = Array.from({ length: count }, () => word(rng, kind));
  const first = words[0]!;
  words[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return words.join(rng() < 0.1 ? " \u00a0" : " ") + pick(rng, [".", ".", ".", "!", "?", ":"]);
}

/** Paragraphs of about `words` words in all, as lines of plain text (wrapped at about 72 characters). */
export function paragraphs(rng: Rng, words: number, kind: TextKind): string[] {
  const result: string[] = [];
  let written = 0;
  while (written < words) {
    const sentences = Array.from({ length: 1 + Math.floor(rng() * 5) }, () => sentence(rng, kind));
    written += sentences.join(" ").split(" ").length;
    result.push(sentences.join(" "));
  }
  return result;
}

/** Lines of at most about `width` characters, broken at spaces. */
export function wrapLines(text: string, width = 72): string[] {
  const lines: string[] = [];
  let line = "";
  for (const part of text.split(" ")) {
    if (line.length > 0 && line.length + part.length + 1 > width) {
      lines.push(line);
      line = part;
    } else line = line.length > 0 ? `${line} ${part}` : part;
  }
  if (line.length > 0) lines.push(line);
  return lines;
}

/** Plain text: the paragraphs wrapped, a quoted reply or a signature now and then. */
export function plainText(rng: Rng, words: number, kind: TextKind): string {
  const blocks = paragraphs(rng, words, kind).map((p) => wrapLines(p).join("\n"));
  if (rng() < 0.3)
    blocks.push(
      wrapLines(sentence(rng, kind))
        .map((l) => `> ${l}`)
        .join("\n"),
    );
  if (rng() < 0.5) blocks.push(`-- \n${pick(rng, WORDS)} ${pick(rng, WORDS)}\nhttp://www.example.com/`);
  return blocks.join("\n\n");
}

/** An inline style of the kinds html-visibility reads; now and then one that hides the element. */
function style(rng: Rng): string {
  return pick(rng, [
    "color:#333333;font-family:Arial,sans-serif",
    "font-size:12px;margin:0 0 10px 0",
    "display:none",
    "color:#ffffff;background-color:#ffffff",
    "font-size:1px;line-height:1px",
    "padding:4px;border:1px solid #cccccc",
  ]);
}

/** HTML of about `words` words: a style sheet, a table layout, links, images, entities, a hidden block. */
export function htmlText(rng: Rng, words: number, kind: TextKind): string {
  const body = paragraphs(rng, words, kind).map((p, i) => {
    const text = p.replace(/&/g, "&amp;").replace(/</g, "&lt;");
    switch (i % 5) {
      case 0:
        return `<p style="${style(rng)}">${text}</p>`;
      case 1:
        return `<tr><td class="c${i}"><font size="2" face="Verdana">${text}</font></td></tr>`;
      case 2:
        return `<div class="${rng() < 0.3 ? "h" : "v"}">${text}&nbsp;<a href="http://www.example${i}.com/p?i=${i}">${pick(rng, WORDS)}</a></div>`;
      case 3:
        return `<span style="${style(rng)}">${text}</span><br>\n<img src="http://img.example.net/${i}.gif" alt="${pick(rng, WORDS)}">`;
      default:
        return `<ul><li>${text.split(". ").join("&#8217;</li>\n<li>")}</li></ul><!-- ${pick(rng, WORDS)} -->`;
    }
  });
  return (
    `<!DOCTYPE html>\n<html><head><meta charset="x"><title>${pick(rng, WORDS)}</title>\n` +
    `<style type="text/css">\n.h { display: none; }\n.v { color: #222; }\np { margin: 0; }\n@media (max-width: 600px) { .v { font-size: 14px } }\n</style></head>\n` +
    `<body bgcolor="#ffffff"><table width="600" cellpadding="0">\n${body.join("\n")}\n</table>\n` +
    `<center><b>${pick(rng, WORDS)}</b> &copy; &quot;${pick(rng, WORDS)}&quot; &#169; &#x2014;</center></body></html>\n`
  );
}
