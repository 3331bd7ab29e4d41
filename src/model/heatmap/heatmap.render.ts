// Encodes an attention map as a PNG heat overlay on the original grey image. The maths lives in
// heatmap.upsample.ts; this module only hands pixels to sharp for compositing and encoding.
import sharp from "sharp";
import type { PreprocessGeometry } from "./heatmap.geometry.ts";
import { heatOverlay, minMaxScale, upsampleToOriginal, type ColorMapName } from "./heatmap.upsample.ts";

export interface HeatmapOptions {
  colormap?: ColorMapName;
  /** Overlay opacity in [0, 1]; default 0.5. */
  alpha?: number;
}

/**
 * PNG of `gray` (8-bit, geometry.width × geometry.height, row-major) with the [h, w] map drawn over
 * the part the encoder saw. The map is min–max scaled, so colours show where attention is relatively
 * high, not its absolute value.
 */
export async function renderHeatmapPng(
  gray: Uint8Array,
  map: ArrayLike<number>,
  grid: readonly [number, number],
  geometry: PreprocessGeometry,
  options: HeatmapOptions = {},
): Promise<Buffer> {
  const { width, height } = geometry;
  if (gray.length !== width * height) throw new RangeError("grey image does not match the geometry");
  const overlay = heatOverlay(minMaxScale(upsampleToOriginal(map, grid, geometry)), options.colormap ?? "jet", options.alpha ?? 0.5);
  const composed = await sharp(Buffer.from(gray.buffer, gray.byteOffset, gray.byteLength), { raw: { width, height, channels: 1 } })
    .toColourspace("srgb")
    .composite([{ input: Buffer.from(overlay.buffer), raw: { width, height, channels: 4 } }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  // sharp composites before it drops channels, so the opaque result is re-read to write RGB.
  return sharp(composed.data, { raw: { width, height, channels: composed.info.channels } })
    .removeAlpha()
    .png()
    .toBuffer();
}
