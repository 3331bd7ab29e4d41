// The stages of an evaluation (evaluate.ts runs them in order, timing each): the settings checked,
// the manifest's rows read, their images encoded, then zero-shot, multi-label, text→image,
// image→text, lateral re-ranking and attention laterality measured on what was encoded.
import { createHash } from "node:crypto";
import { AppError } from "../../errors/app-error.ts";
import type { GloriaModel } from "../../model/gloria.model.ts";
import { prepareImage } from "../../model/image/image.prepare.ts";
import type { ImageFeatures, SlicingMode, TextFeatures } from "../../model/model.port.ts";
import { cosineMatrix } from "../../model/similarity/similarity.cosine.ts";
import { MULTILABEL_TEMPERATURE, multilabelClasses, negativeName, presentProbability } from "../../model/zero-shot/zero-shot.multilabel.ts";
import { argmaxClass, classScores, normalizeScores, type ZeroShotNormalization } from "../../model/zero-shot/zero-shot.normalize.ts";
import { findPromptSet, type PromptSet } from "../../model/zero-shot/zero-shot.prompts.ts";
import { asStored } from "../../stores/local-features/region.codec.ts";
import { checkNotCancelled } from "../cancellation.ts";
import { readSource } from "../ingest/ingest.sources.ts";
import { EVALUATION_LIMITS } from "../limits.ts";
import type { SourceFiles } from "../source-files.ts";
import type { EvaluateOptions, EvaluationReport, MultiLabelEvaluation, ZeroShotVariant } from "./evaluate.ts";
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
import { aurocFigure, classificationFigures, multiLabelFigures, type BootstrapSettings } from "./evaluation.figures.ts";
import { halfMasses, mean, precisionAtK } from "./metrics.ts";

/** How a ranking is scored: the global cosine alone, or re-ranked with either local mode's word columns. */
export type Scoring = "GLOBAL" | SlicingMode;
export const SCORINGS: readonly Scoring[] = ["GLOBAL", "REFERENCE", "WORDS"];

const LOCAL_MODES: readonly SlicingMode[] = ["REFERENCE", "WORDS"];
/** Manifests are read whole: large enough for 100,000 rows with reports. */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024;

/** Each query's hits, in rank order, per scoring. */
export type Rankings = Record<Scoring, boolean[][]>;
export const emptyRankings = (): Rankings => ({ GLOBAL: [], REFERENCE: [], WORDS: [] });

export function byScoring<T>(make: (scoring: Scoring) => T): Record<Scoring, T> {
  return { GLOBAL: make("GLOBAL"), REFERENCE: make("REFERENCE"), WORDS: make("WORDS") };
}

/** One evaluation image: its row, its only class and its features. */
export interface Case {
  row: LabelledRow;
  className: string;
  image: ImageFeatures;
}

export type ManifestRow = LabelledRow & { imagePath?: string };

/** An evaluation's settings, checked, with the defaults applied. */
export interface Settings {
  limit: number | undefined;
  candidates: number;
  boot: BootstrapSettings;
  mode: SlicingMode;
  promptSet: PromptSet;
  classes: string[];
  reference: Record<string, { mean: number; std: number }> | undefined;
  hasReference: boolean;
  normalization: ZeroShotNormalization;
}

export function checkSettings(model: GloriaModel, options: EvaluateOptions): Settings {
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
  return { limit, candidates, boot, mode, promptSet, classes, reference, hasReference, normalization };
}

/** The manifest's bytes (for its hash) and its first `limit` rows; refuses one without any class column. */
export async function readRows(files: SourceFiles, manifestPath: string, settings: Settings): Promise<{ manifestBytes: Uint8Array; rows: ManifestRow[] }> {
  const { limit, classes } = settings;
  const manifestBytes = await files.read(manifestPath, "The manifest", MAX_MANIFEST_BYTES);
  const rows: ManifestRow[] = [];
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
  return { manifestBytes, rows };
}

/** The rows with exactly one positive class: the evaluation set. */
export function singleFindingRows(rows: readonly ManifestRow[], classes: readonly string[]): Array<{ row: ManifestRow; className: string }> {
  return rows.flatMap((row) => {
    const className = singleFindingClass(row.labels, classes);
    return className === null ? [] : [{ row, className }];
  });
}

/**
 * Reads and encodes rows' images in batches, taking the stored features of an image already ingested
 * when asked (by content hash); calls `keep` for each image it gets, in row order. An unreadable or
 * undecodable file is listed in `failures`, not fatal.
 */
