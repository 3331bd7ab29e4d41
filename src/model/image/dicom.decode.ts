// DICOM → uint8 grey: pixel data of the first frame (native, deflated, RLE, JPEG baseline and 8-bit
// extended, JPEG lossless, JPEG-LS, JPEG 2000 and HTJ2K), the modality and VOI LUTs (PS3.3 C.11.1, C.11.2), MONOCHROME1 inversion, or GLoRIA's
// RSNA scaling (gloria-numerics §8). Returns only non-identifying attributes; no preprocessing here.
// Every buffer it allocates is sized from the header after the header has been checked against the
// pixel limit and against the data actually present (docs/security.md, "Hostile images").
import { inflateRawSync } from "node:zlib";
import dicomParser, { type DataSet, type Element } from "dicom-parser";
import { AppError } from "../../errors/app-error.ts";
import { decodeHtj2k, decodeJpeg2000, decodeJpegLs, type DecodedFrame, type FrameExpectation } from "./dicom.codecs.ts";
import { decodeJpegLossless } from "./jpeg-lossless.decode.ts";
import { decodeJpeg, tooLarge, undecodable } from "./raster.decode.ts";

/**
 * How stored values become 0–255:
 * - `window`: modality LUT (rescale), then the file's first VOI window (LINEAR, LINEAR_EXACT or
 *   SIGMOID); min–max of the rescaled values when the file has no window.
 * - `minmax`: modality LUT, then the full range of the image to 0–255.
 * - `rsna`: GLoRIA's RSNA loader (gloria-numerics §8): raw stored values times float32(255/max), absolute
 *   value, rounded like cv2.convertScaleAbs; no rescale, no window.
 * MONOCHROME1 is inverted in all three.
 */
export type DicomScaling = "window" | "minmax" | "rsna";

export interface DicomInfo {
  transferSyntaxUid: string;
  photometricInterpretation: string;
  modality?: string;
  viewPosition?: string;
  bodyPartExamined?: string;
  sopClassUid?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  rows: number;
  columns: number;
  numberOfFrames: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** The VOI window applied (`window` scaling only). */
  window?: { center: number; width: number; function: string };
  scaling: DicomScaling;
}

export interface DecodedDicom {
  gray: Uint8Array;
  width: number;
  height: number;
  bitDepth: number;
  info: DicomInfo;
}

const TS = {
  implicitLE: "1.2.840.10008.1.2",
  explicitLE: "1.2.840.10008.1.2.1",
  deflatedLE: "1.2.840.10008.1.2.1.99",
  explicitBE: "1.2.840.10008.1.2.2",
  jpegBaseline: "1.2.840.10008.1.2.4.50",
  jpegExtended: "1.2.840.10008.1.2.4.51",
  jpegLossless: "1.2.840.10008.1.2.4.57",
  jpegLosslessSV1: "1.2.840.10008.1.2.4.70",
  rle: "1.2.840.10008.1.2.5",
} as const;

/** Transfer syntaxes whose frames go through a WebAssembly codec (dicom.codecs.ts). */
const CODECS: Record<string, (frame: Uint8Array, expect: FrameExpectation) => Promise<DecodedFrame>> = {
  "1.2.840.10008.1.2.4.80": decodeJpegLs, // JPEG-LS Lossless
  "1.2.840.10008.1.2.4.81": decodeJpegLs, // JPEG-LS Near-Lossless
  "1.2.840.10008.1.2.4.90": decodeJpeg2000, // JPEG 2000 Lossless
  "1.2.840.10008.1.2.4.91": decodeJpeg2000, // JPEG 2000
  "1.2.840.10008.1.2.4.92": decodeJpeg2000, // JPEG 2000 Part 2 Multi-component Lossless
  "1.2.840.10008.1.2.4.93": decodeJpeg2000, // JPEG 2000 Part 2 Multi-component
  "1.2.840.10008.1.2.4.201": decodeHtj2k, // HTJ2K Lossless
  "1.2.840.10008.1.2.4.202": decodeHtj2k, // HTJ2K Lossless RPCL
  "1.2.840.10008.1.2.4.203": decodeHtj2k, // HTJ2K
};

