// Test helper: small files whose headers lie — sizes far beyond the data, frames that disagree with
// their DICOM header, data that ends early, a header built to exhaust a parser's heap — written with
// plain byte manipulation so each lie is exactly the one named. Shared by the unit and security tests.
import { deflateRawSync, deflateSync } from "node:zlib";
import dicomParser from "dicom-parser";
import sharp from "sharp";
import { fixture } from "./goldens.ts";
import { synthetic } from "./synthetic-image.ts";

// ---------------------------------------------------------------------------------------------
// PNG

function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A grey PNG whose IHDR claims width × height, with one small IDAT: valid chunks, lying size. */
export function pngLyingHeader(width: number, height: number): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  return new Uint8Array(
    Buffer.concat([PNG_SIGNATURE, pngChunk("IHDR", ihdr), pngChunk("IDAT", deflateSync(Buffer.alloc(64))), pngChunk("IEND", new Uint8Array(0))]),
  );
}

/** A real grey PNG of the synthetic radiograph. */
export async function realPng(width = 96, height = 80): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(Buffer.from(synthetic(width, height, 5, "xray")), { raw: { width, height, channels: 1 } })
      .png({ compressionLevel: 0 })
      .toBuffer(),
  );
}

// ---------------------------------------------------------------------------------------------
// JPEG

export async function realJpeg(width = 96, height = 80): Promise<Uint8Array> {
  return new Uint8Array(
    await sharp(Buffer.from(synthetic(width, height, 5, "xray")), { raw: { width, height, channels: 1 } })
      .jpeg({ quality: 90 })
      .toBuffer(),
  );
}

/** The JPEG with its SOF's height and width replaced (the scan is the original's). */
export function withSofSize(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = jpeg.slice();
  for (let at = 2; at + 4 <= out.length;) {
    const marker = out[at + 1];
    const length = (out[at + 2] << 8) | out[at + 3];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out[at + 5] = height >> 8;
      out[at + 6] = height & 0xff;
      out[at + 7] = width >> 8;
      out[at + 8] = width & 0xff;
      return out;
    }
    at += 2 + length;
  }
  throw new Error("no SOF");
}

// ---------------------------------------------------------------------------------------------
// TIFF (classic, little endian)

export interface TiffEntry {
  tag: number;
  /** 3 SHORT, 4 LONG */
  type: 3 | 4;
  values: number[];
}

/** A one-IFD little-endian TIFF with the given entries; `data` is placed right after the header. */
export function tiff(entries: TiffEntry[], data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const ifdAt = 8 + data.length + (data.length % 2);
  const ifdSize = 2 + 12 * sorted.length + 4;
  const out = new Uint8Array(ifdAt + ifdSize + 4 * sorted.reduce((n, e) => n + e.values.length, 0));
  const view = new DataView(out.buffer);
  out.set([0x49, 0x49, 0x2a, 0x00]);
  view.setUint32(4, ifdAt, true);
  out.set(data, 8);
  view.setUint16(ifdAt, sorted.length, true);
  let overflow = ifdAt + ifdSize;
  sorted.forEach((e, i) => {
    const at = ifdAt + 2 + 12 * i;
    view.setUint16(at, e.tag, true);
    view.setUint16(at + 2, e.type, true);
    view.setUint32(at + 4, e.values.length, true);
    const size = e.type === 3 ? 2 : 4;
    const inline = e.values.length * size <= 4;
    const base = inline ? at + 8 : overflow;
    if (!inline) {
      view.setUint32(at + 8, overflow, true);
      overflow += e.values.length * size;
    }
    e.values.forEach((v, k) => (size === 2 ? view.setUint16(base + 2 * k, v, true) : view.setUint32(base + 4 * k, v, true)));
  });
  return out.subarray(0, overflow);
}

/** Entries of an uncompressed 8-bit grey strip image. */
export function greyTiffEntries(width: number, height: number, strip: { offset: number; bytes: number; rows?: number }): TiffEntry[] {
  return [
    { tag: 256, type: 4, values: [width] },
    { tag: 257, type: 4, values: [height] },
    { tag: 258, type: 3, values: [8] },
    { tag: 259, type: 3, values: [1] },
    { tag: 262, type: 3, values: [1] },
    { tag: 273, type: 4, values: [strip.offset] },
    { tag: 277, type: 3, values: [1] },
    { tag: 278, type: 4, values: [strip.rows ?? height] },
    { tag: 279, type: 4, values: [strip.bytes] },
  ];
}

