// Encodes a phantom as a minimal DICOM Part 10 file (CR or DX image, explicit VR little endian,
// 16 bits allocated / 12 stored). Pure bytes out; carries no patient identifiers, dates or times.

import { mix32 } from "./phantom.random.ts";

export const SOP_CLASS = {
  CR: "1.2.840.10008.5.1.4.1.1.1", // Computed Radiography Image Storage
  DX: "1.2.840.10008.5.1.4.1.1.1.1", // Digital X-Ray Image Storage - For Presentation
} as const;
export const EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";

/** The 2.25 (UUID-derived) root needs no registered organisation; the number is fixed for the generator. */
export const IMPLEMENTATION_CLASS_UID = "2.25.190537403611826425302148470532114587531";
const IMPLEMENTATION_VERSION = "GLORIA_PHANTOM_1";

export interface DicomImage {
  modality: "CR" | "DX";
  viewPosition: "PA" | "AP";
  photometric: "MONOCHROME1" | "MONOCHROME2";
  rows: number;
  columns: number;
  /** Stored values (12-bit), row-major. */
  pixels: Uint16Array;
  rescaleSlope: number;
  rescaleIntercept: number;
  windowCenter: number;
  windowWidth: number;
  /** 128 bits of seed material; the study, series and instance UIDs derive from it. */
  uidWords: readonly [number, number, number, number];
}

/** A 2.25.<128-bit decimal> UID from seed words and a salt (0 study, 1 series, 2 instance). */
export function deriveUid(words: readonly number[], salt: number): string {
  let value = 0n;
  let h = mix32(salt + 0x5eed);
  for (const word of words) {
    h = mix32(h ^ word);
    value = (value << 32n) | BigInt(h >>> 0);
  }
  // 2.25 components must not start with 0; only the value 0 itself would, and it is replaced.
  return `2.25.${value === 0n ? 1n : value}`;
}

export function encodeDicom(image: DicomImage): Uint8Array {
  const sopClass = SOP_CLASS[image.modality];
  const studyUid = deriveUid(image.uidWords, 0);
  const seriesUid = deriveUid(image.uidWords, 1);
  const instanceUid = deriveUid(image.uidWords, 2);

  const meta = [
    element(0x0002, 0x0001, "OB", new Uint8Array([0x00, 0x01])),
    text(0x0002, 0x0002, "UI", sopClass),
    text(0x0002, 0x0003, "UI", instanceUid),
    text(0x0002, 0x0010, "UI", EXPLICIT_VR_LITTLE_ENDIAN),
    text(0x0002, 0x0012, "UI", IMPLEMENTATION_CLASS_UID),
    text(0x0002, 0x0013, "SH", IMPLEMENTATION_VERSION),
  ];
  const metaLength = meta.reduce((n, e) => n + e.length, 0);

  const dx = image.modality === "DX";
  const dataset = [
    text(0x0008, 0x0008, "CS", "DERIVED\\SECONDARY"),
    text(0x0008, 0x0016, "UI", sopClass),
    text(0x0008, 0x0018, "UI", instanceUid),
    text(0x0008, 0x0060, "CS", image.modality),
    ...(dx ? [text(0x0008, 0x0068, "CS", "FOR PRESENTATION")] : []),
    text(0x0008, 0x0070, "LO", "SYNTHETIC PHANTOM"),
    text(0x0008, 0x103e, "LO", "synthetic chest radiograph phantom"),
    text(0x0012, 0x0062, "CS", "YES"),
    text(0x0018, 0x5101, "CS", image.viewPosition),
    text(0x0020, 0x000d, "UI", studyUid),
    text(0x0020, 0x000e, "UI", seriesUid),
    text(0x0020, 0x0013, "IS", "1"),
    // Columns run toward the patient's left, rows toward the feet: the usual frontal display.
    text(0x0020, 0x0020, "CS", "L\\F"),
    uint16(0x0028, 0x0002, 1),
    text(0x0028, 0x0004, "CS", image.photometric),
    uint16(0x0028, 0x0010, image.rows),
    uint16(0x0028, 0x0011, image.columns),
    uint16(0x0028, 0x0100, 16),
    uint16(0x0028, 0x0101, 12),
    uint16(0x0028, 0x0102, 11),
    uint16(0x0028, 0x0103, 0),
    ...(dx
      ? [
          text(0x0028, 0x1040, "CS", "LOG"),
          // +1: larger stored values mean more beam intensity (MONOCHROME1 data here); -1 the reverse.
          int16(0x0028, 0x1041, image.photometric === "MONOCHROME1" ? 1 : -1),
        ]
      : []),
    text(0x0028, 0x1050, "DS", decimal(image.windowCenter)),
    text(0x0028, 0x1051, "DS", decimal(image.windowWidth)),
    text(0x0028, 0x1052, "DS", decimal(image.rescaleIntercept)),
    text(0x0028, 0x1053, "DS", decimal(image.rescaleSlope)),
    text(0x0028, 0x1054, "LO", "US"),
    element(0x7fe0, 0x0010, "OW", littleEndian16(image.pixels)),
  ];

  const parts = [new Uint8Array(128), ascii("DICM"), uint32(0x0002, 0x0000, metaLength), ...meta, ...dataset];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const LONG_VRS = new Set(["OB", "OW", "OF", "SQ", "UT", "UN"]);

function element(group: number, elementNumber: number, vr: string, value: Uint8Array): Uint8Array {
  const long = LONG_VRS.has(vr);
  const header = long ? 12 : 8;
  const out = new Uint8Array(header + value.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, group, true);
  view.setUint16(2, elementNumber, true);
  out[4] = vr.charCodeAt(0);
  out[5] = vr.charCodeAt(1);
  if (long) view.setUint32(8, value.length, true);
  else view.setUint16(6, value.length, true);
  out.set(value, header);
  return out;
}

/** String VRs are padded to even length: UIDs with NUL, everything else with a space. */
function text(group: number, elementNumber: number, vr: string, value: string): Uint8Array {
  const padded = value.length % 2 === 0 ? value : value + (vr === "UI" ? "\0" : " ");
  return element(group, elementNumber, vr, ascii(padded));
}

function uint16(group: number, elementNumber: number, value: number): Uint8Array {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, value, true);
  return element(group, elementNumber, "US", bytes);
}

function int16(group: number, elementNumber: number, value: number): Uint8Array {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setInt16(0, value, true);
  return element(group, elementNumber, "SS", bytes);
}

function uint32(group: number, elementNumber: number, value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return element(group, elementNumber, "UL", bytes);
}

function ascii(value: string): Uint8Array {
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) out[i] = value.charCodeAt(i) & 0x7f;
  return out;
}

function littleEndian16(values: Uint16Array): Uint8Array {
  const out = new Uint8Array(values.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(i * 2, values[i], true);
  return out;
}

/** A DS value (at most 16 characters): fixed to 4 decimals, trailing zeros dropped. */
function decimal(value: number): string {
  const s = String(Number(value.toFixed(4)));
  if (s.length > 16) throw new RangeError(`DS value too long: ${s}`);
  return s;
}
