// IEEE 754 binary16 ("half") encoding of float32 arrays, for storing local features at half the
// size. Pure. Rounds to nearest, ties to even, bit for bit like numpy's astype(float16); keeps
// subnormals, ±0, ±Inf and NaN payloads. Blobs are little-endian, 2 bytes per value.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The largest finite half, 65504; float32 values from 65520 up round to Inf. */
export const FLOAT16_MAX = 65504;

/**
 * The half bit pattern nearest to a float32 given by its bits (ties to even). Working on bits keeps
 * NaN payloads intact: moving a signalling NaN through a JS number may quiet it.
 */
export function float32BitsToFloat16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    // Inf stays Inf; NaN keeps its top payload bits, nudged so that it never becomes Inf (numpy's rule).
    if (mant === 0) return sign | 0x7c00;
    const nan = 0x7c00 | (mant >>> 13);
    return sign | (nan === 0x7c00 ? 0x7c01 : nan);
  }
  if (exp >= 113) {
    // Normal half range and above (unbiased exponent ≥ −14). A carry out of the mantissa moves
    // the exponent up, which also turns values ≥ 65520 into Inf (0x7c00).
    if (exp > 142) return sign | 0x7c00;
    let h = ((exp - 112) << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++;
    return sign | h;
  }
  if (exp >= 102) {
    // Half subnormals: multiples of 2^−24. The implicit leading 1 joins the mantissa first.
    const m = mant | 0x800000;
    const shift = 126 - exp;
    let h = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rest > half || (rest === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  return sign; // below half of the smallest subnormal: ±0
}

/** The half bit pattern nearest to a number (first rounded to float32, as a Float32Array would). */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  return float32BitsToFloat16Bits(u32[0]);
}

/** Every half bit pattern as float32 bits (256 KiB), so decoding is a table lookup. */
const DECODE_BITS = (() => {
  const bits = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    let mant = h & 0x3ff;
    if (exp === 31) bits[h] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
    else if (exp !== 0) bits[h] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
    else if (mant === 0) bits[h] = sign >>> 0;
    else {
      // A half subnormal m·2^−24 is a normal float32: shift the leading 1 out of the mantissa.
      let e = 113;
      while ((mant & 0x400) === 0) {
        mant <<= 1;
        e--;
      }
      bits[h] = (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
    }
  }
  return bits;
})();

export function float16BitsToFloat32(bits: number): number {
  u32[0] = DECODE_BITS[bits & 0xffff];
  return f32[0];
}

/** Encodes float32 values as a little-endian half blob (2 bytes per value). */
export function encodeFloat16(values: Float32Array): Uint8Array<ArrayBuffer> {
  const input = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint8Array(values.length * 2);
  for (let i = 0; i < input.length; i++) {
    const h = float32BitsToFloat16Bits(input[i]);
    out[2 * i] = h & 0xff;
    out[2 * i + 1] = h >>> 8;
  }
  return out;
}

/** Decodes a little-endian half blob into float32 values (exact: every half is a float32). */
export function decodeFloat16(blob: Uint8Array): Float32Array {
  if (blob.length % 2 !== 0) throw new RangeError(`a float16 blob has an even length (got ${blob.length} bytes)`);
  const out = new Float32Array(blob.length / 2);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) bits[i] = DECODE_BITS[blob[2 * i] | (blob[2 * i + 1] << 8)];
  return out;
}
