// Evaluates a loaded model on a labelled manifest: encodes the single-finding images (or takes the
// stored features of those already ingested) and their reports in memory, then measures zero-shot
// classification, text→image and image→text retrieval (global and re-ranked in both local modes),
// lateral re-ranking and attention laterality, each figure with a seeded bootstrap 95% interval.
// Reads the manifest and image files; never writes anything.
import { createHash } from "node:crypto";
import path from "node:path";
import { AppError } from "../../errors/app-error.ts";
import type { GloriaModel } from "../../model/gloria.model.ts";
import { prepareImage } from "../../model/image/image.prepare.ts";
import type { ImageFeatures, SlicingMode, TextFeatures } from "../../model/model.port.ts";
import { cosineMatrix } from "../../model/similarity/similarity.cosine.ts";
import { argmaxClass, classScores, normalizeScores, type ZeroShotNormalization } from "../../model/zero-shot/zero-shot.normalize.ts";
import { MULTILABEL_TEMPERATURE, multilabelClasses, negativeName, presentProbability } from "../../model/zero-shot/zero-shot.multilabel.ts";
import { findPromptSet } from "../../model/zero-shot/zero-shot.prompts.ts";
import { readSource } from "../ingest/ingest.sources.ts";
import { SourceFiles } from "../source-files.ts";
import { checkNotCancelled } from "../cancellation.ts";
import { EVALUATION_LIMITS } from "../limits.ts";
import {
  answersLateralQuery,
  findingOf,
  imageHalf,
  LATERAL_QUERIES,
  lateralityOf,
  sideOf,
  sidePhrase,
  singleFindingClass,
  twoStageRanking,
  type LabelledRow,
} from "./evaluation.cases.ts";
import { codeVersion } from "../../version.ts";
import {
  aurocFigure,
  classificationFigures,
  figureOf,
  meanFigure,
  multiLabelFigures,
  precisionFigure,
  type BootstrapSettings,
  type Figure,
  type MultiLabelFigures,
} from "./evaluation.figures.ts";
import { asStored, type RegionEncoding } from "../../stores/local-features/region.codec.ts";
import { PUBLISHED, type PublishedFigure } from "./evaluation.published.ts";
import { halfMasses, mean, meanPrecisionAtK, perClassF1, precisionAtK, scoreFloor } from "./metrics.ts";

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
  /** Called as each stage starts, for progress output. */
  onStage?: (stage: string) => void;
  /** Stops the run between stages and batches (a request that timed out or whose client left). */
  signal?: AbortSignal;
}

/** Largest manifest or image file an evaluation reads when the caller sets no guard. */
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
/** A manifest is text: far smaller than this even for CheXpert's full training list. */
const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** GLOBAL ranks by the global cosine alone; REFERENCE and WORDS re-rank by (local + global)/2 with those word columns. */
export type Scoring = "GLOBAL" | SlicingMode;

/** The text→image precision the suggested score floor keeps (report.textToImage.suggestedMinScore). */
export const SUGGESTED_FLOOR_TARGET = 0.8;
export const SCORINGS: readonly Scoring[] = ["GLOBAL", "REFERENCE", "WORDS"];

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
  published: readonly PublishedFigure[];
  failures: Array<{ row: string; message: string }>;
  warnings: string[];
  timingMs: Record<string, number>;
}

/** One evaluation image: its row, its only class and its features. */
interface Case {
  row: LabelledRow;
  className: string;
  image: ImageFeatures;
}

type Rankings = Record<Scoring, boolean[][]>;

