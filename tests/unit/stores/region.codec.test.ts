// The values a store of each encoding serves back, which `gloria eval --region-encoding` scores.
import { describe, expect, it } from "vitest";
import { asStored } from "../../../src/stores/local-features/region.codec.ts";
import { seededRandom } from "../../contract/clustered-vectors.ts";

const D = 8;
const M = 5;

function regions(seed: number): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length: D * M }, () => (random() - 0.5) * 6);
}

describe("asStored", () => {
  it("keeps float32 as it is", () => {
    const x = regions(1);
    expect(asStored(x, D, M, "float32")).toBe(x);
  });

  it("rounds to the nearest half for float16", () => {
    const x = regions(2);
    const y = asStored(x, D, M, "float16");
    x.forEach((v, i) => expect(Math.abs(y[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11));
    expect(y.some((v, i) => v !== x[i])).toBe(true);
  });

  it("quantises each region vector to 127 steps of its own scale for int8", () => {
    const x = regions(3);
    const y = asStored(x, D, M, "int8");
    for (let r = 0; r < M; r++) {
      let max = 0;
      for (let d = 0; d < D; d++) max = Math.max(max, Math.abs(x[d * M + r]!));
      const step = max / 127;
      for (let d = 0; d < D; d++) expect(Math.abs(y[d * M + r]! - x[d * M + r]!)).toBeLessThanOrEqual(step / 2 + 1e-7);
    }
  });
});
