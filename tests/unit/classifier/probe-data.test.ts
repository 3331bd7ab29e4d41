// The data rules of a linear probe: which images have a class, the seeded held-out split and
// --train_pct sampling, and the held-out figures' intervals.
import { describe, expect, it } from "vitest";
import { hasClass, mentionedClasses, splitForProbe, validationFigures } from "../../../src/services/classifier/probe.data.ts";

const ids = Array.from({ length: 200 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);

describe("probe data", () => {
  it("reads a label of 1 or −1 (uncertain) or a finding as the class, anything else as its absence", () => {
    const image = { id: ids[0]!, labels: { Edema: 1, Atelectasis: -1, Cardiomegaly: 0 }, findings: [{ class: "Pleural Effusion" }] };
    expect(["Edema", "Atelectasis", "Pleural Effusion"].every((c) => hasClass(image, c))).toBe(true);
    expect(hasClass(image, "Cardiomegaly")).toBe(false);
    expect(hasClass(image, "Consolidation")).toBe(false);
    expect(mentionedClasses([image])).toEqual(["Edema", "Atelectasis", "Cardiomegaly", "Pleural Effusion"]);
  });

  it("holds out 20% by seed, whatever the fraction, and samples the rest as nested prefixes", () => {
    const full = splitForProbe(ids, 5, 1);
    const tenth = splitForProbe(ids, 5, 0.1);
    const hundredth = splitForProbe([...ids].reverse(), 5, 0.01);
    expect(full.validation).toHaveLength(40);
    expect(tenth.validation).toEqual(full.validation);
    expect(new Set(hundredth.validation)).toEqual(new Set(full.validation));
    expect(full.train).toHaveLength(160);
    expect(tenth.train).toHaveLength(16);
    expect(hundredth.train).toHaveLength(2);
    expect(full.train.slice(0, 16)).toEqual(tenth.train);
    expect(tenth.train.slice(0, 2)).toEqual(hundredth.train);
    expect(full.validation.some((id) => full.train.includes(id))).toBe(false);
    expect(splitForProbe(ids, 6, 1).validation).not.toEqual(full.validation);
  });

  it("gives AUROC per class and their mean with intervals around them; null for a class without positives", () => {
    const truth = [
      [true, false, true, false, true, false],
      [false, false, false, false, false, false],
    ];
    const probabilities = [
      [0.9, 0.2, 0.6, 0.7, 0.8, 0.1],
      [0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
    ];
    const v = validationFigures(["A", "B"], probabilities, truth, 0);
    expect(v.images).toBe(6);
    expect(v.perClass[0]!.auroc.value).toBeCloseTo(8 / 9, 12);
    expect(v.perClass[0]).toMatchObject({ positives: 3, negatives: 3 });
    expect(v.perClass[1]!.auroc).toEqual({ value: null, ci95: null });
    expect(v.meanAuroc.value).toBeCloseTo(8 / 9, 12);
    const [low, high] = v.meanAuroc.ci95!;
    expect(low).toBeLessThanOrEqual(8 / 9);
    expect(high).toBeGreaterThanOrEqual(8 / 9);
  });
});
