// The phantom renderer shows each finding where its label says: patient's left on the IMAGE RIGHT,
// effusions in the lower zone, upper-lobe disease high, a larger heart for cardiomegaly, edema in both
// lungs; severities order the effect, and the effect survives GLoRIA's 224 crop (gloria-numerics §2).
import { describe, expect, it } from "vitest";
import { preprocessGray } from "../../../src/model/image/image.preprocess.ts";
import { quantize8, renderPhantom } from "../../../src/phantoms/phantom.render.ts";
import { samplePhantom } from "../../../src/phantoms/phantom.sample.ts";
import type { Finding, PhantomSpec } from "../../../src/phantoms/phantom.types.ts";

/** A few anatomies (portrait, landscape, AP) to run every check on. */
const ANATOMIES = [
  { seed: 11, index: 0 },
  { seed: 11, index: 3 },
  { seed: 23, index: 5 },
  { seed: 42, index: 7 },
];

function withFindings(base: PhantomSpec, findings: Finding[]): PhantomSpec {
  return { ...base, findings };
}

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Quadrants of the thorax in image coordinates, from the anatomy's inputs (apex row, lung height). */
function regions(spec: PhantomSpec): Record<"upperLeft" | "upperRight" | "lowerLeft" | "lowerRight", Box> {
  const a = spec.anatomy;
  const cx = Math.round(a.centerX);
  const w = Math.round(a.halfWidth * 0.95);
  const top = Math.round(a.apexY + 0.1 * a.lungHeight);
  const mid = Math.round(a.apexY + 0.5 * a.lungHeight);
  const bottom = Math.round(a.apexY + 0.98 * a.lungHeight);
  return {
    upperLeft: { x0: cx - w, x1: cx - 8, y0: top, y1: mid },
    upperRight: { x0: cx + 8, x1: cx + w, y0: top, y1: mid },
    lowerLeft: { x0: cx - w, x1: cx - 8, y0: mid, y1: bottom },
    lowerRight: { x0: cx + 8, x1: cx + w, y0: mid, y1: bottom },
  };
}

function mean(image: ArrayLike<number>, width: number, box: Box): number {
  let sum = 0;
  let n = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      sum += image[y * width + x];
      n++;
    }
  }
  return sum / n;
}

/** Mean intensity change (finding minus matched normal) per thorax quadrant. */
function changes(base: PhantomSpec, findings: Finding[]) {
  const normal = renderPhantom(withFindings(base, []));
  const diseased = renderPhantom(withFindings(base, findings));
  const r = regions(base);
  const delta = (box: Box) => mean(diseased, base.width, box) - mean(normal, base.width, box);
  return {
    upperLeft: delta(r.upperLeft),
    upperRight: delta(r.upperRight),
    lowerLeft: delta(r.lowerLeft),
    lowerRight: delta(r.lowerRight),
  };
}

function boxSmooth(image: Float32Array, width: number, height: number, r: number): Float32Array {
  const out = new Float32Array(image.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      let n = 0;
      for (let yy = Math.max(0, y - r); yy <= Math.min(height - 1, y + r); yy++) {
        for (let xx = Math.max(0, x - r); xx <= Math.min(width - 1, x + r); xx++) {
          sum += image[yy * width + xx];
          n++;
        }
      }
      out[y * width + x] = sum / n;
    }
  }
  return out;
}

/**
 * Cardiothoracic ratio measured on the pixels, as a reader would: over the rows above the domes,
 * the widest heart (from the midline out to halfway down to the darkest lung beside it) against the
 * widest thorax (the strongest dark-to-bright step at each lung's outer edge).
 */
