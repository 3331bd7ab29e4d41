// Evaluates a loaded model on a labelled manifest: encodes the single-finding images (or takes the
// stored features of those already ingested) and their reports in memory, then measures zero-shot
// classification, text→image and image→text retrieval (global and re-ranked in both local modes),
// lateral re-ranking and attention laterality, and, where the manifest has masks and the model a
// segmentation graph, the Dice of its maps; each figure with a seeded bootstrap 95% interval.
// Reads the manifest and image files; never writes anything.
import { createHash } from "node:crypto";
import path from "node:path";
import type { GloriaModel } from "../../model/gloria.model.ts";
import type { ImageFeatures, SlicingMode } from "../../model/model.port.ts";
import type { ZeroShotNormalization } from "../../model/zero-shot/zero-shot.normalize.ts";
import type { RegionEncoding } from "../../stores/local-features/region.codec.ts";
import { codeVersion } from "../../version.ts";
import { checkNotCancelled } from "../cancellation.ts";
import { SourceFiles } from "../source-files.ts";
import { LATERAL_QUERIES, type LabelledRow } from "./evaluation.cases.ts";
import { figureOf, meanFigure, precisionFigure, type Figure, type MultiLabelFigures } from "./evaluation.figures.ts";
import { linearProbeEvaluation, type LinearProbeEvaluation } from "./evaluation.linear-probe.ts";
import { PUBLISHED, type PublishedFigure } from "./evaluation.published.ts";
import { segmentationEvaluation, type SegmentationEvaluation } from "./evaluation.segmentation.ts";
import {
  attentionSides,
  byScoring,
  checkSettings,
  encodeRowImages,
  imageToTextRankings,
  lateralisedCases,
  lateralRankings,
  multiLabelEvaluation,
  readRows,
  SCORINGS,
  singleFindingRows,
  textToImageRankings,
  zeroShotVariants,
  type Case,
  type Scoring,
} from "./evaluation.stages.ts";
import { meanPrecisionAtK, perClassF1, scoreFloor } from "./metrics.ts";

export interface EvaluateOptions {
  /** Use only the first N rows of the manifest. */
  limit?: number;
  /** The headline scoring's word columns (gloria-numerics §4.2); default REFERENCE. Both are always measured. */
  mode?: SlicingMode;
  /** The headline zero-shot normalisation; default REFERENCE when the model has statistics for every class, else BATCH. */
  normalization?: ZeroShotNormalization;
  /** First-stage candidates re-scored by the local similarity (default 100, as the search API). */
  rerankCandidates?: number;
  /** Images decoded and encoded per encoder call (default 16). */
  batchSize?: number;
  /** Seed of the bootstrap resampling (default 0). */
  seed?: number;
  /** Bootstrap resamples per interval (default 1000; 0 gives no intervals). */
  bootstrapIterations?: number;
  /**
   * Features of images already ingested for this model, by the sha256 of the file's bytes (the
   * ingestion's content hash); images it does not return are encoded. Absent: every image is encoded.
   */
  storedFeatures?: (contentHashes: readonly string[]) => Promise<Map<string, ImageFeatures>>;
  /**
   * Score the images' regions as a local feature store of this encoding would serve them (default
   * float32: as encoded). Stored features are used as read.
   */
  regionEncoding?: RegionEncoding;
  /**
   * The guard the manifest and its rows' images are read through; the manifest's own folder is
   * always allowed besides its roots. Default: that folder only, files up to DEFAULT_MAX_FILE_BYTES.
   */
  files?: SourceFiles;
  /** Decodes and preprocesses a row's image (the server's worker pool); default: in this thread. */
  prepareImage?: (bytes: Uint8Array) => Promise<{ pixels: Float32Array }>;
  /**
   * A CheXpert-style training manifest: adds `linearProbe`, heads fitted on its global embeddings at
   * 1%, 10% and 100% of its rows and scored on the multi-label zero-shot's images
   * (evaluation.linear-probe.ts).
   */
  trainManifest?: string;
  /** Use only the first N rows of the training manifest (default: every row). */
  trainLimit?: number;
  /** Called as each stage starts, for progress output. */
  onStage?: (stage: string) => void;
  /** Stops the run between stages and batches (a request that timed out or whose client left). */
  signal?: AbortSignal;
}

/** Largest manifest or image file an evaluation reads when the caller sets no guard. */
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
/** GLOBAL ranks by the global cosine alone; REFERENCE and WORDS re-rank by (local + global)/2 with those word columns. */
export { SCORINGS, type Scoring };

/** The text→image precision the suggested score floor keeps (report.textToImage.suggestedMinScore). */
export const SUGGESTED_FLOOR_TARGET = 0.8;

