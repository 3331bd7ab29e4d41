// PNG heat overlays through sharp: the picture has the original's size, the map's hot side shows in
// the colour map's hot colours on the matching side of the image, and outside the crop stays grey.
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { preprocessGeometry } from "../../../src/model/heatmap/heatmap.geometry.ts";
import { renderHeatmapPng } from "../../../src/model/heatmap/heatmap.render.ts";

describe("renderHeatmapPng", () => {
  it("overlays the map on the original image at its own size", async () => {
    const width = 320;
    const height = 390;
    const gray = new Uint8Array(width * height).fill(100);
    const map = Float32Array.from({ length: 49 }, (_, i) => (i % 7 < 2 ? 1 : 0)); // left two columns hot
    const png = await renderHeatmapPng(gray, map, [7, 7], preprocessGeometry(width, height, 256, 224), { colormap: "jet", alpha: 0.5 });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([width, height, 3]);
    const px = (x: number, y: number) => Array.from(data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
    const [lr, , lb] = px(10, 200);
    const [rr, , rb] = px(310, 200);
    expect(lr).toBeGreaterThan(lb); // red-ish where attention is high
    expect(rb).toBeGreaterThan(rr); // blue-ish where it is low
    expect(px(160, 5)).toEqual([100, 100, 100]); // above the crop: the original grey
  });
});
