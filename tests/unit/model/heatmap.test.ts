// Drawing attention maps back onto the original image: gloria-numerics §2.2–§2.5 geometry (its
// 390×320 example), bilinear upsampling inside the crop only, and the colour maps' ends.
import { describe, expect, it } from "vitest";
import { preprocessGeometry } from "../../../src/model/heatmap/heatmap.geometry.ts";
import { colorMap, heatOverlay, minMaxScale, upsampleToOriginal } from "../../../src/model/heatmap/heatmap.upsample.ts";

describe("preprocessGeometry", () => {
  it("reproduces the spec's CheXpert example: 390×320 → 256×210, 23 px each side", () => {
    const g = preprocessGeometry(320, 390, 256, 224);
    expect([g.resizedWidth, g.resizedHeight, g.padLeft, g.padTop, g.cropOffset]).toEqual([210, 256, 23, 0, 16]);
  });

  it("treats a square as tall and truncates the short side", () => {
    expect(preprocessGeometry(500, 500, 256, 224).resizedWidth).toBe(256);
    const wide = preprocessGeometry(1000, 333, 256, 224);
    expect([wide.resizedWidth, wide.resizedHeight]).toEqual([256, 85]);
    // 171 px of padding: floor on the first side.
    expect(wide.padTop).toBe(85);
  });
});

describe("upsampleToOriginal", () => {
  const geometry = preprocessGeometry(320, 390, 256, 224);

  it("is NaN outside the crop and the map's value inside it", () => {
    const up = upsampleToOriginal(new Float32Array(4).fill(0.25), [2, 2], geometry);
    // Rows above the crop (canvas rows < 16 ↔ original rows < 24.4) get no overlay.
    expect(up[0]).toBeNaN();
    expect(up[200 * 320 + 160]).toBeCloseTo(0.25, 6);
  });

  it("keeps left-side attention on the left of the original image", () => {
    const map = Float32Array.of(1, 0, 1, 0); // 2×2, left column hot
    const up = upsampleToOriginal(map, [2, 2], geometry);
    const row = 200 * 320;
    expect(up[row + 5]).toBeCloseTo(1, 6);
    expect(up[row + 314]).toBeCloseTo(0, 6);
    expect(up[row + 160]).toBeGreaterThan(0.3);
    expect(up[row + 160]).toBeLessThan(0.7);
  });
});

describe("colour maps", () => {
  it("runs jet from dark blue to dark red and inferno from black to pale yellow", () => {
    expect(colorMap("jet", 0)).toEqual([0, 0, 128]);
    expect(colorMap("jet", 1)).toEqual([128, 0, 0]);
    expect(colorMap("inferno", 0)).toEqual([0, 0, 4]);
    expect(colorMap("inferno", 1)).toEqual([252, 255, 164]);
  });

  it("min–max scales and leaves NaN pixels transparent", () => {
    const scaled = minMaxScale(Float32Array.of(2, 4, Number.NaN, 3));
    expect([...scaled.subarray(0, 2)]).toEqual([0, 1]);
    const rgba = heatOverlay(scaled, "jet", 0.5);
    expect(rgba[3]).toBe(128);
    expect(rgba[2 * 4 + 3]).toBe(0);
  });

  it("colours every pixel of the overlay as colorMap does, for both maps", () => {
    const values = Float32Array.from({ length: 4096 }, (_, i) => (i === 7 ? Number.NaN : ((i * 7919) % 4099) / 4098));
    for (const name of ["jet", "inferno"] as const) {
      const rgba = heatOverlay(values, name, 0.4);
      values.forEach((v, i) => {
        if (Number.isNaN(v)) return expect(rgba[i * 4 + 3]).toBe(0);
        expect([...rgba.subarray(i * 4, i * 4 + 4)]).toEqual([...colorMap(name, v), 102]);
      });
    }
  });
});
