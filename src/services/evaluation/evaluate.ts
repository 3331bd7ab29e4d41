// Evaluates a loaded model on a labelled manifest without any store: encodes the single-finding
// images and their reports in memory, then measures zero-shot classification, text→image and
// image→text retrieval (global and re-ranked), lateral re-ranking and attention laterality.
// Reads the manifest and image files; never writes anything.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { AppError } from "../../errors/app-error.ts";
import type { GloriaModel } from "../../model/gloria.model.ts";
import { prepareImage } from "../../model/image/image.prepare.ts";
import type { ImageFeatures, SlicingMode, TextFeatures } from "../../model/model.ports.ts";
import { cosineMatrix } from "../../model/similarity/similarity.cosine.ts";
import type { ZeroShotNormalization } from "../../model/zero-shot/zero-shot.normalize.ts";
import { findPromptSet } from "../../model/zero-shot/zero-shot.prompts.ts";
import { readSource } from "../ingest/ingest.sources.ts";
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
import { accuracy, auroc, halfMasses, macroF1, meanPrecisionAtK, perClassF1, precisionAtK } from "./metrics.ts";

export interface EvaluateOptions {
  /** Use only the first N rows of the manifest. */
  limit?: number;
  /** Word-column slicing for zero-shot and re-ranking scores (GLORIA_SPEC §4.2); default REFERENCE. */
  mode?: SlicingMode;
  /** Zero-shot normalisation; default REFERENCE when the model has statistics for every class, else BATCH. */
  normalization?: ZeroShotNormalization;
  /** First-stage candidates re-scored by the local similarity (default 100, as the search API). */
  rerankCandidates?: number;
  /** Images decoded and encoded per encoder call (default 16). */
  batchSize?: number;
  /** Called as each stage starts, for progress output. */
  onStage?: (stage: string) => void;
}

export interface PrecisionPair {
  precisionAt5: number | null;
  precisionAt10: number | null;
}

