// cv2.resize(..., INTER_AREA) parity: every case's output must be byte-identical to OpenCV's
// (goldens from tools/goldens/preprocess_goldens.py; the content is rebuilt from a shared hash).
import { describe, expect, it } from "vitest";
import { resizeArea } from "../../../src/model/image/image.resize-area.ts";
import { goldens, largeSweep, type ResizeCase } from "./goldens.ts";
import { sha256, synthetic } from "./synthetic-image.ts";
import { requires } from "../../helpers/requirements.ts";

function mismatches(cases: ResizeCase[]): string[] {
  const bad: string[] = [];
  for (const c of cases) {
    const out = resizeArea(synthetic(c.sw, c.sh, c.seed, c.mode), c.sw, c.sh, c.dw, c.dh);
    if (out.length !== c.dw * c.dh || sha256(out) !== c.sha256) bad.push(`${c.sw}x${c.sh}->${c.dw}x${c.dh} (${c.mode})`);
  }
  return bad;
}

describe("resizeArea (OpenCV INTER_AREA)", () => {
  it("matches cv2 byte for byte over the committed sweep of shapes", () => {
    const cases = goldens.resizeSweep;
    // The sweep covers every kernel OpenCV picks: integer factors, fractional shrink, enlarging and
    // mixed axes, including GLoRIA's own 256-pixel targets.
    expect(cases.some((c) => c.sw === 2 * c.dw && c.sh === 2 * c.dh)).toBe(true);
    expect(cases.some((c) => c.dw > c.sw && c.dh > c.sh)).toBe(true);
    expect(cases.some((c) => c.dw > c.sw !== c.dh > c.sh)).toBe(true);
    expect(cases.length).toBeGreaterThanOrEqual(300);
    expect(mismatches(cases)).toEqual([]);
  });

  const large = requires(largeSweep() !== undefined, { what: "the large resize sweep", how: "run tools/goldens/preprocess_goldens.py --large N", ci: false })
    ? largeSweep()
    : undefined;
  it.skipIf(!large)("matches cv2 over the large generated sweep (preprocess_goldens.py --large N)", () => {
    expect(mismatches(large!)).toEqual([]);
  });

  it("returns a copy when the size does not change", () => {
    const src = synthetic(7, 5, 1, "noise");
    const out = resizeArea(src, 7, 5, 7, 5);
    expect(out).toEqual(src);
    expect(out).not.toBe(src);
  });

  it("rejects sizes that are not positive integers or a buffer that is too short", () => {
    expect(() => resizeArea(new Uint8Array(4), 2, 2, 0, 1)).toThrow(RangeError);
    expect(() => resizeArea(new Uint8Array(4), 2, 2, 1.5, 1)).toThrow(RangeError);
    expect(() => resizeArea(new Uint8Array(3), 2, 2, 1, 1)).toThrow(RangeError);
  });
});
