// One file's bytes to the encoder's input: decode (PNG/JPEG/TIFF/DICOM), then GLoRIA preprocessing
// (gloria-numerics §2), keeping the non-identifying DICOM attributes ingestion records.
import sharp from "sharp";
import { fitGray } from "../heatmap/heatmap.fit.ts";
import { decodeImage, type DecodeOptions } from "./image.decode.ts";
import { preprocessGray, type PreprocessGeometry } from "./image.preprocess.ts";

export interface PreparedImage {
  /** CHW [3, crop, crop] in [-1, 1]. */
  pixels: Float32Array;
  width: number;
  height: number;
  format: string;
  geometry: PreprocessGeometry;
  viewPosition?: string | null;
  modality?: string | null;
  studyUid?: string | null;
  seriesUid?: string | null;
  sopUid?: string | null;
  /** With `thumbnail`: a grey JPEG of the decoded image, long side at most THUMBNAIL_MAX_SIDE, for heatmaps and previews. */
  thumbnail?: { width: number; height: number; format: "jpeg"; bytes: Uint8Array };
}

export interface PrepareOptions extends DecodeOptions {
  /** Also make the thumbnail ingestion keeps (a resize and a JPEG encode; a query image needs none). */
  thumbnail?: boolean;
}

/** Long side of the thumbnail kept per image: the largest heatmap the service draws. */
export const THUMBNAIL_MAX_SIDE = 512;
const THUMBNAIL_QUALITY = 90;

async function thumbnailOf(gray: Uint8Array, width: number, height: number): Promise<NonNullable<PreparedImage["thumbnail"]>> {
  const fitted = await fitGray(gray, width, height, THUMBNAIL_MAX_SIDE);
  const input = Buffer.from(fitted.gray.buffer, fitted.gray.byteOffset, fitted.gray.byteLength);
  const jpeg = await sharp(input, { raw: { width: fitted.width, height: fitted.height, channels: 1 } })
    .toColourspace("b-w")
    .jpeg({ quality: THUMBNAIL_QUALITY })
    .toBuffer();
  return { width: fitted.width, height: fitted.height, format: "jpeg", bytes: new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength) };
}

export async function prepareImage(bytes: Uint8Array, sizes: { resize: number; crop: number }, options: PrepareOptions = {}): Promise<PreparedImage> {
  const decoded = await decodeImage(bytes, options);
  const { pixels, geometry } = preprocessGray(decoded.gray, decoded.width, decoded.height, sizes);
  const dicom = decoded.source.dicom;
  return {
    pixels,
    width: decoded.width,
    height: decoded.height,
    format: decoded.source.format,
    geometry,
    viewPosition: dicom?.viewPosition ?? null,
    modality: dicom?.modality ?? null,
    studyUid: dicom?.studyInstanceUid ?? null,
    seriesUid: dicom?.seriesInstanceUid ?? null,
    sopUid: dicom?.sopInstanceUid ?? null,
    ...(options.thumbnail ? { thumbnail: await thumbnailOf(decoded.gray, decoded.width, decoded.height) } : {}),
  };
}