/** Compressed syntaxes that are not images this service reads (video, and referenced pixel data). */
const UNSUPPORTED_SYNTAX: Record<string, string> = {
  "1.2.840.10008.1.2.4.100": "MPEG-2 video",
  "1.2.840.10008.1.2.4.101": "MPEG-2 video",
  "1.2.840.10008.1.2.4.102": "MPEG-4 video",
  "1.2.840.10008.1.2.4.103": "MPEG-4 video",
  "1.2.840.10008.1.2.4.104": "MPEG-4 video",
  "1.2.840.10008.1.2.4.105": "MPEG-4 video",
  "1.2.840.10008.1.2.4.106": "MPEG-4 video",
  "1.2.840.10008.1.2.4.107": "HEVC video",
  "1.2.840.10008.1.2.4.108": "HEVC video",
  "1.2.840.10008.1.2.4.94": "JPIP referenced",
  "1.2.840.10008.1.2.4.95": "JPIP referenced deflate",
};

/** A DICOM Part 10 file: "DICM" after the 128-byte preamble. */
export function hasDicmPrefix(b: Uint8Array): boolean {
  return b.length >= 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;
}

/** True when the bytes look like a DICOM file: "DICM" after the preamble, or a bare data set. */
export function looksLikeDicom(b: Uint8Array): boolean {
  return hasDicmPrefix(b) || bareDataSetSyntax(b) !== undefined;
}

/**
 * A data set without preamble usually starts with a group 0x0002 or 0x0008 element; the bytes after
 * the tag tell explicit (two upper-case VR letters) from implicit VR.
 */
function bareDataSetSyntax(b: Uint8Array): string | undefined {
  if (b.length < 8) return undefined;
  const group = b[0] | (b[1] << 8);
  if (group !== 0x0002 && group !== 0x0008) return undefined;
  const isUpper = (c: number) => c >= 0x41 && c <= 0x5a;
  if (isUpper(b[4]) && isUpper(b[5])) return TS.explicitLE;
  const length = (b[4] | (b[5] << 8) | (b[6] << 16)) + b[7] * 2 ** 24;
  return length < 1024 ? TS.implicitLE : undefined;
}

export interface DicomDecodeOptions {
  maxPixels: number;
  scaling: DicomScaling;
}