export interface PrecisionFigures {
  precisionAt5: Figure;
  precisionAt10: Figure;
  precisionAt100: Figure;
}

export interface ZeroShotVariant {
  scoring: Scoring;
  normalization: ZeroShotNormalization;
  accuracy: Figure;
  macroF1: Figure;
  /** One-vs-rest AUROC of each class's normalised score. */
  auroc: Record<string, Figure>;
  meanAuroc: number | null;
}

/**
 * Multi-label zero-shot over every readable image of the manifest (single-finding, several findings
 * and none): each class's probability of being present, its positive prompts against its negative
 * ones (zero-shot.multilabel.ts), as classify(labelMode: MULTI) gives it, against the class's label.
 */
export interface MultiLabelEvaluation extends MultiLabelFigures {
  /** The word columns of the combined scores the probabilities come from (the headline mode). */
  scoring: SlicingMode;
  /** The softmax temperature of the two sides (AUROC does not depend on it). */
  temperature: number;
  /** Images scored: the evaluation set and the manifest's other readable rows. */
  images: number;
}

export const EVALUATION_FORMAT = "gloria-search/evaluation@1";

export interface EvaluationReport {
  format: typeof EVALUATION_FORMAT;
  /** name@version#checksum[0:12] of the evaluated model. */
  model: string;
  manifest: { path: string; sha256: string; limit: number | null };
  /** The headline scoring of the retrieval figures and of zeroShot.accuracy/macroF1. */
  mode: SlicingMode;
  rerankCandidates: number;
  /** Everything a second run needs to give the same numbers. */
  reproducibility: {
    modelId: string;
    modelChecksum: string;
    manifestSha256: string;
    promptSet: string;
    normalization: ZeroShotNormalization;
    scoring: SlicingMode;
    seed: number;
    bootstrapIterations: number;
    rerankCandidates: number;
    /** How the images' region features were held when scored (absent in runs that predate it: float32). */
    regionEncoding?: RegionEncoding;
    limit: number | null;
    codeVersion: string;
  };
  counts: {
    /** Manifest rows read (after --limit). */
    rows: number;
    /** Rows with exactly one positive class and the other classes 0 (CheXpert 5×200 style). */
    singleFinding: number;
    /** Single-finding rows whose image could be read and encoded: the evaluation set. */
    images: number;
    /** Evaluation images whose features came from the stores rather than the encoder. */
    storedImages: number;
    perClass: Record<string, number>;
    /** Reports of the evaluation set's rows (image→text candidates). */
    reports: number;
    /** Evaluation images whose finding names exactly one side (attention probe). */
    lateralised: number;
    imageFailures: number;
  };
  zeroShot: {
    /** The headline variant (scoring = mode, the chosen normalisation). */
    accuracy: Figure;
    macroF1: Figure;
    normalization: ZeroShotNormalization;
    promptSet: string;
    perClass: Record<string, { f1: number; precision: number; recall: number; support: number; auroc: Figure }>;
    /** Every scoring × normalisation; REFERENCE normalisation only for the combined scores it was fitted on. */
    variants: ZeroShotVariant[];
    /** Multi-label zero-shot (classify labelMode MULTI); absent in runs that predate it. */
    multiLabel?: MultiLabelEvaluation;
  };
  textToImage: PrecisionFigures & {
    queries: number;
    /**
     * The global cosine at which text→image precision drops under `target` (SUGGESTED_FLOOR_TARGET),
     * with its interval over the queries: a suggested `minScore` for searches without re-ranking.
     */
    suggestedMinScore?: Figure & { target: number; scoring: "GLOBAL" };
    byScoring: Record<Scoring, PrecisionFigures>;
    perClass: Record<string, { precisionAt5: number | null; precisionAt10: number | null }>;
  };
  imageToText: PrecisionFigures & { queries: number; byScoring: Record<Scoring, PrecisionFigures> };
  attentionSide: { accuracy: Figure; correct: number; probed: number; mode: SlicingMode };
  lateralRerank: {
    byScoring: Record<Scoring, { precisionAt5: Figure; precisionAt10: Figure }>;
    queries: Array<{ text: string; relevant: number; precisionAt10: Record<Scoring, number | null> }>;
  };
  /** The label-efficiency curve beside zero-shot; only with a training manifest. */
  linearProbe?: LinearProbeEvaluation;
  /** Dice against the manifest's masks; only when it has a Mask column and the model a segmentation graph. */
  segmentation?: SegmentationEvaluation;
  published: readonly PublishedFigure[];
  failures: Array<{ row: string; message: string }>;
  warnings: string[];
  timingMs: Record<string, number>;
}

const MAX_LISTED_FAILURES = 20;

