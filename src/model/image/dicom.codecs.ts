// Compressed DICOM frames through maintained WebAssembly codecs: JPEG 2000 (OpenJPEG), HTJ2K
// (OpenJPH) and JPEG-LS (CharLS), from Cornerstone's codec packages. Each codec is loaded once per
// thread (the prepare workers), and each frame's own header is read and checked against the DICOM
// header (Rows, Columns, SamplesPerPixel) and the pixel limit before the codec decodes, so a lying
// frame cannot make it allocate. Samples come back as Int32 values, pixel-interleaved.
import { AppError } from "../../errors/app-error.ts";
import { tooLarge, undecodable } from "./raster.decode.ts";

/** What the DICOM header says the frame holds. */
export interface FrameExpectation {
  width: number;
  height: number;
  components: number;
  maxPixels: number;
}

export interface DecodedFrame {
  samples: Int32Array;
  bitsPerSample: number;
  signed: boolean;
}

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface Decoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  readHeader?(): void;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getInterleaveMode?(): number;
  delete?(): void;
}

type CodecModule = Record<string, new () => Decoder>;

const quiet = { print: () => {}, printErr: () => {} };
const loaded = new Map<string, Promise<CodecModule>>();

/** The codec's module, instantiated once per thread; its console output is dropped. */
function codec(name: "openjpeg" | "openjph" | "charls"): Promise<CodecModule> {
  let module = loaded.get(name);
  if (!module) {
    const load =
      name === "openjpeg"
        ? import("@cornerstonejs/codec-openjpeg/decodewasmjs")
        : name === "openjph"
          ? import("@cornerstonejs/codec-openjph/wasmjs")
          : import("@cornerstonejs/codec-charls/decodewasmjs");
    module = load.then((m) => (m.default as unknown as (options: object) => Promise<CodecModule>)(quiet));
    loaded.set(name, module);
  }
  return module;
}

/** The frame must be what the DICOM header says (which was checked against the pixel limit). */
function checkFrame(info: FrameInfo, expect: FrameExpectation, what: string): void {
  if (expect.width * expect.height * expect.components > expect.maxPixels) throw tooLarge(expect.width, expect.height, expect.maxPixels);
  if (info.width !== expect.width || info.height !== expect.height || info.componentCount !== expect.components) {
    throw undecodable(
      `The ${what} frame is ${info.width}×${info.height}×${info.componentCount}, but the DICOM header says ${expect.width}×${expect.height}×${expect.components}.`,
    );
  }
  if (!(info.bitsPerSample >= 1 && info.bitsPerSample <= 16))
    throw undecodable(`The ${what} frame has ${info.bitsPerSample}-bit samples; at most 16 are supported.`);
}

/** The decoder's output as Int32 samples: one byte per sample up to 8 bits, else two, little-endian. */
function samplesOf(decoded: Uint8Array, info: FrameInfo, signed: boolean, planar: boolean): Int32Array {
  const count = info.width * info.height * info.componentCount;
  const wide = info.bitsPerSample > 8;
  if (decoded.length < count * (wide ? 2 : 1)) throw undecodable("The compressed DICOM frame decoded to fewer samples than its header announces.");
  const out = new Int32Array(count);
  const view = new DataView(decoded.buffer, decoded.byteOffset, decoded.byteLength);
  for (let i = 0; i < count; i++) {
    out[i] = wide ? (signed ? view.getInt16(2 * i, true) : view.getUint16(2 * i, true)) : signed ? view.getInt8(i) : decoded[i]!;
  }
  if (!planar || info.componentCount === 1) return out;
  // Planar output (one plane per component) → pixel-interleaved.
  const pixels = info.width * info.height;
  const interleaved = new Int32Array(count);
  for (let c = 0; c < info.componentCount; c++) for (let p = 0; p < pixels; p++) interleaved[p * info.componentCount + c] = out[c * pixels + p]!;
  return interleaved;
}

