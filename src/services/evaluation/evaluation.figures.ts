// The evaluation's numbers as the report carries them: each figure with its seeded percentile
// bootstrap 95% interval. Pure maths over per-item outcomes; no model, no I/O.
import { accuracy, auroc, bootstrapInterval, macroF1, mean, precisionAtK } from "./metrics.ts";

/** One measured value and its 95% bootstrap interval (null when there was nothing to measure). */
export interface Figure {
  value: number | null;
  ci95: [number, number] | null;
}

export interface BootstrapSettings {
  /** Resamples per interval; 0 reports values without intervals. */
  iterations: number;
  seed: number;
}

export const NO_FIGURE: Figure = { value: null, ci95: null };

/** A statistic over n resampleable items (images or queries) with its interval. */
export function figureOf(n: number, statistic: (indices: readonly number[]) => number | null, boot: BootstrapSettings): Figure {
  if (n < 1) return NO_FIGURE;
  const all = Array.from({ length: n }, (_, i) => i);
  const value = statistic(all);
  if (value === null) return NO_FIGURE;
  if (boot.iterations === 0) return { value, ci95: null };
  const interval = bootstrapInterval(n, statistic, { iterations: boot.iterations, seed: boot.seed });
  return { value, ci95: interval ? [interval.low, interval.high] : null };
}

/** Mean over items of a per-item value (null items are skipped), e.g. one Precision@K per query. */
export function meanFigure(values: readonly (number | null)[], boot: BootstrapSettings): Figure {
  return figureOf(values.length, (idx) => mean(idx.map((i) => values[i])), boot);
}

/** Mean Precision@K over queries, resampling the queries. */
export function precisionFigure(rankings: readonly (readonly boolean[])[], k: number, boot: BootstrapSettings): Figure {
  return meanFigure(
    rankings.map((hits) => precisionAtK(hits, k)),
    boot,
  );
}

/** Accuracy and macro-F1 over images, resampling the images. */
export function classificationFigures(
  truth: readonly string[],
  predicted: readonly (string | null)[],
  boot: BootstrapSettings,
): { accuracy: Figure; macroF1: Figure } {
  const pick = <T>(xs: readonly T[], idx: readonly number[]) => idx.map((i) => xs[i]);
  return {
    accuracy: figureOf(truth.length, (idx) => accuracy(pick(truth, idx), pick(predicted, idx)), boot),
    macroF1: figureOf(truth.length, (idx) => macroF1(pick(truth, idx), pick(predicted, idx)), boot),
  };
}

/** One-vs-rest AUROC of a class's scores, resampling the images. */
export function aurocFigure(scores: readonly (number | null)[], positive: readonly boolean[], boot: BootstrapSettings): Figure {
  const usable = scores.flatMap((s, i) => (s === null ? [] : [i]));
  const s = usable.map((i) => scores[i] as number);
  const p = usable.map((i) => positive[i]);
  return figureOf(
    usable.length,
    (idx) =>
      auroc(
        idx.map((i) => s[i]),
        idx.map((i) => p[i]),
      ),
    boot,
  );
}

/** The value of a figure or null; for thresholds and tables. */
export const valueOf = (f: Figure | undefined): number | null => f?.value ?? null;

/** Multi-label zero-shot figures: each class's AUROC and their mean, with their intervals. */
export interface MultiLabelFigures {
  /** The mean of the per-class AUROCs (classes with both positives and negatives). */
  meanAuroc: Figure;
  perClass: Array<{ className: string; auroc: Figure; positives: number; negatives: number }>;
}

/**
 * Per class, the AUROC of its [image][class] probability against its label (positive vs not), and
 * the mean over the classes that have both kinds, each resampling the images with the same seed.
 * A resample in which one of those classes lacks a kind has no mean and is dropped, so the mean is
 * always over the same classes.
 */
export function multiLabelFigures(
  probabilities: readonly (readonly number[])[],
  positive: readonly (readonly boolean[])[],
  classes: readonly string[],
  boot: BootstrapSettings,
): MultiLabelFigures {
  if (probabilities.length !== positive.length) throw new RangeError(`${probabilities.length} probability rows for ${positive.length} label rows`);
  const column = <T>(rows: readonly (readonly T[])[], k: number, idx: readonly number[]) => idx.map((i) => rows[i]![k]!);
  const perClass = classes.map((className, k) => {
    const positives = positive.filter((row) => row[k]).length;
    return {
      className,
      auroc: aurocFigure(
        probabilities.map((row) => row[k]!),
        positive.map((row) => row[k]!),
        boot,
      ),
      positives,
      negatives: positive.length - positives,
    };
  });
  const measured = perClass.flatMap((c, k) => (c.auroc.value === null ? [] : [k]));
  const meanAuroc =
    measured.length === 0
      ? NO_FIGURE
      : figureOf(
          probabilities.length,
          (idx) => {
            const values = measured.map((k) => auroc(column(probabilities, k, idx), column(positive, k, idx)));
            return values.some((v) => v === null) ? null : mean(values);
          },
          boot,
        );
  return { meanAuroc, perClass };
}
