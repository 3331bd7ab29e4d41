// The example-query maths (src/services/search.examples.ts) on vectors small enough to check by hand.
import { describe, expect, it } from "vitest";
import { averageQuery, bestScore, checkExampleQuery, unit, weightedLocal } from "../../../src/services/search.examples.ts";

const e = (...v: number[]) => Float32Array.from(v);

describe("example queries", () => {
  it("AVERAGE is the weighted positive mean, pushed away from the negative mean", () => {
    const positive = [
      { vector: e(1, 0, 0), weight: 3 },
      { vector: e(0, 1, 0), weight: 1 },
    ];
    expect([...averageQuery({ positive, negative: [] })]).toEqual([0.75, 0.25, 0]);
    // a⁺ + (a⁺ − a⁻) with a⁻ = (0, 0, 1).
    expect([...averageQuery({ positive, negative: [{ vector: e(0, 0, 1), weight: 2 }] })]).toEqual([1.5, 0.5, -1]);
  });

  it("BEST_SCORE keeps the best positive cosine, and sinks what a negative is nearer to", () => {
    const examples = {
      positive: [
        { vector: e(1, 0), weight: 1 },
        { vector: e(0, 1), weight: 1 },
      ],
      negative: [{ vector: unit(e(1, 1)), weight: 1 }],
    };
    // Nearer the first positive (cos 0.98) than the negative (cos ≈ 0.83).
    const near = unit(e(0.98, Math.sqrt(1 - 0.98 ** 2)));
    expect(bestScore(near, examples)).toBeCloseTo(0.98, 6);
    // On the negative's direction: best positive cos √½, negative cos 1: −1 − (1 − √½).
    expect(bestScore(unit(e(1, 1)), examples)).toBeCloseTo(-1 - (1 - Math.SQRT1_2), 6);
    // Anything a negative is nearer to ranks under everything else.
    expect(bestScore(unit(e(1, 1)), examples)).toBeLessThan(-1);
  });

  it("combines the texts' local scores weighted, over the sum of absolute weights", () => {
    const local = weightedLocal([e(2, 4), e(1, -1)], [1, -1]);
    expect([...local]).toEqual([0.5, 2.5]);
    // One text of weight 1 is its own local score.
    expect([...weightedLocal([e(1.25, -3)], [1])]).toEqual([1.25, -3]);
  });

  it("refuses a query without a positive example, and zero or infinite weights", () => {
    const base = { positive: [], negative: [], strategy: "AVERAGE" as const };
    expect(() => checkExampleQuery({ ...base, texts: [{ text: "edema", weight: -1 }] })).toThrow(/positive example/);
    expect(() => checkExampleQuery({ ...base, texts: [{ text: "edema", weight: 0 }] })).toThrow(/non-zero/);
    expect(() => checkExampleQuery({ ...base, texts: [{ text: "edema", weight: Infinity }] })).toThrow(/non-zero/);
    expect(() => checkExampleQuery({ ...base, texts: [], positive: [{ id: "x" }] })).not.toThrow();
  });
});