function measuredCtr(spec: PhantomSpec, raw: Float32Array): number {
  const a = spec.anatomy;
  const image = boxSmooth(raw, spec.width, spec.height, 3);
  const cx = Math.round(a.centerX);
  const hw = a.halfWidth;
  const at = (x: number, y: number) => image[y * spec.width + Math.max(0, Math.min(spec.width - 1, Math.round(x)))];
  let heart = 0;
  let thorax = 0;
  for (let y = Math.round(a.apexY + 0.45 * a.lungHeight); y < a.apexY + 0.72 * a.lungHeight; y++) {
    let bestLeft = 0;
    let edgeLeft = cx;
    let bestRight = 0;
    let edgeRight = cx;
    for (let x = cx + 0.6 * hw; x < cx + 1.15 * hw; x++) {
      const step = at(x + 3, y) - at(x - 3, y);
      if (step > bestRight) [bestRight, edgeRight] = [step, x];
    }
    for (let x = cx - 0.6 * hw; x > cx - 1.15 * hw; x--) {
      const step = at(x - 3, y) - at(x + 3, y);
      if (step > bestLeft) [bestLeft, edgeLeft] = [step, x];
    }
    thorax = Math.max(thorax, edgeRight - edgeLeft);

    const centre = at(cx, y);
    let lungLeft = 1;
    let lungRight = 1;
    for (let x = cx - 0.5 * hw; x > cx - hw; x--) lungLeft = Math.min(lungLeft, at(x, y));
    for (let x = cx + 0.5 * hw; x < cx + hw; x++) lungRight = Math.min(lungRight, at(x, y));
    let left = cx;
    while (left > cx - hw && at(left, y) > (centre + lungLeft) / 2) left--;
    let right = cx;
    while (right < cx + hw && at(right, y) > (centre + lungRight) / 2) right++;
    heart = Math.max(heart, right - left);
  }
  return heart / thorax;
}

