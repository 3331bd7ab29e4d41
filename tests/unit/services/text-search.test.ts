// The pure parts of hybrid text → report search: reading a query's negations as Postgres's
// websearch_to_tsquery does (each case's comment is what Postgres 15 and PGlite parse it to), and
// the two fusions, recomputed from their definitions.
import { describe, expect, it } from "vitest";
import { fuse, RRF_K, sharedRanks } from "../../../src/services/text-search.fusion.ts";
import { parseWebSearch } from "../../../src/services/text-search.query.ts";
import { textSearchCandidates } from "../../../src/services/text-search.service.ts";

describe("parseWebSearch", () => {
  it.each([
    // 'left' <-> 'pleural' <-> 'effus'
    ['"left pleural effusion"', "left pleural effusion", false],
    // 'effus' & !'cardiomegali'
    ["effusion -cardiomegaly", "effusion", true],
    // !'edema': spaces after the dash do not matter
    ["- edema", "", true],
    // 'pleural' & !!'effus': two dashes cancel
    ["pleural -- effusion", "pleural effusion", false],
    // 'pleural' & !!!'effus'
    ["pleural ---effusion", "pleural", true],
    // !( 'cardiac' <-> 'silhouett' ) & 'edema'
    ['-"cardiac silhouette" edema', "edema", true],
    // 'pleural' <-> 'effus' & !( 'cardiac' <-> 'silhouett' ) | 'edema'
    ['"pleural effusion" -"cardiac silhouette" or edema', "pleural effusion or edema", true],
    // 'x-ray' <-> 'x' <-> 'ray': a dash inside a word is the word's
    ["x-ray", "x-ray", false],
    // 'b' & 'c' <-> 'd' & !'e': a dash right after a phrase negates what follows
    ['b "c d"-e', "b c d", true],
    // 'effus' & !'edema': parentheses only separate
    ["effusion)-edema", "effusion", true],
    // 'b': a dash inside quotes is not an operator
    ['"a -b"', "a -b", false],
    // 'unclos' <-> 'phrase' <-> 'x': an unclosed quote runs to the end
    ['"unclosed phrase -x', "unclosed phrase -x", false],
  ])("%s", (text, positive, negates) => {
    expect(parseWebSearch(text)).toEqual({ positive, negates });
  });
});

describe("fuse", () => {
  const vector = [
    { id: "a", score: 0.9 },
    { id: "b", score: 0.7 },
    { id: "c", score: 0.5 },
  ];
  const text = [
    { id: "c", score: 0.4 },
    { id: "d", score: 0.1 },
  ];

  it("RRF sums 1 / (60 + rank) over the rankings that hold the report", () => {
    expect(RRF_K).toBe(60);
    const fused = fuse(vector, text, "RRF", 0.5);
    const expected = {
      a: { score: 1 / 61, vectorRank: 1, textRank: null },
      b: { score: 1 / 62, vectorRank: 2, textRank: null },
      c: { score: 1 / 63 + 1 / 61, vectorRank: 3, textRank: 1 },
      d: { score: 1 / 62, vectorRank: null, textRank: 2 },
    };
    expect(fused.map((h) => h.id)).toEqual(["c", "a", "b", "d"]);
    for (const hit of fused) {
      const want = expected[hit.id as keyof typeof expected];
      expect(hit.score).toBeCloseTo(want.score, 12);
      expect({ vectorRank: hit.vectorRank, textRank: hit.textRank }).toEqual({ vectorRank: want.vectorRank, textRank: want.textRank });
    }
    expect(fused.find((h) => h.id === "c")).toMatchObject({ vectorScore: 0.5, textScore: 0.4 });
    expect(fused.find((h) => h.id === "d")).toMatchObject({ vectorScore: null, textScore: 0.1 });
  });

  it("WEIGHTED blends the min-max normalised cosine with the text score over the best one", () => {
    const fused = fuse(vector, text, "WEIGHTED", 0.25);
    // v: a 1, b 0.5, c 0; t: c 1, d 0.25.
    const expected = { a: 0.25, b: 0.125, c: 0.75, d: 0.75 * 0.25 };
    expect(fused.map((h) => h.id)).toEqual(["c", "a", "d", "b"]);
    for (const hit of fused) expect(hit.score).toBeCloseTo(expected[hit.id as keyof typeof expected], 12);
    // alpha 1 is the vector ranking, alpha 0 the full-text one.
    expect(
      fuse(vector, text, "WEIGHTED", 1)
        .slice(0, 3)
        .map((h) => h.id),
    ).toEqual(["a", "b", "c"]);
    expect(
      fuse(vector, text, "WEIGHTED", 0)
        .slice(0, 2)
        .map((h) => h.id),
    ).toEqual(["c", "d"]);
  });

  it("gives every vector candidate a full share when their cosines are equal, and survives an empty side", () => {
    const fused = fuse([{ id: "x", score: 0.3 }], [], "WEIGHTED", 0.5);
    expect(fused).toEqual([{ id: "x", score: 0.5, vectorScore: 0.3, vectorRank: 1, textScore: null, textRank: null }]);
    expect(fuse([], text, "WEIGHTED", 0.5).map((h) => h.score)).toEqual([0.5, 0.125]);
    expect(fuse([], [], "RRF", 0.5)).toEqual([]);
  });

  it("gives equal scores of a side one rank, the best of their tie", () => {
    const tied = [
      { id: "p", score: 0.3 },
      { id: "q", score: 0.2 },
      { id: "r", score: 0.2 },
      { id: "s", score: 0.1 },
    ];
    expect(sharedRanks(tied)).toEqual([1, 2, 2, 4]);
    const fused = fuse([], tied, "RRF", 0.5);
    expect(fused.map((h) => [h.id, h.textRank])).toEqual([
      ["p", 1],
      ["q", 2],
      ["r", 2],
      ["s", 4],
    ]);
    expect(fused[1]!.score).toBe(fused[2]!.score);
    expect(fused[3]!.score).toBeCloseTo(1 / 64, 12);
  });

  it("orders equal fused scores by id", () => {
    const fused = fuse([{ id: "z", score: 0.2 }], [{ id: "m", score: 0.3 }], "RRF", 0.5);
    expect(fused.map((h) => h.id)).toEqual(["m", "z"]);
  });
});

describe("textSearchCandidates", () => {
  it("takes max(50, 5 · first) from each side, at most 500", () => {
    expect([1, 10, 11, 60, 100].map(textSearchCandidates)).toEqual([50, 50, 55, 300, 500]);
  });
});
