// The study mix a phantom set promises: ~20% normal, single findings spread over the five classes,
// ~15-20% with two, left/right balanced, mostly 8-bit PNG, sizes and aspect ratios in range, and
// train/test streams that never coincide.
import { describe, expect, it } from "vitest";
import { Rng, hashSeed } from "../../../src/phantoms/phantom.random.ts";
import { samplePhantom } from "../../../src/phantoms/phantom.sample.ts";
import { CHEXPERT_CLASSES, LOCATIONS, SEVERITIES, type PhantomSpec } from "../../../src/phantoms/phantom.types.ts";

const N = 3000;
const specs: PhantomSpec[] = Array.from({ length: N }, (_, i) => samplePhantom(3, "train", i));
const share = (predicate: (s: PhantomSpec) => boolean) => specs.filter(predicate).length / N;

describe("Rng", () => {
  it("repeats its sequence for a seed and differs across seeds", () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it("draws uniforms in [0,1) with the right mean and normals with unit variance", () => {
    const rng = new Rng(99);
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < 20000; i++) {
      const u = rng.next();
      expect(u).toBeGreaterThanOrEqual(0);
      expect(u).toBeLessThan(1);
      sum += u;
      const z = rng.normal();
      sq += z * z;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    expect(sq / 20000).toBeCloseTo(1, 1);
  });

  it("hashes seeds beyond 32 bits without collisions on the high word", () => {
    expect(hashSeed(1)).not.toBe(hashSeed(1 + 2 ** 32));
  });
});

describe("samplePhantom", () => {
  it("is a pure function of (seed, split, index)", () => {
    expect(samplePhantom(3, "train", 17)).toEqual(specs[17]);
  });

  it("keeps train and test apart for the same seed, and seeds apart", () => {
    for (let i = 0; i < 50; i++) {
      const train = samplePhantom(3, "train", i);
      const test = samplePhantom(3, "test", i);
      expect(test.anatomy.anatomySeed).not.toBe(train.anatomy.anatomySeed);
      expect(test.anatomy.noiseSeed).not.toBe(train.anatomy.noiseSeed);
      expect(samplePhantom(4, "train", i).anatomy.anatomySeed).not.toBe(train.anatomy.anatomySeed);
    }
  });

  it("mixes ~20% normal, ~18% two-finding and single findings over all five classes", () => {
    expect(share((s) => s.findings.length === 0)).toBeGreaterThan(0.17);
    expect(share((s) => s.findings.length === 0)).toBeLessThan(0.23);
    expect(share((s) => s.findings.length === 2)).toBeGreaterThan(0.15);
    expect(share((s) => s.findings.length === 2)).toBeLessThan(0.21);
    for (const cls of CHEXPERT_CLASSES) {
      const single = share((s) => s.findings.length === 1 && s.findings[0].class === cls);
      expect(single).toBeGreaterThan(0.62 / 5 - 0.025);
      expect(single).toBeLessThan(0.62 / 5 + 0.025);
    }
    expect(specs.every((s) => s.findings.length < 2 || s.findings[0].class !== s.findings[1].class)).toBe(true);
  });

  it("uses only declared severities and locations; Edema and Cardiomegaly have no side", () => {
    for (const s of specs) {
      for (const f of s.findings) {
        expect(SEVERITIES[f.class] as readonly string[]).toContain(f.severity);
        if (f.class === "Edema" || f.class === "Cardiomegaly") expect(f.location).toBeNull();
        else expect(LOCATIONS[f.class] as readonly string[]).toContain(f.location);
      }
    }
  });

  it("balances left and right", () => {
    const sided = specs.flatMap((s) => s.findings).filter((f) => f.location !== null);
    const left = sided.filter((f) => f.location!.startsWith("left")).length;
    const right = sided.filter((f) => f.location!.startsWith("right")).length;
    expect(left / (left + right)).toBeGreaterThan(0.45);
    expect(left / (left + right)).toBeLessThan(0.55);
  });

  it("is mostly 8-bit PNG with ~10% 16-bit PNG and ~5% DICOM, mostly PA", () => {
    expect(share((s) => s.format === "png8")).toBeGreaterThan(0.8);
    expect(share((s) => s.format === "png16")).toBeGreaterThan(0.07);
    expect(share((s) => s.format === "png16")).toBeLessThan(0.13);
    expect(share((s) => s.format === "dicom")).toBeGreaterThan(0.03);
    expect(share((s) => s.format === "dicom")).toBeLessThan(0.07);
    expect(specs.every((s) => (s.format === "dicom") === (s.dicom !== null))).toBe(true);
    expect(share((s) => s.view === "PA")).toBeGreaterThan(0.6);
    expect(share((s) => s.view === "AP")).toBeGreaterThan(0.2);
  });

  it("sizes images 300-420 px a side with aspect ratios 0.75-1.3, most of them portrait", () => {
    for (const s of specs) {
      expect(s.width).toBeGreaterThanOrEqual(300);
      expect(s.width).toBeLessThanOrEqual(420);
      expect(s.height).toBeGreaterThanOrEqual(300);
      expect(s.height).toBeLessThanOrEqual(420);
      expect(s.width / s.height).toBeGreaterThanOrEqual(0.745);
      expect(s.width / s.height).toBeLessThanOrEqual(1.305);
    }
    expect(share((s) => s.width < s.height)).toBeGreaterThan(0.7);
  });

  it("names files p000123", () => {
    expect(specs[123].id).toBe("p000123");
  });
});
