// OpenCV's cv::resize(..., INTER_AREA) for single-channel uint8 images, reproduced bit for bit
// (gloria-numerics §2.2). Pure: typed arrays in, typed arrays out; no decoding, padding or cropping here.
//
// OpenCV picks one of three kernels, and each rounds differently, so all three are reproduced:
//  - integer shrink factors in both axes ("area fast"): block sums; 2×2 rounds half up, others
//    multiply by a float32 1/area and round half to even;
//  - other shrinks (both factors ≥ 1): the float32 decimation tables of computeResizeAreaTab;
//  - any enlarging axis: the fixed-point bilinear path with INTER_AREA's own coefficients, rounded
//    the way OpenCV's SIMD kernel (and its matching scalar tail) does.

const f32 = Math.fround;

/** cvRound: nearest integer, halves to even (what SSE's cvtsd2si/cvtss2si do by default). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/** saturate_cast<uchar>(float). */
function saturateU8(x: number): number {
  const r = roundHalfEven(x);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** saturate_cast<short>(float). */
function saturateI16(x: number): number {
  const r = roundHalfEven(x);
  return r < -32768 ? -32768 : r > 32767 ? 32767 : r;
}

function checkArgs(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): void {
  for (const [name, v] of [
    ["sw", sw],
    ["sh", sh],
    ["dw", dw],
    ["dh", dh],
  ] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`resizeArea: ${name} must be a positive integer, got ${v}`);
  }
  if (src.length < sw * sh) throw new RangeError(`resizeArea: source holds ${src.length} bytes, needs ${sw * sh}`);
}

/**
 * Resizes a row-major uint8 grey image from sw×sh to dw×dh exactly as
 * `cv2.resize(src, (dw, dh), interpolation=cv2.INTER_AREA)` does.
 */
export function resizeArea(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  checkArgs(src, sw, sh, dw, dh);
  if (sw === dw && sh === dh) return src.slice(0, sw * sh);

  // cv::resize derives the scales from the sizes in this order; 1/(d/s) can differ from s/d in
  // the last bit, which moves table boundaries.
  const invScaleX = dw / sw;
  const invScaleY = dh / sh;
  const scaleX = 1 / invScaleX;
  const scaleY = 1 / invScaleY;
  const iscaleX = roundHalfEven(scaleX);
  const iscaleY = roundHalfEven(scaleY);
  const isAreaFast = Math.abs(scaleX - iscaleX) < Number.EPSILON && Math.abs(scaleY - iscaleY) < Number.EPSILON;

  if (scaleX >= 1 && scaleY >= 1) {
    return isAreaFast ? resizeAreaFast(src, sw, dw, dh, iscaleX, iscaleY) : resizeAreaGeneric(src, sw, sh, dw, dh, scaleX, scaleY);
  }
  return resizeAreaAsLinear(src, sw, sh, dw, dh, scaleX, scaleY, invScaleX, invScaleY);
}

/** Integer factors: mean of each ix×iy block (the sizes divide exactly, or the factor is not integral). */
function resizeAreaFast(src: Uint8Array, sw: number, dw: number, dh: number, ix: number, iy: number): Uint8Array {
  const dst = new Uint8Array(dw * dh);
  if (ix === 2 && iy === 2) {
    // Both the SIMD body and its scalar tail compute (a+b+c+d+2)>>2: halves round up.
    for (let dy = 0; dy < dh; dy++) {
      const r0 = 2 * dy * sw;
      const r1 = r0 + sw;
      const o = dy * dw;
      for (let dx = 0; dx < dw; dx++) {
        const s = 2 * dx;
        dst[o + dx] = (src[r0 + s] + src[r0 + s + 1] + src[r1 + s] + src[r1 + s + 1] + 2) >> 2;
      }
    }
    return dst;
  }
  // int sum times float(1/area), rounded half to even.
  const scale = f32(1 / (ix * iy));
  for (let dy = 0; dy < dh; dy++) {
    const row0 = dy * iy * sw;
    const o = dy * dw;
    for (let dx = 0; dx < dw; dx++) {
      const x0 = dx * ix;
      let sum = 0;
      for (let k = 0; k < iy; k++) {
        const p = row0 + k * sw + x0;
        for (let j = 0; j < ix; j++) sum += src[p + j];
      }
      dst[o + dx] = saturateU8(f32(sum * scale));
    }
  }
  return dst;
}