describe("renderPhantom", () => {
  it("is deterministic: the same spec gives the same pixels", () => {
    const spec = samplePhantom(5, "train", 2);
    expect(renderPhantom(spec)).toEqual(renderPhantom(spec));
  });

  it("looks like a radiograph: dark lungs, bright mediastinum and abdomen, black air outside", () => {
    for (const { seed, index } of ANATOMIES) {
      const spec = withFindings(samplePhantom(seed, "train", index), []);
      const image = renderPhantom(spec);
      const r = regions(spec);
      const a = spec.anatomy;
      const lungs = (mean(image, spec.width, r.upperLeft) + mean(image, spec.width, r.upperRight)) / 2;
      const cx = Math.round(a.centerX);
      const mediastinum = mean(image, spec.width, {
        x0: cx - 4,
        x1: cx + 4,
        y0: Math.round(a.apexY + 0.6 * a.lungHeight),
        y1: Math.round(a.apexY + 0.8 * a.lungHeight),
      });
      const abdomenTop = Math.round(a.apexY + 1.12 * a.lungHeight);
      const abdomen = mean(image, spec.width, { x0: cx - 30, x1: cx - 15, y0: Math.min(abdomenTop, spec.height - 6), y1: spec.height - 2 });
      expect(mediastinum - lungs).toBeGreaterThan(0.25);
      expect(abdomen - lungs).toBeGreaterThan(0.25);
      if (spec.width > 1.05 * spec.height) {
        // Landscape images leave air beside the patient.
        expect(mean(image, spec.width, { x0: 0, x1: 4, y0: 0, y1: spec.height })).toBeLessThan(0.12);
      }
    }
  });

  it("puts a LEFT pleural effusion on the IMAGE RIGHT, in the lower zone only", () => {
    for (const { seed, index } of ANATOMIES) {
      const base = samplePhantom(seed, "train", index);
      const d = changes(base, [{ class: "Pleural Effusion", severity: "large", location: "left" }]);
      expect(d.lowerRight).toBeGreaterThan(0.08);
      expect(Math.abs(d.lowerLeft)).toBeLessThan(0.005);
      expect(Math.abs(d.upperLeft)).toBeLessThan(0.005);
      expect(d.lowerRight).toBeGreaterThan(3 * Math.abs(d.upperRight));
    }
  });

  it("puts a RIGHT pleural effusion on the IMAGE LEFT", () => {
    for (const { seed, index } of ANATOMIES) {
      const d = changes(samplePhantom(seed, "train", index), [{ class: "Pleural Effusion", severity: "moderate", location: "right" }]);
      expect(d.lowerLeft).toBeGreaterThan(0.02);
      expect(Math.abs(d.lowerRight)).toBeLessThan(0.005);
    }
  });

  it("grades effusions: small < moderate < large, and bilateral opacifies both bases", () => {
    const base = samplePhantom(11, "train", 0);
    const effect = (severity: string) => changes(base, [{ class: "Pleural Effusion", severity, location: "left" }]).lowerRight;
    const small = effect("small");
    const moderate = effect("moderate");
    const large = effect("large");
    expect(small).toBeGreaterThan(0.005);
    expect(moderate).toBeGreaterThan(1.5 * small);
    expect(large).toBeGreaterThan(1.3 * moderate);
    const both = changes(base, [{ class: "Pleural Effusion", severity: "moderate", location: "bilateral" }]);
    expect(both.lowerLeft).toBeGreaterThan(0.01);
    expect(both.lowerRight).toBeGreaterThan(0.01);
  });

  it("keeps a left effusion on the right half of GLoRIA's 224x224 crop", () => {
    const base = samplePhantom(11, "train", 0);
    const crop = (findings: Finding[]) => {
      const spec = withFindings(base, findings);
      return preprocessGray(quantize8(renderPhantom(spec)), spec.width, spec.height).cropped;
    };
    const normal = crop([]);
    const effusion = crop([{ class: "Pleural Effusion", severity: "moderate", location: "left" }]);
    const lower = (image: Uint8Array, x0: number, x1: number) => mean(image, 224, { x0, x1, y0: 120, y1: 200 });
    expect(lower(effusion, 112, 200) - lower(normal, 112, 200)).toBeGreaterThan(8);
    expect(Math.abs(lower(effusion, 24, 112) - lower(normal, 24, 112))).toBeLessThan(0.5);
  });

  it("places consolidation by lobe and side: right upper lobe on the image's upper left", () => {
    for (const { seed, index } of ANATOMIES) {
      const base = samplePhantom(seed, "train", index);
      const rul = changes(base, [{ class: "Consolidation", severity: "moderate", location: "right upper lobe" }]);
      expect(rul.upperLeft).toBeGreaterThan(0.02);
      expect(rul.upperLeft).toBeGreaterThan(4 * Math.max(Math.abs(rul.upperRight), Math.abs(rul.lowerRight)));
      const lll = changes(base, [{ class: "Consolidation", severity: "moderate", location: "left lower lobe" }]);
      expect(lll.lowerRight).toBeGreaterThan(0.02);
      expect(lll.lowerRight).toBeGreaterThan(4 * Math.max(Math.abs(lll.upperLeft), Math.abs(lll.lowerLeft)));
    }
  });

  it("draws atelectasis on its side (band, raised hemidiaphragm)", () => {
    for (const { seed, index } of ANATOMIES) {
      const base = samplePhantom(seed, "train", index);
      const left = changes(base, [{ class: "Atelectasis", severity: "moderate", location: "left lower lobe" }]);
      expect(left.lowerRight).toBeGreaterThan(0.02);
      expect(left.lowerRight).toBeGreaterThan(2 * Math.abs(left.lowerLeft));
      const right = changes(base, [{ class: "Atelectasis", severity: "mild", location: "right lung base" }]);
      expect(right.lowerLeft).toBeGreaterThan(0.01);
      expect(right.lowerLeft).toBeGreaterThan(2 * Math.abs(right.lowerRight));
    }
  });

  it("draws edema in both lungs, more for severe than mild", () => {
    for (const { seed, index } of ANATOMIES) {
      const base = samplePhantom(seed, "train", index);
      const severe = changes(base, [{ class: "Edema", severity: "severe", location: null }]);
      const mild = changes(base, [{ class: "Edema", severity: "mild", location: null }]);
      for (const side of ["upperLeft", "upperRight", "lowerLeft", "lowerRight"] as const) {
        expect(mild[side]).toBeGreaterThan(0.01);
        expect(severe[side]).toBeGreaterThan(mild[side]);
      }
      const balance = (severe.lowerLeft + severe.upperLeft) / (severe.lowerRight + severe.upperRight);
      expect(balance).toBeGreaterThan(0.6);
      expect(balance).toBeLessThan(1.6);
    }
  });

  it("enlarges the heart for cardiomegaly: measured cardiothoracic ratio above normal", () => {
    for (const { seed, index } of ANATOMIES) {
      const base = samplePhantom(seed, "train", index);
      const normalSpec = withFindings(base, []);
      const normal = measuredCtr(normalSpec, renderPhantom(normalSpec));
      const ctrOf = (severity: string) => {
        const spec = withFindings(base, [{ class: "Cardiomegaly", severity, location: null }]);
        return measuredCtr(spec, renderPhantom(spec));
      };
      const mild = ctrOf("mild");
      const severe = ctrOf("severe");
      expect(normal).toBeLessThan(0.48);
      expect(mild).toBeGreaterThan(0.52);
      expect(severe).toBeGreaterThan(0.63);
      expect(severe - mild).toBeGreaterThan(0.08);
    }
  });
});
