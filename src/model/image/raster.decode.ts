// PNG, JPEG and TIFF → uint8 grey through sharp, giving the bytes cv2.imread(path, IMREAD_GRAYSCALE)
// gives (gloria-numerics §2.1): libpng's rgb_to_gray (with its gamma path), libjpeg's own Y plane, OpenCV's
// BGR2GRAY for TIFF, high byte for 16 bits, EXIF orientation applied. No preprocessing here.
// Each format's header is read and checked here first — size against the pixel limit, structure and
// length against the bytes present — so sharp never allocates for a header that lies.
import sharp, { type Metadata } from "sharp";
import { AppError } from "../../errors/app-error.ts";
import { readTiffLayout } from "./tiff.header.ts";

export type RasterFormat = "png" | "jpeg" | "tiff";

export interface RasterImage {
  gray: Uint8Array;
  width: number;
  height: number;
  /** Bits per sample in the file (1–16). */
  bitDepth: number;
  /** Colour model of the file before the grey conversion. */
  colour: "gray" | "rgb" | "palette" | "cmyk";
  /**
   * False where the grey bytes may differ from cv2's: 16-bit colour PNGs with a gamma chunk, CMYK
   * TIFFs, CMYK JPEGs without an Adobe marker (paths not reproduced or not verified).
   */
  exact: boolean;
}

const FORMAT_NAME: Record<RasterFormat, string> = { png: "PNG", jpeg: "JPEG", tiff: "TIFF" };

export function tooLarge(width: number, height: number, maxPixels: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `The image is ${width}×${height} pixels, more than the ${maxPixels} pixels allowed.`, {
    details: { width, height, maxPixels },
  });
}

export function undecodable(what: string, cause?: unknown): AppError {
  return new AppError("UNSUPPORTED_MEDIA_TYPE", what, cause === undefined ? {} : { cause });
}

function checkPixels(width: number, height: number, maxPixels: number, format: RasterFormat): void {
  if (!(width > 0 && height > 0)) throw undecodable(`The ${FORMAT_NAME[format]} header gives no image size.`);
  if (width * height > maxPixels) throw tooLarge(width, height, maxPixels);
}

/** Decodes a PNG, JPEG or TIFF file to cv2-identical grey; header sizes are checked before any pixels. */
export async function decodeRaster(bytes: Uint8Array, format: RasterFormat, maxPixels: number): Promise<RasterImage> {
  switch (format) {
    case "png":
      return decodePng(bytes, maxPixels);
    case "jpeg":
      return decodeJpeg(bytes, maxPixels);
    case "tiff":
      return decodeTiff(bytes, maxPixels);
  }
}

// ---------------------------------------------------------------------------------------------
// sharp plumbing

interface RawPixels {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: number;
}

type RawSpace = "b-w" | "grey16" | "srgb" | "rgb16" | "cmyk" | "none";

async function rawPixels(input: Uint8Array, space: RawSpace, maxPixels: number, format: RasterFormat): Promise<RawPixels> {
  try {
    // keepIccProfile: no colour management (cv2 ignores ICC profiles); autoOrient: cv2 applies the
    // EXIF orientation by default; failOn "warning": libjpeg reports a scan cut short (and then filled
    // with grey) only as a warning, and a partly decoded image must be refused, not ingested.
    let pipeline = sharp(input, { limitInputPixels: maxPixels, autoOrient: true, failOn: "warning" }).keepIccProfile();
    // CMYK stays CMYK end to end, so no profile conversion touches the samples.
    if (space === "cmyk") pipeline = pipeline.pipelineColourspace("cmyk");
    if (space !== "none") pipeline = pipeline.toColourspace(space);
    const sixteen = space === "grey16" || space === "rgb16";
    const { data, info } = await pipeline.raw(sixteen ? { depth: "ushort" } : undefined).toBuffer({ resolveWithObject: true });
    let pixels: Uint8Array | Uint16Array = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (sixteen) {
      // Native-endian samples; copy when the buffer is not 2-byte aligned.
      const aligned = data.byteOffset % 2 === 0 ? data : Buffer.from(data);
      pixels = new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2);
    }
    return { data: pixels, width: info.width, height: info.height, channels: info.channels };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) throw new AppError("PAYLOAD_TOO_LARGE", `The image has more than the ${maxPixels} pixels allowed.`);
    throw undecodable(`The ${FORMAT_NAME[format]} image could not be decoded (corrupt, truncated or an unsupported variant).`, error);
  }
}

