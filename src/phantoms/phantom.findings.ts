// The opacities of the five CheXpert findings, drawn into a rendered anatomy Frame: effusion,
// consolidation, atelectasis and edema add attenuation where air was. Shape changes (heart size,
// raised hemidiaphragm, vessel calibre) belong to deriveGeometry in phantom.anatomy.ts. Pure.

import { Rng, hashSeed } from "./phantom.random.ts";
import { addGaussian, drawSegment, smoothstep, valueNoise } from "./phantom.raster.ts";
import { LATERAL_MAX, domeBound, imageSign, lateralBound, medialBound, toPixel, type Frame, type Geometry } from "./phantom.anatomy.ts";
import { parseLocation, severityRank, type Finding, type Side, type Zone } from "./phantom.types.ts";

export function applyFindings(frame: Frame, findings: readonly Finding[], findingSeed: number): void {
  findings.forEach((finding, k) => applyFinding(frame, finding, k, findingSeed));
}

/** The findings drawn as regions, which the generator writes a mask for (docs/phantoms.md). */
export const MASKED_CLASSES = ["Atelectasis", "Consolidation", "Pleural Effusion"] as const;

/**
 * Draws the k-th finding of an image. Each finding has its own random stream (seeded by k), so
 * drawing them one at a time in order gives the same frame as applyFindings.
 */
export function applyFinding(frame: Frame, finding: Finding, k: number, findingSeed: number): void {
  const rng = new Rng(hashSeed(findingSeed, k + 1));
  const rank = severityRank(finding);
  const { side, zone } = parseLocation(finding.location);
  switch (finding.class) {
    case "Pleural Effusion":
      for (const sign of signsOf(side)) pleuralEffusion(frame, sign, side === "bilateral" ? Math.max(0, rank - 0.6) : rank, rng);
      break;
    case "Consolidation":
      for (const sign of signsOf(side)) consolidation(frame, sign, zone ?? "lower lobe", rank, rng);
      break;
    case "Atelectasis":
      for (const sign of signsOf(side)) atelectasis(frame, sign, zone ?? "lung base", side === "bilateral" ? Math.max(0, rank - 0.5) : rank, rng);
      break;
    case "Edema":
      edema(frame, rank, rng);
      break;
    case "Cardiomegaly":
      // Drawn by the heart geometry (cardiothoracic ratio); nothing to add here.
      break;
  }
}

function signsOf(side: Side | null): Array<1 | -1> {
  if (side === "left" || side === "right") return [imageSign(side)];
  return [-1, 1];
}

/** Whether a pixel at u lies on the image side `sign` of the (shifted) midline. */
function onSide(g: Geometry, u: number, sign: number): boolean {
  return sign > 0 ? u >= g.shift : u < g.shift;
}

/**
 * Fluid layering in the costophrenic recess: a homogeneous opacity whose upper border (the meniscus)
 * climbs the lateral chest wall, blunting the angle and hiding the hemidiaphragm.
 * rank may be fractional (bilateral effusions are drawn a little smaller on each side).
 */
function pleuralEffusion(frame: Frame, sign: number, rank: number, rng: Rng): void {
  const g = frame.geometry;
  const { u, v, lung, air, density } = frame;
  const lateralLevel = 0.82 - 0.15 * rank + rng.uniform(-0.015, 0.015);
  const medialLevel = lateralLevel + 0.13 + 0.03 * rank;
  const softness = 0.045 + 0.02 * rank;
  for (let i = 0; i < density.length; i++) {
    const w = lung[i];
    if (w <= 0 || !onSide(g, u[i], sign)) continue;
    const vv = v[i];
    const su = sign * u[i];
    const med = sign * g.shift + medialBound(vv, sign);
    const t = Math.min(1, Math.max(0, (su - med) / (lateralBound(vv) - med)));
    const level = medialLevel - (medialLevel - lateralLevel) * t * t;
    const f = smoothstep(-0.01, softness, vv - level);
    if (f > 0) density[i] += f * (air[i] + 0.2 * w);
  }
}

/** Centre of a zone on one side, canonical units. */
function zoneCenter(g: Geometry, zone: Zone, sign: number): { su: number; v: number } {
  if (zone === "upper lobe") return { su: 0.5, v: 0.3 };
  if (zone === "lower lobe") return { su: 0.52, v: 0.66 };
  return { su: 0.56, v: domeBound(g, 0.56, sign) - 0.11 };
}

/**
 * Patchy dense air-space opacity: a cluster of blobs broken up by noise, with darker branching
 * air bronchograms where the opacity is dense.
 */