export async function encodeRowImages<C extends string | null>(
  model: GloriaModel,
  files: SourceFiles,
  options: EvaluateOptions,
  targets: ReadonlyArray<{ row: ManifestRow; className: C }>,
  keep: (c: { row: LabelledRow; className: C; image: ImageFeatures }, stored: boolean) => void,
  failures: Array<{ row: string; message: string }>,
): Promise<void> {
  const batchSize = options.batchSize ?? 16;
  const sizes = { resize: model.manifest.image.resize, crop: model.manifest.image.crop };
  const prepare = options.prepareImage ?? ((bytes: Uint8Array) => prepareImage(bytes, sizes));
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
      toEncode.forEach(
        (e, i) => (slots[e.slot] = { global: features[i]!.global, local: asStored(features[i]!.local, model.dim, M, options.regionEncoding ?? "float32") }),
      );
    }
    read.forEach((r, slot) => {
      const image = slots[slot];
      if (image) keep({ row: r.row, className: r.className, image }, fromStore[slot]!);
    });
  }
}

/** The cases whose finding has a side, with the probe phrase naming it ("left pleural effusion"). */
export function lateralisedCases(cases: readonly Case[]): Array<{ c: Case; side: "left" | "right"; phrase: string }> {
  return cases.flatMap((c) => {
    const finding = findingOf(c.row, c.className);
    const side = sideOf(finding?.location);
    return side ? [{ c, side, phrase: sidePhrase(c.className, side) }] : [];
  });
}

export type ZeroShotResult = ZeroShotVariant & { predicted: (string | null)[]; scores: (number | null)[][] };

/**
 * Zero-shot: [image][prompt] scores of each scoring from one local run per image and mode, then each
 * scoring under each normalisation it allows; the headline's normalisation warnings go to `warnings`.
 */
