// Lossless JPEG (ITU T.81 process 14, Huffman, predictors 1–7, point transform, restart markers):
// the compression most CR/DX archives use in DICOM (transfer syntaxes .4.57 and .4.70). Pure: bytes
// in, samples out; sharp's libjpeg cannot read it. The frame header is checked against the size the
// caller expects and the pixel limit, and the data against the least it could hold, before the output
// exists; decoding stops with an error where the data ends instead of inventing the rest.
import { AppError } from "../../errors/app-error.ts";

export interface LosslessFrame {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** Samples, pixel-interleaved when there are several components. */
  samples: Int32Array;
}

/** The size the container (the DICOM header) gives the frame; the SOF must say the same. */
export interface ExpectedFrame {
  width: number;
  height: number;
  components: number;
}

function corrupt(why: string): AppError {
  return new AppError("UNSUPPORTED_MEDIA_TYPE", `The lossless JPEG data is corrupt or unsupported: ${why}.`);
}

interface Huffman {
  /** Fast path: the next LOOKUP bits → (code length << 8 | symbol), 0 when the code is longer. */
  lookup: Uint16Array;
  maxcode: Int32Array;
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
}

const LOOKUP = 9;

function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  const lookup = new Uint16Array(1 << LOOKUP);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    valptr[len] = k;
    mincode[len] = code;
    for (let i = 0; i < counts[len - 1]; i++, k++, code++) {
      if (len <= LOOKUP) {
        const shift = LOOKUP - len;
        for (let fill = 0; fill < 1 << shift; fill++) lookup[(code << shift) | fill] = (len << 8) | values[k];
      }
    }
    maxcode[len] = counts[len - 1] ? code - 1 : -1;
    if (code > 1 << len) throw corrupt("invalid Huffman table");
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff;
  return { lookup, maxcode, valptr, mincode, values };
}

/**
 * Entropy-coded bits, with 0xFF00 unstuffing. A marker or the end of the bytes ends the data: zeros
 * are fed after it so a look-ahead can run on, but consuming any of them throws — an encoder pads the
 * last code to a byte with ones, so a valid stream never does.
 */
class BitReader {
  private acc = 0;
  private bits = 0;
  /** How many of the low `bits` are zeros fed after the data ended. */
  private padding = 0;
  marker = -1;
  constructor(
    private readonly b: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.bits <= 24) {
      let byte = 0;
      let real = false;
      if (this.marker < 0 && this.pos < this.b.length) {
        byte = this.b[this.pos];
        if (byte === 0xff) {
          const next = this.b[this.pos + 1];
          if (next === 0x00) {
            this.pos += 2;
            real = true;
          } else {
            // A 0xFF as the very last byte is a marker cut off: the data has ended all the same.
            this.marker = next ?? 0;
            byte = 0;
          }
        } else {
          this.pos++;
          real = true;
        }
      }
      if (!real) this.padding += 8;
      this.acc = ((this.acc << 8) | byte) >>> 0;
      this.bits += 8;
    }
  }

  peek(n: number): number {
    if (this.bits < n) this.fill();
    return (this.acc >>> (this.bits - n)) & ((1 << n) - 1);
  }

  skip(n: number): void {
    this.bits -= n;
    if (this.bits < this.padding) throw corrupt("the data ends before the image does");
  }

  read(n: number): number {
    if (n === 0) return 0;
    const v = this.peek(n);
    this.skip(n);
    return v;
  }

  /** Drops the partial byte and consumes an RSTn marker. */
  restart(): void {
    this.acc = 0;
    this.bits = 0;
    this.padding = 0;
    if (this.marker < 0) {
      // Find the marker (possibly after fill bytes).
      while (this.pos + 1 < this.b.length && !(this.b[this.pos] === 0xff && this.b[this.pos + 1] !== 0)) this.pos++;
      this.marker = this.pos + 1 < this.b.length ? this.b[this.pos + 1] : -1;
    }
    if (this.marker < 0xd0 || this.marker > 0xd7) throw corrupt("missing restart marker");
    this.pos += 2;
    this.marker = -1;
  }
}

