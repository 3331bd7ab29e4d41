// gloria-numerics §3.4 word aggregation and §3.5 sentence embedding on hand-built token rows; the expected
// vectors are worked out by hand from those rules.
import { describe, expect, it } from "vitest";
import { aggregateBatch, aggregateTokens } from "../../../src/model/text/text.aggregate.ts";

// D = 2; token t's vector is [t + 1, 10·(t + 1)], so every sum is easy to check by hand.
function rowEmbeddings(T: number, rows = 1): Float32Array {
  const out = new Float32Array(rows * T * 2);
  for (let r = 0; r < rows; r++) {
    for (let t = 0; t < T; t++) {
      out[(r * T + t) * 2] = t + 1;
      out[(r * T + t) * 2 + 1] = 10 * (t + 1);
    }
  }
  return out;
}

describe("aggregateTokens", () => {
  const pieces = ["[CLS]", "small", "eff", "##usion", "[SEP]", "[PAD]", "[PAD]", "[PAD]"];

  it("sums a word's pieces, keeps [CLS] and [SEP] in their own slots and zero-fills the rest", () => {
    const agg = aggregateTokens(rowEmbeddings(8), 0, pieces, 8, 2);
    expect(agg.words).toEqual(["small", "effusion"]);
    expect(agg.sepSlot).toBe(3);
    expect([...agg.slots]).toEqual([1, 10, 2, 20, 3 + 4, 30 + 40, 5, 50, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("divides the sum over the real tokens by T, zero slots included (§3.5)", () => {
    const agg = aggregateTokens(rowEmbeddings(8), 0, pieces, 8, 2);
    expect(agg.sentence[0]).toBeCloseTo((1 + 2 + 3 + 4 + 5) / 8, 6);
    expect(agg.sentence[1]).toBeCloseTo((10 + 20 + 30 + 40 + 50) / 8, 5);
  });

  it("never reads past the first [SEP]", () => {
    const embeddings = rowEmbeddings(6);
    embeddings.fill(999, 4 * 2); // slots after [SEP] hold garbage
    const agg = aggregateTokens(embeddings, 0, ["[CLS]", "no", "[UNK]", "[SEP]", "x", "y"], 6, 2);
    expect(agg.words).toEqual(["no", "[UNK]"]);
    expect([...agg.slots.subarray(8)]).toEqual([0, 0, 0, 0]);
    expect(agg.sentence[0]).toBeCloseTo((1 + 2 + 3 + 4) / 6, 6);
  });

  it("gives the empty text [CLS], [SEP] and no words", () => {
    const agg = aggregateTokens(rowEmbeddings(4), 0, ["[CLS]", "[SEP]", "[PAD]", "[PAD]"], 4, 2);
    expect(agg.words).toEqual([]);
    expect(agg.sepSlot).toBe(1);
  });

  it("aggregates each row of a batch from its own offset", () => {
    const rows = aggregateBatch(
      rowEmbeddings(4, 2),
      [
        ["[CLS]", "a", "[SEP]", "[PAD]"],
        ["[CLS]", "a", "##b", "[SEP]"],
      ],
      4,
      2,
    );
    expect(rows.map((r) => r.words)).toEqual([["a"], ["ab"]]);
    expect([...rows[1].slots.subarray(2, 4)]).toEqual([2 + 3, 20 + 30]);
  });
});