export async function decodeDicom(bytes: Uint8Array, options: DicomDecodeOptions): Promise<DecodedDicom> {
  const { maxPixels } = options;
  const ds = parse(bytes, maxPixels);
  const str = (tag: string) => ds.string(tag)?.trim() || undefined;
  const int = (tag: string) => ds.uint16(tag);

  const rows = int("x00280010") ?? 0;
  const columns = int("x00280011") ?? 0;
  if (!(rows > 0 && columns > 0)) throw undecodable("The DICOM file has no image (Rows/Columns missing).");
  if (rows * columns > maxPixels) throw tooLarge(columns, rows, maxPixels);

  // A bare data set has no meta header; dicom-parser then records the syntax it was told to use.
  const transferSyntaxUid = (str("x00020010") ?? (ds.elements.x00020010 as { Value?: string } | undefined)?.Value ?? TS.implicitLE).replace(/\0/g, "");
  const photometric = (str("x00280004") ?? "MONOCHROME2").toUpperCase();
  const bitsAllocated = int("x00280100") ?? 0;
  const bitsStored = int("x00280101") ?? bitsAllocated;
  const pixelRepresentation = int("x00280103") ?? 0;
  const samplesPerPixel = int("x00280002") ?? 1;
  const planarConfiguration = int("x00280006") ?? 0;
  const numberOfFrames = Math.max(1, ds.intString("x00280008") ?? 1);
  // Every sample of every frame counts against the limit, so no header can announce more pixel data
  // than MAX_IMAGE_PIXELS samples, whichever frame is decoded.
  const totalSamples = rows * columns * Math.max(1, samplesPerPixel) * numberOfFrames;
  if (totalSamples > maxPixels) {
    throw new AppError(
      "PAYLOAD_TOO_LARGE",
      `The DICOM image has ${numberOfFrames} frame(s) of ${columns}×${rows}×${samplesPerPixel} samples, more than the ${maxPixels} allowed.`,
      { details: { rows, columns, samplesPerPixel, numberOfFrames, maxPixels } },
    );
  }
  const slope = finiteOr(ds.floatString("x00281053"), 1);
  const intercept = finiteOr(ds.floatString("x00281052"), 0);

  const info: DicomInfo = {
    transferSyntaxUid,
    photometricInterpretation: photometric,
    modality: str("x00080060"),
    viewPosition: str("x00185101"),
    bodyPartExamined: str("x00180015"),
    sopClassUid: str("x00080016"),
    studyInstanceUid: str("x0020000d"),
    seriesInstanceUid: str("x0020000e"),
    sopInstanceUid: str("x00080018"),
    rows,
    columns,
    numberOfFrames,
    bitsAllocated,
    bitsStored,
    pixelRepresentation,
    rescaleSlope: slope,
    rescaleIntercept: intercept,
    scaling: options.scaling,
  };

  const pixelElement = ds.elements.x7fe00010;
  if (!pixelElement) throw undecodable("The DICOM file has no pixel data.");
  const unsupported = UNSUPPORTED_SYNTAX[transferSyntaxUid];
  if (unsupported) throw undecodable(`DICOM ${unsupported} pixel data is not an image this service reads (transfer syntax ${transferSyntaxUid}).`);

  const monochrome = photometric === "MONOCHROME1" || photometric === "MONOCHROME2";
  // YBR_RCT and YBR_ICT are JPEG 2000's colour transforms: its codec gives RGB back.
  const colour = photometric === "RGB" || photometric.startsWith("YBR_FULL") || photometric === "YBR_RCT" || photometric === "YBR_ICT";
  if (!monochrome && !colour) throw undecodable(`DICOM ${photometric} images are not supported.`);
  if (monochrome && samplesPerPixel !== 1) throw undecodable("The DICOM file's SamplesPerPixel does not match its photometric interpretation.");
  if (colour && samplesPerPixel !== 3) throw undecodable("The DICOM file's SamplesPerPixel does not match its photometric interpretation.");
  if (bitsAllocated !== 8 && bitsAllocated !== 16) throw undecodable(`DICOM images with ${bitsAllocated}-bit samples are not supported.`);
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated)) throw undecodable("The DICOM file's BitsStored is invalid.");
  if (colour && bitsAllocated !== 8) throw undecodable("Only 8-bit colour DICOM images are supported.");

  const base = { width: columns, height: rows, bitDepth: bitsStored, info };

  // JPEG baseline frames, and extended ones of 8-bit precision, go through the same decoder as JPEG
  // files (libjpeg-turbo in sharp; already 8-bit grey or RGB→grey). 12-bit precision is refused.
  if (transferSyntaxUid === TS.jpegBaseline || transferSyntaxUid === TS.jpegExtended) {
    const frame = encapsulatedFrame(ds, pixelElement, numberOfFrames);
    if (transferSyntaxUid === TS.jpegExtended && jpegPrecision(frame) !== 8) {
      throw undecodable(
        `DICOM JPEG Extended images of ${jpegPrecision(frame) ?? "unknown"}-bit precision are not supported (transfer syntax ${transferSyntaxUid}); 8-bit ones are.`,
      );
    }
    // The frame's own header must agree with Rows/Columns before libjpeg allocates anything.
    const jpeg = await decodeJpeg(frame, maxPixels, { width: columns, height: rows });
    if (colour) return { ...base, gray: jpeg.gray };
    return { ...base, gray: toGray(Int32Array.from(jpeg.gray), info, options.scaling, ds, monochrome) };
  }

  let values: Int32Array;
  // Decoded RLE and JPEG frames are pixel-interleaved whatever PlanarConfiguration says.
  let planar = 0;
  const codec = CODECS[transferSyntaxUid];
  if (codec) {
    const frame = encapsulatedFrame(ds, pixelElement, numberOfFrames);
    values = (await codec(frame, { width: columns, height: rows, components: samplesPerPixel, maxPixels })).samples;
  } else if (transferSyntaxUid === TS.rle) {
    values = decodeRle(encapsulatedFrame(ds, pixelElement, numberOfFrames, true), rows, columns, samplesPerPixel, bitsAllocated);
  } else if (transferSyntaxUid === TS.jpegLossless || transferSyntaxUid === TS.jpegLosslessSV1) {
    const frame = encapsulatedFrame(ds, pixelElement, numberOfFrames);
    // The SOF is checked against Rows/Columns/SamplesPerPixel before the decoder allocates its output.
    const decoded = decodeJpegLossless(frame, maxPixels, { width: columns, height: rows, components: samplesPerPixel });
    values = decoded.samples;
  } else if (
    transferSyntaxUid === TS.implicitLE ||
    transferSyntaxUid === TS.explicitLE ||
    transferSyntaxUid === TS.deflatedLE ||
    transferSyntaxUid === TS.explicitBE
  ) {
    // YBR_FULL_422 stores two samples per pixel (Y Y Cb Cr per pair).
    const samples = photometric === "YBR_FULL_422" ? 2 : samplesPerPixel;
    values = nativeFrame(ds, pixelElement, rows, columns, samples, bitsAllocated, transferSyntaxUid === TS.explicitBE);
    planar = planarConfiguration;
  } else {
    throw undecodable(`DICOM transfer syntax ${transferSyntaxUid} is not supported.`);
  }
  normaliseStoredBits(values, bitsStored, pixelRepresentation === 1);

  if (colour) {
    return { ...base, gray: colourToGray(values, rows * columns, photometric, planar) };
  }
  return { ...base, gray: toGray(values, info, options.scaling, ds, monochrome) };
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface Parsed extends DataSet {
  string(tag: string, index?: number): string | undefined;
  floatString(tag: string, index?: number): number | undefined;
  intString(tag: string, index?: number): number | undefined;
}