function consolidation(frame: Frame, sign: number, zone: Zone, rank: number, rng: Rng): void {
  const g = frame.geometry;
  const { width, height } = g;
  const { u, v, lung, air, density } = frame;
  const center = zoneCenter(g, zone, sign);
  const radius = [0.16, 0.22, 0.3][rank];
  const aspect = g.halfWidth / g.lungHeight;
  const field = new Float32Array(width * height);
  const blobs = 4 + 3 * rank;
  for (let b = 0; b < blobs; b++) {
    const bu = sign * (center.su + rng.uniform(-0.7, 0.7) * radius);
    const bv = center.v + rng.uniform(-0.7, 0.7) * radius * aspect;
    const [px, py] = toPixel(g, bu, bv);
    const s = radius * rng.uniform(0.35, 0.55);
    addGaussian(field, width, height, px, py, s * g.halfWidth, s * g.halfWidth * rng.uniform(0.7, 1.3), rng.uniform(0.5, 0.9));
  }
  const texture = valueNoise(rng, width, height, Math.max(5, Math.round(g.halfWidth / 14)));
  const grain = valueNoise(rng, width, height, Math.max(3, Math.round(g.halfWidth / 40)));
  const bronchi = new Float32Array(width * height);
  const [hx, hy] = toPixel(g, g.shift + sign * 0.2, 0.46);
  const [cx, cy] = toPixel(g, sign * center.su, center.v);
  const tubes = 2 + rank;
  for (let b = 0; b < tubes; b++) {
    const ex = cx + rng.uniform(-0.7, 0.7) * radius * g.halfWidth;
    const ey = cy + rng.uniform(-0.7, 0.7) * radius * g.halfWidth;
    const mx = (hx + ex) / 2 + rng.uniform(-0.05, 0.05) * g.halfWidth;
    const my = (hy + ey) / 2 + rng.uniform(-0.05, 0.05) * g.halfWidth;
    const sigma = 1.1 * (g.halfWidth / 130);
    drawSegment(bronchi, width, height, hx, hy, mx, my, sigma * 1.2, 1);
    drawSegment(bronchi, width, height, mx, my, ex, ey, sigma, 1, 0.6);
  }
  const fissureV = 0.43;
  for (let i = 0; i < density.length; i++) {
    const w = lung[i];
    if (w <= 0 || field[i] < 0.05 || !onSide(g, u[i], sign)) continue;
    // Patchy: the blob cluster sets the extent, two noise scales break it into confluent patches.
    const patch = smoothstep(0.2, 0.6, 0.7 * texture[i] + 0.2 * grain[i] + 0.3 * Math.min(1, field[i]));
    let o = smoothstep(0.05, 0.65, field[i]) * patch * (0.8 + 0.06 * rank);
    // Right upper-lobe disease stops sharply at the minor fissure; the left has none on a frontal view.
    if (zone === "upper lobe") o *= sign < 0 ? smoothstep(fissureV + 0.012, fissureV - 0.012, v[i]) : smoothstep(fissureV + 0.08, fissureV - 0.04, v[i]);
    if (o <= 0) continue;
    density[i] += o * (air[i] + 0.12 * w) - o * bronchi[i] * 0.7 * air[i];
  }
}

/**
 * Volume loss: plate-like (linear/bandlike) opacities at the base, a triangular collapsed-lobe
 * wedge for moderate lower-lobe disease, or an upper-lobe wedge under a raised fissure. The raised
 * hemidiaphragm and mediastinal shift come from deriveGeometry.
 */