/**
 * Evaluates `model` on a CheXpert-style manifest (Path, Report, the class columns, optional
 * Findings JSON). The choices the numbers depend on:
 * - Evaluation set: rows with exactly one positive class (gloria-numerics §6, 5×200 style); the rest
 *   are counted but not encoded. `counts` says how many of each.
 * - Zero-shot: the model's prompt set, per class the max over its prompts (§5) of the global cosine
 *   (GLOBAL) or of (local + global)/2 with REFERENCE or WORDS columns, then NONE, BATCH (z-scores
 *   over the evaluated images) or REFERENCE (the manifest's statistics, fitted on combined scores,
 *   so not applied to GLOBAL); argmax over classes.
 * - Multi-label zero-shot: every readable row (not only the evaluation set), each class's positive
 *   prompts against its negative ones with the headline word columns, as classify(labelMode: MULTI);
 *   AUROC of each class's probability against its label (1 positive, anything else not).
 * - Retrieval: text→image with each prompt as a query (a hit has the prompt's class), image→text
 *   with each image against the set's reports (a hit has the image's class); the first stage ranks
 *   by global cosine, the top `rerankCandidates` are re-ordered by the combined score.
 * - lateralRerank: LATERAL_QUERIES over the evaluation images; a hit has the query's class on the
 *   query's side (bilateral counts for both).
 * - Intervals: percentile bootstrap (seeded) over the images for zero-shot and attention, over the
 *   queries for retrieval; the galleries stay fixed.
 */