function firstChannel(p: RawPixels, shift: number): Uint8Array {
  const n = p.width * p.height;
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += p.channels) out[i] = p.data[j] >> shift;
  return out;
}

/**
 * OpenCV's BGR2GRAY for 8 bits: 14-bit fixed point, rounded. 16-bit samples are first scaled to
 * 8 bits the way cv2's TIFF reader does for colour, round(x / 257).
 */
function opencvLuma(p: RawPixels, sixteen: boolean): Uint8Array {
  const n = p.width * p.height;
  const out = new Uint8Array(n);
  const d = p.data;
  const to8 = (v: number) => (sixteen ? Math.round(v / 257) : v);
  for (let i = 0, j = 0; i < n; i++, j += p.channels) {
    out[i] = (to8(d[j]) * 4899 + to8(d[j + 1]) * 9617 + to8(d[j + 2]) * 1868 + 8192) >> 14;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PNG

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  /** File gamma ×100000 from gAMA, or 45455 for sRGB; undefined when absent. */
  gamma: number | undefined;
  /** Total length of the IDAT chunks. */
  idatBytes: number;
}

function readPngHeader(b: Uint8Array): PngHeader {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const type = (at: number) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
  if (b.length < 33 || type(12) !== "IHDR" || view.getUint32(8) !== 13) throw undecodable("The PNG file has no valid header.");
  const header: PngHeader = {
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: b[24],
    colourType: b[25],
    gamma: undefined,
    idatBytes: 0,
  };
  // Ancillary chunks before the image data: sRGB and gAMA decide libpng's grey conversion. The walk
  // goes on to IEND: a file cut anywhere — even after its last IDAT — is refused whole rather than
  // decoded in part, whatever the decoder would make of it.
  let srgb = false;
  let gama: number | undefined;
  let idat = 0;
  let ended = false;
  for (let at = 33; at + 12 <= b.length;) {
    const length = view.getUint32(at);
    const name = type(at + 4);
    if (at + 12 + length > b.length) break;
    if (name === "IEND") {
      ended = true;
      break;
    }
    if (name === "IDAT") idat += length;
    else if (idat === 0 && name === "sRGB") srgb = true;
    else if (idat === 0 && name === "gAMA" && length === 4) gama = view.getUint32(at + 8);
    at += 12 + length;
  }
  if (!ended || idat === 0) throw undecodable("The PNG file is truncated (no complete image data and end chunk).");
  header.gamma = srgb ? 45455 : gama;
  header.idatBytes = idat;
  return header;
}

/**
 * zlib's deflate codes at most 258 bytes in 2 bits (a 1032:1 ratio), so image data of `idatBytes`
 * cannot hold more than about 1032 × idatBytes filtered bytes: a smaller IDAT than that for the size
 * the header announces is a lie, found before anything is inflated or allocated.
 */
function checkPngData(h: PngHeader): void {
  const channels = [1, 0, 3, 1, 2, 0, 4][h.colourType] ?? 0;
  if (channels === 0 || ![1, 2, 4, 8, 16].includes(h.bitDepth)) throw undecodable("The PNG header has an invalid colour type or bit depth.");
  const filtered = h.height * (1 + Math.ceil((h.width * channels * h.bitDepth) / 8));
  if (h.idatBytes * 1032 + 64 < filtered) throw undecodable("The PNG file's image data is too short for the size its header announces.");
}

async function decodePng(bytes: Uint8Array, maxPixels: number): Promise<RasterImage> {
  const h = readPngHeader(bytes);
  checkPixels(h.width, h.height, maxPixels, "png");
  checkPngData(h);
  const colour = (h.colourType & 2) !== 0;
  const sixteen = h.bitDepth === 16;
  if (!colour) {
    // Grey (± alpha): cv2 strips alpha and, for 16 bits, keeps the high byte.
    const p = await rawPixels(bytes, sixteen ? "grey16" : "b-w", maxPixels, "png");
    return { gray: firstChannel(p, sixteen ? 8 : 0), width: p.width, height: p.height, bitDepth: h.bitDepth, colour: "gray", exact: true };
  }
  const p = await rawPixels(bytes, sixteen ? "rgb16" : "srgb", maxPixels, "png");
  const gammaTables = h.gamma !== undefined && gammaSignificant(h.gamma);
  const gray = sixteen ? libpngGray16(p) : gammaTables ? libpngGray8Gamma(p, h.gamma!) : libpngGray8(p);
  return {
    gray,
    width: p.width,
    height: p.height,
    bitDepth: h.bitDepth,
    colour: h.colourType === 3 ? "palette" : "rgb",
    exact: !(sixteen && gammaTables),
  };
}

// cv2 asks libpng for png_set_rgb_to_gray(png, 1, 0.299, 0.587): coefficients in 1/32768,
// truncated from the fixed-point 29900 and 58700; blue takes the rest.
const PNG_RC = 9797;
const PNG_GC = 19234;
const PNG_BC = 32768 - PNG_RC - PNG_GC;

function libpngGray8(p: RawPixels): Uint8Array {
  const n = p.width * p.height;
  const out = new Uint8Array(n);
  const d = p.data;
  for (let i = 0, j = 0; i < n; i++, j += p.channels) {
    out[i] = (PNG_RC * d[j] + PNG_GC * d[j + 1] + PNG_BC * d[j + 2]) >> 15;
  }
  return out;
}

/** 16-bit colour: libpng converts at 16 bits (rounded), then cv2's strip keeps the high byte. */
function libpngGray16(p: RawPixels): Uint8Array {
  const n = p.width * p.height;
  const out = new Uint8Array(n);
  const d = p.data;
  for (let i = 0, j = 0; i < n; i++, j += p.channels) {
    out[i] = ((PNG_RC * d[j] + PNG_GC * d[j + 1] + PNG_BC * d[j + 2] + 16384) >>> 15) >> 8;
  }
  return out;
}

/** libpng's png_gamma_significant: more than 5% away from 1. */
function gammaSignificant(g: number): boolean {
  return g < 95000 || g > 105000;
}

/** libpng's png_reciprocal for fixed-point (×100000) values. */
function pngReciprocal(a: number): number {
  return Math.floor(1e10 / a + 0.5);
}

/** png_build_8bit_table: floor(255·(i/255)^(g/100000) + 0.5), ends fixed. */
function pngGammaTable(g: number): Uint8Array {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) {
    t[i] = i === 0 || i === 255 || !gammaSignificant(g) ? i : Math.floor(255 * Math.pow(i / 255, g * 0.00001) + 0.5);
  }
  return t;
}

