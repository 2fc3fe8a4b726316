/** Random text for the fingerprint's tests: lowercase words of 3 to 9 letters, drawn from a seeded PRNG. */

/** Random lowercase words, about `bytes` long, space-separated. */
export function randomWords(random: () => number, bytes: number): string {
  const words: string[] = [];
  for (let n = 0; n < bytes;) {
    const word = Array.from({ length: 3 + Math.floor(random() * 7) }, () =>
      String.fromCharCode(97 + Math.floor(random() * 26)),
    ).join("");
    words.push(word);
    n += word.length + 1;
  }
  return words.join(" ");
}