export async function zeroShotVariants(
  model: GloriaModel,
  images: readonly ImageFeatures[],
  promptFeatures: readonly TextFeatures[],
  truth: readonly string[],
  settings: Settings,
  warnings: string[],
): Promise<ZeroShotResult[]> {
  const { promptSet, classes, hasReference, reference, mode, normalization, boot } = settings;
  const perPrompt: Record<Scoring, Float32Array[]> = { GLOBAL: [], REFERENCE: [], WORDS: [] };
  for (const image of images) {
    for (const m of LOCAL_MODES) {
      const scores = await model.scoreImageAgainstTexts(image, promptFeatures, { mode: m });
      perPrompt[m].push(scores.combined);
      if (m === "REFERENCE") perPrompt.GLOBAL.push(scores.global);
    }
  }
  const variants: ZeroShotResult[] = [];
  for (const scoring of SCORINGS) {
    const raw = classScores(perPrompt[scoring], promptSet.classes);
    const kinds: ZeroShotNormalization[] = scoring === "GLOBAL" || !hasReference ? ["NONE", "BATCH"] : ["NONE", "BATCH", "REFERENCE"];
    for (const kind of kinds) {
      const normalized = normalizeScores(raw, classes, kind, reference);
      if (scoring === mode && kind === normalization) warnings.push(...normalized.warnings);
      const predicted = normalized.scores.map((row) => argmaxClass(row, classes));
      const auroc = Object.fromEntries(
        classes.map((name, k) => [
          name,
          aurocFigure(
            normalized.scores.map((row) => row[k]),
            truth.map((t) => t === name),
            boot,
          ),
        ]),
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
}

/** Multi-label: both sides of every class scored in one run per image, as classify(labelMode: MULTI) does. */
export async function multiLabelEvaluation(
  model: GloriaModel,
  images: readonly ImageFeatures[],
  rows: readonly LabelledRow[],
  settings: Settings,
): Promise<MultiLabelEvaluation> {
  const { promptSet, classes, mode, boot } = settings;
  const result =
    images.length === 0 ? { images: [] } : await model.classify([...images], { normalization: "NONE", classes: multilabelClasses(promptSet.classes), mode });
  const probabilities = result.images.map((image) => classes.map((name) => presentProbability(image.raw[name]!, image.raw[negativeName(name)]!)));
  const positive = rows.map((row) => classes.map((name) => row.labels[name] === 1));
  return { scoring: mode, temperature: MULTILABEL_TEMPERATURE, images: images.length, ...multiLabelFigures(probabilities, positive, classes, boot) };
}

/**
 * Text → image: every prompt is a query over the evaluation images; a hit has the prompt's class.
 * Also each query's (global cosine, relevant) over every image: what the suggested score floor is fitted on.
 */
export async function textToImageRankings(
  model: GloriaModel,
  prompts: ReadonlyArray<{ className: string }>,
  promptFeatures: readonly TextFeatures[],
  images: readonly ImageFeatures[],
  truth: readonly string[],
  candidates: number,
): Promise<{ rankings: Rankings; scoredPairs: Array<Array<{ score: number; hit: boolean }>> }> {
  const global = cosineMatrix(
    promptFeatures.map((p) => p.sentence),
    images.map((i) => i.global),
  );
  const rankings = emptyRankings();
  const scoredPairs: Array<Array<{ score: number; hit: boolean }>> = [];
  for (const [q, prompt] of prompts.entries()) {
    const row = rowOf(global, q, images.length);
    const orders = await rankTextOverImages(model, promptFeatures[q]!, images, row, candidates);
    const hit = (i: number) => truth[i] === prompt.className;
    for (const s of SCORINGS) rankings[s].push(orders[s].map(hit));
    scoredPairs.push(Array.from(row, (score, i) => ({ score, hit: hit(i) })));
  }
  return { rankings, scoredPairs };
}

/** Image → text: every evaluation image ranks the evaluation set's reports; a hit has its class. */
export async function imageToTextRankings(
  model: GloriaModel,
  images: readonly ImageFeatures[],
  reports: readonly TextFeatures[],
  reportClasses: readonly string[],
  truth: readonly string[],
  candidates: number,
): Promise<Rankings> {
  const rankings = emptyRankings();
  if (reports.length === 0) return rankings;
  const global = cosineMatrix(
    images.map((i) => i.global),
    reports.map((r) => r.sentence),
  );
  for (const [n, image] of images.entries()) {
    const orders = await rankTwoStage(rowOf(global, n, reports.length), candidates, async (top, m) => {
      const scores = await model.scoreImageAgainstTexts(
        image,
        top.map((t) => reports[t]!),
        { mode: m },
      );
      return scores.combined;
    });
    const hit = (t: number) => reportClasses[t] === truth[n];
    for (const s of SCORINGS) rankings[s].push(orders[s].map(hit));
  }
  return rankings;
}

/** LATERAL_QUERIES over the evaluation images; a hit has the query's class on the query's side. */
export async function lateralRankings(
  model: GloriaModel,
  lateralFeatures: readonly TextFeatures[],
  cases: readonly Case[],
  truth: readonly string[],
  candidates: number,
): Promise<{ rankings: Rankings; queries: EvaluationReport["lateralRerank"]["queries"] }> {
  const images = cases.map((c) => c.image);
  const global = cosineMatrix(
    lateralFeatures.map((q) => q.sentence),
    images.map((i) => i.global),
  );
  const sides = cases.map((c) => lateralityOf(findingOf(c.row, c.className)?.location));
  const rankings = emptyRankings();
  const queries: EvaluationReport["lateralRerank"]["queries"] = [];
  for (const [q, query] of LATERAL_QUERIES.entries()) {
    const orders = await rankTextOverImages(model, lateralFeatures[q]!, images, rowOf(global, q, images.length), candidates);
    const hit = (i: number) => answersLateralQuery(query, truth[i]!, sides[i]!);
    for (const s of SCORINGS) rankings[s].push(orders[s].map(hit));
    queries.push({
      text: query.text,
      relevant: cases.filter((_, i) => hit(i)).length,
      precisionAt10: byScoring((s) => precisionAtK(rankings[s][q]!, 10)),
    });
  }
  return { rankings, queries };
}

/**
 * Attention laterality: for each lateralised case, whether its side word's attention mass lies on the
 * expected half (radiological convention: the patient's left is on the image's right); 1 or 0 each.
 */
export async function attentionSides(
  model: GloriaModel,
  lateral: ReadonlyArray<{ c: Case; side: "left" | "right"; phrase: string }>,
  phrases: readonly string[],
  phraseFeatures: readonly TextFeatures[],
  mode: SlicingMode,
  warnings: string[],
): Promise<number[]> {
  const outcomes: number[] = [];
  for (const { c, side, phrase } of lateral) {
    const maps = await model.attention(phraseFeatures[phrases.indexOf(phrase)]!, c.image, { mode });
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
    const scores = await model.scoreTextAgainstImages(
      query,
      top.map((i) => images[i]!),
      { mode },
    );
    return scores.combined;
  });
}