/**
 * Room for everything in a data set besides its pixel data: patient, study and equipment attributes,
 * sequences, private blocks, an icon image. Real headers are a few KiB to a few hundred.
 */
export const DICOM_HEADER_MARGIN = 4 * 1024 * 1024;

/**
 * Largest inflated size of a deflated data set: the most pixel data the limit allows (maxPixels
 * samples of at most 2 bytes, 16 bits being the widest we decode) plus the header margin. Rows and
 * Columns are inside the deflated stream, so this is the tightest bound known before inflating.
 */
export function maxInflatedBytes(maxPixels: number): number {
  return maxPixels * 2 + DICOM_HEADER_MARGIN;
}

function parse(bytes: Uint8Array, maxPixels: number): Parsed {
  const bare = hasDicmPrefix(bytes) ? undefined : bareDataSetSyntax(bytes);
  // Deflated data sets are inflated here, with a cap, rather than by dicom-parser's unbounded call.
  const maxInflated = maxInflatedBytes(maxPixels);
  const inflater = (byteArray: Uint8Array, position: number): Uint8Array => {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(byteArray.subarray(position), { maxOutputLength: maxInflated });
    } catch (error) {
      if (error instanceof RangeError || /maxOutputLength|buffer/i.test(String(error))) {
        throw new AppError("PAYLOAD_TOO_LARGE", "The deflated DICOM data set inflates beyond the allowed size.");
      }
      throw undecodable("The deflated DICOM data set is corrupt.", error);
    }
    const full = new Uint8Array(position + inflated.length);
    full.set(byteArray.subarray(0, position), 0);
    full.set(inflated, position);
    return full;
  };
  try {
    const options = {
      ...(bare ? { TransferSyntaxUID: bare } : {}),
      inflater: inflater as unknown as (arr: Uint8Array, position: number) => void,
    };
    return dicomParser.parseDicom(bytes, options) as Parsed;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw undecodable("The DICOM file could not be parsed (corrupt or truncated).", error);
  }
}

function finiteOr(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) ? v : fallback;
}

/** The sample precision of a JPEG frame's start-of-frame header (undefined when it has none). */
function jpegPrecision(frame: Uint8Array): number | undefined {
  for (let p = 2; p + 4 < frame.length;) {
    if (frame[p] !== 0xff) return undefined;
    const marker = frame[p + 1];
    if (marker === 0xff) {
      p++;
      continue;
    }
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return frame[p + 4];
    if (marker === 0xda) return undefined;
    p += 2 + ((frame[p + 2] << 8) | frame[p + 3]);
  }
  return undefined;
}

/** The bytes of frame 0 of encapsulated pixel data (one or more fragments). */
function encapsulatedFrame(ds: Parsed, element: Element, frames: number, oneFragmentPerFrame = false): Uint8Array {
  if (!element.encapsulatedPixelData || !element.fragments?.length) {
    throw undecodable("The DICOM file's compressed pixel data is missing or not encapsulated.");
  }
  try {
    if (frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, element, 0, element.fragments.length);
    if (element.basicOffsetTable?.length) return dicomParser.readEncapsulatedImageFrame(ds, element, 0);
    // No offset table: RLE puts each frame in one fragment; JPEG frames are found by their markers.
    if (oneFragmentPerFrame) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, element, 0, 1);
    const table = dicomParser.createJPEGBasicOffsetTable(ds, element);
    return dicomParser.readEncapsulatedImageFrame(ds, element, 0, table);
  } catch (error) {
    throw undecodable("The DICOM file's compressed pixel data is corrupt.", error);
  }
}

