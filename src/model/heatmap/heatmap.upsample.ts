// Draws a region-grid attention map back onto the original image: bilinear upsampling through the
// preprocessing geometry, min–max scaling and a colour map, giving RGBA overlay pixels. Pure maths.
import type { PreprocessGeometry } from "./heatmap.geometry.ts";

export type ColorMapName = "jet" | "inferno";

/** NaN where the original pixel lies outside the encoder's crop (padding or the cropped border). */
export function upsampleToOriginal(map: ArrayLike<number>, grid: readonly [number, number], geometry: PreprocessGeometry): Float32Array {
  const [gh, gw] = grid;
  const { width, height, resizedWidth, resizedHeight, padLeft, padTop, crop, cropOffset } = geometry;
  // Per axis: original pixel centre → canvas → crop (continuous, 0..crop) → grid cell centres.
  const axis = (n: number, resized: number, pad: number, cells: number) => {
    const lo = new Int32Array(n);
    const frac = new Float32Array(n);
    const inside = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const u = pad + ((i + 0.5) * resized) / n - cropOffset;
      inside[i] = u >= 0 && u <= crop ? 1 : 0;
      const g = Math.min(Math.max((u * cells) / crop - 0.5, 0), cells - 1);
      lo[i] = Math.min(Math.floor(g), cells - 2 < 0 ? 0 : cells - 2);
      frac[i] = cells === 1 ? 0 : g - lo[i];
    }
    return { lo, frac, inside };
  };
  const xs = axis(width, resizedWidth, padLeft, gw);
  const ys = axis(height, resizedHeight, padTop, gh);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = ys.lo[y];
    const y1 = gh === 1 ? y0 : y0 + 1;
    const fy = ys.frac[y];
    for (let x = 0; x < width; x++) {
      if (!ys.inside[y] || !xs.inside[x]) {
        out[y * width + x] = Number.NaN;
        continue;
      }
      const x0 = xs.lo[x];
      const x1 = gw === 1 ? x0 : x0 + 1;
      const fx = xs.frac[x];
      const top = map[y0 * gw + x0] * (1 - fx) + map[y0 * gw + x1] * fx;
      const bottom = map[y1 * gw + x0] * (1 - fx) + map[y1 * gw + x1] * fx;
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** Scales the finite values to [0, 1] (a constant map becomes all 0); NaN stays NaN. */
export function minMaxScale(values: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  return values.map((v) => (Number.isNaN(v) ? v : span > 0 ? (v - lo) / span : 0));
}

const INFERNO_STOPS: readonly (readonly [number, number, number])[] = [
  [0, 0, 4],
  [40, 11, 84],
  [101, 21, 110],
  [159, 42, 99],
  [212, 72, 66],
  [245, 125, 21],
  [250, 193, 39],
  [252, 255, 164],
];

/** A colour map value t ∈ [0, 1] → RGB bytes. */
export function colorMap(name: ColorMapName, t: number): [number, number, number] {
  const v = Math.min(Math.max(t, 0), 1);
  if (name === "jet") {
    // The classic piecewise-linear jet: blue → cyan → yellow → red.
    const channel = (offset: number) => Math.round(255 * Math.min(Math.max(1.5 - Math.abs(4 * v - offset), 0), 1));
    return [channel(3), channel(2), channel(1)];
  }
  const pos = v * (INFERNO_STOPS.length - 1);
  const i = Math.min(Math.floor(pos), INFERNO_STOPS.length - 2);
  const f = pos - i;
  const a = INFERNO_STOPS[i];
  const b = INFERNO_STOPS[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

/**
 * RGBA overlay pixels: the colour of each scaled value at `alpha` (0..1); transparent where NaN. The
 * same arithmetic as colorMap, written out per channel so a 512 px image allocates nothing per pixel.
 */
export function heatOverlay(scaled: Float32Array, colormap: ColorMapName, alpha: number): Uint8Array {
  const out = new Uint8Array(scaled.length * 4);
  const a = Math.round(255 * Math.min(Math.max(alpha, 0), 1));
  const last = INFERNO_STOPS.length - 2;
  for (let i = 0; i < scaled.length; i++) {
    const value = scaled[i]!;
    if (Number.isNaN(value)) continue;
    const v = Math.min(Math.max(value, 0), 1);
    const o = i * 4;
    if (colormap === "jet") {
      out[o] = Math.round(255 * Math.min(Math.max(1.5 - Math.abs(4 * v - 3), 0), 1));
      out[o + 1] = Math.round(255 * Math.min(Math.max(1.5 - Math.abs(4 * v - 2), 0), 1));
      out[o + 2] = Math.round(255 * Math.min(Math.max(1.5 - Math.abs(4 * v - 1), 0), 1));
    } else {
      const pos = v * (INFERNO_STOPS.length - 1);
      const k = Math.min(Math.floor(pos), last);
      const f = pos - k;
      const lo = INFERNO_STOPS[k]!;
      const hi = INFERNO_STOPS[k + 1]!;
      out[o] = Math.round(lo[0] + (hi[0] - lo[0]) * f);
      out[o + 1] = Math.round(lo[1] + (hi[1] - lo[1]) * f);
      out[o + 2] = Math.round(lo[2] + (hi[2] - lo[2]) * f);
    }
    out[o + 3] = a;
  }
  return out;
}
