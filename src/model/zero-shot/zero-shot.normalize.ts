// Zero-shot score aggregation and normalisation (gloria-numerics §5, §10.7): max over each class's
// prompts, then NONE, BATCH (z-score per class across the images of one call, ddof 0, as the
// reference) or REFERENCE (fixed per-class mean/std from the manifest). Pure maths.

export type ZeroShotNormalization = "NONE" | "BATCH" | "REFERENCE";

export interface ClassStats {
  mean: number;
  std: number;
}

export interface NormalizedScores {
  /** [image][class]; null where the reference would give NaN (BATCH over a constant column). */
  scores: (number | null)[][];
  warnings: string[];
}

/** §5 step 3: for each image, the max of a class's per-prompt scores ([prompt][image] → [image]). */
export function maxOverPrompts(perPrompt: readonly ArrayLike<number>[]): Float32Array {
  if (perPrompt.length === 0) throw new RangeError("a class needs at least one prompt");
  const out = Float32Array.from(perPrompt[0]);
  for (const scores of perPrompt.slice(1)) {
    for (let i = 0; i < out.length; i++) if (scores[i] > out[i]) out[i] = scores[i];
  }
  return out;
}

/**
 * §5 step 3 for a whole batch: [image][prompt] scores (the prompts of each class consecutive, in
 * class order) → [image][class], the max over each class's prompts.
 */
export function classScores(perImage: readonly ArrayLike<number>[], classes: readonly { prompts: readonly unknown[] }[]): number[][] {
  let offset = 0;
  const perClass = classes.map((c) => {
    const start = offset;
    offset += c.prompts.length;
    return maxOverPrompts(c.prompts.map((_, p) => perImage.map((scores) => scores[start + p])));
  });
  return perImage.map((_, n) => perClass.map((scores) => scores[n]));
}

function zScoreColumn(values: readonly number[]): (number | null)[] {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
  const std = Math.sqrt(variance);
  // numpy gives NaN (0/0) here; JSON has no NaN, so the score is reported as null with a warning.
  if (std === 0) return values.map(() => null);
  return values.map((v) => (v - mean) / std);
}

/**
 * Normalises raw [image][class] scores. BATCH with a single image returns the raw scores, as the
 * reference does (§5 step 4), with a warning that they are not z-scores. REFERENCE needs stats for
 * every class; the caller checks that and raises the user-facing error.
 */
export function normalizeScores(
  raw: readonly (readonly number[])[],
  classNames: readonly string[],
  mode: ZeroShotNormalization,
  reference?: Readonly<Record<string, ClassStats>>,
): NormalizedScores {
  const warnings: string[] = [];
  if (mode === "NONE") return { scores: raw.map((row) => [...row]), warnings };

  if (mode === "REFERENCE") {
    const stats = classNames.map((name) => {
      const s = reference?.[name];
      if (!s) throw new RangeError(`no reference statistics for class ${JSON.stringify(name)}`);
      return s;
    });
    return { scores: raw.map((row) => row.map((v, c) => (v - stats[c].mean) / stats[c].std)), warnings };
  }

  if (raw.length <= 1) {
    if (raw.length === 1) warnings.push("BATCH normalisation needs at least two images; scores are raw");
    return { scores: raw.map((row) => [...row]), warnings };
  }
  const columns = classNames.map((_, c) => zScoreColumn(raw.map((row) => row[c])));
  classNames.forEach((name, c) => {
    if (columns[c][0] === null) warnings.push(`class ${JSON.stringify(name)} scored the same on every image; its z-scores are null`);
  });
  return { scores: raw.map((_, i) => classNames.map((_, c) => columns[c][i])), warnings };
}

/** The class with the highest score; null scores never win; null when every score is null. */
export function argmaxClass(scores: readonly (number | null)[], classNames: readonly string[]): string | null {
  let best: number | null = null;
  let bestIndex = -1;
  scores.forEach((s, c) => {
    if (s !== null && (best === null || s > best)) {
      best = s;
      bestIndex = c;
    }
  });
  return bestIndex < 0 ? null : classNames[bestIndex];
}
