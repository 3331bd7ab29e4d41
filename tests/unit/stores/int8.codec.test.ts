// The int8 region quantiser: one symmetric scale per region vector, errors within half a step,
// zeros kept as zeros, signs kept, and the layout channels-first [D, M].
import { describe, expect, it } from "vitest";
import { dequantizeRegions, quantizeRegions } from "../../../src/stores/local-features/int8.codec.ts";
import { seededRandom } from "../../contract/clustered-vectors.ts";

function quantize(regions: Float32Array, dim: number, m: number) {
  const q = new Int8Array(dim * m);
  const scales = new Float32Array(m);
  quantizeRegions(regions, dim, m, q, scales);
  return { q, scales };
}

describe("int8 region codec", () => {
  it("keeps every value within half a step of its region's scale", () => {
    const dim = 32;
    const m = 9;
    const random = seededRandom(11);
    // Regions of very different magnitudes, so one shared scale would lose the small ones.
    const regions = Float32Array.from({ length: dim * m }, (_, i) => (random() - 0.5) * 10 ** ((i % m) - 4));
    const { q, scales } = quantize(regions, dim, m);
    const back = dequantizeRegions(q, scales, dim, m);
    for (let r = 0; r < m; r++) {
      let max = 0;
      for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(regions[d * m + r]));
      expect(scales[r]).toBeCloseTo(max / 127, 6 + (4 - r));
      for (let d = 0; d < dim; d++) {
        const i = d * m + r;
        expect(Math.abs(back[i] - regions[i])).toBeLessThanOrEqual(scales[r] / 2 + scales[r] * 1e-6);
      }
    }
  });

  it("maps a region's largest magnitude to ±127 and keeps signs", () => {
    // [D = 3, M = 2]: region 0 is (4, −2, 1), region 1 is (−0.5, 0.25, 0).
    const { q, scales } = quantize(new Float32Array([4, -0.5, -2, 0.25, 1, 0]), 3, 2);
    expect([...scales]).toEqual([Math.fround(4 / 127), Math.fround(0.5 / 127)]);
    expect([...q]).toEqual([127, -127, -64, 64, 32, 0]);
    const back = dequantizeRegions(q, scales, 3, 2);
    expect(back[0]).toBeCloseTo(4, 5);
    expect(back[1]).toBeCloseTo(-0.5, 6);
  });

  it("gives an all-zero region a zero scale and zero codes", () => {
    const { q, scales } = quantize(new Float32Array([0, 6, -0, -6]), 2, 2);
    expect(scales[0]).toBe(0);
    expect([q[0], q[2]]).toEqual([0, 0]);
    expect([...dequantizeRegions(q, scales, 2, 2)].map((v) => v + 0)).toEqual([0, 6, 0, -6]);
  });

  it("round-trips codes exactly: quantising dequantised values gives the same codes", () => {
    const random = seededRandom(3);
    const regions = Float32Array.from({ length: 64 * 4 }, () => random() * 2 - 1);
    const first = quantize(regions, 64, 4);
    const again = quantize(dequantizeRegions(first.q, first.scales, 64, 4), 64, 4);
    expect(again.q).toEqual(first.q);
  });

  it("refuses arrays that do not match the shape", () => {
    expect(() => quantizeRegions(new Float32Array(5), 2, 3, new Int8Array(6), new Float32Array(3))).toThrow(RangeError);
  });
});
