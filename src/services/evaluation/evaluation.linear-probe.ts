// The linear-probe part of an evaluation (`gloria eval --train-manifest`, docs/evaluation.md "Linear
// probes"): heads fitted on the training manifest's global embeddings at 1%, 10% and 100% of its
// rows, scored on the same test images as the multi-label zero-shot, with the same figures
// (evaluation.figures.ts), so the label-efficiency curve sits beside zero-shot.
import path from "node:path";
import type { GloriaModel } from "../../model/gloria.model.ts";
import type { ImageFeatures } from "../../model/model.port.ts";
import type { SourceFiles } from "../source-files.ts";
import { DEFAULT_L2 } from "../classifier.service.ts";
import { fitLogisticHeads, headProbability } from "../classifier/logistic.fit.ts";
import { sampleFraction } from "../classifier/probe.data.ts";
import type { LabelledRow } from "./evaluation.cases.ts";
import { multiLabelFigures, type MultiLabelFigures } from "./evaluation.figures.ts";
import { encodeRowImages, readRows, type Settings } from "./evaluation.stages.ts";
import type { EvaluateOptions, MultiLabelEvaluation } from "./evaluate.ts";

/** The training fractions of the curve (GLoRIA's --train_pct 0.01, 0.1 and 1). */
export const PROBE_FRACTIONS = [0.01, 0.1, 1] as const;

export interface LinearProbePoint extends MultiLabelFigures {
  /** Training images the heads were fitted on. */
  trainedOn: number;
  /** Classes without both kinds among them: no head, a constant probability (AUROC 0.5). */
  untrained: string[];
}

export interface LinearProbeEvaluation {
  trainManifest: string;
  /** The training rows read (EvaluateOptions.trainLimit); null: every row. Absent in runs that predate it. */
  trainLimit?: number | null;
  /** Readable training rows (the 100% point). */
  trainImages: number;
  features: "GLOBAL";
  l2: number;
  /** Labels read as positive: 1 and CheXpert's uncertain −1 (U-ones) in training; 1 on the test set, as zero-shot. */
  uncertain: "POSITIVE";
  /** The multi-label zero-shot on the same test images. */
  zeroShot: { meanAuroc: MultiLabelFigures["meanAuroc"]; perClass: MultiLabelFigures["perClass"] };
  /** By fraction as a string ("0.01", "0.1", "1"). */
  points: Record<string, LinearProbePoint>;
  failures: number;
}

function unit(v: Float32Array): Float32Array {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(v, (x) => x / norm);
}

/**
 * Fits and scores the curve; `options.files` is the evaluation's file guard (the training manifest's
 * folder is allowed besides it). `test` is what the multi-label zero-shot scored (every readable row of
 * the test manifest), `zeroShot` its figures.
 */
export async function linearProbeEvaluation(
  model: GloriaModel,
  trainManifest: string,
  test: { images: readonly ImageFeatures[]; rows: readonly LabelledRow[] },
  zeroShot: MultiLabelEvaluation,
  settings: Settings,
  options: EvaluateOptions & { files: SourceFiles },
): Promise<LinearProbeEvaluation> {
  const { classes, boot } = settings;
  const files = options.files.withRoots([path.dirname(path.resolve(trainManifest))]);
  const { rows } = await readRows(files, trainManifest, { ...settings, limit: options.trainLimit });
  // Only the global embedding is kept: the region features of a training set are not needed.
  const train: Array<{ row: LabelledRow; vector: Float32Array }> = [];
  const failures: Array<{ row: string; message: string }> = [];
  await encodeRowImages(
    model,
    files,
    { ...options, storedFeatures: undefined },
    rows.map((row) => ({ row, className: null })),
    (c) => train.push({ row: c.row, vector: unit(c.image.global) }),
    failures,
  );
  const byKey = new Map(train.map((t) => [t.row.key, t]));
  const testVectors = test.images.map((i) => unit(i.global));
  const testTruth = test.rows.map((row) => classes.map((c) => row.labels[c] === 1));
  const points: Record<string, LinearProbePoint> = {};
  for (const fraction of PROBE_FRACTIONS) {
    const sample = sampleFraction([...byKey.keys()], boot.seed, fraction).map((key) => byKey.get(key)!);
    const positive = (row: LabelledRow, c: string) => row.labels[c] === 1 || row.labels[c] === -1;
    const trainable = classes.filter((c) => {
      const n = sample.filter((s) => positive(s.row, c)).length;
      return n > 0 && n < sample.length;
    });
    const heads =
      trainable.length === 0
        ? []
        : fitLogisticHeads(
            sample.map((s) => s.vector),
            trainable.map((c) => sample.map((s) => (positive(s.row, c) ? 1 : 0))),
            DEFAULT_L2,
          );
    const probabilities = testVectors.map((x) =>
      classes.map((c) => {
        const k = trainable.indexOf(c);
        if (k >= 0) return headProbability(heads[k]!, x);
        return sample.some((s) => positive(s.row, c)) ? 1 : 0;
      }),
    );
    points[String(fraction)] = {
      trainedOn: sample.length,
      untrained: classes.filter((c) => !trainable.includes(c)),
      ...multiLabelFigures(probabilities, testTruth, classes, boot),
    };
  }
  return {
    trainManifest,
    trainLimit: options.trainLimit ?? null,
    trainImages: train.length,
    features: "GLOBAL",
    l2: DEFAULT_L2,
    uncertain: "POSITIVE",
    zeroShot: { meanAuroc: zeroShot.meanAuroc, perClass: zeroShot.perClass },
    points,
    failures: failures.length,
  };
}
