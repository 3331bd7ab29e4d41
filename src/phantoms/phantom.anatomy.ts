// The procedural thorax of a phantom: its geometry (canonical u/v frame, lungs, heart, domes) and the
// attenuation ("density") of normal anatomy. Pure typed-array code; findings live in phantom.findings.ts.
//
// Canonical frame: u runs across the thorax (-1 = image left edge of the thoracic cavity, +1 = image
// right), v runs down from the lung apices (0) to the costophrenic angles (~1). Radiological
// convention: the patient's LEFT is on the IMAGE RIGHT, so patient-left structures have u > 0.

import { Rng, hashSeed } from "./phantom.random.ts";
import { LookupTable, addGaussian, drawSegment, smoothstep, valueNoise } from "./phantom.raster.ts";
import { parseLocation, severityRank, type PhantomSpec } from "./phantom.types.ts";

/** +1 for the patient's left (image right), -1 for the patient's right (image left). */
export function imageSign(side: "left" | "right"): 1 | -1 {
  return side === "left" ? 1 : -1;
}

/** Inner half-width of the thoracic cavity at its widest, in u units. */
export const LATERAL_MAX = 0.93;

/** Cardiothoracic ratio given to each cardiomegaly severity (normal hearts draw 0.39-0.47). */
export const CARDIOMEGALY_CTR = [0.56, 0.62, 0.69] as const;

export interface Heart {
  /** Horizontal radius to the image-left (patient-right) border and to the image-right border, u units. */
  radiusImageLeft: number;
  radiusImageRight: number;
  /** Vertical centre and radius, v units. */
  centerV: number;
  radiusV: number;
}

export interface Geometry {
  width: number;
  height: number;
  centerX: number;
  centerY: number;
  halfWidth: number;
  lungHeight: number;
  cosT: number;
  sinT: number;
  /** Mediastinal (spine, trachea, heart) shift, u units. */
  shift: number;
  /** Dome tops in v units, per image side (image left = patient right). */
  domeImageLeft: number;
  domeImageRight: number;
  cardiothoracicRatio: number;
  heart: Heart;
  /** Vessel calibre gain and upper-zone redistribution (Edema raises both). */
  vesselGain: number;
  cephalization: number;
  clavicleV: number;
  clavicleSlope: number;
}

/** Pixel maps shared by the anatomy and the findings. */
export interface Frame {
  geometry: Geometry;
  /** Canonical coordinates of each pixel centre. */
  u: Float32Array;
  v: Float32Array;
  /** Aerated-lung weight, 0..1 (reduced behind the heart). */
  lung: Float32Array;
  /** Attenuation that the lung air removes here; a finding that fills the air space adds it back. */
  air: Float32Array;
  /** Total attenuation; the detector response turns it into intensity. */
  density: Float32Array;
}

/**
 * The geometry of one phantom, including the shape changes findings cause: cardiomegaly sets the
 * cardiothoracic ratio, atelectasis raises its hemidiaphragm and pulls the mediastinum toward it,
 * edema widens the vessels.
 */
export function deriveGeometry(spec: PhantomSpec): Geometry {
  const a = spec.anatomy;
  const jitter = new Rng(hashSeed(spec.findingSeed, 0x6e0));
  let shift = a.mediastinalShift;
  let domeImageLeft = a.domeTop - a.rightDomeLift;
  let domeImageRight = a.domeTop;
  let ctr = a.cardiothoracicRatio;
  let vesselGain = 1;
  let cephalization = 0;
  for (const finding of spec.findings) {
    const rank = severityRank(finding);
    const { side, zone } = parseLocation(finding.location);
    if (finding.class === "Cardiomegaly") {
      ctr = CARDIOMEGALY_CTR[rank] + jitter.uniform(-0.015, 0.015);
    } else if (finding.class === "Atelectasis") {
      const lift = zone === "upper lobe" ? 0.02 + 0.01 * rank : [0.035, 0.06, 0.09][rank];
      if (side === "left" || side === "bilateral") domeImageRight -= side === "bilateral" ? lift * 0.7 : lift;
      if (side === "right" || side === "bilateral") domeImageLeft -= side === "bilateral" ? lift * 0.7 : lift;
      if (side === "left" || side === "right") shift += imageSign(side) * [0.006, 0.014, 0.025][rank];
    } else if (finding.class === "Edema") {
      vesselGain = [1.25, 1.45, 1.7][rank];
      cephalization = [0.4, 0.6, 0.8][rank];
    }
  }
  const heartWidth = ctr * 2 * LATERAL_MAX;
  const rightShare = 0.33 + 0.35 * Math.max(0, ctr - 0.43);
  const meanDome = (domeImageLeft + domeImageRight) / 2;
  const ap = spec.view === "AP";
  return {
    width: spec.width,
    height: spec.height,
    centerX: a.centerX,
    centerY: a.apexY + a.lungHeight / 2,
    halfWidth: a.halfWidth,
    lungHeight: a.lungHeight,
    cosT: Math.cos(a.tilt),
    sinT: Math.sin(a.tilt),
    shift,
    domeImageLeft,
    domeImageRight,
    cardiothoracicRatio: ctr,
    heart: {
      // About one third of the heart lies right of the midline (patient's side), two thirds left;
      // large hearts also widen to the right (atrial enlargement).
      radiusImageLeft: heartWidth * rightShare,
      radiusImageRight: heartWidth * (1 - rightShare),
      // Widest just above the domes, so the heart sits on the diaphragm and tapers into the mediastinum.
      centerV: meanDome - 0.03,
      radiusV: 0.34 + 0.3 * (ctr - 0.43),
    },
    vesselGain,
    cephalization,
    // AP films project the clavicles higher and flatter.
    clavicleV: ap ? -0.04 : 0.05,
    clavicleSlope: ap ? 0.1 : 0.19,
  };
}

