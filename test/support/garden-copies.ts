/**
 * Copies of one garden shop's newsletter, the campaign the tests of what a ham verdict covers send (README, "What a
 * ham verdict covers"): the same text each time, its own recipient and reference, a link and, when given, a file
 * attached. The text is long enough for the fingerprint's MinHash, so every copy joins the first one's campaign.
 * And a scripted scanner for them, so that what those tests check is which verdict each copy gets, not a scanner's
 * judgement.
 */
import type { Scanner } from "../../src/scanners/types.js";

const GARDEN_TEXT = [
  "Our spring garden collection has arrived, with seedlings raised in small batches by growers we have known",
  "for years. Tomatoes, peppers and three kinds of basil are ready for planting once the nights stay mild, and",
  "the heritage beans that sold out last season are back in limited numbers. Every order ships in recycled",
  "trays with a printed guide to watering, spacing and the first feed, and our helpline answers questions about",
  "pests, poor soil or a balcony that gets only morning sun. Members collect a stamp with each purchase and",
  "swap a full card for a bag of compost at any of our stores before the end of June.",
].join("\r\n");

/** A file attached to a copy: its name and its content. */
export interface AttachedFile {
  name: string;
  content: string;
}

/** Copy `n` of the newsletter linking to `https://www.<link>/`, dated `date` and with `attached` when given. */
export function gardenCopy(link: string, n: number, options: { date?: Date; attached?: AttachedFile } = {}): Buffer {
  const { date, attached } = options;
  const head =
    (date ? `Date: ${date.toUTCString()}\r\n` : "") +
    `From: Garden Shop <news@shop.example>\r\nTo: reader${n}@rcpt.test\r\nSubject: Spring seedlings are here\r\n` +
    `Message-ID: <${n}.${link}@shop.example>\r\nMIME-Version: 1.0\r\n`;
  const text = `${GARDEN_TEXT}\r\n\r\nOrder now: https://www.${link}/spring?r=${n}\r\n`;
  if (!attached) return Buffer.from(`${head}Content-Type: text/plain; charset=utf-8\r\n\r\n${text}`);
  return Buffer.from(
    `${head}Content-Type: multipart/mixed; boundary=part\r\n\r\n--part\r\n` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${text}--part\r\n` +
      `Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="${attached.name}"\r\n\r\n` +
      `${attached.content}\r\n--part--\r\n`,
  );
}

/** Calls spam a message with bad.example anywhere in it (its link, or a file attached), ham anything else; records
 * each scan as `<the copy's link> <verdict>`. */
export function badLinkScanner(): Scanner & { scans: string[] } {
  const scans: string[] = [];
  return {
    name: "test",
    saysHam: true,
    scans,
    scan: async (message) => {
      const text = message.toString("latin1");
      const link = /Order now: https:\/\/www\.([^/]+)\//.exec(text)?.[1] ?? "none";
      const bad = text.includes("bad.example");
      scans.push(`${link} ${bad ? "spam" : "ham"}`);
      return bad
        ? { verdict: "spam", score: 12, threshold: 5, rules: ["BAD_LINK"] }
        : { verdict: "ham", score: 0, threshold: 5, rules: [] };
    },
  };
}