// ---------------------------------------------------------------------------------------------
// DICOM (explicit VR little endian data sets, optionally deflated)

export const SYNTAX = {
  explicitLE: "1.2.840.10008.1.2.1",
  deflated: "1.2.840.10008.1.2.1.99",
  jpegLossless: "1.2.840.10008.1.2.4.70",
  rle: "1.2.840.10008.1.2.5",
} as const;

const LONG_VRS = new Set(["OB", "OW", "SQ", "UN", "UT"]);

function element(group: number, number: number, vr: string, value: Uint8Array, undefinedLength = false): Uint8Array {
  const long = LONG_VRS.has(vr);
  const header = long ? 12 : 8;
  const out = new Uint8Array(header + value.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, group, true);
  view.setUint16(2, number, true);
  out[4] = vr.charCodeAt(0);
  out[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, undefinedLength ? 0xffffffff : value.length, true);
  else view.setUint16(6, value.length, true);
  out.set(value, header);
  return out;
}

function text(group: number, number: number, vr: string, value: string): Uint8Array {
  const padded = value.length % 2 === 0 ? value : value + (vr === "UI" ? "\0" : " ");
  return element(group, number, vr, Buffer.from(padded, "latin1"));
}

function us(group: number, number: number, value: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, value, true);
  return element(group, number, "US", b);
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** An encapsulated pixel data element: empty offset table, one fragment per frame, sequence delimiter. */
function encapsulated(frames: Uint8Array[]): Uint8Array {
  const item = (data: Uint8Array) => {
    const padded = data.length % 2 ? concat([data, new Uint8Array(1)]) : data;
    const head = new Uint8Array(8);
    const v = new DataView(head.buffer);
    v.setUint16(0, 0xfffe, true);
    v.setUint16(2, 0xe000, true);
    v.setUint32(4, padded.length, true);
    return concat([head, padded]);
  };
  const end = new Uint8Array(8);
  new DataView(end.buffer).setUint16(0, 0xfffe, true);
  new DataView(end.buffer).setUint16(2, 0xe0dd, true);
  return element(0x7fe0, 0x0010, "OB", concat([item(new Uint8Array(0)), ...frames.map(item), end]), true);
}

export interface DicomSpec {
  rows: number;
  columns: number;
  samplesPerPixel?: number;
  bitsAllocated?: 8 | 16;
  frames?: number;
  photometric?: string;
  syntax?: string;
  /** Native pixel data bytes, or encapsulated frames. */
  pixels: Uint8Array | { frames: Uint8Array[] };
  /** Extra elements before Rows (already encoded), e.g. to pad the header. */
  extra?: Uint8Array[];
}