export async function evaluateManifest(model: GloriaModel, manifestPath: string, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const started = performance.now();
  const timing: Record<string, number> = {};
  const stage = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    checkNotCancelled(options.signal);
    options.onStage?.(name);
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      timing[name] = Math.round(performance.now() - t0);
    }
  };

  const settings = checkSettings(model, options);
  const { limit, candidates, boot, mode, promptSet, classes, normalization } = settings;
  const files = (options.files ?? new SourceFiles([], { maxBytes: DEFAULT_MAX_FILE_BYTES })).withRoots([path.dirname(path.resolve(manifestPath))]);
  const { manifestBytes, rows } = await readRows(files, manifestPath, settings);
  const single = singleFindingRows(rows, classes);

  // Images: stored features where asked and present, else decode + GLoRIA preprocessing.
  const failures: Array<{ row: string; message: string }> = [];
  const cases: Case[] = [];
  let storedImages = 0;
  await stage("encodeImages", () =>
    encodeRowImages(
      model,
      files,
      options,
      single,
      (c, stored) => {
        cases.push(c);
        if (stored) storedImages++;
      },
      failures,
    ),
  );
  // The manifest's other rows (several findings, none, uncertain labels) serve the multi-label figures only.
  const inSet = new Set(single.map((c) => c.row));
  const others: ImageFeatures[] = [];
  const otherRows: LabelledRow[] = [];
  await stage("encodeOtherImages", () =>
    encodeRowImages(
      model,
      files,
      options,
      rows.filter((row) => !inSet.has(row)).map((row) => ({ row, className: null })),
      (c) => {
        others.push(c.image);
        otherRows.push(c.row);
      },
      failures,
    ),
  );

  const withReports = cases.filter((c) => c.row.report !== undefined);
  const reportClasses = withReports.map((c) => c.className);
  const prompts = promptSet.classes.flatMap((c) => c.prompts.map((text) => ({ text, className: c.name })));
  const lateralCases = lateralisedCases(cases);
  const phrases = [...new Set(lateralCases.map((l) => l.phrase))];
  const [reports, promptFeatures, lateralFeatures, phraseFeatures] = await stage("encodeTexts", async () => [
    await model.encodeTexts(withReports.map((c) => c.row.report!)),
    await model.encodeTexts(prompts.map((p) => p.text)),
    await model.encodeTexts(LATERAL_QUERIES.map((q) => q.text)),
    await model.encodeTexts(phrases),
  ]);

  const images = cases.map((c) => c.image);
  const truth = cases.map((c) => c.className);
  const warnings: string[] = [];

  const zeroShot = await stage("zeroShot", () => zeroShotVariants(model, images, promptFeatures, truth, settings, warnings));
  const headline = zeroShot.find((v) => v.scoring === mode && v.normalization === normalization)!;
  const multiLabel = await stage("multiLabel", () => multiLabelEvaluation(model, [...images, ...others], [...cases.map((c) => c.row), ...otherRows], settings));
  const { trainManifest } = options;
  const linearProbe =
    trainManifest === undefined
      ? undefined
      : await stage("linearProbe", () =>
          linearProbeEvaluation(
            model,
            trainManifest,
            { images: [...images, ...others], rows: [...cases.map((c) => c.row), ...otherRows] },
            multiLabel,
            settings,
            { ...options, files },
          ),
        );
  const segmentation = await stage("segmentation", () =>
    segmentationEvaluation(model, manifestPath, files, boot, { limit, signal: options.signal, batchSize: options.batchSize }),
  );
  const f1 = perClassF1(truth, headline.predicted);
  const textToImage = await stage("textToImage", () => textToImageRankings(model, prompts, promptFeatures, images, truth, candidates));
  const imageToText = await stage("imageToText", () => imageToTextRankings(model, images, reports, reportClasses, truth, candidates));
  const lateral = await stage("lateralRerank", () => lateralRankings(model, lateralFeatures, cases, truth, candidates));
  const attentionMode: SlicingMode = "WORDS";
  const attention = await stage("attentionSide", () => attentionSides(model, lateralCases, phrases, phraseFeatures, attentionMode, warnings));

  const precisions = (rankings: readonly boolean[][]): PrecisionFigures => ({
    precisionAt5: precisionFigure(rankings, 5, boot),
    precisionAt10: precisionFigure(rankings, 10, boot),
    precisionAt100: precisionFigure(rankings, 100, boot),
  });
  const t2i = byScoring((s) => precisions(textToImage.rankings[s]));
  const scoredPairs = textToImage.scoredPairs;
  const floor = figureOf(
    scoredPairs.length,
    (idx) =>
      scoreFloor(
        idx.map((i) => scoredPairs[i]!),
        SUGGESTED_FLOOR_TARGET,
      ),
    boot,
  );
  const i2t = byScoring((s) => precisions(imageToText[s]));
  const perClassT2i = (name: string) => {
    const mine = textToImage.rankings[mode].filter((_, q) => prompts[q]!.className === name);
    return { precisionAt5: meanPrecisionAtK(mine, 5), precisionAt10: meanPrecisionAtK(mine, 10) };
  };
  const manifestSha256 = createHash("sha256").update(manifestBytes).digest("hex");

  return {
    format: EVALUATION_FORMAT,
    model: model.id,
    manifest: { path: path.resolve(manifestPath), sha256: manifestSha256, limit: limit ?? null },
    mode,
    rerankCandidates: candidates,
    reproducibility: {
      modelId: model.id,
      modelChecksum: model.manifest.checksum,
      manifestSha256,
      promptSet: promptSet.id,
      normalization,
      scoring: mode,
      seed: boot.seed,
      bootstrapIterations: boot.iterations,
      rerankCandidates: candidates,
      regionEncoding: options.regionEncoding ?? "float32",
      limit: limit ?? null,
      codeVersion: codeVersion(),
    },
    counts: {
      rows: rows.length,
      singleFinding: single.length,
      images: cases.length,
      storedImages,
      perClass: Object.fromEntries(classes.map((name) => [name, truth.filter((t) => t === name).length])),
      reports: reports.length,
      lateralised: lateralCases.length,
      imageFailures: failures.length,
    },
    zeroShot: {
      accuracy: headline.accuracy,
      macroF1: headline.macroF1,
      normalization,
      promptSet: promptSet.id,
      // Classes neither true nor predicted have no F1 and are left out (see macroF1).
      perClass: Object.fromEntries(
        classes.flatMap((name) => {
          const s = f1.get(name);
          return s ? [[name, { ...s, auroc: headline.auroc[name] }]] : [];
        }),
      ),
      variants: zeroShot.map(({ predicted: _p, scores: _s, ...variant }) => variant),
      multiLabel,
    },
    textToImage: {
      ...t2i[mode],
      queries: prompts.length,
      byScoring: t2i,
      perClass: Object.fromEntries(classes.map((name) => [name, perClassT2i(name)])),
      suggestedMinScore: { ...floor, target: SUGGESTED_FLOOR_TARGET, scoring: "GLOBAL" },
    },
    imageToText: { ...i2t[mode], queries: imageToText.GLOBAL.length, byScoring: i2t },
    attentionSide: {
      accuracy: meanFigure(attention, boot),
      correct: attention.reduce((s, v) => s + v, 0),
      probed: attention.length,
      mode: attentionMode,
    },
    lateralRerank: {
      byScoring: byScoring((s) => ({
        precisionAt5: precisionFigure(lateral.rankings[s], 5, boot),
        precisionAt10: precisionFigure(lateral.rankings[s], 10, boot),
      })),
      queries: lateral.queries,
    },
    ...(linearProbe ? { linearProbe } : {}),
    ...(segmentation ? { segmentation } : {}),
    published: PUBLISHED,
    failures: failures.slice(0, MAX_LISTED_FAILURES),
    warnings: [...new Set(warnings)],
    timingMs: { ...timing, total: Math.round(performance.now() - started) },
  };
}
