// The segmentation graph's input (docs/model-contract.md, "Optional parts"): the decoded grey image
// stretched whole to S×S (no crop, aspect not kept) with the same INTER_AREA resize the encoder's
// preprocessing uses, grey copied to three channels, x/255·2−1. Decoding is the encoder path's.
import { decodeImage, type DecodeOptions } from "../image/image.decode.ts";
import { PIXEL_VALUE_TABLE, resizeArea } from "../image/image.preprocess.ts";

export interface SegmentationInput {
  /** CHW [3, S, S] in [-1, 1]. */
  pixels: Float32Array;
  /** S, the side the whole image was stretched to. */
  size: number;
  /** The original image's size: the probability maps are stretched back onto it. */
  width: number;
  height: number;
  format: string;
}

/**
 * The stretch and scaling of one decoded grey image (row-major uint8, width × height): resizeArea to
 * size × size, then the grey value's [-1, 1] float (PIXEL_VALUE_TABLE) in all three channels. Pure.
 */
export function stretchGray(gray: Uint8Array, width: number, height: number, size: number): Float32Array {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`segmentation size must be a positive integer, got ${size}`);
  const stretched = resizeArea(gray, width, height, size, size);
  const plane = size * size;
  const pixels = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) pixels[i] = PIXEL_VALUE_TABLE[stretched[i]!]!;
  pixels.copyWithin(plane, 0, plane);
  pixels.copyWithin(2 * plane, 0, plane);
  return pixels;
}

/**
 * One file's bytes to the segmentation graph's input: decodeImage (PNG, JPEG, TIFF, DICOM, with its
 * pixel limit and typed errors), then stretchGray. The service runs it in the image worker pool
 * (image.prepare.pool.ts prepareSegmentation); the CLI calls it directly.
 */
export async function prepareSegmentationImage(bytes: Uint8Array, size: number, options: DecodeOptions = {}): Promise<SegmentationInput> {
  const decoded = await decodeImage(bytes, options);
  return {
    pixels: stretchGray(decoded.gray, decoded.width, decoded.height, size),
    size,
    width: decoded.width,
    height: decoded.height,
    format: decoded.source.format,
  };
}
