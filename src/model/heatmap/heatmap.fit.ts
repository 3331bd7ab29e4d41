// Shrinks a grey image so its long side is at most a given number of pixels, the size heatmaps are
// drawn at (a heatmap needs no more detail than a screen shows). sharp does the resampling.
import sharp from "sharp";

export interface GrayImage {
  gray: Uint8Array;
  width: number;
  height: number;
}

/** The image itself when it already fits; otherwise a Lanczos-resampled copy with the aspect ratio kept. */
export async function fitGray(gray: Uint8Array, width: number, height: number, maxSide: number): Promise<GrayImage> {
  if (!(maxSide >= 1)) throw new RangeError("maxSide must be at least 1");
  if (gray.length !== width * height) throw new RangeError("grey image does not match its size");
  if (Math.max(width, height) <= maxSide) return { gray, width, height };
  const scale = maxSide / Math.max(width, height);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const out = await sharp(Buffer.from(gray.buffer, gray.byteOffset, gray.byteLength), { raw: { width, height, channels: 1 } })
    .resize(w, h, { fit: "fill", kernel: "lanczos3" })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { gray: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength), width: out.info.width, height: out.info.height };
}
