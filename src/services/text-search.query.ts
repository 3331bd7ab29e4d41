// The web-search syntax of a text query as Postgres's websearch_to_tsquery reads it — "quoted
// phrases", `or`, `-word` and `-"phrase"` — split into what the query asks for and what it negates,
// so that the vector side can search for the first and leave out what the second excludes
// (docs/text-search.md). Pure.

export interface WebSearchQuery {
  /** The operands that are not negated, quotes removed, in order (`or` kept): what the query asks for. */
  positive: string;
  /** Whether an operand is negated (an odd number of `-` before it). */
  negates: boolean;
}

const SPACE = /\s/;

/**
 * Splits a query the way websearch_to_tsquery does: a `-` at the start of an operand negates it
 * (`--` negates twice, so it does not), whether spaces follow or not; a `-` inside a word is part of
 * it (x-ray); `(` and `)` only separate; a quote opens a phrase that runs to the next quote or the end.
 */
export function parseWebSearch(text: string): WebSearchQuery {
  const positive: string[] = [];
  let negates = false;
  let dashes = 0;
  let i = 0;
  const operand = (value: string) => {
    if (value.trim() !== "") {
      if (dashes % 2 === 1) negates = true;
      else positive.push(value.trim());
    }
    dashes = 0;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (SPACE.test(c) || c === "(" || c === ")") {
      i++;
    } else if (c === "-") {
      dashes++;
      i++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      const stop = end < 0 ? text.length : end;
      operand(text.slice(i + 1, stop));
      i = stop + 1;
    } else {
      let j = i;
      while (j < text.length && !SPACE.test(text[j]!) && text[j] !== '"' && text[j] !== "(" && text[j] !== ")") j++;
      operand(text.slice(i, j));
      i = j;
    }
  }
  return { positive: positive.join(" "), negates };
}