interface DecimateTab {
  si: Int32Array;
  di: Int32Array;
  alpha: Float32Array;
  size: number;
}

/** computeResizeAreaTab: which source cells feed each destination cell, with float32 weights. */
function computeResizeAreaTab(ssize: number, dsize: number, scale: number): DecimateTab {
  const cap = ssize * 2;
  const si = new Int32Array(cap);
  const di = new Int32Array(cap);
  const alpha = new Float32Array(cap);
  let k = 0;
  for (let dx = 0; dx < dsize; dx++) {
    const fsx1 = dx * scale;
    const fsx2 = fsx1 + scale;
    const cellWidth = Math.min(scale, ssize - fsx1);
    let sx1 = Math.ceil(fsx1);
    let sx2 = Math.floor(fsx2);
    sx2 = Math.min(sx2, ssize - 1);
    sx1 = Math.min(sx1, sx2);
    // Overlaps under 1e-3 of a source pixel are dropped (gloria-numerics §2.2).
    if (sx1 - fsx1 > 1e-3) {
      di[k] = dx;
      si[k] = sx1 - 1;
      alpha[k++] = (sx1 - fsx1) / cellWidth;
    }
    for (let sx = sx1; sx < sx2; sx++) {
      di[k] = dx;
      si[k] = sx;
      alpha[k++] = 1 / cellWidth;
    }
    if (fsx2 - sx2 > 1e-3) {
      di[k] = dx;
      si[k] = sx2;
      alpha[k++] = Math.min(Math.min(fsx2 - sx2, 1), cellWidth) / cellWidth;
    }
  }
  return { si, di, alpha, size: k };
}

/** Non-integer shrink: separable area weights accumulated in float32, in OpenCV's order. */
function resizeAreaGeneric(src: Uint8Array, sw: number, sh: number, dw: number, dh: number, scaleX: number, scaleY: number): Uint8Array {
  const xtab = computeResizeAreaTab(sw, dw, scaleX);
  const ytab = computeResizeAreaTab(sh, dh, scaleY);
  const dst = new Uint8Array(dw * dh);
  const buf = new Float32Array(dw);
  const sum = new Float32Array(dw);
  const xsi = xtab.si;
  const xalpha = xtab.alpha;
  // The table lists each destination column's entries contiguously, so a column can be summed in a
  // local (same order, same float32 roundings as OpenCV's buf[dx] += S*alpha).
  const xstart = new Int32Array(dw + 1);
  for (let k = 0, dx = 0; k < xtab.size; k++) {
    while (dx < xtab.di[k]) xstart[++dx] = k;
  }
  for (let dx = xtab.di[xtab.size - 1] + 1; dx <= dw; dx++) xstart[dx] = xtab.size;
  let prevDy = ytab.di[0];

  for (let j = 0; j < ytab.size; j++) {
    const beta = ytab.alpha[j];
    const dy = ytab.di[j];
    const rowOff = ytab.si[j] * sw;
    for (let dx = 0; dx < dw; dx++) {
      let acc = 0;
      for (let k = xstart[dx], end = xstart[dx + 1]; k < end; k++) {
        // float32 product, then float32 sum: two roundings, as the C++ (no FMA in the baseline).
        acc = f32(acc + f32(src[rowOff + xsi[k]] * xalpha[k]));
      }
      buf[dx] = acc;
    }
    if (dy !== prevDy) {
      const o = prevDy * dw;
      for (let dx = 0; dx < dw; dx++) {
        dst[o + dx] = saturateU8(sum[dx]);
        sum[dx] = beta * buf[dx];
      }
      prevDy = dy;
    } else {
      for (let dx = 0; dx < dw; dx++) sum[dx] += f32(beta * buf[dx]);
    }
  }
  const o = prevDy * dw;
  for (let dx = 0; dx < dw; dx++) dst[o + dx] = saturateU8(sum[dx]);
  return dst;
}

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/**
 * At least one axis enlarges: OpenCV runs its fixed-point bilinear resize with INTER_AREA's
 * coefficients (each output pixel blends the source pixel under its left/top edge with the next one
 * by how far that edge reaches into the next pixel).
 */