function nativeFrame(ds: Parsed, element: Element, rows: number, columns: number, spp: number, bitsAllocated: number, bigEndian: boolean): Int32Array {
  const n = rows * columns * spp;
  const bytesPer = bitsAllocated / 8;
  const start = element.dataOffset;
  // The frame decoded (the first) must be wholly present before its buffer is allocated. Frames after
  // it are not required: some writers (pydicom given an H×W×3 array among them) put the row count in
  // NumberOfFrames, and those frames are never read; they still count against the pixel limit above.
  const expected = n * bytesPer;
  if (element.encapsulatedPixelData || start + expected > ds.byteArray.length || element.length < expected) {
    throw undecodable("The DICOM file's pixel data is shorter than Rows × Columns × SamplesPerPixel (truncated file?).");
  }
  const b = ds.byteArray;
  const out = new Int32Array(n);
  if (bytesPer === 1) {
    for (let i = 0; i < n; i++) out[i] = b[start + i];
  } else if (bigEndian) {
    for (let i = 0, p = start; i < n; i++, p += 2) out[i] = (b[p] << 8) | b[p + 1];
  } else {
    for (let i = 0, p = start; i < n; i++, p += 2) out[i] = b[p] | (b[p + 1] << 8);
  }
  return out;
}

/** Keeps BitsStored bits; sign-extends when PixelRepresentation is 1. */
function normaliseStoredBits(values: Int32Array, bitsStored: number, signed: boolean): void {
  const mask = bitsStored >= 31 ? -1 : (1 << bitsStored) - 1;
  const shift = 32 - bitsStored;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] & mask;
    values[i] = signed ? (v << shift) >> shift : v;
  }
}

/** RLE Lossless (PS3.5 Annex G): byte segments, most significant byte first, PackBits runs. */
function decodeRle(frame: Uint8Array, rows: number, columns: number, spp: number, bitsAllocated: number): Int32Array {
  const pixels = rows * columns;
  const bytesPer = bitsAllocated / 8;
  const segments = spp * bytesPer;
  if (frame.length < 64) throw undecodable("The DICOM RLE frame is truncated.");
  // PackBits codes at most 128 bytes in 2, so each segment needs ≥ 2 bytes per 128 pixels: a frame
  // shorter than that cannot hold Rows × Columns, whatever the header says; refused before allocating.
  if (frame.length < 64 + segments * 2 * Math.ceil(pixels / 128)) throw undecodable("The DICOM RLE frame is too short for Rows × Columns.");
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint32(0, true) !== segments) throw undecodable("The DICOM RLE frame has an unexpected number of segments.");
  const out = new Int32Array(pixels * spp);
  const seg = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const from = view.getUint32(4 + 4 * s, true);
    const to = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : frame.length;
    if (from < 64 || to > frame.length || from > to) throw undecodable("The DICOM RLE frame has a corrupt segment table.");
    seg.fill(0);
    let o = 0;
    for (let i = from; i < to && o < pixels;) {
      const n = frame[i++];
      if (n < 128) {
        const count = Math.min(n + 1, pixels - o, to - i);
        seg.set(frame.subarray(i, i + count), o);
        o += count;
        i += n + 1;
      } else if (n > 128) {
        const count = Math.min(257 - n, pixels - o);
        if (i < to) seg.fill(frame[i], o, o + count);
        o += count;
        i++;
      }
    }
    // Segment order: sample 0 MSB, sample 0 LSB, sample 1 MSB, …
    const sample = Math.floor(s / bytesPer);
    const shift = 8 * (bytesPer - 1 - (s % bytesPer));
    for (let p = 0; p < pixels; p++) out[p * spp + sample] |= seg[p] << shift;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values → grey

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