const MAX_LISTED_FAILURES = 20;
const emptyRankings = (): Rankings => ({ GLOBAL: [], REFERENCE: [], WORDS: [] });
const LOCAL_MODES: readonly SlicingMode[] = ["REFERENCE", "WORDS"];

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

  const limit = options.limit;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new AppError("BAD_USER_INPUT", `limit must be a positive integer; got ${limit}`);
  }
  const candidates = options.rerankCandidates ?? 100;
  if (!Number.isSafeInteger(candidates) || candidates < 1) {
    throw new AppError("BAD_USER_INPUT", `rerankCandidates must be a positive integer; got ${candidates}`);
  }
  const boot: BootstrapSettings = { iterations: options.bootstrapIterations ?? 1000, seed: options.seed ?? 0 };
  if (!Number.isSafeInteger(boot.iterations) || boot.iterations < 0 || boot.iterations > EVALUATION_LIMITS.bootstrapIterations) {
    throw new AppError("BAD_USER_INPUT", `bootstrapIterations must be an integer from 0 to ${EVALUATION_LIMITS.bootstrapIterations}; got ${boot.iterations}`);
  }
  if (!Number.isSafeInteger(boot.seed) || boot.seed < 0 || boot.seed > 0xffffffff) {
    throw new AppError("BAD_USER_INPUT", `seed must be an integer from 0 to 4294967295; got ${boot.seed}`);
  }
  const mode = options.mode ?? "REFERENCE";
  const promptSet = findPromptSet(model.manifest.zeroShot.promptSet);
  if (!promptSet) {
    throw new AppError("BAD_USER_INPUT", `model ${model.id} names the unknown prompt set ${model.manifest.zeroShot.promptSet}`);
  }
  const classes = promptSet.classes.map((c) => c.name);
  const reference = model.manifest.zeroShot.reference ?? undefined;
  const hasReference = classes.every((c) => reference?.[c]);
  const normalization = options.normalization ?? (hasReference ? "REFERENCE" : "BATCH");
  if (normalization === "REFERENCE" && !hasReference) {
    throw new AppError("BAD_USER_INPUT", `model ${model.id} has no REFERENCE zero-shot statistics; use NONE or BATCH`);
  }

  const files = (options.files ?? new SourceFiles([], { maxBytes: DEFAULT_MAX_FILE_BYTES })).withRoots([path.dirname(path.resolve(manifestPath))]);
  const manifestBytes = await files.read(manifestPath, "The manifest", MAX_MANIFEST_BYTES);
  const rows: Array<LabelledRow & { imagePath?: string }> = [];
  for await (const item of readSource({ kind: "manifest", path: manifestPath }, files)) {
    if (limit !== undefined && rows.length >= limit) break;
    rows.push({
      key: item.key,
      labels: item.labels,
      findings: item.findings,
      report: item.report,
      imagePath: item.image && "path" in item.image ? item.image.path : undefined,
    });
  }
  if (rows.length > 0 && rows.every((r) => classes.every((c) => r.labels[c] === undefined))) {
    throw new AppError("BAD_USER_INPUT", `the manifest has none of the class columns ${classes.join(", ")}`);
  }
  const single = rows.flatMap((row) => {
    const className = singleFindingClass(row.labels, classes);
    return className === null ? [] : [{ row, className }];
  });

  // Images: stored features where asked and present, else decode + GLoRIA preprocessing, encoded in
  // batches; unreadable files are listed, not fatal.
  const failures: Array<{ row: string; message: string }> = [];
  const cases: Case[] = [];
  let storedImages = 0;
  const batchSize = options.batchSize ?? 16;
  const sizes = { resize: model.manifest.image.resize, crop: model.manifest.image.crop };
  const prepare = options.prepareImage ?? ((bytes: Uint8Array) => prepareImage(bytes, sizes));
  /** Reads and encodes rows' images in batches (stored features first); calls `keep` for each image it gets, in row order. */
  const encodeRows = async <C extends string | null>(targets: ReadonlyArray<{ row: LabelledRow & { imagePath?: string }; className: C }>, keep: (c: { row: LabelledRow; className: C; image: ImageFeatures }, stored: boolean) => void) => {
    for (let start = 0; start < targets.length; start += batchSize) {
      checkNotCancelled(options.signal);
      const read: Array<{ row: LabelledRow; className: C; bytes: Uint8Array; hash: string | null }> = [];
      for (const { row, className } of targets.slice(start, start + batchSize)) {
        try {
          if (!row.imagePath) throw new AppError("BAD_USER_INPUT", "the row has no image path");
          const bytes = await files.read(row.imagePath, row.key);
          // The content hash is only needed to look up stored features.
          const hash = options.storedFeatures ? createHash("sha256").update(bytes).digest("hex") : null;
          read.push({ row, className, bytes, hash });
        } catch (error) {
          failures.push({ row: row.key, message: error instanceof Error ? error.message : String(error) });
        }
      }
      const stored = options.storedFeatures && read.length > 0 ? await options.storedFeatures(read.map((r) => r.hash!)) : new Map<string, ImageFeatures>();
      const slots: Array<ImageFeatures | null> = read.map((r) => (r.hash === null ? null : (stored.get(r.hash) ?? null)));
      const fromStore = slots.map(Boolean);
      const toEncode: Array<{ slot: number; pixels: Float32Array }> = [];
      for (const [slot, r] of read.entries()) {
        if (slots[slot]) continue;
        try {
          toEncode.push({ slot, pixels: (await prepare(r.bytes)).pixels });
        } catch (error) {
          failures.push({ row: r.row.key, message: error instanceof Error ? error.message : String(error) });
        }
      }
      if (toEncode.length > 0) {
        const features = await model.encodeImages(toEncode.map((e) => e.pixels));
        const M = model.grid[0] * model.grid[1];
        toEncode.forEach((e, i) => (slots[e.slot] = { global: features[i]!.global, local: asStored(features[i]!.local, model.dim, M, options.regionEncoding ?? "float32") }));
      }
      read.forEach((r, slot) => {
        const image = slots[slot];
        if (image) keep({ row: r.row, className: r.className, image }, fromStore[slot]!);
      });
    }
  };
  await stage("encodeImages", () =>
    encodeRows(single, (c, stored) => {
      cases.push(c);
      if (stored) storedImages++;
    }),
  );
  // The manifest's other rows (several findings, none, uncertain labels) serve the multi-label figures only.
  const inSet = new Set(single.map((c) => c.row));
  const others: ImageFeatures[] = [];
  const otherRows: LabelledRow[] = [];
  await stage("encodeOtherImages", () =>
    encodeRows(
      rows.filter((row) => !inSet.has(row)).map((row) => ({ row, className: null })),
      (c) => {
        others.push(c.image);
        otherRows.push(c.row);
      },
    ),
  );

  const reportTexts: string[] = [];
  const reportClasses: string[] = [];
  for (const c of cases) {
    if (c.row.report === undefined) continue;
    reportTexts.push(c.row.report);
    reportClasses.push(c.className);
  }
  const prompts = promptSet.classes.flatMap((c) => c.prompts.map((text) => ({ text, className: c.name })));
  const lateralCases = cases.flatMap((c) => {
    const finding = findingOf(c.row, c.className);
    const side = sideOf(finding?.location);
    return side ? [{ c, side, phrase: sidePhrase(c.className, side) }] : [];
  });
  const phrases = [...new Set(lateralCases.map((l) => l.phrase))];
  const [reports, promptFeatures, lateralFeatures, phraseFeatures] = await stage("encodeTexts", async () => [
    await model.encodeTexts(reportTexts),
    await model.encodeTexts(prompts.map((p) => p.text)),
    await model.encodeTexts(LATERAL_QUERIES.map((q) => q.text)),
    await model.encodeTexts(phrases),
  ]);

  const images = cases.map((c) => c.image);
  const truth = cases.map((c) => c.className);
  const warnings: string[] = [];

  // Zero-shot: [image][prompt] scores of each scoring, from one local run per image and mode.
  const zeroShot = await stage("zeroShot", async () => {
    const perPrompt: Record<Scoring, Float32Array[]> = { GLOBAL: [], REFERENCE: [], WORDS: [] };
    for (const image of images) {
      for (const m of LOCAL_MODES) {
        const scores = await model.scoreImageAgainstTexts(image, promptFeatures, { mode: m });
        perPrompt[m].push(scores.combined);
        if (m === "REFERENCE") perPrompt.GLOBAL.push(scores.global);
      }
    }
    const variants: Array<ZeroShotVariant & { predicted: (string | null)[]; scores: (number | null)[][] }> = [];
    for (const scoring of SCORINGS) {
      const raw = classScores(perPrompt[scoring], promptSet.classes);
      const kinds: ZeroShotNormalization[] = scoring === "GLOBAL" || !hasReference ? ["NONE", "BATCH"] : ["NONE", "BATCH", "REFERENCE"];
      for (const kind of kinds) {
        const normalized = normalizeScores(raw, classes, kind, reference);
        if (scoring === mode && kind === normalization) warnings.push(...normalized.warnings);
        const predicted = normalized.scores.map((row) => argmaxClass(row, classes));
        const auroc = Object.fromEntries(
          classes.map((name, k) => [name, aurocFigure(normalized.scores.map((row) => row[k]), truth.map((t) => t === name), boot)]),
        );
        variants.push({
          scoring,
          normalization: kind,
          ...classificationFigures(truth, predicted, boot),
          auroc,
          meanAuroc: mean(Object.values(auroc).map((f) => f.value)),
          predicted,
          scores: normalized.scores,
        });
      }
    }
    return variants;
  });
  const headline = zeroShot.find((v) => v.scoring === mode && v.normalization === normalization)!;

  // Multi-label: both sides of every class scored in one run per image, as classify(labelMode: MULTI) does.
  const multiLabel = await stage("multiLabel", async (): Promise<MultiLabelEvaluation> => {
    const scored = [...images, ...others];
    const labelled = [...cases.map((c) => c.row), ...otherRows];
    const result = scored.length === 0 ? { images: [] } : await model.classify(scored, { normalization: "NONE", classes: multilabelClasses(promptSet.classes), mode });
    const probabilities = result.images.map((image) => classes.map((name) => presentProbability(image.raw[name]!, image.raw[negativeName(name)]!)));
    const positive = labelled.map((row) => classes.map((name) => row.labels[name] === 1));
    return { scoring: mode, temperature: MULTILABEL_TEMPERATURE, images: scored.length, ...multiLabelFigures(probabilities, positive, classes, boot) };
  });
  const f1 = perClassF1(truth, headline.predicted);

  // Text → image: every prompt is a query over the evaluation images; a hit has the prompt's class.
  // Each query's (global cosine, relevant) over every image: what the suggested score floor is fitted on.
  const scoredPairs: Array<Array<{ score: number; hit: boolean }>> = [];
  const textToImage = await stage("textToImage", async () => {
    const global = cosineMatrix(promptFeatures.map((p) => p.sentence), images.map((i) => i.global));
    const rankings = emptyRankings();
    for (const [q, prompt] of prompts.entries()) {
      const row = rowOf(global, q, images.length);
      const orders = await rankTextOverImages(model, promptFeatures[q], images, row, candidates);
      const hit = (i: number) => truth[i] === prompt.className;
      for (const s of SCORINGS) rankings[s].push(orders[s].map(hit));
      scoredPairs.push(Array.from(row, (score, i) => ({ score, hit: hit(i) })));
    }
    return rankings;
  });

  // Image → text: every evaluation image ranks the evaluation set's reports; a hit has its class.
  const imageToText = await stage("imageToText", async () => {
    const global = cosineMatrix(images.map((i) => i.global), reports.map((r) => r.sentence));
    const rankings = emptyRankings();
    if (reports.length === 0) return rankings;
    for (const [n, image] of images.entries()) {
      const orders = await rankTwoStage(rowOf(global, n, reports.length), candidates, async (top, m) => {
        const scores = await model.scoreImageAgainstTexts(image, top.map((t) => reports[t]), { mode: m });
        return scores.combined;
      });
      const hit = (t: number) => reportClasses[t] === truth[n];
      for (const s of SCORINGS) rankings[s].push(orders[s].map(hit));
    }
    return rankings;
  });

  const lateral = await stage("lateralRerank", async () => {
    const global = cosineMatrix(lateralFeatures.map((q) => q.sentence), images.map((i) => i.global));
    const sides = cases.map((c) => lateralityOf(findingOf(c.row, c.className)?.location));
    const rankings = emptyRankings();
    const queries: EvaluationReport["lateralRerank"]["queries"] = [];
    for (const [q, query] of LATERAL_QUERIES.entries()) {
      const orders = await rankTextOverImages(model, lateralFeatures[q], images, rowOf(global, q, images.length), candidates);
      const hit = (i: number) => answersLateralQuery(query, truth[i], sides[i]);
      for (const s of SCORINGS) rankings[s].push(orders[s].map(hit));
      queries.push({
        text: query.text,
        relevant: cases.filter((_, i) => hit(i)).length,
        precisionAt10: byScoring((s) => precisionAtK(rankings[s][q], 10)),
      });
    }
    return { rankings, queries };
  });

  // Attention laterality: radiological convention, the patient's left is on the image's right.
  const attentionMode: SlicingMode = "WORDS";
  const attention = await stage("attentionSide", async () => {
    const outcomes: number[] = [];
    for (const { c, side, phrase } of lateralCases) {
      const maps = await model.attention(phraseFeatures[phrases.indexOf(phrase)], c.image, { mode: attentionMode });
      const word = maps.words.find((w) => w.word === side);
      if (!word) {
        warnings.push(`the probe "${phrase}" has no word "${side}" after tokenisation`);
        continue;
      }
      const mass = halfMasses(word.map, maps.grid);
      const expected: keyof typeof mass = imageHalf(side);
      const other = expected === "left" ? mass.right : mass.left;
      outcomes.push(mass[expected] > other ? 1 : 0);
    }
    return outcomes;
  });

  const precisions = (rankings: readonly boolean[][]): PrecisionFigures => ({
    precisionAt5: precisionFigure(rankings, 5, boot),
    precisionAt10: precisionFigure(rankings, 10, boot),
    precisionAt100: precisionFigure(rankings, 100, boot),
  });
  const t2i = byScoring((s) => precisions(textToImage[s]));
  const floor = figureOf(scoredPairs.length, (idx) => scoreFloor(idx.map((i) => scoredPairs[i]!), SUGGESTED_FLOOR_TARGET), boot);
  const i2t = byScoring((s) => precisions(imageToText[s]));
  const perClassT2i = (name: string) => {
    const mine = textToImage[mode].filter((_, q) => prompts[q].className === name);
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
    published: PUBLISHED,
    failures: failures.slice(0, MAX_LISTED_FAILURES),
    warnings: [...new Set(warnings)],
    timingMs: { ...timing, total: Math.round(performance.now() - started) },
  };
}

