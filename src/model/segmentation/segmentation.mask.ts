// A class's mask as an image: the S×S probability map stretched back onto the original image (each
// pixel takes the cell its centre falls in, as segmentation.summary.ts counts them) and thresholded,
// 255 where the probability is at or above the threshold and 0 elsewhere, encoded as a grey PNG.
import sharp from "sharp";
import { cellOf } from "./segmentation.summary.ts";

/** The size a mask is drawn at: the image's own, or its long side brought to maxSide with the aspect kept (heatmap.fit.ts's rule). */
export function maskSize(width: number, height: number, maxSide?: number): { width: number; height: number } {
  if (maxSide === undefined || Math.max(width, height) <= maxSide) return { width, height };
  const scale = maxSide / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The thresholded mask, width × height row-major uint8 (255 at or above the threshold, 0 below). */
export function maskPixels(map: ArrayLike<number>, size: number, width: number, height: number, threshold: number): Uint8Array {
  if (map.length !== size * size) throw new RangeError(`a segmentation map of side ${size} needs ${size * size} values, got ${map.length}`);
  const xs = cellOf(width, size);
  const ys = cellOf(height, size);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = ys[y]! * size;
    const o = y * width;
    for (let x = 0; x < width; x++) if (map[row + xs[x]!]! >= threshold) out[o + x] = 255;
  }
  return out;
}

/** maskPixels as a one-channel 8-bit PNG of width × height. */
export async function renderMaskPng(map: ArrayLike<number>, size: number, width: number, height: number, threshold: number): Promise<Buffer> {
  const pixels = maskPixels(map, size, width, height, threshold);
  return sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), { raw: { width, height, channels: 1 } })
    .toColourspace("b-w")
    .png()
    .toBuffer();
}
