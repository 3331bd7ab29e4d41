// One file's bytes to the encoder's input: decode (PNG/JPEG/TIFF/DICOM), then GLoRIA preprocessing
// (GLORIA_SPEC §2), keeping the non-identifying DICOM attributes ingestion records.
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
}

export async function prepareImage(bytes: Uint8Array, sizes: { resize: number; crop: number }, options: DecodeOptions = {}): Promise<PreparedImage> {
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
  };
}
