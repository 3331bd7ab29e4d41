// gloria-numerics §4.1 global cosine (scikit-learn semantics), §4.2 column selection and layout, §4.3
// combination. Expected values are computed by hand from those definitions.
import { describe, expect, it } from "vitest";
import { batchGlobals, packImageFeatures } from "../../../src/model/similarity/similarity.batch.ts";
import { combineScores } from "../../../src/model/similarity/similarity.combine.ts";
import { selectedColumnCount, stackWordColumns, wordColumns } from "../../../src/model/similarity/similarity.columns.ts";
import { cosineMatrix } from "../../../src/model/similarity/similarity.cosine.ts";

describe("cosineMatrix", () => {
  it("L2-normalises rows and takes dot products", () => {
    const m = cosineMatrix([Float32Array.of(3, 4)], [Float32Array.of(4, 3), Float32Array.of(-3, -4), Float32Array.of(0, 2)]);
    expect(m[0]).toBeCloseTo(24 / 25, 6);
    expect(m[1]).toBeCloseTo(-1, 6);
    expect(m[2]).toBeCloseTo(0.8, 6);
  });

  it("gives 0, not NaN, for a zero vector", () => {
    const m = cosineMatrix([new Float32Array(2)], [Float32Array.of(1, 2)]);
    expect(m[0]).toBe(0);
  });
});

describe("combineScores", () => {
  it("is the plain mean of local and global", () => {
    expect([...combineScores([4, -1], [0.5, 0.2])]).toEqual([2.25, Math.fround(-0.4)]);
  });
});

// D = 2, T = 6: slots [CLS], "small", "effusion", [SEP], 0, 0 with slot t = [t, −t].
const text = {
  text: "small effusion",
  words: ["small", "effusion"],
  slots: Float32Array.of(0, 0, 1, -1, 2, -2, 3, -3, 0, 0, 0, 0),
};

describe("word column selection", () => {
  it("REFERENCE takes min(character count, T − 1) columns from slot 1: words, [SEP], zeros", () => {
    expect(selectedColumnCount(text, "REFERENCE", 6)).toBe(5);
    expect(selectedColumnCount({ ...text, text: "ab" }, "REFERENCE", 6)).toBe(2);
    const cols = wordColumns(text, "REFERENCE", 2, 6);
    expect(cols.labels).toEqual(["small", "effusion", "[SEP]", "", ""]);
    // Channels-first [D, L].
    expect([...cols.columns]).toEqual([1, 2, 3, 0, 0, -1, -2, -3, 0, 0]);
  });

  it("WORDS takes the n words only", () => {
    const cols = wordColumns(text, "WORDS", 2, 6);
    expect(cols.length).toBe(2);
    expect([...cols.columns]).toEqual([1, 2, -1, -2]);
  });

  it("uses one zero column (score 0) when nothing is selected", () => {
    const cols = wordColumns({ ...text, text: "", words: [] }, "WORDS", 2, 6);
    expect(cols.length).toBe(1);
    expect([...cols.columns]).toEqual([0, 0]);
  });

  it("stacks texts to a common length with mask 0 on the padding", () => {
    const a = wordColumns(text, "WORDS", 2, 6);
    const b = wordColumns({ ...text, text: "ab" }, "REFERENCE", 2, 6);
    const stacked = stackWordColumns([a, b, a], 2);
    expect(stacked.length).toBe(2);
    expect([...stacked.wordMask]).toEqual([1, 1, 1, 1, 1, 1]);
    const c = wordColumns({ ...text, words: ["small"] }, "WORDS", 2, 6);
    const mixed = stackWordColumns([a, c], 2);
    expect([...mixed.wordMask]).toEqual([1, 1, 1, 0]);
    expect([...mixed.words]).toEqual([1, 2, -1, -2, 1, 0, -1, 0]);
  });
});

describe("packImageFeatures", () => {
  it("lays K images out contiguously and views each global without copying", () => {
    const images = [
      { global: Float32Array.of(1, 2), local: Float32Array.of(1, 2, 3, 4, 5, 6) },
      { global: Float32Array.of(3, 4), local: Float32Array.of(7, 8, 9, 10, 11, 12) },
    ];
    const batch = packImageFeatures(images, 2, 3);
    expect(batch.count).toBe(2);
    expect([...batch.local]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const globals = batchGlobals(batch, 2);
    expect(globals.map((g) => [...g])).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(globals[1].buffer).toBe(batch.global.buffer);
    expect(() => packImageFeatures([{ global: new Float32Array(2), local: new Float32Array(5) }], 2, 3)).toThrow(RangeError);
  });
});

describe("wordColumns with zero columns collapsed", () => {
  const dim = 2;
  // [CLS], three words, [SEP], then zero slots.
  const text = {
    text: "left pleural effusion",
    words: ["left", "pleural", "effusion"],
    slots: Float32Array.from({ length: 97 * dim }, (_, i) => (i < 5 * dim ? i + 1 : 0)),
  };

  it("keeps the words and [SEP], and counts the zero columns in one", () => {
    const every = wordColumns(text, "REFERENCE", dim, 97);
    const counted = wordColumns(text, "REFERENCE", dim, 97, { collapseZeroColumns: true });
    expect(every.length).toBe(21);
    expect(counted.labels).toEqual(["left", "pleural", "effusion", "[SEP]", ""]);
    expect([...counted.multiplicity]).toEqual([1, 1, 1, 1, 17]);
    expect([...every.multiplicity]).toEqual(Array(21).fill(1));
    // Same word columns, channels-first; the counted zero column is zero.
    for (let j = 0; j < 4; j++) for (let d = 0; d < dim; d++) expect(counted.columns[d * 5 + j]).toBe(every.columns[d * 21 + j]);
    for (let d = 0; d < dim; d++) expect(counted.columns[d * 5 + 4]).toBe(0);
  });

  it("changes nothing in WORDS mode or without zero columns to count", () => {
    expect(wordColumns(text, "WORDS", dim, 97, { collapseZeroColumns: true }).labels).toEqual(["left", "pleural", "effusion"]);
    const short = { ...text, text: "left pleural effusion".slice(0, 4) };
    expect(wordColumns(short, "REFERENCE", dim, 97, { collapseZeroColumns: true }).length).toBe(4);
  });

  it("stacks multiplicities into the mask", () => {
    const stacked = stackWordColumns([wordColumns(text, "REFERENCE", dim, 97, { collapseZeroColumns: true }), wordColumns(text, "WORDS", dim, 97)], dim);
    expect([...stacked.wordMask]).toEqual([1, 1, 1, 1, 17, 1, 1, 1, 0, 0]);
  });
});
