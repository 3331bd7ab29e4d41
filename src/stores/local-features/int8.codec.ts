// Symmetric int8 quantisation of region features, one scale per region vector (the D values of one
// region r of one image, channels-first [D, M]). Pure; the file store keeps regions this way when
// LOCAL_FEATURE_PRECISION=int8 (docs/storage.md, "Local features on disk").

/** The largest |q|; −128 is never used, so the range is symmetric. */
export const INT8_MAX = 127;

/**
 * Quantises channels-first regions [D, M] into `q` [D, M] and `scales` [M]: s_r = max_d |x[d, r]| / 127
 * (as float32), q = round(x / s_r) clamped to ±127, so |x − q·s_r| ≤ s_r / 2. A region of zeros gets
 * s = 0 and q = 0. Writes into the given arrays so a caller can fill one record buffer.
 */
export function quantizeRegions(regions: Float32Array, dim: number, regionCount: number, q: Int8Array, scales: Float32Array): void {
  if (regions.length !== dim * regionCount || q.length !== dim * regionCount || scales.length !== regionCount) {
    throw new RangeError(
      `int8 quantisation of [${dim}, ${regionCount}] needs ${dim * regionCount} values, ${dim * regionCount} codes and ${regionCount} scales`,
    );
  }
  for (let r = 0; r < regionCount; r++) {
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(regions[d * regionCount + r]));
    const s = Math.fround(max / INT8_MAX);
    scales[r] = s;
    for (let d = 0; d < dim; d++) {
      const i = d * regionCount + r;
      if (s === 0) {
        q[i] = 0;
        continue;
      }
      const x = regions[i] / s;
      // Round half away from zero, so a value and its negation quantise to opposite codes.
      const rounded = Math.sign(x) * Math.round(Math.abs(x));
      q[i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, rounded));
    }
  }
}

/** The float32 values q · s_r of quantised regions [D, M]. */
export function dequantizeRegions(q: Int8Array, scales: Float32Array, dim: number, regionCount: number): Float32Array {
  if (q.length !== dim * regionCount || scales.length !== regionCount) {
    throw new RangeError(`int8 regions of [${dim}, ${regionCount}] need ${dim * regionCount} codes and ${regionCount} scales`);
  }
  const out = new Float32Array(q.length);
  for (let d = 0; d < dim; d++) {
    for (let r = 0; r < regionCount; r++) out[d * regionCount + r] = q[d * regionCount + r] * scales[r];
  }
  return out;
}