/**
 * With a significant file gamma (gAMA, or sRGB), libpng converts in linear light: the screen gamma
 * defaults to 1/file gamma, values go through gamma_to_1, are mixed with rounding, and come back
 * through gamma_from_1. Grey pixels (R = G = B) pass unchanged.
 */
function libpngGray8Gamma(p: RawPixels, fileGamma: number): Uint8Array {
  const screenGamma = pngReciprocal(fileGamma);
  const toLinear = pngGammaTable(pngReciprocal(fileGamma));
  const fromLinear = pngGammaTable(pngReciprocal(screenGamma));
  const n = p.width * p.height;
  const out = new Uint8Array(n);
  const d = p.data;
  for (let i = 0, j = 0; i < n; i++, j += p.channels) {
    const r = d[j];
    const g = d[j + 1];
    const b = d[j + 2];
    out[i] = r === g && r === b ? r : fromLinear[(PNG_RC * toLinear[r] + PNG_GC * toLinear[g] + PNG_BC * toLinear[b] + 16384) >> 15];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JPEG

interface JpegHeader {
  width: number;
  height: number;
  precision: number;
  components: number;
  /** SOF marker (0xC0 baseline, 0xC2 progressive, 0xC3 lossless, …). */
  sof: number;
  /** libjpeg's guess of the coded colour space for 3 components (jdapimin.c default_decompress_parms). */
  coded: "gray" | "ycbcr" | "rgb" | "cmyk" | "other";
  jfifAt: number;
  adobeAt: number;
  /** Largest horizontal and vertical sampling factors of the SOF's components. */
  hMax: number;
  vMax: number;
  /** Offset of the first SOS marker, or -1. */
  scanAt: number;
}

function readJpegHeader(b: Uint8Array): JpegHeader {
  const h: JpegHeader = { width: 0, height: 0, precision: 0, components: 0, sof: 0, coded: "other", jfifAt: -1, adobeAt: -1, hMax: 1, vMax: 1, scanAt: -1 };
  let adobeTransform = -1;
  let ids: number[] = [];
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) throw undecodable("The JPEG file has a corrupt marker structure.");
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) {
      if (marker === 0xda) h.scanAt = at;
      break;
    }
    const length = (b[at + 2] << 8) | b[at + 3];
    if (length < 2 || at + 2 + length > b.length) throw undecodable("The JPEG file is truncated.");
    const seg = at + 4;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && length >= 8) {
      h.sof = marker;
      h.precision = b[seg];
      h.height = (b[seg + 1] << 8) | b[seg + 2];
      h.width = (b[seg + 3] << 8) | b[seg + 4];
      h.components = b[seg + 5];
      ids = [];
      for (let c = 0; c < h.components && seg + 8 + 3 * c < at + 2 + length; c++) {
        ids.push(b[seg + 6 + 3 * c]);
        h.hMax = Math.max(h.hMax, b[seg + 7 + 3 * c] >> 4);
        h.vMax = Math.max(h.vMax, b[seg + 7 + 3 * c] & 0x0f);
      }
    } else if (marker === 0xe0 && length >= 7 && b[seg] === 0x4a && b[seg + 1] === 0x46 && b[seg + 2] === 0x49 && b[seg + 3] === 0x46 && b[seg + 4] === 0) {
      h.jfifAt = seg;
    } else if (marker === 0xee && length >= 14 && String.fromCharCode(...b.subarray(seg, seg + 5)) === "Adobe") {
      h.adobeAt = seg;
      adobeTransform = b[seg + 11];
    }
    at += 2 + length;
  }
  if (h.components === 1) h.coded = "gray";
  else if (h.components === 4) h.coded = "cmyk";
  else if (h.components === 3) {
    if (h.jfifAt >= 0) h.coded = "ycbcr";
    else if (h.adobeAt >= 0) h.coded = adobeTransform === 0 ? "rgb" : "ycbcr";
    else if (ids[0] === 82 && ids[1] === 71 && ids[2] === 66) h.coded = "rgb";
    else h.coded = "ycbcr";
  }
  return h;
}