/** Canonical (u, v) to pixel coordinates (x, y) with the patient's tilt. */
export function toPixel(g: Geometry, u: number, v: number): [number, number] {
  const xr = u * g.halfWidth;
  const yr = v * g.lungHeight - g.lungHeight / 2;
  return [g.centerX + g.cosT * xr - g.sinT * yr, g.centerY + g.sinT * xr + g.cosT * yr];
}

/** Lateral wall of the cavity at height v (u units from the thorax centre). */
export function lateralBound(v: number): number {
  const t = v < 0 ? 0 : v > 0.5 ? 1 : v / 0.5;
  return LATERAL_MAX * (1 - 0.55 * (1 - t) * (1 - t));
}

/** Apex dome: the highest lung point at lateral distance su. */
export function apexBound(su: number): number {
  const d = su - 0.4;
  return 0.01 + 1.1 * d * d;
}

/** Mediastinal border at height v on one image side (u units from the midline). */
export function medialBound(v: number, sign: number): number {
  let m = 0.12 + 0.07 * v;
  if (sign > 0) {
    // Aortic knob and pulmonary trunk on the patient's left.
    const k = (v - 0.27) / 0.055;
    const p = (v - 0.41) / 0.05;
    m += 0.075 * Math.exp(-k * k) + 0.035 * Math.exp(-p * p);
  }
  return m;
}

/** Hemidiaphragm height under lateral distance su on one image side. */
export function domeBound(g: Geometry, su: number, sign: number): number {
  const top = sign > 0 ? g.domeImageRight : g.domeImageLeft;
  const s = su > LATERAL_MAX ? LATERAL_MAX : su;
  const d = s - 0.42;
  return top + 0.55 * d * d;
}

/** Normalised heart radius at (u, v): < 1 inside. */
export function heartRadius(g: Geometry, u: number, v: number): number {
  const h = g.heart;
  const du = (u - g.shift) / (u < g.shift ? h.radiusImageLeft : h.radiusImageRight);
  const dv = (v - h.centerV) / h.radiusV;
  return Math.sqrt(du * du + dv * dv);
}

/** Per-height bounds, tabulated once: they sit in the per-pixel loop. */
const MEDIAL_IMAGE_LEFT = new LookupTable((v) => medialBound(v, -1), -1, 2);
const MEDIAL_IMAGE_RIGHT = new LookupTable((v) => medialBound(v, 1), -1, 2);
const BODY_HALF_WIDTH = new LookupTable(bodyHalfWidth, -1, 2);

function bodyHalfWidth(v: number): number {
  if (v < -0.12) return 0.45 + 0.75 * smoothstep(-0.5, -0.12, v);
  if (v < 0.45) return 1.2;
  return 1.2 - 0.12 * smoothstep(0.45, 1.3, v);
}

