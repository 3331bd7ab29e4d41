// GLoRIA's report cleaning (gloria-numerics §3.1) and the reference's character count (§4.2), ported with
// Python's semantics (code points, `\w`, ASCII-only digits in the list-marker regex). Pure strings.

// Python's `[0-9]+\.`: ASCII digits only, so a decimal such as "1.5" is cut too (§3.1 step 2).
const LIST_MARKER = /[0-9]+\./g;
// Python 3's `\w` on str = str.isalnum() or "_": letters (L*) and numbers (Nd, Nl, No), not marks.
const PY_WORD = /[\p{L}\p{N}_]+/gu;
// `t.encode("ascii", "ignore")` drops every code point above U+007F.
const NON_ASCII = /[^\p{ASCII}]/gu;

/** The words of one sentence as the reference's RegexpTokenizer(r"\w+") sees them, lower-cased. */
function sentenceTokens(sentence: string): string[] {
  return sentence.replaceAll("\ufffd\ufffd", " ").toLowerCase().match(PY_WORD) ?? [];
}

/**
 * gloria-numerics §3.1: newlines → spaces, split on numbered-list markers and on ".", drop sentences of
 * ≤ 1 token, strip non-ASCII from each token, join with single spaces. Punctuation disappears and a
 * one-word input becomes "".
 */
export function cleanReportText(raw: string): string {
  const pieces = raw
    .replaceAll("\n", " ")
    .split(LIST_MARKER)
    .flatMap((piece) => piece.split("."));
  const sentences: string[] = [];
  for (const piece of pieces) {
    const tokens = sentenceTokens(piece);
    if (tokens.length <= 1) continue;
    const kept = tokens.map((t) => t.replace(NON_ASCII, "")).filter((t) => t.length > 0);
    sentences.push(kept.join(" "));
  }
  return sentences.join(" ");
}

/**
 * The reference's `cap_lens` (gloria-numerics §4.2, §10.2): the number of code points of the raw string
 * that are not "[" (it counts the characters that do not start with "["). Python's len counts code
 * points, so a character outside the BMP counts once, unlike String.length.
 */
export function referenceCharCount(raw: string): number {
  let count = 0;
  for (const ch of raw) if (ch !== "[") count += 1;
  return count;
}