/**
 * cv2's grey read of a YCbCr JPEG is libjpeg's Y plane, untouched by chroma. sharp can only give
 * RGB, so the header is edited to say the components are already RGB (JFIF's id hidden, Adobe
 * transform 0): libjpeg then skips the colour conversion and the first channel is Y itself.
 */
function asUntransformed(b: Uint8Array, h: JpegHeader): Uint8Array {
  if (h.adobeAt >= 0) {
    const out = b.slice();
    out[h.adobeAt + 11] = 0;
    if (h.jfifAt >= 0) out[h.jfifAt] = 0x58;
    return out;
  }
  const adobe = [0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00];
  const out = new Uint8Array(b.length + adobe.length);
  out.set(b.subarray(0, 2), 0);
  out.set(adobe, 2);
  out.set(b.subarray(2), 2 + adobe.length);
  if (h.jfifAt >= 0) out[h.jfifAt + adobe.length] = 0x58;
  return out;
}

/**
 * Huffman-coded DCT JPEGs (SOF0–SOF2) spend at least one bit per MCU (its first DC difference), so the
 * bytes after the first scan header bound the MCUs they can hold. Arithmetic-coded ones can go below
 * a bit and are left to the pixel limit.
 */
function checkJpegData(b: Uint8Array, h: JpegHeader): void {
  if (h.scanAt < 0) throw undecodable("The JPEG file has no image data (truncated?).");
  if (h.sof > 0xc2) return;
  const mcus = Math.ceil(h.width / (8 * h.hMax)) * Math.ceil(h.height / (8 * h.vMax));
  if ((b.length - h.scanAt) * 8 < mcus) throw undecodable("The JPEG file's image data is too short for the size its header announces.");
}

/**
 * Also used for JPEG frames inside DICOM files, where `expected` is the DICOM header's Rows/Columns
 * and the frame's SOF must agree before anything is decoded.
 */
