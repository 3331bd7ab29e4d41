// Reads the first image directory of a TIFF or BigTIFF file and checks it before libtiff sees the
// file: the image size against the pixel limit, and every strip or tile against the file's length,
// so a header announcing gigabytes of strips that the file does not hold fails here, typed and fast.
// Decodes no pixels.
import { AppError } from "../../errors/app-error.ts";

export interface TiffLayout {
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number;
}

const TAG = {
  width: 256,
  height: 257,
  bitsPerSample: 258,
  compression: 259,
  stripOffsets: 273,
  samplesPerPixel: 277,
  rowsPerStrip: 278,
  stripByteCounts: 279,
  planarConfiguration: 284,
  tileWidth: 322,
  tileLength: 323,
  tileOffsets: 324,
  tileByteCounts: 325,
} as const;

/** Bytes per value of the integer field types a layout uses: BYTE, SHORT, LONG, LONG8, IFD8. */
const TYPE_SIZE: Record<number, number> = { 1: 1, 3: 2, 4: 4, 16: 8, 18: 8 };

function bad(why: string): AppError {
  return new AppError("UNSUPPORTED_MEDIA_TYPE", `The TIFF file is corrupt or unsupported: ${why}.`);
}

/** At most this many values are read per field; more strips or tiles than pixels is a lie anyway. */
const MAX_VALUES = 1 << 20;

export function readTiffLayout(b: Uint8Array, maxPixels: number): TiffLayout {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 8) throw bad("no header");
  const little = b[0] === 0x49;
  const big = view.getUint16(2, little) === 43;
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  const u64 = (at: number) => Number(view.getBigUint64(at, little));
  const inFile = (at: number, size: number) => Number.isSafeInteger(at) && at >= 0 && at + size <= b.length;
  if (big && (b.length < 16 || u16(4) !== 8)) throw bad("BigTIFF header");
  const ifd = big ? u64(8) : u32(4);
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const inline = big ? 8 : 4;
  if (!inFile(ifd, countSize)) throw bad("the image directory lies outside the file");
  const entries = big ? u64(ifd) : u16(ifd);
  if (!inFile(ifd + countSize, entries * entrySize)) throw bad("the image directory runs past the end of the file");

  const fields = new Map<number, number[]>();
  for (let i = 0; i < entries; i++) {
    const at = ifd + countSize + i * entrySize;
    const tag = u16(at);
    const size = TYPE_SIZE[u16(at + 2)];
    if (size === undefined || !Object.values(TAG).includes(tag as never)) continue;
    const count = big ? u64(at + 4) : u32(at + 4);
    if (count > MAX_VALUES) throw bad(`field ${tag} has ${count} values`);
    const valueAt = count * size <= inline ? at + (big ? 12 : 8) : big ? u64(at + 12) : u32(at + 8);
    if (!inFile(valueAt, count * size)) throw bad(`field ${tag} lies outside the file`);
    const values: number[] = [];
    for (let k = 0; k < count; k++) {
      const p = valueAt + k * size;
      values.push(size === 1 ? b[p] : size === 2 ? u16(p) : size === 4 ? u32(p) : u64(p));
    }
    fields.set(tag, values);
  }
  const one = (tag: number, fallback?: number) => fields.get(tag)?.[0] ?? fallback;

  const width = one(TAG.width, 0)!;
  const height = one(TAG.height, 0)!;
  if (!(width > 0 && height > 0)) throw bad("no image size");
  if (width * height > maxPixels) {
    throw new AppError("PAYLOAD_TOO_LARGE", `The image is ${width}×${height} pixels, more than the ${maxPixels} pixels allowed.`, {
      details: { width, height, maxPixels },
    });
  }
  const samplesPerPixel = one(TAG.samplesPerPixel, 1)!;
  const bitsPerSample = one(TAG.bitsPerSample, 1)!;
  if (samplesPerPixel < 1 || samplesPerPixel > 8) throw bad(`${samplesPerPixel} samples per pixel`);
  if (bitsPerSample < 1 || bitsPerSample > 64) throw bad(`${bitsPerSample} bits per sample`);
  const planes = one(TAG.planarConfiguration, 1) === 2 ? samplesPerPixel : 1;

  // Strips hold RowsPerStrip rows each (the last fewer); tiles a TileWidth × TileLength block each.
  const tiled = fields.has(TAG.tileOffsets);
  let blocks: number;
  let offsets: number[] | undefined;
  let counts: number[] | undefined;
  if (tiled) {
    const tileWidth = one(TAG.tileWidth, 0)!;
    const tileLength = one(TAG.tileLength, 0)!;
    if (!(tileWidth > 0 && tileLength > 0)) throw bad("no tile size");
    // libtiff allocates a whole tile for each read: a tile larger than the limit is a bomb of its own.
    if (tileWidth * tileLength > maxPixels) throw bad(`${tileWidth}×${tileLength} tiles are larger than the image limit`);
    blocks = Math.ceil(width / tileWidth) * Math.ceil(height / tileLength) * planes;
    offsets = fields.get(TAG.tileOffsets);
    counts = fields.get(TAG.tileByteCounts);
  } else {
    const rowsPerStrip = Math.min(one(TAG.rowsPerStrip, height)!, height);
    if (!(rowsPerStrip > 0)) throw bad("no rows per strip");
    blocks = Math.ceil(height / rowsPerStrip) * planes;
    offsets = fields.get(TAG.stripOffsets);
    counts = fields.get(TAG.stripByteCounts);
  }
  if (!offsets || !counts || offsets.length < blocks || counts.length < blocks) throw bad(`fewer ${tiled ? "tiles" : "strips"} than the image needs`);
  for (let i = 0; i < blocks; i++) {
    if (!inFile(offsets[i]!, counts[i]!)) throw bad(`${tiled ? "tile" : "strip"} ${i} runs past the end of the file`);
  }
  if (one(TAG.compression, 1) === 1) {
    // Uncompressed: the blocks must hold every sample the size announces.
    // Rows are padded to whole bytes, so this is a lower bound for chunky and planar layouts alike.
    const needed = height * Math.floor((width * samplesPerPixel * bitsPerSample) / 8);
    const held = counts.slice(0, blocks).reduce((sum, n) => sum + n, 0);
    if (!tiled && held < needed) throw bad("the strips are shorter than the image");
  }
  return { width, height, samplesPerPixel, bitsPerSample };
}
