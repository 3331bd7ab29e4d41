// Shrinking the grey image heatmaps are drawn on: the long side capped, the aspect kept, small images
// left as they are, and the content still where it was.
import { describe, expect, it } from "vitest";
import { fitGray } from "../../../src/model/heatmap/heatmap.fit.ts";

function halves(width: number, height: number): Uint8Array {
  // Left half black, right half white: a shrunk copy must keep the edge in the middle.
  return Uint8Array.from({ length: width * height }, (_, i) => (i % width < width / 2 ? 0 : 255));
}

describe("fitGray", () => {
  it("caps the long side and keeps the aspect ratio", async () => {
    const out = await fitGray(halves(1400, 1700), 1400, 1700, 512);
    expect(out.height).toBe(512);
    expect(out.width).toBe(Math.round(1400 * (512 / 1700)));
    expect(out.gray).toHaveLength(out.width * out.height);
    const row = out.gray.subarray(100 * out.width, 101 * out.width);
    expect(row[5]).toBeLessThan(10);
    expect(row[out.width - 5]).toBeGreaterThan(245);
  });

  it("returns an image that already fits unchanged", async () => {
    const gray = halves(300, 200);
    const out = await fitGray(gray, 300, 200, 512);
    expect(out).toEqual({ gray, width: 300, height: 200 });
  });

  it("refuses a size that does not match the pixels", async () => {
    await expect(fitGray(new Uint8Array(10), 4, 4, 512)).rejects.toThrow(RangeError);
  });
});
