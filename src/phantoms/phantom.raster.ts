// Drawing primitives on Float32 images for the phantom renderer: soft line segments, Gaussian
// blobs, smooth value noise and a box blur. Pure typed-array code; knows nothing about anatomy.

import type { Rng } from "./phantom.random.ts";

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Hermite smoothstep of x between edges e0 < e1. */
export function smoothstep(e0: number, e1: number, x: number): number {
  const t = clamp01((x - e0) / (e1 - e0));
  return t * t * (3 - 2 * t);
}

/**
 * Draws a segment with a Gaussian cross-section (sigma in pixels) whose amplitude goes linearly
 * from amp0 to amp1, keeping the maximum where strokes overlap so branch points do not bloom.
 */
export function drawSegment(
  buf: Float32Array,
  width: number,
  height: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  sigma: number,
  amp0: number,
  amp1 = amp0,
): void {
  const reach = 3 * sigma + 1;
  const minX = Math.max(0, Math.floor(Math.min(x0, x1) - reach));
  const maxX = Math.min(width - 1, Math.ceil(Math.max(x0, x1) + reach));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1) - reach));
  const maxY = Math.min(height - 1, Math.ceil(Math.max(y0, y1) + reach));
  if (minX > maxX || minY > maxY) return;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  const inv2s2 = 1 / (2 * sigma * sigma);
  for (let y = minY; y <= maxY; y++) {
    const py = y + 0.5 - y0;
    for (let x = minX; x <= maxX; x++) {
      const px = x + 0.5 - x0;
      let t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = px - t * dx;
      const ey = py - t * dy;
      const d2 = ex * ex + ey * ey;
      if (d2 > reach * reach) continue;
      const value = (amp0 + (amp1 - amp0) * t) * Math.exp(-d2 * inv2s2);
      const i = y * width + x;
      if (value > buf[i]) buf[i] = value;
    }
  }
}

/** Adds an axis-aligned Gaussian blob (sigmas in pixels) to buf. */
export function addGaussian(buf: Float32Array, width: number, height: number, cx: number, cy: number, sigmaX: number, sigmaY: number, amp: number): void {
  const minX = Math.max(0, Math.floor(cx - 3 * sigmaX));
  const maxX = Math.min(width - 1, Math.ceil(cx + 3 * sigmaX));
  const minY = Math.max(0, Math.floor(cy - 3 * sigmaY));
  const maxY = Math.min(height - 1, Math.ceil(cy + 3 * sigmaY));
  const ix = 1 / (2 * sigmaX * sigmaX);
  const iy = 1 / (2 * sigmaY * sigmaY);
  for (let y = minY; y <= maxY; y++) {
    const dy = y + 0.5 - cy;
    const gy = Math.exp(-dy * dy * iy);
    for (let x = minX; x <= maxX; x++) {
      const dx = x + 0.5 - cx;
      buf[y * width + x] += amp * gy * Math.exp(-dx * dx * ix);
    }
  }
}

/**
 * Smooth value noise in [0,1]: random values on a lattice every `cell` pixels, blended with
 * smoothstep weights. Cheap (one lattice, bilinear) and free of directional artefacts at this scale.
 */
export function valueNoise(rng: Rng, width: number, height: number, cell: number): Float32Array {
  const gw = Math.ceil(width / cell) + 2;
  const gh = Math.ceil(height / cell) + 2;
  const lattice = new Float32Array(gw * gh);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next();
  // Column lattice indices and smoothstep weights are the same on every row.
  const colIndex = new Int32Array(width);
  const colWeight = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const gx = x / cell;
    const i = Math.floor(gx);
    const t = gx - i;
    colIndex[x] = i;
    colWeight[x] = t * t * (3 - 2 * t);
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const gy = y / cell;
    const j = Math.floor(gy);
    let ty = gy - j;
    ty = ty * ty * (3 - 2 * ty);
    const row0 = j * gw;
    const row1 = row0 + gw;
    const base = y * width;
    for (let x = 0; x < width; x++) {
      const i = colIndex[x];
      const tx = colWeight[x];
      const top = lattice[row0 + i] + (lattice[row0 + i + 1] - lattice[row0 + i]) * tx;
      const bottom = lattice[row1 + i] + (lattice[row1 + i + 1] - lattice[row1 + i]) * tx;
      out[base + x] = top + (bottom - top) * ty;
    }
  }
  return out;
}

/** In-place separable box blur with the given radius (pixels); edges clamp. Running sums. */
export function boxBlur(buf: Float32Array, width: number, height: number, radius: number): void {
  if (radius < 1) return;
  const size = Math.max(width, height);
  const line = new Float32Array(size + 2 * radius + 1);
  const norm = 1 / (2 * radius + 1);
  const pass = (count: number, stride: number, start: number) => {
    // Copy one row or column with clamped borders, then slide a window along it.
    for (let k = -radius; k < count + radius; k++) {
      const c = k < 0 ? 0 : k >= count ? count - 1 : k;
      line[k + radius] = buf[start + c * stride];
    }
    let sum = 0;
    for (let k = 0; k < 2 * radius + 1; k++) sum += line[k];
    for (let k = 0; k < count; k++) {
      buf[start + k * stride] = sum * norm;
      sum += line[k + 2 * radius + 1] - line[k];
    }
  };
  for (let y = 0; y < height; y++) pass(width, 1, y * width);
  for (let x = 0; x < width; x++) pass(height, width, x);
}

/** A function sampled on [lo, hi] and read back with linear interpolation (clamped at the ends). */
export class LookupTable {
  private readonly values: Float32Array;
  private readonly scale: number;

  constructor(
    fn: (x: number) => number,
    private readonly lo: number,
    hi: number,
    size = 4096,
  ) {
    this.values = new Float32Array(size + 1);
    this.scale = size / (hi - lo);
    for (let i = 0; i <= size; i++) this.values[i] = fn(lo + i / this.scale);
  }

  at(x: number): number {
    let t = (x - this.lo) * this.scale;
    const last = this.values.length - 1;
    if (t <= 0) return this.values[0];
    if (t >= last) return this.values[last];
    const i = t | 0;
    t -= i;
    return this.values[i] + (this.values[i + 1] - this.values[i]) * t;
  }
}