function byScoring<T>(make: (scoring: Scoring) => T): Record<Scoring, T> {
  return { GLOBAL: make("GLOBAL"), REFERENCE: make("REFERENCE"), WORDS: make("WORDS") };
}

/** The global order, and the top `candidates` re-ordered by each local mode's combined score. */
async function rankTwoStage(
  global: ArrayLike<number>,
  candidates: number,
  rescore: (indices: number[], mode: SlicingMode) => Promise<ArrayLike<number>>,
): Promise<Record<Scoring, number[]>> {
  const out = { GLOBAL: [] as number[], REFERENCE: [] as number[], WORDS: [] as number[] };
  for (const m of LOCAL_MODES) {
    const order = await twoStageRanking(global, candidates, (top) => rescore(top, m));
    out.GLOBAL = order.global;
    out[m] = order.reranked;
  }
  return out;
}

function rowOf(matrix: Float32Array, row: number, width: number): Float32Array {
  return matrix.subarray(row * width, (row + 1) * width);
}

/** A text query over images: the global order and the re-ranked orders of both local modes (§4.3). */
function rankTextOverImages(
  model: GloriaModel,
  query: TextFeatures,
  images: readonly ImageFeatures[],
  global: Float32Array,
  candidates: number,
): Promise<Record<Scoring, number[]>> {
  return rankTwoStage(global, candidates, async (top, mode) => {
    const scores = await model.scoreTextAgainstImages(query, top.map((i) => images[i]), { mode });
    return scores.combined;
  });
}