function resizeAreaAsLinear(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  scaleX: number,
  scaleY: number,
  invScaleX: number,
  invScaleY: number,
): Uint8Array {
  const xofs = new Int32Array(dw);
  const ialpha = new Int16Array(dw * 2);
  let xmax = dw;
  for (let dx = 0; dx < dw; dx++) {
    let sx = Math.floor(dx * scaleX);
    let fx = f32(dx + 1 - (sx + 1) * invScaleX);
    fx = fx <= 0 ? 0 : f32(fx - Math.floor(fx));
    if (sx < 0) {
      fx = 0;
      sx = 0;
    }
    if (sx + 1 >= sw) {
      xmax = Math.min(xmax, dx);
      if (sx >= sw - 1) {
        fx = 0;
        sx = sw - 1;
      }
    }
    xofs[dx] = sx;
    ialpha[dx * 2] = saturateI16(f32(f32(1 - fx) * COEF_SCALE));
    ialpha[dx * 2 + 1] = saturateI16(f32(fx * COEF_SCALE));
  }

  const yofs = new Int32Array(dh);
  const ibeta = new Int16Array(dh * 2);
  for (let dy = 0; dy < dh; dy++) {
    const sy = Math.floor(dy * scaleY);
    let fy = f32(dy + 1 - (sy + 1) * invScaleY);
    fy = fy <= 0 ? 0 : f32(fy - Math.floor(fy));
    yofs[dy] = sy;
    ibeta[dy * 2] = saturateI16(f32(f32(1 - fy) * COEF_SCALE));
    ibeta[dy * 2 + 1] = saturateI16(f32(fy * COEF_SCALE));
  }

  // Horizontal pass per source row (cached for the two rows a destination row needs).
  const rows = [new Int32Array(dw), new Int32Array(dw)];
  const rowSy = [-1, -1];
  const hresize = (sy: number, out: Int32Array) => {
    const off = sy * sw;
    for (let dx = 0; dx < xmax; dx++) {
      const p = off + xofs[dx];
      out[dx] = src[p] * ialpha[dx * 2] + src[p + 1] * ialpha[dx * 2 + 1];
    }
    for (let dx = xmax; dx < dw; dx++) out[dx] = src[off + xofs[dx]] * COEF_SCALE;
  };

  const dst = new Uint8Array(dw * dh);
  const clipRow = (y: number) => (y < 0 ? 0 : y >= sh ? sh - 1 : y);
  for (let dy = 0; dy < dh; dy++) {
    const sy0 = clipRow(yofs[dy]);
    const sy1 = clipRow(yofs[dy] + 1);
    const r0 = fetchRow(sy0, rows, rowSy, hresize);
    const r1 = fetchRow(sy1, rows, rowSy, hresize, r0);
    const b0 = ibeta[dy * 2];
    const b1 = ibeta[dy * 2 + 1];
    const o = dy * dw;
    for (let x = 0; x < dw; x++) {
      // OpenCV's SIMD rounding, which its scalar tail copies: (value >> 4) times the coefficient,
      // keep the high 16 bits, add, then a rounding shift by 2.
      dst[o + x] = ((((r0[x] >> 4) * b0) >> 16) + (((r1[x] >> 4) * b1) >> 16) + 2) >> 2;
    }
  }
  return dst;
}

/** Returns the horizontally resized row sy, reusing one of two buffers (never the one in `keep`). */
function fetchRow(sy: number, rows: Int32Array[], rowSy: number[], hresize: (sy: number, out: Int32Array) => void, keep?: Int32Array): Int32Array {
  if (rowSy[0] === sy) return rows[0];
  if (rowSy[1] === sy) return rows[1];
  const slot = keep === rows[0] ? 1 : 0;
  hresize(sy, rows[slot]);
  rowSy[slot] = sy;
  return rows[slot];
}