function decodeSymbol(r: BitReader, h: Huffman): number {
  const e = h.lookup[r.peek(LOOKUP)];
  if (e !== 0) {
    r.skip(e >> 8);
    return e & 0xff;
  }
  let code = r.read(LOOKUP);
  let len = LOOKUP;
  while (code > h.maxcode[len]) {
    code = (code << 1) | r.read(1);
    if (++len > 16) throw corrupt("bad Huffman code");
  }
  return h.values[h.valptr[len] + code - h.mincode[len]];
}

/**
 * Decodes one lossless JPEG frame. Throws AppError PAYLOAD_TOO_LARGE when the frame has more than
 * `maxPixels` samples, UNSUPPORTED_MEDIA_TYPE when its SOF disagrees with `expected`, when the data is
 * too short for the frame, or when it is corrupt — each before or instead of reading past the data.
 */
export function decodeJpegLossless(b: Uint8Array, maxPixels: number, expected?: ExpectedFrame): LosslessFrame {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) throw corrupt("no start-of-image marker");
  const tables: (Huffman | undefined)[] = [];
  let restartInterval = 0;
  let frame: { precision: number; height: number; width: number; ids: number[] } | undefined;
  let at = 2;
  for (;;) {
    if (at + 4 > b.length) throw corrupt("truncated header");
    if (b[at] !== 0xff) throw corrupt("bad marker");
    const marker = b[at + 1];
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = (b[at + 2] << 8) | b[at + 3];
    const seg = at + 4;
    const end = at + 2 + length;
    if (end > b.length || length < 2) throw corrupt("truncated segment");
    if (marker === 0xc4) {
      for (let p = seg; p < end;) {
        if (p + 17 > end) throw corrupt("truncated Huffman table");
        const th = b[p] & 0x0f;
        const counts = b.subarray(p + 1, p + 17);
        const n = counts.reduce((s, c) => s + c, 0);
        if (p + 17 + n > end) throw corrupt("truncated Huffman table");
        tables[th] = buildHuffman(counts, b.subarray(p + 17, p + 17 + n));
        p += 17 + n;
      }
    } else if (marker === 0xdd) {
      if (length < 4) throw corrupt("truncated restart interval");
      restartInterval = (b[seg] << 8) | b[seg + 1];
    } else if (marker === 0xc3) {
      if (length < 8) throw corrupt("truncated frame header");
      const height = (b[seg + 1] << 8) | b[seg + 2];
      const width = (b[seg + 3] << 8) | b[seg + 4];
      const nf = b[seg + 5];
      checkFrame(width, height, nf, maxPixels, expected);
      if (length < 8 + 3 * nf) throw corrupt("truncated frame header");
      const ids: number[] = [];
      for (let c = 0; c < nf; c++) {
        if (b[seg + 7 + 3 * c] !== 0x11) throw corrupt("subsampled components");
        ids.push(b[seg + 6 + 3 * c]);
      }
      frame = { precision: b[seg], height, width, ids };
    } else if ((marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xd9) {
      throw corrupt("not a lossless Huffman JPEG");
    } else if (marker === 0xda) {
      if (!frame) throw corrupt("scan before frame header");
      return decodeScan(b, seg, end, frame, tables, restartInterval);
    }
    at = end;
  }
}

/** The SOF's size against the container's and the limit, before anything is allocated for it. */
function checkFrame(width: number, height: number, components: number, maxPixels: number, expected: ExpectedFrame | undefined): void {
  if (!(width > 0 && height > 0 && components > 0)) throw corrupt("no image size");
  if (expected && (width !== expected.width || height !== expected.height || components !== expected.components)) {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      `The lossless JPEG frame is ${width}×${height}×${components} but its header says ${expected.width}×${expected.height}×${expected.components}.`,
      { details: { frame: [width, height, components], header: [expected.width, expected.height, expected.components] } },
    );
  }
  if (width * height * components > maxPixels) {
    throw new AppError("PAYLOAD_TOO_LARGE", `The image is ${width}×${height}×${components} samples, more than the ${maxPixels} allowed.`, {
      details: { width, height, components, maxPixels },
    });
  }
}

