/**
 * Test support: a writable stand-in for stdout/stderr that keeps what a command printed.
 */

export function sink(): { write(s: string): boolean; readonly text: string } {
  let text = "";
  return {
    write: (s: string) => {
      text += s;
      return true;
    },
    get text() {
      return text;
    },
  };
}
