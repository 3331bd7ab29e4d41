// Entry point for image bytes → uint8 grey, the input GLoRIA's preprocessing expects (gloria-numerics
// §2.1): detects the format from magic bytes and hands off to the PNG/JPEG/TIFF or DICOM decoder.
// Refuses pixel bombs before decoding. Does not resize, pad or normalise (image.preprocess.ts does).
import { AppError } from "../../errors/app-error.ts";
import { decodeDicom, hasDicmPrefix, looksLikeDicom, type DicomInfo, type DicomScaling } from "./dicom.decode.ts";
import { decodeRaster, type RasterFormat } from "./raster.decode.ts";

export type { DicomInfo, DicomScaling } from "./dicom.decode.ts";

export type ImageFormat = RasterFormat | "dicom";

/** Default cap on width × height (≈ 7,750²), far above any radiograph, far below a pixel bomb. */
export const DEFAULT_MAX_PIXELS = 60_000_000;

export interface DecodeOptions {
  /** Larger images are refused with PAYLOAD_TOO_LARGE, judged from the header before decoding. */
  maxPixels?: number;
  /** How DICOM values become grey levels (see DicomScaling); default "window". */
  dicomScaling?: DicomScaling;
}

export interface ImageSource {
  format: ImageFormat;
  /** Colour model before the grey conversion. */
  colour: "gray" | "rgb" | "palette" | "cmyk";
  /**
   * Whether the grey bytes are known to equal cv2.imread(path, IMREAD_GRAYSCALE)'s (always true for
   * grey PNG/JPEG/TIFF). DICOM has no cv2 equivalent; its mapping is the one in DicomScaling.
   */
  matchesOpenCv: boolean;
  /** Non-identifying DICOM attributes (no patient data). */
  dicom?: DicomInfo;
}

export interface DecodedImage {
  /** Row-major uint8 grey, width × height. */
  gray: Uint8Array;
  width: number;
  height: number;
  /** Bits per sample in the file (DICOM: BitsStored). */
  bitDepth: number;
  source: ImageSource;
}

/** Names the format from the first bytes, or undefined when it is none we read. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const b = bytes;
  // "DICM" first: a DICOM preamble may itself hold a TIFF header (dual-format files).
  if (hasDicmPrefix(b)) return "dicom";
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47 && b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) {
    return "png";
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (
    b.length >= 4 &&
    ((b[0] === 0x49 && b[1] === 0x49 && (b[2] === 0x2a || b[2] === 0x2b) && b[3] === 0) ||
      (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && (b[3] === 0x2a || b[3] === 0x2b)))
  ) {
    return "tiff";
  }
  if (looksLikeDicom(b)) return "dicom";
  return undefined;
}

/**
 * Decodes PNG, JPEG, TIFF (8/16-bit, grey or colour) or DICOM bytes to uint8 grey.
 * Throws AppError UNSUPPORTED_MEDIA_TYPE for unknown, corrupt, truncated or unsupported data and
 * PAYLOAD_TOO_LARGE when the header announces more than `maxPixels` pixels.
 */
export async function decodeImage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(Number.isInteger(maxPixels) && maxPixels > 0)) throw new RangeError("maxPixels must be a positive integer");
  if (bytes.length === 0) throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The file is empty.");
  const format = detectImageFormat(bytes);
  if (!format) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The file is not a PNG, JPEG, TIFF or DICOM image.");
  }
  try {
    if (format === "dicom") {
      const d = await decodeDicom(bytes, { maxPixels, scaling: options.dicomScaling ?? "window" });
      const colour = d.info.photometricInterpretation.startsWith("MONOCHROME") ? "gray" : "rgb";
      return { gray: d.gray, width: d.width, height: d.height, bitDepth: d.bitDepth, source: { format, colour, matchesOpenCv: false, dicom: d.info } };
    }
    const r = await decodeRaster(bytes, format, maxPixels);
    return { gray: r.gray, width: r.width, height: r.height, bitDepth: r.bitDepth, source: { format, colour: r.colour, matchesOpenCv: r.exact } };
  } catch (error) {
    if (error instanceof AppError) throw error;
    // Decoders must not leak raw library errors; anything unforeseen is still the file's fault.
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "The image could not be decoded.", { cause: error });
  }
}