export interface EvaluationReport {
  /** name@version#checksum[0:12] of the evaluated model. */
  model: string;
  manifest: { path: string; sha256: string; limit: number | null };
  mode: SlicingMode;
  rerankCandidates: number;
  counts: {
    /** Manifest rows read (after --limit). */
    rows: number;
    /** Rows with exactly one positive class and the other classes 0 (CheXpert 5×200 style). */
    singleFinding: number;
    /** Single-finding rows whose image could be read and encoded: the evaluation set. */
    images: number;
    perClass: Record<string, number>;
    /** Reports of the evaluation set's rows (image→text candidates). */
    reports: number;
    /** Evaluation images whose finding names exactly one side (attention probe). */
    lateralised: number;
    imageFailures: number;
  };
  zeroShot: {
    accuracy: number | null;
    macroF1: number | null;
    normalization: ZeroShotNormalization;
    promptSet: string;
    perClass: Record<string, { f1: number; precision: number; recall: number; support: number; auroc: number | null }>;
  };
  textToImage: PrecisionPair & { queries: number; global: PrecisionPair; perClass: Record<string, PrecisionPair> };
  imageToText: PrecisionPair & {
    precisionAt100: number | null;
    queries: number;
    global: PrecisionPair & { precisionAt100: number | null };
  };
  attentionSide: { accuracy: number | null; correct: number; probed: number; mode: SlicingMode };
  lateralRerank: {
    globalPrecisionAt5: number | null;
    rerankedPrecisionAt5: number | null;
    globalPrecisionAt10: number | null;
    rerankedPrecisionAt10: number | null;
    queries: Array<{ text: string; relevant: number; globalPrecisionAt10: number | null; rerankedPrecisionAt10: number | null }>;
  };
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

const MAX_LISTED_FAILURES = 20;

/**
 * Evaluates `model` on a CheXpert-style manifest (Path, Report, the class columns, optional
 * Findings JSON). The choices the numbers depend on:
 * - Evaluation set: rows with exactly one positive class (GLORIA_SPEC §6, 5×200 style); the rest
 *   are counted but not encoded. `counts` says how many of each.
 * - Zero-shot: the manifest's prompt set (§5), max over prompts, then REFERENCE normalisation when
 *   the model ships statistics for every class, else BATCH z-scores across the evaluation images.
 * - Text→image: each of the 25 prompts queries the evaluation images; a hit has the prompt's
 *   class. Image→text: each evaluation image queries the evaluation rows' reports (its own among
 *   them); a hit has the image's class. Both rank by global cosine (§4.1, the `global` figures),
 *   then re-order the first `rerankCandidates` (default 100, as the search API) by the combined
 *   score (§4.3) — a full re-rank whenever the set is that small.
 * - Precision@K divides by K, or by the candidate count when fewer (see precisionAtK).
 * - attentionSide: evaluation images whose finding names one side; the probe is sidePhrase(class,
 *   side) ("left pleural effusion"), its side word's WORDS-mode map is split into image halves, and
 *   the probe is right when the half holding the patient's side (patient left = image right)
 *   carries more mass.
 * - lateralRerank: LATERAL_QUERIES over the evaluation images; a hit has the query's class on the
 *   query's side (bilateral counts for both).
 */
export async function evaluateManifest(model: GloriaModel, manifestPath: string, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const started = performance.now();
  const timing: Record<string, number> = {};
  const stage = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
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
  const mode = options.mode ?? "REFERENCE";
  const promptSet = findPromptSet(model.manifest.zeroShot.promptSet);
  if (!promptSet) {
    throw new AppError("BAD_USER_INPUT", `model ${model.id} names the unknown prompt set ${model.manifest.zeroShot.promptSet}`);
  }
  const classes = promptSet.classes.map((c) => c.name);
  const reference = model.manifest.zeroShot.reference ?? undefined;
  const normalization = options.normalization ?? (classes.every((c) => reference?.[c]) ? "REFERENCE" : "BATCH");

  const manifestBytes = await readManifestBytes(manifestPath);
  const rows: Array<LabelledRow & { imagePath?: string }> = [];
  for await (const item of readSource({ kind: "manifest", path: manifestPath })) {
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

  // Images: decode + GLoRIA preprocessing, encoded in batches; unreadable files are listed, not fatal.
  const failures: Array<{ row: string; message: string }> = [];
  const cases: Case[] = [];
  await stage("encodeImages", async () => {
    const batchSize = options.batchSize ?? 16;
    const sizes = { resize: model.manifest.image.resize, crop: model.manifest.image.crop };
    for (let start = 0; start < single.length; start += batchSize) {
      const batch: Array<{ row: LabelledRow; className: string; pixels: Float32Array }> = [];
      for (const { row, className } of single.slice(start, start + batchSize)) {
        try {
          if (!row.imagePath) throw new AppError("BAD_USER_INPUT", "the row has no image path");
          const prepared = await prepareImage(new Uint8Array(await readFile(row.imagePath)), sizes);
          batch.push({ row, className, pixels: prepared.pixels });
        } catch (error) {
          failures.push({ row: row.key, message: error instanceof Error ? error.message : String(error) });
        }
      }
      if (batch.length === 0) continue;
      const features = await model.encodeImages(batch.map((b) => b.pixels));
      batch.forEach((b, i) => cases.push({ row: b.row, className: b.className, image: features[i] }));
    }
  });

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

  const zeroShot = await stage("zeroShot", async () => {
    if (cases.length === 0) return { predicted: [] as (string | null)[], raw: [] as number[][] };
    const result = await model.classify(images, { normalization, mode });
    warnings.push(...result.warnings);
    return {
      predicted: result.images.map((r) => r.predicted),
      raw: result.images.map((r) => classes.map((name) => r.raw[name])),
    };
  });
  const f1 = perClassF1(truth, zeroShot.predicted);

  // Text → image: every prompt is a query over the evaluation images; a hit has the prompt's class.
  const textToImage = await stage("textToImage", async () => {
    const global = cosineMatrix(promptFeatures.map((p) => p.sentence), images.map((i) => i.global));
    const rankings: Array<{ className: string; global: boolean[]; reranked: boolean[] }> = [];
    for (const [q, prompt] of prompts.entries()) {
      const order = await rankTextOverImages(model, promptFeatures[q], images, rowOf(global, q, images.length), candidates, mode);
      const hit = (i: number) => truth[i] === prompt.className;
      rankings.push({ className: prompt.className, global: order.global.map(hit), reranked: order.reranked.map(hit) });
    }
    return rankings;
  });

  // Image → text: every evaluation image ranks the evaluation set's reports; a hit has its class.
  const imageToText = await stage("imageToText", async () => {
    const global = cosineMatrix(images.map((i) => i.global), reports.map((r) => r.sentence));
    const rankings: Array<{ global: boolean[]; reranked: boolean[] }> = [];
    if (reports.length === 0) return rankings;
    for (const [n, image] of images.entries()) {
      const order = await twoStageRanking(rowOf(global, n, reports.length), candidates, async (top) => {
        const scores = await model.scoreImageAgainstTexts(image, top.map((t) => reports[t]), { mode });
        return scores.combined;
      });
      const hit = (t: number) => reportClasses[t] === truth[n];
      rankings.push({ global: order.global.map(hit), reranked: order.reranked.map(hit) });
    }
    return rankings;
  });

  const lateral = await stage("lateralRerank", async () => {
    const global = cosineMatrix(lateralFeatures.map((q) => q.sentence), images.map((i) => i.global));
    const sides = cases.map((c) => lateralityOf(findingOf(c.row, c.className)?.location));
    const out = [];
    for (const [q, query] of LATERAL_QUERIES.entries()) {
      const order = await rankTextOverImages(model, lateralFeatures[q], images, rowOf(global, q, images.length), candidates, mode);
      const hit = (i: number) => answersLateralQuery(query, truth[i], sides[i]);
      out.push({
        text: query.text,
        relevant: cases.filter((_, i) => hit(i)).length,
        global: order.global.map(hit),
        reranked: order.reranked.map(hit),
      });
    }
    return out;
  });

  // Attention laterality: radiological convention, the patient's left is on the image's right.
  const attentionMode: SlicingMode = "WORDS";
  const attention = await stage("attentionSide", async () => {
    let correct = 0;
    let probed = 0;
    for (const { c, side, phrase } of lateralCases) {
      const maps = await model.attention(phraseFeatures[phrases.indexOf(phrase)], c.image, { mode: attentionMode });
      const word = maps.words.find((w) => w.word === side);
      if (!word) {
        warnings.push(`the probe "${phrase}" has no word "${side}" after tokenisation`);
        continue;
      }
      probed++;
      const mass = halfMasses(word.map, maps.grid);
      const expected: keyof typeof mass = imageHalf(side);
      const other = expected === "left" ? mass.right : mass.left;
      if (mass[expected] > other) correct++;
    }
    return { correct, probed };
  });

  const perClass = (rankings: typeof textToImage, name: string): PrecisionPair => {
    const mine = rankings.filter((r) => r.className === name).map((r) => r.reranked);
    return { precisionAt5: meanPrecisionAtK(mine, 5), precisionAt10: meanPrecisionAtK(mine, 10) };
  };
  const at = (lists: readonly (readonly boolean[])[], k: number) => meanPrecisionAtK(lists, k);
  const t2iGlobal = textToImage.map((r) => r.global);
  const t2iReranked = textToImage.map((r) => r.reranked);
  const i2tGlobal = imageToText.map((r) => r.global);
  const i2tReranked = imageToText.map((r) => r.reranked);

  return {
    model: model.id,
    manifest: {
      path: path.resolve(manifestPath),
      sha256: createHash("sha256").update(manifestBytes).digest("hex"),
      limit: limit ?? null,
    },
    mode,
    rerankCandidates: candidates,
    counts: {
      rows: rows.length,
      singleFinding: single.length,
      images: cases.length,
      perClass: Object.fromEntries(classes.map((name) => [name, truth.filter((t) => t === name).length])),
      reports: reports.length,
      lateralised: lateralCases.length,
      imageFailures: failures.length,
    },
    zeroShot: {
      accuracy: accuracy(truth, zeroShot.predicted),
      macroF1: macroF1(truth, zeroShot.predicted),
      normalization,
      promptSet: promptSet.id,
      // Classes neither true nor predicted have no F1 and are left out (see macroF1).
      perClass: Object.fromEntries(
        classes.flatMap((name, k) => {
          const s = f1.get(name);
          if (!s) return [];
          const area = auroc(zeroShot.raw.map((row) => row[k]), truth.map((t) => t === name));
          return [[name, { ...s, auroc: area }]];
        }),
      ),
    },
    textToImage: {
      precisionAt5: at(t2iReranked, 5),
      precisionAt10: at(t2iReranked, 10),
      queries: textToImage.length,
      global: { precisionAt5: at(t2iGlobal, 5), precisionAt10: at(t2iGlobal, 10) },
      perClass: Object.fromEntries(classes.map((name) => [name, perClass(textToImage, name)])),
    },
    imageToText: {
      precisionAt5: at(i2tReranked, 5),
      precisionAt10: at(i2tReranked, 10),
      precisionAt100: at(i2tReranked, 100),
      queries: imageToText.length,
      global: { precisionAt5: at(i2tGlobal, 5), precisionAt10: at(i2tGlobal, 10), precisionAt100: at(i2tGlobal, 100) },
    },
    attentionSide: {
      accuracy: attention.probed === 0 ? null : attention.correct / attention.probed,
      correct: attention.correct,
      probed: attention.probed,
      mode: attentionMode,
    },
    lateralRerank: {
      globalPrecisionAt5: at(lateral.map((q) => q.global), 5),
      rerankedPrecisionAt5: at(lateral.map((q) => q.reranked), 5),
      globalPrecisionAt10: at(lateral.map((q) => q.global), 10),
      rerankedPrecisionAt10: at(lateral.map((q) => q.reranked), 10),
      queries: lateral.map((q) => ({
        text: q.text,
        relevant: q.relevant,
        globalPrecisionAt10: precisionAtK(q.global, 10),
        rerankedPrecisionAt10: precisionAtK(q.reranked, 10),
      })),
    },
    failures: failures.slice(0, MAX_LISTED_FAILURES),
    warnings: [...new Set(warnings)],
    timingMs: { ...timing, total: Math.round(performance.now() - started) },
  };
}

async function readManifestBytes(manifestPath: string): Promise<Buffer> {
  try {
    return await readFile(manifestPath);
  } catch {
    throw new AppError("NOT_FOUND", `cannot read the manifest ${manifestPath}`);
  }
}

function rowOf(matrix: Float32Array, row: number, width: number): Float32Array {
  return matrix.subarray(row * width, (row + 1) * width);
}

/** A text query over images: global order, and the top `candidates` re-ordered by the combined score (§4.3). */
function rankTextOverImages(
  model: GloriaModel,
  query: TextFeatures,
  images: readonly ImageFeatures[],
  global: Float32Array,
  candidates: number,
  mode: SlicingMode,
): Promise<{ global: number[]; reranked: number[] }> {
  return twoStageRanking(global, candidates, async (top) => {
    const scores = await model.scoreTextAgainstImages(query, top.map((i) => images[i]), { mode });
    return scores.combined;
  });
}