export function dicom(spec: DicomSpec): Uint8Array {
  const syntax = spec.syntax ?? SYNTAX.explicitLE;
  const bits = spec.bitsAllocated ?? 16;
  const meta = concat([
    element(0x0002, 0x0001, "OB", new Uint8Array([0, 1])),
    text(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.1.1"),
    text(0x0002, 0x0010, "UI", syntax),
  ]);
  const groupLength = new Uint8Array(4);
  new DataView(groupLength.buffer).setUint32(0, meta.length, true);
  const pixels = spec.pixels instanceof Uint8Array ? element(0x7fe0, 0x0010, bits === 8 ? "OB" : "OW", spec.pixels) : encapsulated(spec.pixels.frames);
  const dataset = concat([
    text(0x0008, 0x0060, "CS", "DX"),
    ...(spec.extra ?? []),
    us(0x0028, 0x0002, spec.samplesPerPixel ?? 1),
    text(0x0028, 0x0004, "CS", spec.photometric ?? "MONOCHROME2"),
    ...(spec.frames !== undefined ? [text(0x0028, 0x0008, "IS", String(spec.frames))] : []),
    us(0x0028, 0x0010, spec.rows),
    us(0x0028, 0x0011, spec.columns),
    us(0x0028, 0x0100, bits),
    us(0x0028, 0x0101, bits === 8 ? 8 : 12),
    us(0x0028, 0x0102, bits === 8 ? 7 : 11),
    us(0x0028, 0x0103, 0),
    pixels,
  ]);
  const body = syntax === SYNTAX.deflated ? new Uint8Array(deflateRawSync(dataset)) : dataset;
  return concat([new Uint8Array(128), Buffer.from("DICM", "latin1"), element(0x0002, 0x0000, "UL", groupLength), meta, body]);
}

/** A valid native 16-bit grey DICOM of the synthetic radiograph. */
export function realDicom(width = 64, height = 48): Uint8Array {
  const grey = synthetic(width, height, 9, "xray");
  const pixels = new Uint8Array(width * height * 2);
  grey.forEach((g, i) => (pixels[2 * i] = g));
  return dicom({ rows: height, columns: width, pixels });
}

/** A deflated data set that inflates to `inflatedBytes` of one long padding element (a deflate bomb). */
export function deflatedBomb(inflatedBytes: number, rows = 8, columns = 8): Uint8Array {
  return dicom({
    rows,
    columns,
    syntax: SYNTAX.deflated,
    extra: [element(0x0009, 0x0010, "UN", new Uint8Array(inflatedBytes))],
    pixels: new Uint8Array(rows * columns * 2),
  });
}

/**
 * A native DICOM whose header holds `count` distinct empty private attributes (8 bytes each on the
 * wire, an object each in the parser): a few MB that cost the parser hundreds of MB of heap.
 */
export function attributeFlood(count: number): Uint8Array {
  const flood = new Uint8Array(count * 8);
  const view = new DataView(flood.buffer);
  for (let i = 0; i < count; i++) {
    // Private groups 0x0009, 0x000B, …: odd, below 0x0028 so the data set stays in tag order.
    view.setUint16(8 * i, 0x0009 + 2 * Math.floor(i / 0xffff), true);
    view.setUint16(8 * i + 2, 1 + (i % 0xffff), true);
    flood[8 * i + 4] = 0x4c; // "LO", length 0
    flood[8 * i + 5] = 0x4f;
  }
  return dicom({ rows: 8, columns: 8, extra: [flood], pixels: new Uint8Array(128) });
}

/** The lossless JPEG frame of the fixture mono2_u16_jpeg_lossless_sv1.dcm, and its size. */
export function losslessFrame(): { frame: Uint8Array; rows: number; columns: number } {
  const ds = dicomParser.parseDicom(fixture("mono2_u16_jpeg_lossless_sv1.dcm"));
  const pixel = ds.elements.x7fe00010!;
  const frame = dicomParser.readEncapsulatedPixelDataFromFragments(ds, pixel, 0, pixel.fragments!.length);
  return { frame: frame.slice(), rows: ds.uint16("x00280010")!, columns: ds.uint16("x00280011")! };
}

/** Byte offsets of a lossless JPEG's SOF3 segment and of its entropy-coded data. */
export function jpegLayout(frame: Uint8Array): { sof: number; scanData: number } {
  let sof = -1;
  for (let at = 2; at + 4 <= frame.length;) {
    const marker = frame[at + 1];
    const length = (frame[at + 2] << 8) | frame[at + 3];
    if (marker === 0xc3) sof = at + 4;
    if (marker === 0xda) return { sof, scanData: at + 2 + length };
    at += 2 + length;
  }
  throw new Error("no scan");
}

/** The lossless frame with its SOF3 saying height × width × components. */
export function losslessWithSof(frame: Uint8Array, height: number, width: number, components?: number): Uint8Array {
  const out = frame.slice();
  const { sof } = jpegLayout(out);
  out[sof + 1] = height >> 8;
  out[sof + 2] = height & 0xff;
  out[sof + 3] = width >> 8;
  out[sof + 4] = width & 0xff;
  if (components !== undefined) out[sof + 5] = components;
  return out;
}

/** The lossless frame cut `keep` of the way into its entropy-coded data, then closed with EOI. */
export function losslessCut(frame: Uint8Array, keep: number): Uint8Array {
  const { scanData } = jpegLayout(frame);
  const cut = scanData + Math.floor((frame.length - scanData) * keep);
  return concat([frame.subarray(0, cut), new Uint8Array([0xff, 0xd9])]);
}

export function losslessDicom(frame: Uint8Array, rows: number, columns: number, samplesPerPixel = 1): Uint8Array {
  return dicom({
    rows,
    columns,
    samplesPerPixel,
    photometric: samplesPerPixel === 3 ? "RGB" : "MONOCHROME2",
    bitsAllocated: 16,
    syntax: SYNTAX.jpegLossless,
    pixels: { frames: [frame] },
  });
}
