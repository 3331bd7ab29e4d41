// GLoRIA's inference preprocessing of a decoded grey image (gloria-numerics §2.2–§2.7): INTER_AREA resize
// of the longer side, centred zero padding, centre crop, grey→3 channels, [-1,1] scaling. Pure: no
// decoding and no I/O here (see image.decode.ts).
import { AppError } from "../../errors/app-error.ts";
import { preprocessGeometry, type PreprocessGeometry } from "../heatmap/heatmap.geometry.ts";
import { resizeArea } from "./image.resize-area.ts";

export { resizeArea } from "./image.resize-area.ts";
export type { PreprocessGeometry } from "../heatmap/heatmap.geometry.ts";

export interface PreprocessOptions {
  /** Longer side after the resize and side of the padded square (`data.image.imsize`, §2.2). */
  resize: number;
  /** Side of the centre crop fed to the encoder (`transforms.random_crop.crop_size`, §2.5). */
  crop: number;
}

/** The published checkpoint's settings (gloria-numerics §2). */
export const GLORIA_PREPROCESS: Readonly<PreprocessOptions> = Object.freeze({ resize: 256, crop: 224 });

export interface PreprocessResult {
  /** float32 [3, crop, crop] (CHW), the grey value repeated in the three channels, in [-1, 1]. */
  pixels: Float32Array;
  /** The same crop as uint8 grey [crop, crop], before scaling (one channel; all three are equal). */
  cropped: Uint8Array;
  /** Where the crop sits in the original image, for drawing maps back (heatmap.geometry.ts). */
  geometry: PreprocessGeometry;
}

/**
 * uint8 → float32 as torchvision does it: ToTensor divides by 255, Normalize(0.5, 0.5) subtracts
 * and divides, each step rounded to float32 (§2.6–§2.7). A table, since there are 256 inputs.
 */
export const PIXEL_VALUE_TABLE: Float32Array = (() => {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = Math.fround(Math.fround(Math.fround(v / 255) - 0.5) / 0.5);
  return lut;
})();

/** §2.2–§2.3: the INTER_AREA-resized image centred on a zero canvas of side `resize`. */
export function resizeAndPad(
  gray: Uint8Array,
  width: number,
  height: number,
  resize: number,
): { canvas: Uint8Array; geometry: Omit<PreprocessGeometry, "crop" | "cropOffset"> } {
  const g = geometryOf(width, height, resize, resize);
  const resized = resizeArea(gray, width, height, g.resizedWidth, g.resizedHeight);
  const canvas = new Uint8Array(resize * resize);
  for (let y = 0; y < g.resizedHeight; y++) {
    const from = y * g.resizedWidth;
    canvas.set(resized.subarray(from, from + g.resizedWidth), (y + g.padTop) * resize + g.padLeft);
  }
  return { canvas, geometry: g };
}

/** Runs §2.2–§2.7 on one decoded grey image (row-major uint8, width×height). */
export function preprocessGray(gray: Uint8Array, width: number, height: number, options: PreprocessOptions = GLORIA_PREPROCESS): PreprocessResult {
  const { resize, crop } = options;
  if (!Number.isInteger(resize) || !Number.isInteger(crop) || crop <= 0 || crop > resize) {
    throw new RangeError(`preprocess: need integers 0 < crop <= resize, got resize ${resize}, crop ${crop}`);
  }
  if (gray.length < width * height) throw new RangeError("preprocess: pixel buffer is smaller than width×height");
  const { canvas } = resizeAndPad(gray, width, height, resize);
  const geometry = geometryOf(width, height, resize, crop);
  const off = geometry.cropOffset;

  // §2.4–§2.7: crop, then the grey value becomes the same float in all three channels.
  const plane = crop * crop;
  const cropped = new Uint8Array(plane);
  const pixels = new Float32Array(3 * plane);
  for (let y = 0; y < crop; y++) {
    const srcRow = (y + off) * resize + off;
    const dstRow = y * crop;
    for (let x = 0; x < crop; x++) {
      const v = canvas[srcRow + x];
      cropped[dstRow + x] = v;
      pixels[dstRow + x] = PIXEL_VALUE_TABLE[v];
    }
  }
  pixels.copyWithin(plane, 0, plane);
  pixels.copyWithin(2 * plane, 0, plane);
  return { pixels, cropped, geometry };
}

/** Maps a point of the encoder's crop (continuous pixel-edge coordinates) to the original image. */
export function cropToOriginal(x: number, y: number, g: PreprocessGeometry): { x: number; y: number } {
  return {
    x: ((x + g.cropOffset - g.padLeft) * g.width) / g.resizedWidth,
    y: ((y + g.cropOffset - g.padTop) * g.height) / g.resizedHeight,
  };
}

/** Maps a point of the original image (continuous pixel-edge coordinates) into the encoder's crop. */
export function originalToCrop(x: number, y: number, g: PreprocessGeometry): { x: number; y: number } {
  return {
    x: (x * g.resizedWidth) / g.width + g.padLeft - g.cropOffset,
    y: (y * g.resizedHeight) / g.height + g.padTop - g.cropOffset,
  };
}

function geometryOf(width: number, height: number, resize: number, crop: number): PreprocessGeometry {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The image has no pixels.");
  }
  const g = preprocessGeometry(width, height, resize, crop);
  if (g.resizedWidth === 0 || g.resizedHeight === 0) {
    // The reference crashes here (cv2.resize to a zero-sized image); say why instead.
    throw new AppError(
      "BAD_USER_INPUT",
      `The image is too thin to preprocess: ${width}×${height} would shrink to ${g.resizedWidth}×${g.resizedHeight} pixels.`,
      { details: { width, height } },
    );
  }
  return g;
}