/** Renders the normal anatomy into a new Frame. */
export function renderAnatomy(spec: PhantomSpec, g: Geometry): Frame {
  const { width, height } = g;
  const n = width * height;
  const a = spec.anatomy;
  const u = new Float32Array(n);
  const v = new Float32Array(n);
  const lung = new Float32Array(n);
  const air = new Float32Array(n);
  const density = new Float32Array(n);
  const hw = g.halfWidth;
  const lh = g.lungHeight;
  const dudx = g.cosT / hw;
  const dvdx = -g.sinT / lh;
  const rib = { spacing: a.ribSpacing, offset: a.ribOffset };
  const soft = 0.55 * a.softTissue;

  for (let y = 0; y < height; y++) {
    const dy = y + 0.5 - g.centerY;
    const dx0 = 0.5 - g.centerX;
    let uu = (g.cosT * dx0 + g.sinT * dy) / hw;
    let vv = (-g.sinT * dx0 + g.cosT * dy) / lh + 0.5;
    for (let x = 0; x < width; x++, uu += dudx, vv += dvdx) {
      const i = y * width + x;
      u[i] = uu;
      v[i] = vv;
      const sign = uu >= g.shift ? 1 : -1;
      const su = sign * uu;
      const sm = sign * (uu - g.shift);

      const bodyHalf = BODY_HALF_WIDTH.at(vv);
      const medial = sign > 0 ? MEDIAL_IMAGE_RIGHT.at(vv) : MEDIAL_IMAGE_LEFT.at(vv);
      const tb = 1 - (uu / bodyHalf) * (uu / bodyHalf);
      if (tb <= 0) continue; // outside the patient: air, density 0
      const thickness = Math.sqrt(tb);
      let d = soft * thickness;

      // Lungs: the signed pixel distance to the nearest cavity wall gives anti-aliased edges.
      const domeV = domeBound(g, su, sign);
      const margin = Math.min((lateralBound(vv) - su) * hw, (vv - apexBound(su)) * lh, (sm - medial) * hw, (domeV - vv) * lh);
      let lungW = margin > -1.2 ? (margin >= 1.2 ? 1 : smoothstep(-1.2, 1.2, margin)) : 0;

      // Mediastinum and heart: one soft-tissue mass (the larger of the two), so the heart merges
      // into the mediastinum above and into the abdomen below the domes (silhouette sign).
      const mediastinum = medial + 0.03 - sm;
      let centralTissue = mediastinum > 0 && vv > -0.15 ? 0.2 * smoothstep(0, 0.06, mediastinum) * smoothstep(-0.15, 0.1, vv) : 0;
      const hr = heartRadius(g, uu, vv);
      if (hr < 1.15) {
        const edgePx = (1 - hr) * g.heart.radiusV * lh;
        const heartW = smoothstep(-1.2, 1.2, edgePx) * smoothstep(-1.5, 1.5, (domeV - vv) * lh + 2);
        centralTissue = Math.max(centralTissue, heartW * (0.16 + 0.1 * Math.sqrt(Math.max(0, 1 - hr * hr))));
        lungW *= 1 - 0.82 * heartW;
      }
      d += centralTissue;
      if (lungW > 0) {
        lung[i] = lungW;
        const depth = 0.85 + 0.15 * Math.sqrt(Math.max(0, 1 - (su / LATERAL_MAX) ** 2));
        const aerated = 0.4 * lungW * depth;
        air[i] = aerated;
        d -= aerated;
      }

      // Abdomen under the domes.
      const below = (vv - domeV) * lh;
      if (below > -1.5) d += 0.3 * thickness * smoothstep(-1.5, 1.5, below);

      // Spine, with slightly darker disc spaces.
      const ds = Math.abs(uu - g.shift);
      if (ds < 0.14) {
        const phase = (vv + 0.3) / 0.095;
        const frac = phase - Math.floor(phase);
        const disc = frac < 0.14 ? 0.75 : 1;
        d += 0.14 * smoothstep(0.14, 0.11, ds) * disc;
      }
      // Trachea and the carina.
      if (vv < 0.38) {
        const dt = Math.abs(uu - g.shift - 0.01);
        if (dt < 0.06) d -= 0.2 * smoothstep(0.06, 0.042, dt) * smoothstep(0.38, 0.33, vv);
      }

      // Posterior ribs: one closed-form curve family, so the rib index is a floor().
      if (sm > 0.06 && su < LATERAL_MAX + 0.12) {
        const lat = sm > 0.75 ? 0.6 * (sm - 0.75) * (sm - 0.75) : 0;
        const q = (vv - rib.offset - (-0.06 * sm + 0.2 * sm * sm + lat)) / rib.spacing;
        const k = Math.floor(q);
        if (k >= 0 && k < 10) {
          const p = (q - k) / 0.42;
          if (p < 1) {
            const band = smoothstep(0, 0.14, p) * smoothstep(1, 0.86, p);
            const cortex = Math.max(0, 1 - Math.abs(p - 0.1) / 0.1) + Math.max(0, 1 - Math.abs(p - 0.9) / 0.1);
            const fade = smoothstep(0.06, 0.12, sm) * smoothstep(LATERAL_MAX + 0.12, LATERAL_MAX, su);
            d += (0.065 * band + 0.035 * cortex) * fade;
          }
        }
      }
      // Anterior ribs: fainter, sloping down toward the midline.
      if (sm > 0.32 && sm < LATERAL_MAX + 0.04 && vv > 0.05) {
        const r = LATERAL_MAX - sm;
        const q = (vv - 0.02 - (0.3 * r + 0.15 * r * r)) / (rib.spacing * 1.2);
        const k = Math.floor(q);
        if (k >= 0 && k < 6) {
          const p = (q - k) / 0.3;
          if (p < 1) d += 0.035 * smoothstep(0, 0.2, p) * smoothstep(1, 0.8, p) * smoothstep(0.32, 0.42, sm);
        }
      }
      // Clavicles.
      if (vv < 0.25 && sm > 0.03 && sm < 1.0) {
        const cv = g.clavicleV - g.clavicleSlope * sm + 0.04 * sm * sm;
        const dist = Math.abs(vv - cv) * lh;
        const half = 0.026 * lh;
        if (dist < half + 1.5) {
          d += 0.16 * smoothstep(half + 1.5, half - 1.5, dist) * smoothstep(0.03, 0.08, sm) * smoothstep(1.0, 0.9, sm);
        }
      }
      // Humeral heads at the shoulders.
      const hx = (su - 1.22) / 0.19;
      const hy = (vv - 0.0) / (0.19 * (hw / lh));
      const h2 = hx * hx + hy * hy;
      if (h2 < 1) d += 0.2 * Math.sqrt(1 - h2);

      density[i] = d;
    }
  }

  const frame: Frame = { geometry: g, u, v, lung, air, density };
  addLungMarkings(frame, spec);
  return frame;
}