export async function decodeJpeg(bytes: Uint8Array, maxPixels: number, expected?: { width: number; height: number }): Promise<RasterImage> {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw undecodable("The data is not a JPEG image.");
  const h = readJpegHeader(bytes);
  if (expected && (h.width !== expected.width || h.height !== expected.height)) {
    throw undecodable(`The JPEG frame is ${h.width}×${h.height} but its DICOM header says ${expected.width}×${expected.height}.`);
  }
  checkPixels(h.width, h.height, maxPixels, "jpeg");
  checkJpegData(bytes, h);
  if (h.precision !== 8) throw undecodable(`${h.precision}-bit JPEG images are not supported (8-bit only).`);
  if (h.sof === 0xc3 || h.sof === 0xc7 || h.sof === 0xcb || h.sof === 0xcf) {
    throw undecodable("Lossless JPEG images are only supported inside DICOM files.");
  }
  const base = { bitDepth: 8 };
  if (h.coded === "gray") {
    const p = await rawPixels(bytes, "b-w", maxPixels, "jpeg");
    return { ...base, gray: firstChannel(p, 0), width: p.width, height: p.height, colour: "gray", exact: true };
  }
  if (h.coded === "ycbcr") {
    const p = await rawPixels(asUntransformed(bytes, h), "none", maxPixels, "jpeg");
    if (p.channels < 3) throw undecodable("The JPEG image could not be decoded.");
    return { ...base, gray: firstChannel(p, 0), width: p.width, height: p.height, colour: "rgb", exact: true };
  }
  if (h.coded === "rgb") {
    // libjpeg's own RGB→grey (jccolor.c tables, 16-bit fixed point).
    const p = await rawPixels(bytes, "srgb", maxPixels, "jpeg");
    const n = p.width * p.height;
    const gray = new Uint8Array(n);
    for (let i = 0, j = 0; i < n; i++, j += p.channels) {
      gray[i] = (19595 * p.data[j] + 38470 * p.data[j + 1] + 7471 * p.data[j + 2] + 32768) >>> 16;
    }
    return { ...base, gray, width: p.width, height: p.height, colour: "rgb", exact: true };
  }
  if (h.coded === "cmyk") {
    // cv2 reads libjpeg's CMYK and applies its own CMYK→grey; libvips hands back Adobe-marked CMYK
    // inverted, so undo that first.
    const p = await rawPixels(bytes, "cmyk", maxPixels, "jpeg");
    const adobe = h.adobeAt >= 0;
    return { ...base, gray: opencvCmykGray(p, adobe), width: p.width, height: p.height, colour: "cmyk", exact: adobe };
  }
  throw undecodable(`JPEG images with ${h.components} components are not supported.`);
}

/** OpenCV's icvCvt_CMYK2Gray_8u_C4C1R on libjpeg's CMYK samples. */
function opencvCmykGray(p: RawPixels, inverted: boolean): Uint8Array {
  const n = p.width * p.height;
  const out = new Uint8Array(n);
  const d = p.data;
  const inv = inverted ? 255 : 0;
  for (let i = 0, j = 0; i < n; i++, j += p.channels) {
    const k = inv ? 255 - d[j + 3] : d[j + 3];
    const c = k - (((255 - (inv ? 255 - d[j] : d[j])) * k) >> 8);
    const m = k - (((255 - (inv ? 255 - d[j + 1] : d[j + 1])) * k) >> 8);
    const y = k - (((255 - (inv ? 255 - d[j + 2] : d[j + 2])) * k) >> 8);
    out[i] = (y * 1868 + m * 9617 + c * 4899 + 8192) >> 14;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// TIFF

async function decodeTiff(bytes: Uint8Array, maxPixels: number): Promise<RasterImage> {
  // Size, strips and tiles first, from our own reading of the directory; then libtiff's view of it.
  readTiffLayout(bytes, maxPixels);
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: maxPixels }).metadata();
  } catch (error) {
    throw undecodable("The TIFF image could not be read (corrupt or truncated header).", error);
  }
  checkPixels(meta.width ?? 0, meta.height ?? 0, maxPixels, "tiff");
  const sixteen = meta.depth === "ushort" || meta.depth === "short";
  if (meta.depth !== "uchar" && meta.depth !== "char" && !sixteen) {
    throw undecodable(`TIFF images with ${meta.depth} samples are not supported (8 or 16 bits only).`);
  }
  const bitDepth = meta.bitsPerSample ?? (sixteen ? 16 : 8);
  if (meta.space === "b-w" || meta.space === "grey16") {
    const p = await rawPixels(bytes, sixteen ? "grey16" : "b-w", maxPixels, "tiff");
    return { gray: firstChannel(p, sixteen ? 8 : 0), width: p.width, height: p.height, bitDepth, colour: "gray", exact: true };
  }
  // cv2 reads colour TIFFs as BGR(A) and converts with its own BGR2GRAY.
  const p = await rawPixels(bytes, sixteen ? "rgb16" : "srgb", maxPixels, "tiff");
  const cmyk = meta.space === "cmyk";
  return {
    gray: opencvLuma(p, sixteen),
    width: p.width,
    height: p.height,
    bitDepth,
    colour: cmyk ? "cmyk" : "rgb",
    exact: !cmyk,
  };
}
