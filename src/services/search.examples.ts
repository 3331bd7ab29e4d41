// Example-based queries: several weighted texts and positive / negative example images in one
// search. GLoRIA puts image and report embeddings in one space (gloria-numerics §4.1), so texts and
// images mix in the first stage:
//
// - AVERAGE: the weighted mean of the positives a⁺ (texts with weight > 0, weighted; positive images,
//   weight 1), and of the negatives a⁻ (texts with weight < 0, by |weight|; negative images). The
//   query vector is a⁺ + (a⁺ − a⁻) when there are negatives, else a⁺: one vector search.
// - BEST_SCORE: each positive is searched on its own; a candidate's score is its best cosine with a
//   positive when that is at least its best cosine with a negative, else −1 − (best negative − best
//   positive), so every candidate nearer a negative than any positive ranks under all that are not.
//
// The second stage (re-ranking) is GLoRIA's local score of each text against the candidate, weighted
// by the texts' weights and divided by the sum of their absolute values — positive texts minus
// negative ones; one text of weight 1 gives exactly the plain text search. Example images have no
// local score against an image, so a query without texts is not re-ranked.
import { AppError } from "../errors/app-error.ts";
import { LIMITS } from "./limits.ts";
import type { ImageRef } from "./search.service.ts";

export type ExampleStrategy = "AVERAGE" | "BEST_SCORE";

export interface WeightedText {
  text: string;
  weight: number;
}

export interface ExampleQuery {
  texts: WeightedText[];
  positive: ImageRef[];
  negative: ImageRef[];
  strategy: ExampleStrategy;
}

/** Refuses an example query with nothing positive in it, weights that are zero or not finite, or too many examples. */
export function checkExampleQuery(query: ExampleQuery): void {
  const bad = (message: string, field: string) => new AppError("BAD_USER_INPUT", message, { details: { field } });
  if (query.texts.length > LIMITS.maxExampleTexts) throw bad(`query.texts takes at most ${LIMITS.maxExampleTexts} texts`, "query.texts");
  if (query.positive.length > LIMITS.maxExampleImages) throw bad(`query.positive takes at most ${LIMITS.maxExampleImages} images`, "query.positive");
  if (query.negative.length > LIMITS.maxExampleImages) throw bad(`query.negative takes at most ${LIMITS.maxExampleImages} images`, "query.negative");
  for (const t of query.texts) {
    if (!Number.isFinite(t.weight) || t.weight === 0) throw bad("Each text's weight must be a non-zero finite number", "query.texts.weight");
  }
  if (query.positive.length === 0 && !query.texts.some((t) => t.weight > 0)) {
    throw bad("An example query needs a positive example: a text with a positive weight or a positive image", "query");
  }
}

/** A unit-length copy (cosines of unit vectors are dot products). */
export function unit(vector: ArrayLike<number>): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  return Float32Array.from(vector, (v) => v * scale);
}

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Weighted mean of unit vectors (weights > 0). */
function weightedMean(items: ReadonlyArray<{ vector: Float32Array; weight: number }>): Float32Array {
  const out = new Float32Array(items[0]!.vector.length);
  const total = items.reduce((n, x) => n + x.weight, 0);
  for (const { vector, weight } of items) for (let i = 0; i < out.length; i++) out[i] += (vector[i]! * weight) / total;
  return out;
}

export interface Examples {
  /** Unit vectors with their (positive) weights. */
  positive: Array<{ vector: Float32Array; weight: number }>;
  negative: Array<{ vector: Float32Array; weight: number }>;
}

/** AVERAGE's query vector: a⁺ + (a⁺ − a⁻), or a⁺ without negatives. */
export function averageQuery(examples: Examples): Float32Array {
  const positive = weightedMean(examples.positive);
  if (examples.negative.length === 0) return positive;
  const negative = weightedMean(examples.negative);
  return Float32Array.from(positive, (v, i) => 2 * v - negative[i]!);
}

/** BEST_SCORE's score of a unit candidate vector. */
export function bestScore(candidate: Float32Array, examples: Examples): number {
  const best = (list: Examples["positive"]) => list.reduce((m, x) => Math.max(m, dot(candidate, x.vector)), -Infinity);
  const positive = best(examples.positive);
  const negative = examples.negative.length ? best(examples.negative) : -Infinity;
  return positive >= negative ? positive : -1 - (negative - positive);
}

/** The texts' local scores combined: Σ wᵢ·localᵢ / Σ|wᵢ|, per candidate. */
export function weightedLocal(locals: ReadonlyArray<ArrayLike<number>>, weights: readonly number[]): Float32Array {
  const total = weights.reduce((n, w) => n + Math.abs(w), 0);
  const out = new Float32Array(locals[0]?.length ?? 0);
  for (const [t, local] of locals.entries()) for (let i = 0; i < out.length; i++) out[i] += (weights[t]! * local[i]!) / total;
  return out;
}