/** Hila, branching vessels and parenchymal texture, visible only over aerated lung. */
function addLungMarkings(frame: Frame, spec: PhantomSpec): void {
  const g = frame.geometry;
  const { width, height } = g;
  const rng = new Rng(spec.anatomy.anatomySeed);
  const vessels = new Float32Array(width * height);
  const pxPerU = g.halfWidth;
  const sigma0 = 1.6 * (pxPerU / 130);

  for (const sign of [-1, 1] as const) {
    const hilumU = g.shift + sign * (sign > 0 ? 0.2 : 0.18);
    const hilumV = sign > 0 ? 0.44 : 0.47;
    const [hx, hy] = toPixel(g, hilumU, hilumV);
    addGaussian(vessels, width, height, hx, hy, 0.07 * pxPerU, 0.09 * g.lungHeight, 0.06);
    const trunks = 7;
    for (let t = 0; t < trunks; t++) {
      // Angles from up-and-out (-75 deg) to down-and-in (+110 deg), measured from the lateral direction.
      const angle = ((-75 + (185 * (t + rng.uniform(0.1, 0.9))) / trunks) * Math.PI) / 180;
      branch(vessels, g, rng, hilumU, hilumV, sign, angle, rng.uniform(0.15, 0.22), sigma0, 0.08, 3);
    }
  }

  const fine = valueNoise(rng, width, height, Math.max(4, Math.round(pxPerU / 26)));
  const coarse = valueNoise(rng, width, height, Math.max(10, Math.round(pxPerU / 8)));
  const { lung, density, v } = frame;
  for (let i = 0; i < density.length; i++) {
    const w = lung[i];
    if (w > 0) {
      // Edema redistributes flow to the upper zones (cephalization).
      const upper = 1 + g.cephalization * Math.max(0, 0.55 - v[i]);
      density[i] += w * (vessels[i] * g.vesselGain * upper + 0.035 * (fine[i] - 0.5) + 0.03 * (coarse[i] - 0.5));
    } else {
      density[i] += 0.02 * (coarse[i] - 0.5);
    }
  }
}

function branch(
  buf: Float32Array,
  g: Geometry,
  rng: Rng,
  u0: number,
  v0: number,
  sign: number,
  angle: number,
  length: number,
  sigma: number,
  amp: number,
  depth: number,
): void {
  const aspect = g.halfWidth / g.lungHeight;
  const u1 = u0 + sign * Math.cos(angle) * length;
  const v1 = v0 + Math.sin(angle) * length * aspect;
  const [x0, y0] = toPixel(g, u0, v0);
  const [x1, y1] = toPixel(g, u1, v1);
  drawSegment(buf, g.width, g.height, x0, y0, x1, y1, sigma, amp, amp * 0.8);
  if (depth === 0) return;
  const children = rng.bool(0.3) ? 3 : 2;
  for (let c = 0; c < children; c++) {
    const spread = ((c - (children - 1) / 2) * rng.uniform(22, 38) * Math.PI) / 180;
    branch(buf, g, rng, u1, v1, sign, angle + spread, length * rng.uniform(0.6, 0.75), sigma * 0.72, amp * 0.8, depth - 1);
  }
}
