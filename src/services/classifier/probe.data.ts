// The data side of a linear probe, pure: which class an image has (from its stored labels and
// findings), the seeded held-out split, GLoRIA's `--train_pct` sampling of the training part, and
// the held-out AUROC figures with their bootstrap intervals (metrics.ts). No I/O, no model.
import { createHash } from "node:crypto";
import { auroc, bootstrapInterval, mean } from "../evaluation/metrics.ts";
import type { ClassValidation, ClassifierValidation, Interval } from "../../stores/metadata/classifier-store.port.ts";

/** Share of the labelled images held out for validation (docs/classifiers.md, "Splits"). */
export const VALIDATION_SHARE = 0.2;
/** Bootstrap resamples of the validation intervals. */
export const VALIDATION_BOOTSTRAP = 1000;

/** An image's stored annotations as the catalogue keeps them. */
export interface Annotated {
  id: string;
  labels: Record<string, number>;
  findings: ReadonlyArray<{ class: string }>;
}

/**
 * Whether the image has the class: a CheXpert label of 1, or of −1 (uncertain, read as positive as
 * GLoRIA's "U-ones" does), or a stored finding of that class. Anything else (0, blank, absent) is a
 * negative.
 */
export function hasClass(image: Annotated, className: string): boolean {
  const label = image.labels[className];
  return label === 1 || label === -1 || image.findings.some((f) => f.class === className);
}

/** The class names that the images' labels or findings mention, in first-seen order. */
export function mentionedClasses(images: readonly Annotated[]): string[] {
  const seen = new Set<string>();
  for (const image of images) {
    for (const name of Object.keys(image.labels)) seen.add(name);
    for (const f of image.findings) seen.add(f.class);
  }
  return [...seen];
}

/** A seeded order of ids: by sha256 of (seed, purpose, id), so it does not depend on storage order. */
function seededOrder(ids: readonly string[], seed: number, purpose: string): string[] {
  const key = (id: string) => createHash("sha256").update(`${seed}:${purpose}:${id.toLowerCase()}`).digest("hex");
  return ids
    .map((id) => ({ id, key: key(id) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => e.id);
}

export interface ProbeSplit {
  validation: string[];
  /** The training part before sampling. */
  trainPool: string[];
  /** The `trainFraction` sample of the training part the head is fitted on. */
  train: string[];
}

/**
 * The held-out split for a seed: VALIDATION_SHARE of the ids (rounded, at least one when there are
 * two or more) by a seeded order, the rest the training pool; then ⌈trainFraction · pool⌉ of the
 * pool (at least one) by a second seeded order, as GLoRIA's `--train_pct` samples its training
 * table. The validation part does not depend on trainFraction, so the points of a
 * label-efficiency curve are scored on the same images; a smaller fraction's sample is a prefix
 * of a larger one's.
 */
export function splitForProbe(ids: readonly string[], seed: number, trainFraction: number): ProbeSplit {
  const order = seededOrder(ids, seed, "validation");
  const held = ids.length < 2 ? 0 : Math.max(1, Math.round(ids.length * VALIDATION_SHARE));
  const validation = order.slice(0, held);
  const trainPool = order.slice(held);
  return { validation, trainPool, train: sampleFraction(trainPool, seed, trainFraction) };
}

/** ⌈fraction · n⌉ of the ids (at least one of a non-empty list) by a seeded order; smaller fractions give prefixes of larger ones. */
export function sampleFraction(ids: readonly string[], seed: number, fraction: number): string[] {
  const take = ids.length === 0 ? 0 : Math.max(1, Math.ceil(fraction * ids.length - 1e-9));
  return seededOrder(ids, seed, "train").slice(0, take);
}

/** A bootstrap interval as the API shows it. */
function interval(value: number | null, bounds: { low: number; high: number } | null): Interval {
  return { value, ci95: value === null || bounds === null ? null : [bounds.low, bounds.high] };
}

/**
 * Held-out AUROC per class and their mean (over the classes that have both positives and
 * negatives), each with a seeded 95% percentile bootstrap interval over the validation images.
 * `probabilities[k][i]` is class k's probability for image i; `truth[k][i]` whether it has it.
 */
export function validationFigures(
  classes: readonly string[],
  probabilities: readonly (readonly number[])[],
  truth: readonly (readonly boolean[])[],
  seed: number,
): ClassifierValidation {
  const n = truth[0]?.length ?? 0;
  const aurocOn = (k: number, indices: readonly number[]) =>
    auroc(
      indices.map((i) => probabilities[k]![i]!),
      indices.map((i) => truth[k]![i]!),
    );
  const options = { iterations: VALIDATION_BOOTSTRAP, seed };
  const perClass: ClassValidation[] = classes.map((className, k) => {
    const positives = truth[k]!.filter(Boolean).length;
    const value =
      n === 0
        ? null
        : aurocOn(
            k,
            Array.from({ length: n }, (_, i) => i),
          );
    const bounds = value === null ? null : bootstrapInterval(n, (indices) => aurocOn(k, indices), options);
    return { className, auroc: interval(value, bounds), positives, negatives: n - positives };
  });
  const meanOn = (indices: readonly number[]) => mean(classes.map((_, k) => aurocOn(k, indices)));
  const meanValue = n === 0 ? null : mean(perClass.map((c) => c.auroc.value));
  const meanBounds = meanValue === null ? null : bootstrapInterval(n, meanOn, options);
  return { images: n, meanAuroc: interval(meanValue, meanBounds), perClass };
}
