/**
 * The tokens of canonical text that holds characters outside ASCII (./normalise.ts), as one expression defines them:
 * a URL, an e-mail address, one ideograph or kana (those scripts write no spaces), or a word of letters, digits and
 * combining marks. The expression is run without its address alternative wherever no address can start, because
 * trying that alternative reads up to 64 characters ahead at every position where it fails, and in a run of
 * ideographs (each a token of its own, and each a letter an address's local part may hold) that is every character:
 * 64 steps a character (benchmarks/README.md, "Text written without spaces"). Where an address can start is known
 * from each "@": its domain must follow it, and the characters before it, at most MAX_LOCAL_PART of them, make the
 * local part. A run of ideographs and kana is then walked once rather than matched a character at a time. The
 * tokens are exactly TOKEN's matches, one after the other (test/unit/fingerprint-unicode-tokens.test.ts compares
 * them). Linear: each "@" is looked at once, over at most MAX_LOCAL_PART characters back and its domain ahead. Pure.
 */

const CJK = String.raw`\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}`;
/** The local part of an address, its "@" and its domain (TOKEN's third alternative, in pieces). */
const LOCAL_PART_CHAR = String.raw`[\p{L}\p{N}._%+\-]`;
/** The longest local part TOKEN takes, in code points. */
export const MAX_LOCAL_PART = 64;
const DOMAIN = String.raw`[\p{L}\p{N}\-]{1,63}(?:\.[\p{L}\p{N}\-]{1,63}){1,8}`;
const ADDRESS = `${LOCAL_PART_CHAR}{1,${MAX_LOCAL_PART}}@${DOMAIN}`;

// The second alternative is only a shortcut: a word followed by a character that can neither continue it nor
// an address is what the last alternative would give after the address one failed, found without trying that.
// The scan is linear although a failed attempt of the second alternative walks back over its word: the last one
// then matches that whole word, so no character is walked over twice by failed attempts (the lint rule against
// super-linear moves cannot see that one alternative always succeeds where another failed).
const LINK = String.raw`(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'\x60\(\)\[\]\{\}\|\\\^]+`;
const WORD_NOT_ADDRESS = String.raw`[[\p{L}\p{N}\p{M}]--[${CJK}]]+(?![\p{L}\p{N}\p{M}._%+\-@])`;
const IDEOGRAPH = `[${CJK}]`;
const WORD = String.raw`[[\p{L}\p{N}\p{M}]--[${CJK}]]+`;

/** Every token, the definition (TOKEN's alternatives in this order, the leftmost match first). */
// eslint-disable-next-line regexp/no-super-linear-move -- linear: the last alternative takes any word
export const TOKEN = new RegExp([LINK, WORD_NOT_ADDRESS, ADDRESS, IDEOGRAPH, WORD].join("|"), "gv");
/** TOKEN without the address: the same matches wherever no address can start. */
// eslint-disable-next-line regexp/no-super-linear-move -- linear: the last alternative takes any word
const TOKEN_WITHOUT_ADDRESS = new RegExp([LINK, WORD_NOT_ADDRESS, IDEOGRAPH, WORD].join("|"), "gv");
const LOCAL_PART_CODE_POINT = new RegExp(`^${LOCAL_PART_CHAR}$`, "v");
const DOMAIN_AT = new RegExp(DOMAIN, "vy");
const IDEOGRAPH_RUN_AT = new RegExp(`[${CJK}]+`, "vy");

/**
 * Each match of TOKEN in `text`, in order, with its index; `emit` returns false to stop.
 */
export function eachUnicodeToken(text: string, emit: (token: string, index: number) => boolean): void {
  const addresses = new AddressStarts(text);
  for (let from = 0; from < text.length;) {
    from = eachIdeograph(text, from, addresses, emit);
    if (from < 0) return;
    TOKEN_WITHOUT_ADDRESS.lastIndex = from;
    let match = TOKEN_WITHOUT_ADDRESS.exec(text);
    const start = addresses.firstFrom(from, match === null ? text.length : match.index);
    if (start >= 0) {
      // An address starts there and nothing did before it: TOKEN decides between it and what else starts there.
      TOKEN.lastIndex = start;
      match = TOKEN.exec(text);
    }
    if (match === null || !emit(match[0], match.index)) return;
    from = match.index + match[0].length;
  }
}

/**
 * The ideographs and kana of the run that starts at `from` (none when `from` is not one), each a token of its own
 * (TOKEN's only match there: no link or word starts with one), up to where an address can start; where the walk
 * stopped, or -1 when `emit` said to stop. One expression a run instead of one a character.
 */
function eachIdeograph(
  text: string,
  from: number,
  addresses: AddressStarts,
  emit: (token: string, index: number) => boolean,
): number {
  IDEOGRAPH_RUN_AT.lastIndex = from;
  if (!IDEOGRAPH_RUN_AT.test(text)) return from;
  const address = addresses.firstFrom(from, IDEOGRAPH_RUN_AT.lastIndex);
  const end = address < 0 ? IDEOGRAPH_RUN_AT.lastIndex : address;
  let at = from;
  while (at < end) {
    const width = isHighSurrogate(text.charCodeAt(at)) ? 2 : 1;
    if (!emit(text.slice(at, at + width), at)) return -1;
    at += width;
  }
  return at;
}

/** Where addresses can start in a text: walked forward, "@" by "@". */
class AddressStarts {
  /** The "@" looked at (-1: none left), and the first position an address ending at it can start (Infinity: none). */
  private at: number;
  private earliest = Infinity;

  constructor(private readonly text: string) {
    this.at = text.indexOf("@");
    if (this.at >= 0) this.earliest = this.earliestStart(this.at);
  }

  /** The first position in [from, end] where TOKEN's address alternative matches, or -1 when none does. */
  firstFrom(from: number, end: number): number {
    while (this.at >= 0) {
      if (this.at < from) {
        this.next(from);
        continue;
      }
      // The local part holds no "@": an address that starts before this "@" ends at it, one that ends at a later
      // one starts after it.
      const start = Math.max(from, this.earliest);
      if (start < this.at) return start <= end ? start : -1;
      if (this.at >= end) return -1;
      this.next(this.at + 1);
    }
    return -1;
  }

  private next(from: number): void {
    this.at = this.text.indexOf("@", from);
    this.earliest = this.at < 0 ? Infinity : this.earliestStart(this.at);
  }

  /** The first position of an address whose "@" is at `at`: back over at most MAX_LOCAL_PART code points of the
   * local part's characters, when the domain follows; Infinity when none can. */
  private earliestStart(at: number): number {
    DOMAIN_AT.lastIndex = at + 1;
    if (!DOMAIN_AT.test(this.text)) return Infinity;
    let start = at;
    for (let n = 0; n < MAX_LOCAL_PART && start > 0; n++) {
      const low = this.text.charCodeAt(start - 1);
      const pair = low >= 0xdc00 && low <= 0xdfff && start > 1 && isHighSurrogate(this.text.charCodeAt(start - 2));
      const width = pair ? 2 : 1;
      if (!LOCAL_PART_CODE_POINT.test(this.text.slice(start - width, start))) break;
      start -= width;
    }
    return start < at ? start : Infinity;
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
