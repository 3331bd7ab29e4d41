// What the local feature stores accept: shapes that match their dims, values float16 can keep.
import { describe, expect, it } from "vitest";
import type { AppError } from "../../../src/errors/app-error.ts";
import { checkBatch, checkImageRegions, checkReportWords } from "../../../src/stores/local-features/local-features.validate.ts";

const id = "11111111-1111-4111-8111-111111111111";
const code = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return (error as AppError).code;
  }
  return "ok";
};

describe("local feature checks", () => {
  it("accept region features of [dim, h·w] values and word slots of [words + 2, dim]", () => {
    expect(code(() => checkImageRegions({ dim: 2, grid: [2, 3], regions: new Float32Array(12) }, id))).toBe("ok");
    expect(code(() => checkReportWords({ dim: 2, words: ["a", "b"], slots: new Float32Array(8) }, id))).toBe("ok");
    expect(code(() => checkReportWords({ dim: 2, words: [], slots: new Float32Array(4) }, id))).toBe("ok");
  });

  it("refuse mismatched shapes, bad dims and values float16 cannot hold", () => {
    expect(code(() => checkImageRegions({ dim: 2, grid: [2, 3], regions: new Float32Array(11) }, id))).toBe("BAD_USER_INPUT");
    expect(code(() => checkImageRegions({ dim: 0, grid: [2, 3], regions: new Float32Array(0) }, id))).toBe("BAD_USER_INPUT");
    expect(code(() => checkImageRegions({ dim: 2, grid: [2] as unknown as [number, number], regions: new Float32Array(4) }, id))).toBe("BAD_USER_INPUT");
    expect(code(() => checkReportWords({ dim: 2, words: ["a"], slots: new Float32Array(4) }, id))).toBe("BAD_USER_INPUT");
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, 65520, -70000]) {
      expect(code(() => checkImageRegions({ dim: 1, grid: [1, 1], regions: new Float32Array([v]) }, id))).toBe("BAD_USER_INPUT");
    }
    // 65519 still rounds to the largest half, 65504.
    expect(code(() => checkImageRegions({ dim: 1, grid: [1, 1], regions: new Float32Array([-65519]) }, id))).toBe("ok");
  });

  it("lower-case ids and keep the last item of a repeated id", () => {
    const a = { dim: 1, grid: [1, 1] as [number, number], regions: new Float32Array([1]) };
    const b = { dim: 1, grid: [1, 1] as [number, number], regions: new Float32Array([2]) };
    expect(
      checkBatch(
        [
          { id: id.toUpperCase(), features: a },
          { id, features: b },
        ],
        checkImageRegions,
      ),
    ).toEqual([{ id, features: b }]);
    expect(code(() => checkBatch([{ id: "nope", features: a }], checkImageRegions))).toBe("BAD_USER_INPUT");
  });
});