function atelectasis(frame: Frame, sign: number, zone: Zone, rank: number, rng: Rng): void {
  const g = frame.geometry;
  const { width, height } = g;
  const { u, v, lung, air, density } = frame;
  const opacity = new Float32Array(width * height);
  const level = Math.round(rank);
  if (zone === "upper lobe") {
    // Collapsed upper lobe: dense wedge against the mediastinum, sharp lower border at the fissure.
    const fissureMedial = 0.44 - 0.04 * level;
    const fissureLateral = 0.34 - 0.07 * level;
    const reach = 0.55 + 0.1 * level;
    for (let i = 0; i < opacity.length; i++) {
      if (lung[i] <= 0 || !onSide(g, u[i], sign)) continue;
      const su = sign * u[i];
      const med = sign * g.shift + medialBound(v[i], sign);
      const t = (su - med) / (reach - med);
      if (t > 1.15) continue;
      const fissure = fissureMedial + (fissureLateral - fissureMedial) * Math.max(0, t);
      // A sharp lower border at the right's minor fissure; a veil fading downward on the left.
      const edge = sign < 0 ? smoothstep(fissure + 0.01, fissure - 0.01, v[i]) : smoothstep(fissure + 0.06, fissure - 0.04, v[i]);
      opacity[i] = edge * smoothstep(1.15, 0.7, t) * (0.5 + 0.12 * level);
    }
  } else {
    const bands = level === 0 ? 1 : 2;
    const thickness = 0.01 + 0.006 * rank;
    for (let b = 0; b < bands; b++) {
      // A slightly wavy plate: four joined strokes, fading toward both ends.
      const baseV = zone === "lung base" ? domeBound(g, 0.5, sign) - 0.07 - 0.075 * b : 0.63 + 0.09 * b;
      const slope = rng.uniform(-0.14, 0.14);
      const from = rng.uniform(0.16, 0.28);
      const to = rng.uniform(0.74, 0.88);
      const peak = 0.5 + 0.1 * rank;
      const sigma = thickness * g.lungHeight * rng.uniform(0.45, 0.65);
      const profile = [0.25, 1, 1, 0.85, 0.2];
      let [px, py] = toPixel(g, sign * from, baseV - slope * (0.5 - from));
      for (let s = 1; s <= 4; s++) {
        const su = from + ((to - from) * s) / 4;
        const [qx, qy] = toPixel(g, sign * su, baseV + slope * (su - 0.5) + rng.uniform(-0.012, 0.012));
        drawSegment(opacity, width, height, px, py, qx, qy, sigma, peak * profile[s - 1], peak * profile[s]);
        px = qx;
        py = qy;
      }
    }
    if (zone === "lower lobe" && level >= 1) {
      // Collapsed lower lobe: a triangle from the hilum widening to the medial hemidiaphragm.
      const maxWidth = 0.12 + 0.08 * level;
      for (let i = 0; i < opacity.length; i++) {
        if (lung[i] <= 0 || !onSide(g, u[i], sign)) continue;
        const vv = v[i];
        if (vv < 0.45) continue;
        const sm = sign * (u[i] - g.shift) - medialBound(vv, sign);
        const span = Math.min(1, (vv - 0.45) / (domeBound(g, 0.3, sign) - 0.45));
        const edge = maxWidth * span - sm;
        opacity[i] = Math.max(opacity[i], smoothstep(-0.012, 0.012, edge) * 0.55);
      }
    }
  }
  for (let i = 0; i < density.length; i++) {
    const o = opacity[i];
    if (o > 0 && lung[i] > 0) density[i] += Math.min(1, o) * (air[i] * 0.9 + 0.1 * lung[i]);
  }
}

/**
 * Bilateral perihilar (bat-wing) haze, diffuse ground glass and Kerley B lines at the lateral
 * bases; the vessel calibre and upper-zone redistribution come from deriveGeometry.
 */
function edema(frame: Frame, rank: number, rng: Rng): void {
  const g = frame.geometry;
  const { width, height } = g;
  const { lung, air, density } = frame;
  const haze = new Float32Array(width * height);
  const lines = new Float32Array(width * height);
  const peak = [0.3, 0.5, 0.72][rank];
  const diffuse = [0.07, 0.12, 0.18][rank];
  for (const sign of [-1, 1]) {
    const [px, py] = toPixel(g, g.shift + sign * 0.3, 0.5);
    addGaussian(haze, width, height, px, py, (0.2 + 0.04 * rank) * g.halfWidth, 0.18 * g.lungHeight, peak);
    const count = [6, 10, 15][rank];
    for (let k = 0; k < count; k++) {
      const vv = rng.uniform(0.6, domeBound(g, LATERAL_MAX, sign) - 0.05);
      const outer = lateralBound(vv) - 0.005;
      const length = rng.uniform(0.05, 0.09);
      const [x0, y0] = toPixel(g, sign * outer, vv);
      const [x1, y1] = toPixel(g, sign * (outer - length), vv + rng.uniform(-0.006, 0.006));
      drawSegment(lines, width, height, x0, y0, x1, y1, 0.7 * (g.halfWidth / 130), 0.45);
    }
  }
  const texture = valueNoise(rng, width, height, Math.max(5, Math.round(g.halfWidth / 14)));
  for (let i = 0; i < density.length; i++) {
    const w = lung[i];
    if (w <= 0) continue;
    let fill = diffuse + haze[i] * (0.6 + 0.8 * texture[i]) + lines[i];
    if (fill > 0.95) fill = 0.95;
    density[i] += fill * air[i];
  }
}