async function run(
  module: CodecModule,
  className: string,
  frame: Uint8Array,
  expect: FrameExpectation,
  what: string,
  header: (d: Decoder) => FrameInfo,
): Promise<DecodedFrame> {
  const Decoder = module[className]!;
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(frame.length).set(frame);
    let info: FrameInfo;
    try {
      info = header(decoder);
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw undecodable(`The ${what} frame's header cannot be read.`, error);
    }
    checkFrame(info, expect, what);
    try {
      decoder.decode();
    } catch (error) {
      throw undecodable(`The ${what} frame is corrupt.`, error);
    }
    const decodedInfo = decoder.getFrameInfo();
    checkFrame(decodedInfo, expect, what);
    const signed = decodedInfo.isSigned === true;
    const planar = decoder.getInterleaveMode ? decoder.getInterleaveMode() === 0 : false;
    return { samples: samplesOf(decoder.getDecodedBuffer(), decodedInfo, signed, planar), bitsPerSample: decodedInfo.bitsPerSample, signed };
  } finally {
    decoder.delete?.();
  }
}

/** A JPEG 2000 (Part 1 or 2) frame: a codestream, or one wrapped in a JP2 file. */
export async function decodeJpeg2000(frame: Uint8Array, expect: FrameExpectation): Promise<DecodedFrame> {
  return run(await codec("openjpeg"), "J2KDecoder", frame, expect, "JPEG 2000", () => j2kHeader(frame));
}

/** A High-Throughput JPEG 2000 frame. */
export async function decodeHtj2k(frame: Uint8Array, expect: FrameExpectation): Promise<DecodedFrame> {
  return run(await codec("openjph"), "HTJ2KDecoder", frame, expect, "HTJ2K", () => j2kHeader(frame));
}

/**
 * Width, height, components and precision from a JPEG 2000 codestream's SIZ segment (ISO 15444-1
 * A.5.1), found after the SOC marker at the start or inside a JP2 file's codestream box.
 */
export function j2kHeader(frame: Uint8Array): FrameInfo {
  const start = codestreamStart(frame);
  if (start < 0) throw undecodable("The JPEG 2000 frame has no codestream (no SOC and SIZ markers).");
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const p = start + 4; // past SOC and the SIZ marker
  if (p + 38 + 3 > frame.length) throw undecodable("The JPEG 2000 frame's SIZ segment is truncated.");
  const width = view.getUint32(p + 4) - view.getUint32(p + 12);
  const height = view.getUint32(p + 8) - view.getUint32(p + 16);
  const components = view.getUint16(p + 36);
  const ssiz = frame[p + 38]!;
  return { width, height, componentCount: components, bitsPerSample: (ssiz & 0x7f) + 1, isSigned: (ssiz & 0x80) !== 0 };
}

/** Where SOC (FF4F) followed by SIZ (FF51) starts, in the first 64 KiB; −1 when absent. */
function codestreamStart(frame: Uint8Array): number {
  const limit = Math.min(frame.length - 4, 65536);
  for (let i = 0; i < limit; i++) {
    if (frame[i] === 0xff && frame[i + 1] === 0x4f && frame[i + 2] === 0xff && frame[i + 3] === 0x51) return i;
  }
  return -1;
}

/** A JPEG-LS frame (lossless or near-lossless); CharLS reads no header alone, so its SOF55 is read here. */
export async function decodeJpegLs(frame: Uint8Array, expect: FrameExpectation): Promise<DecodedFrame> {
  return run(await codec("charls"), "JpegLSDecoder", frame, expect, "JPEG-LS", () => jpegLsHeader(frame));
}

/** Width, height, precision and components from a JPEG-LS start-of-frame (SOF55, 0xFFF7). */
export function jpegLsHeader(frame: Uint8Array): FrameInfo {
  if (frame[0] !== 0xff || frame[1] !== 0xd8) throw undecodable("The JPEG-LS frame does not start with SOI.");
  let p = 2;
  while (p + 4 <= frame.length) {
    if (frame[p] !== 0xff) throw undecodable("The JPEG-LS frame's markers are corrupt.");
    const marker = frame[p + 1]!;
    if (marker === 0xff) {
      p++;
      continue;
    }
    const length = (frame[p + 2]! << 8) | frame[p + 3]!;
    if (marker === 0xf7) {
      if (p + 10 > frame.length || length < 8) break;
      return {
        bitsPerSample: frame[p + 4]!,
        height: (frame[p + 5]! << 8) | frame[p + 6]!,
        width: (frame[p + 7]! << 8) | frame[p + 8]!,
        componentCount: frame[p + 9]!,
      };
    }
    if (marker === 0xda || length < 2) break;
    p += 2 + length;
  }
  throw undecodable("The JPEG-LS frame has no start-of-frame header.");
}
