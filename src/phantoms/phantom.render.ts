// Turns a phantom specification into pixels: anatomy + findings as attenuation, then an X-ray-like
// detector response (exposure, gamma), blur, quantum noise and quantisation. Pure: no I/O.

import { deriveGeometry, renderAnatomy } from "./phantom.anatomy.ts";
import { MASKED_CLASSES, applyFinding, applyFindings } from "./phantom.findings.ts";
import { Rng } from "./phantom.random.ts";
import { LookupTable, boxBlur } from "./phantom.raster.ts";
import type { PhantomSpec } from "./phantom.types.ts";

/**
 * Renders the phantom as intensities in [0,1] (row-major, height x width; 1 = white = dense).
 * The same spec always gives the same buffer; removing a finding changes only that finding's pixels.
 */
export function renderPhantom(spec: PhantomSpec): Float32Array {
  return renderPhantomWithMasks(spec, false).intensity;
}

/** A finding's mask: 1 where it adds at least this share of its own largest attenuation. */
export const MASK_FRACTION = 0.2;

/**
 * renderPhantom, and with `masks` the mask of each region finding (MASKED_CLASSES), class → 0/1
 * [height·width]. The findings are drawn one at a time, as applyFindings draws them, and each mask is
 * where that finding raised the density by at least MASK_FRACTION of its largest rise; the pixels are
 * the same whether masks are asked for or not.
 */
export function renderPhantomWithMasks(spec: PhantomSpec, masks: boolean): { intensity: Float32Array; masks: Map<string, Uint8Array> } {
  const geometry = deriveGeometry(spec);
  const frame = renderAnatomy(spec, geometry);
  const found = new Map<string, Uint8Array>();
  if (!masks) applyFindings(frame, spec.findings, spec.findingSeed);
  else {
    spec.findings.forEach((finding, k) => {
      const masked = (MASKED_CLASSES as readonly string[]).includes(finding.class);
      const before = masked ? frame.density.slice() : null;
      applyFinding(frame, finding, k, spec.findingSeed);
      if (!before) return;
      let peak = 0;
      for (let i = 0; i < before.length; i++) peak = Math.max(peak, frame.density[i] - before[i]);
      const mask = found.get(finding.class) ?? new Uint8Array(before.length);
      if (peak > 0) for (let i = 0; i < before.length; i++) if (frame.density[i] - before[i] >= MASK_FRACTION * peak) mask[i] = 1;
      found.set(finding.class, mask);
    });
  }

  const { width, height } = spec;
  const a = spec.anatomy;
  const intensity = new Float32Array(width * height);
  const k = a.exposure;
  const density = frame.density;
  // Exponential detector response: exposure k sets how fast dense regions saturate toward white.
  const response = new LookupTable((d) => Math.pow(1 - Math.exp(-k * Math.max(0, d)), a.gamma), 0, 3);
  for (let i = 0; i < intensity.length; i++) intensity[i] = response.at(density[i]);
  boxBlur(intensity, width, height, 1);

  // Quantum noise, a little stronger in bright (high-count) regions, plus a faint heel effect.
  const rng = new Rng(a.noiseSeed);
  const heel = rng.uniform(-0.04, 0.04);
  const gaussian = normalTable();
  for (let y = 0; y < height; y++) {
    const ramp = 1 + heel * (y / height - 0.5);
    for (let x = 0; x < width; x += 2) {
      // One 32-bit draw picks two table entries.
      const bits = rng.nextUint32();
      const i = y * width + x;
      intensity[i] = addNoise(intensity[i] * ramp, a.noise * gaussian[bits & 0xffff]);
      if (x + 1 < width) intensity[i + 1] = addNoise(intensity[i + 1] * ramp, a.noise * gaussian[bits >>> 16]);
    }
  }
  return { intensity, masks: found };
}

function addNoise(value: number, noise: number): number {
  const out = value + noise * (0.5 + 0.5 * Math.sqrt(value));
  return out < 0 ? 0 : out > 1 ? 1 : out;
}

let normals: Float32Array | null = null;

/** 65,536 standard normal deviates from a fixed seed: a constant, built on first use. */
function normalTable(): Float32Array {
  if (normals === null) {
    const rng = new Rng(0x6a55);
    normals = new Float32Array(65536);
    for (let i = 0; i < normals.length; i++) normals[i] = rng.normal();
  }
  return normals;
}

export function quantize8(intensity: Float32Array): Uint8Array {
  const out = new Uint8Array(intensity.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(intensity[i] * 255);
  return out;
}

export function quantize16(intensity: Float32Array): Uint16Array {
  const out = new Uint16Array(intensity.length);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(intensity[i] * 65535);
  return out;
}

/**
 * Maps intensity onto stored detector values [low, high]; `invert` gives MONOCHROME1 data, where
 * larger stored values display darker.
 */
export function quantizeStored(intensity: Float32Array, low: number, high: number, invert: boolean, maxValue: number): Uint16Array {
  const out = new Uint16Array(intensity.length);
  const range = high - low;
  for (let i = 0; i < out.length; i++) {
    const value = Math.round(low + intensity[i] * range);
    out[i] = invert ? maxValue - value : value;
  }
  return out;
}
