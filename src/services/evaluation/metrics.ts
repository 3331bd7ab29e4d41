// The evaluation metrics: Precision@K over ranked hit lists, accuracy, macro-F1, rank-based AUROC,
// attention mass per image half and a seeded bootstrap CI. Pure numbers in, numbers out; no model.

/** Candidate indices ordered by descending score; equal scores keep candidate order (stable). */
export function rankDescending(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * Precision@K of one ranked list of hit flags: hits among the first K, divided by K — or by the
 * list's length when it holds fewer than K candidates, so a small evaluation set is not penalised
 * for what it cannot return. Null for an empty list.
 */
export function precisionAtK(hits: readonly boolean[], k: number): number | null {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer; got ${k}`);
  const n = Math.min(k, hits.length);
  if (n === 0) return null;
  let found = 0;
  for (let i = 0; i < n; i++) if (hits[i]) found++;
  return found / n;
}

/** The mean of Precision@K over queries (each a ranked hit list); null when no query has candidates. */
export function meanPrecisionAtK(rankings: readonly (readonly boolean[])[], k: number): number | null {
  return mean(rankings.map((hits) => precisionAtK(hits, k)));
}

/** Mean of the non-null values; null when there are none. */
export function mean(values: readonly (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null);
  return present.length === 0 ? null : present.reduce((s, v) => s + v, 0) / present.length;
}

/** Share of predictions equal to the truth (a null prediction is wrong); null for no samples. */
export function accuracy(truth: readonly string[], predicted: readonly (string | null)[]): number | null {
  checkLengths(truth, predicted);
  if (truth.length === 0) return null;
  return truth.filter((t, i) => predicted[i] === t).length / truth.length;
}

export interface ClassF1 {
  precision: number;
  recall: number;
  f1: number;
  /** Samples whose truth is this class. */
  support: number;
}

/**
 * Per-class precision, recall and F1 (= 2TP / (2TP + FP + FN)) for every class present in the truth
 * or the predictions, in first-seen order (truth first). A null prediction (no class) counts as a
 * miss of the true class and as nobody's false positive. A 0/0 precision or recall is 0, as in
 * scikit-learn's zero_division=0.
 */
export function perClassF1(truth: readonly string[], predicted: readonly (string | null)[]): Map<string, ClassF1> {
  checkLengths(truth, predicted);
  const classes = [...new Set([...truth, ...predicted.filter((p): p is string => p !== null)])];
  const out = new Map<string, ClassF1>();
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    truth.forEach((t, i) => {
      const p = predicted[i];
      if (t === c && p === c) tp++;
      else if (t === c) fn++;
      else if (p === c) fp++;
    });
    out.set(c, {
      precision: tp + fp === 0 ? 0 : tp / (tp + fp),
      recall: tp + fn === 0 ? 0 : tp / (tp + fn),
      f1: (2 * tp) / (2 * tp + fp + fn),
      support: tp + fn,
    });
  }
  return out;
}

/**
 * Macro-F1: the unweighted mean of the per-class F1 over the classes present in the truth or the
 * predictions (scikit-learn's f1_score(average="macro") with its default labels). A class that is
 * neither true nor predicted for any sample does not enter the mean. Null for no samples.
 */
export function macroF1(truth: readonly string[], predicted: readonly (string | null)[]): number | null {
  const classes = perClassF1(truth, predicted);
  if (classes.size === 0) return null;
  return mean([...classes.values()].map((c) => c.f1));
}

/**
 * Area under the ROC curve from ranks (Mann–Whitney U): the probability that a random positive
 * scores above a random negative, ties counting one half (tied scores share their mean rank).
 * Null when the labels hold only one kind.
 */
export function auroc(scores: ArrayLike<number>, positive: readonly boolean[]): number | null {
  if (scores.length !== positive.length) throw new RangeError(`${scores.length} scores for ${positive.length} labels`);
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    // Ranks are 1-based; a run of ties i..j shares the mean of ranks i+1..j+1.
    const shared = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) ranks[order[t]] = shared;
    i = j + 1;
  }
  let positives = 0;
  let rankSum = 0;
  positive.forEach((p, i) => {
    if (p) {
      positives++;
      rankSum += ranks[i];
    }
  });
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** One-vs-rest AUROC per class from [sample][class] scores; null for a class without positives or negatives. */
export function perClassAuroc(scores: readonly (readonly number[])[], truth: readonly string[], classes: readonly string[]): Record<string, number | null> {
  if (scores.length !== truth.length) throw new RangeError(`${scores.length} score rows for ${truth.length} labels`);
  return Object.fromEntries(
    classes.map((c, k) => [
      c,
      auroc(
        scores.map((row) => row[k]),
        truth.map((t) => t === c),
      ),
    ]),
  );
}

/**
 * Attention mass on the image's left half (columns x < w/2) and right half (x ≥ w/2) of an [h·w]
 * row-major map (r = y·w + x). When w is odd the middle column belongs to neither side, so its mass
 * is split evenly between them.
 */
export function halfMasses(map: ArrayLike<number>, grid: readonly [number, number]): { left: number; right: number } {
  const [h, w] = grid;
  if (map.length !== h * w) throw new RangeError(`a ${h}×${w} grid needs ${h * w} values, got ${map.length}`);
  const middle = w % 2 === 1 ? (w - 1) / 2 : -1;
  let left = 0;
  let right = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const m = map[y * w + x];
      if (x === middle) {
        left += m / 2;
        right += m / 2;
      } else if (x < w / 2) left += m;
      else right += m;
    }
  }
  return { left, right };
}

export interface BootstrapInterval {
  /** The statistic on the full sample. */
  estimate: number;
  low: number;
  high: number;
  level: number;
  iterations: number;
}

/**
 * Percentile bootstrap confidence interval of a statistic over n samples: `iterations` resamples
 * of n indices drawn with replacement from a seeded generator, so the same seed gives the same
 * interval. `statistic` takes the chosen indices (repeats allowed); resamples where it returns null
 * (e.g. an AUROC with one label kind) are dropped. Null when the statistic is null on the sample.
 */
export function bootstrapInterval(
  n: number,
  statistic: (indices: readonly number[]) => number | null,
  options: { iterations?: number; level?: number; seed?: number } = {},
): BootstrapInterval | null {
  const iterations = options.iterations ?? 1000;
  const level = options.level ?? 0.95;
  if (!Number.isInteger(n) || n < 1) return null;
  if (!(level > 0 && level < 1)) throw new RangeError(`level must lie in (0, 1); got ${level}`);
  const estimate = statistic(Array.from({ length: n }, (_, i) => i));
  if (estimate === null) return null;
  const random = mulberry32(options.seed ?? 0);
  const values: number[] = [];
  const indices = new Array<number>(n);
  for (let b = 0; b < iterations; b++) {
    for (let i = 0; i < n; i++) indices[i] = Math.floor(random() * n);
    const value = statistic(indices);
    if (value !== null && Number.isFinite(value)) values.push(value);
  }
  if (values.length === 0) return { estimate, low: estimate, high: estimate, level, iterations };
  values.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { estimate, low: quantile(values, tail), high: quantile(values, 1 - tail), level, iterations };
}

/** Linear-interpolation quantile of sorted values (numpy's default method). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of no values");
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** A small seeded uniform [0, 1) generator; the bootstrap needs reproducibility, not crypto. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkLengths(truth: readonly unknown[], predicted: readonly unknown[]): void {
  if (truth.length !== predicted.length) throw new RangeError(`${truth.length} labels for ${predicted.length} predictions`);
}

/**
 * The score at which precision drops under `target`: pooling every (score, relevant) pair of the
 * queries and walking them from the highest score down, the lowest score whose hits at or above it
 * are still at least `target` precise, once `minimum` hits have been seen (so a lucky first hit sets
 * no floor). Null when precision never reaches the target.
 */
export function scoreFloor(queries: ReadonlyArray<ReadonlyArray<{ score: number; hit: boolean }>>, target: number, minimum = 10): number | null {
  const pairs = queries.flat().sort((a, b) => b.score - a.score);
  let relevant = 0;
  let floor: number | null = null;
  for (let i = 0; i < pairs.length; i++) {
    if (pairs[i]!.hit) relevant++;
    // Ties share a score: a floor must include all of them, so only the last of equals is judged.
    if (i + 1 < pairs.length && pairs[i + 1]!.score === pairs[i]!.score) continue;
    if (i + 1 >= minimum && relevant / (i + 1) >= target) floor = pairs[i]!.score;
  }
  return floor;
}