function decodeScan(
  b: Uint8Array,
  seg: number,
  end: number,
  frame: { precision: number; height: number; width: number; ids: number[] },
  tables: (Huffman | undefined)[],
  restartInterval: number,
): LosslessFrame {
  const { width, height, precision, ids } = frame;
  const nc = ids.length;
  if (precision < 2 || precision > 16) throw corrupt(`precision ${precision}`);
  if (end - seg < 4) throw corrupt("truncated scan header");
  const ns = b[seg];
  if (end - seg < 4 + 2 * ns) throw corrupt("truncated scan header");
  if (ns !== nc) throw corrupt("non-interleaved scans");
  const huff: Huffman[] = [];
  for (let j = 0; j < ns; j++) {
    const c = ids.indexOf(b[seg + 1 + 2 * j]);
    const t = tables[b[seg + 2 + 2 * j] >> 4];
    if (c !== j || !t) throw corrupt("scan components or tables");
    huff.push(t);
  }
  const predictor = b[seg + 1 + 2 * ns];
  const pt = b[seg + 3 + 2 * ns] & 0x0f;
  if (predictor < 1 || predictor > 7) throw corrupt(`predictor ${predictor}`);
  if (pt >= precision) throw corrupt(`point transform ${pt}`);
  const initial = 1 << (precision - pt - 1);
  const mask = 0xffff;
  // Every sample takes at least one bit (a one-bit Huffman code for a zero difference), so the bytes
  // left after the scan header bound how many samples they can hold. Checked before the output exists.
  if ((b.length - end) * 8 < width * height * nc) throw corrupt("the data ends before the image does");

  const samples = new Int32Array(width * height * nc);
  const r = new BitReader(b, end);
  let untilRestart = restartInterval;
  // Rows after a restart behave like the first row until the next row starts.
  let restartRow = 0;
  let restartCol = 0;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (restartInterval && untilRestart === 0) {
        r.restart();
        untilRestart = restartInterval;
        restartRow = y;
        restartCol = x;
      }
      const firstRow = y === restartRow;
      const base = (y * width + x) * nc;
      for (let c = 0; c < nc; c++) {
        const t = decodeSymbol(r, huff[c]);
        let diff: number;
        if (t === 0) diff = 0;
        else if (t === 16) diff = 32768;
        else if (t > 16) throw corrupt("bad difference category");
        else {
          const v = r.read(t);
          diff = v < 1 << (t - 1) ? v - (1 << t) + 1 : v;
        }
        let pred: number;
        const i = base + c;
        if (firstRow) {
          pred = x === restartCol ? initial : samples[i - nc];
        } else if (x === 0) {
          pred = samples[i - width * nc];
        } else {
          const ra = samples[i - nc];
          const rb = samples[i - width * nc];
          const rc = samples[i - width * nc - nc];
          switch (predictor) {
            case 1:
              pred = ra;
              break;
            case 2:
              pred = rb;
              break;
            case 3:
              pred = rc;
              break;
            case 4:
              pred = ra + rb - rc;
              break;
            case 5:
              pred = ra + ((rb - rc) >> 1);
              break;
            case 6:
              pred = rb + ((ra - rc) >> 1);
              break;
            default:
              pred = (ra + rb) >> 1;
          }
        }
        samples[i] = (pred + diff) & mask;
      }
      if (restartInterval) untilRestart--;
    }
  }
  if (pt) for (let i = 0; i < samples.length; i++) samples[i] <<= pt;
  return { width, height, components: nc, precision, samples };
}