function toGray(values: Int32Array, info: DicomInfo, scaling: DicomScaling, ds: Parsed, monochrome: boolean): Uint8Array {
  const n = values.length;
  const gray = new Uint8Array(n);
  if (scaling === "rsna") {
    // cv2.convertScaleAbs(x, alpha=255.0/x.max()): float32 alpha, |x·alpha| rounded half to even.
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (values[i] > max) max = values[i];
    const alpha = Math.fround(255 / max);
    for (let i = 0; i < n; i++) {
      const v = roundHalfEven(Math.abs(Math.fround(values[i] * alpha)));
      gray[i] = v > 255 ? 255 : v; // NaN (0·∞) stores as 0, like saturate_cast
    }
  } else {
    // Modality LUT (PS3.3 C.11.1): rescale slope and intercept.
    const { rescaleSlope: slope, rescaleIntercept: intercept } = info;
    const window = scaling === "window" ? readWindow(ds) : undefined;
    if (window) {
      info.window = window;
      applyWindow(values, slope, intercept, window, gray);
    } else {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const v = values[i] * slope + intercept;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (hi > lo) {
        const scale = 255 / (hi - lo);
        for (let i = 0; i < n; i++) gray[i] = Math.floor((values[i] * slope + intercept - lo) * scale + 0.5);
      }
    }
  }
  if (monochrome && info.photometricInterpretation === "MONOCHROME1") {
    for (let i = 0; i < n; i++) gray[i] = 255 - gray[i];
  }
  return gray;
}

function readWindow(ds: Parsed): DicomInfo["window"] {
  const center = ds.floatString("x00281050", 0);
  const width = ds.floatString("x00281051", 0);
  if (center === undefined || width === undefined || !Number.isFinite(center) || !Number.isFinite(width)) return undefined;
  const fn = (ds.string("x00281056")?.trim() || "LINEAR").toUpperCase();
  if (fn === "LINEAR" ? width < 1 : width <= 0) return undefined;
  return { center, width, function: fn === "LINEAR_EXACT" || fn === "SIGMOID" ? fn : "LINEAR" };
}

/** VOI LUT functions of PS3.3 C.11.2.1.2–C.11.2.1.3 onto 0–255, rounded half up. */
function applyWindow(values: Int32Array, slope: number, intercept: number, w: NonNullable<DicomInfo["window"]>, out: Uint8Array): void {
  const { center: c, width } = w;
  const n = values.length;
  if (w.function === "SIGMOID") {
    for (let i = 0; i < n; i++) {
      const x = values[i] * slope + intercept;
      out[i] = Math.floor(255 / (1 + Math.exp((-4 * (x - c)) / width)) + 0.5);
    }
    return;
  }
  if (w.function === "LINEAR_EXACT") {
    const lo = c - width / 2;
    const hi = c + width / 2;
    for (let i = 0; i < n; i++) {
      const x = values[i] * slope + intercept;
      out[i] = x <= lo ? 0 : x > hi ? 255 : Math.floor(((x - c) / width + 0.5) * 255 + 0.5);
    }
    return;
  }
  const lo = c - 0.5 - (width - 1) / 2;
  const hi = c - 0.5 + (width - 1) / 2;
  for (let i = 0; i < n; i++) {
    const x = values[i] * slope + intercept;
    out[i] = x <= lo ? 0 : x > hi ? 255 : Math.floor(((x - (c - 0.5)) / (width - 1) + 0.5) * 255 + 0.5);
  }
}

/** RGB (and JPEG 2000's YBR_RCT / YBR_ICT, decoded to RGB) → OpenCV's luma; YBR_FULL(_422) → its Y sample (already luma). */
function colourToGray(values: Int32Array, pixels: number, photometric: string, planar: number): Uint8Array {
  const gray = new Uint8Array(pixels);
  if (photometric === "YBR_FULL_422") {
    // Native YBR_FULL_422: Y0 Y1 Cb Cr per pair of pixels along a row.
    for (let p = 0; p < pixels; p++) gray[p] = values[(p >> 1) * 4 + (p & 1)];
    return gray;
  }
  const at = (p: number, c: number) => (planar === 1 ? values[c * pixels + p] : values[p * 3 + c]);
  if (photometric === "RGB" || photometric === "YBR_RCT" || photometric === "YBR_ICT") {
    for (let p = 0; p < pixels; p++) gray[p] = (at(p, 0) * 4899 + at(p, 1) * 9617 + at(p, 2) * 1868 + 8192) >> 14;
  } else {
    for (let p = 0; p < pixels; p++) gray[p] = at(p, 0);
  }
  return gray;
}
