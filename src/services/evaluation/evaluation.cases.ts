// Which manifest rows an evaluation uses and what it asks of them: the single-finding (CheXpert
// 5×200-style) set, the patient side of a finding, the attention probe phrase and the lateral
// retrieval queries. Pure: labelled rows in, cases out; no model, no I/O.
import type { Finding } from "../../stores/metadata/metadata-store.port.ts";
import { rankDescending } from "./metrics.ts";

export type Side = "left" | "right";

/** One labelled manifest row, as the manifest reader yields it. */
export interface LabelledRow {
  key: string;
  labels: Readonly<Record<string, number>>;
  findings: readonly Finding[];
  report?: string;
}

/**
 * The row's only class when exactly one of `classes` is 1 and every other is 0, as in GLoRIA's
 * CheXpert 5×200 subset (gloria-numerics §6): a missing label counts as 0 (the subset maps NaN to 0),
 * and an uncertain −1 anywhere excludes the row. Null otherwise.
 */
export function singleFindingClass(labels: Readonly<Record<string, number>>, classes: readonly string[]): string | null {
  let found: string | null = null;
  for (const c of classes) {
    const value = labels[c] ?? 0;
    if (value === 1) {
      if (found !== null) return null;
      found = c;
    } else if (value !== 0) return null;
  }
  return found;
}

export type Laterality = Side | "bilateral";

/**
 * The patient side a location names: "left" or "right" when it says exactly one of them as a word,
 * "bilateral" when it says "bilateral" (or both sides), null for unsided or missing locations.
 */
export function lateralityOf(location: string | null | undefined): Laterality | null {
  if (!location) return null;
  const text = location.toLowerCase();
  const left = /\bleft\b/.test(text);
  const right = /\bright\b/.test(text);
  if (/\bbilateral\b/.test(text) || (left && right)) return "bilateral";
  if (left) return "left";
  if (right) return "right";
  return null;
}

/** The one side of a location, or null when it is bilateral, unsided or missing. */
export function sideOf(location: string | null | undefined): Side | null {
  const laterality = lateralityOf(location);
  return laterality === "bilateral" ? null : laterality;
}

/** The image half where a patient side appears: radiological convention, patient left = image right. */
export function imageHalf(side: Side): "left" | "right" {
  return side === "left" ? "right" : "left";
}

/** The finding of a single-finding row that carries its class (the Findings column may be richer). */
export function findingOf(row: LabelledRow, className: string): Finding | null {
  return row.findings.find((f) => f.class === className) ?? null;
}

/** How a sided finding of each class is asked for, in the prompt vocabulary (gloria-numerics §5). */
const SIDED_PHRASES: Readonly<Record<string, (side: Side) => string>> = {
  "Pleural Effusion": (side) => `${side} pleural effusion`,
  Consolidation: (side) => `consolidation in the ${side} lung`,
  Atelectasis: (side) => `atelectasis in the ${side} lung`,
};

/**
 * The text naming a finding of `className` on the patient's `side`: "left pleural effusion",
 * "consolidation in the right lung"; other classes read "<class> in the <side> lung". It is both a
 * lateral query and the attention probe for an image with that finding.
 */
export function sidePhrase(className: string, side: Side): string {
  return SIDED_PHRASES[className]?.(side) ?? `${className.toLowerCase()} in the ${side} lung`;
}

export interface LateralQuery {
  text: string;
  className: string;
  side: Side;
}

/**
 * Lateralised text queries for the re-ranking check, both sides of each class that has sides: a
 * hit must have the query's class on the query's side (a bilateral finding has both), which global
 * embeddings separate poorly and local word–region matching should not worsen.
 */
export const LATERAL_QUERIES: readonly LateralQuery[] = Object.keys(SIDED_PHRASES).flatMap((className) =>
  (["left", "right"] as const).map((side) => ({ text: sidePhrase(className, side), className, side })),
);

/** Whether an image whose only finding is `className` at `laterality` answers the query. */
export function answersLateralQuery(query: LateralQuery, className: string, laterality: Laterality | null): boolean {
  return className === query.className && (laterality === query.side || laterality === "bilateral");
}

/**
 * The two rankings a first-stage/second-stage search returns: by global score alone, and with the
 * first `candidates` of that order re-ordered by their second-stage scores (the rest keep their
 * global order). `rescore` gets the candidate indices and returns their scores in that order.
 */
export async function twoStageRanking(
  global: ArrayLike<number>,
  candidates: number,
  rescore: (indices: number[]) => Promise<ArrayLike<number>>,
): Promise<{ global: number[]; reranked: number[] }> {
  const globalOrder = rankDescending(global);
  const top = globalOrder.slice(0, candidates);
  if (top.length === 0) return { global: globalOrder, reranked: globalOrder };
  const scores = await rescore(top);
  const reranked = rankDescending(scores).map((i) => top[i]);
  return { global: globalOrder, reranked: [...reranked, ...globalOrder.slice(candidates)] };
}
