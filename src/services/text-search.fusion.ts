// How searchReportsByText merges its two rankings of reports — the vector side (cosine of sentence
// embeddings, gloria-numerics §4.1) and the full-text side (Postgres ts_rank_cd) — into one
// (docs/text-search.md, "Fusion"). Pure.

export type Fusion = "RRF" | "WEIGHTED";

/** RRF's constant: a report at rank r of a ranking adds 1 / (RRF_K + r) (Cormack et al., SIGIR 2009). */
export const RRF_K = 60;

/** One side's candidates, best first: an id and that side's score. */
export interface SideHit {
  id: string;
  score: number;
}

export interface FusedHit {
  id: string;
  score: number;
  /** The side's score and 1-based rank; null when that side did not return the report. */
  vectorScore: number | null;
  vectorRank: number | null;
  textScore: number | null;
  textRank: number | null;
}

/**
 * The ranks of a ranking (best first) with ties shared: 1 + how many candidates score strictly
 * higher (scores 0.3, 0.2, 0.2, 0.1 rank 1, 2, 2, 4). A side cannot tell tied reports apart, so
 * neither may the fusion: which of them got the better position would be decided by their ids.
 */
export function sharedRanks(hits: readonly SideHit[]): number[] {
  const ranks: number[] = [];
  hits.forEach((h, i) => ranks.push(i > 0 && h.score === hits[i - 1]!.score ? ranks[i - 1]! : i + 1));
  return ranks;
}

/**
 * Merges the two rankings (each best first, ids unique within it) into one, best first; equal fused
 * scores are ordered by id. RRF: Σ 1 / (RRF_K + rank) over the sides that returned the report, with
 * tied scores sharing a rank (sharedRanks).
 * WEIGHTED: alpha · v + (1 − alpha) · t, where v is the cosine min–max normalised over the vector
 * candidates ((s − min) / (max − min), 1 for all when they are equal) and t the ts_rank_cd divided by
 * the best one (ranks are positive, so a weakest match keeps a share); a side that did not return the
 * report gives it 0.
 */
export function fuse(vector: readonly SideHit[], text: readonly SideHit[], fusion: Fusion, alpha: number): FusedHit[] {
  const hits = new Map<string, FusedHit>();
  const entry = (id: string): FusedHit => {
    let hit = hits.get(id);
    if (!hit) hits.set(id, (hit = { id, score: 0, vectorScore: null, vectorRank: null, textScore: null, textRank: null }));
    return hit;
  };
  const vectorRanks = sharedRanks(vector);
  const textRanks = sharedRanks(text);
  vector.forEach((h, i) => Object.assign(entry(h.id), { vectorScore: h.score, vectorRank: vectorRanks[i] }));
  text.forEach((h, i) => Object.assign(entry(h.id), { textScore: h.score, textRank: textRanks[i] }));

  const scores = vector.map((h) => h.score);
  const min = Math.min(...scores);
  const max = Math.max(...scores);
  const best = Math.max(0, ...text.map((h) => h.score));
  const vectorShare = (s: number) => (max > min ? (s - min) / (max - min) : 1);
  for (const hit of hits.values()) {
    if (fusion === "RRF") {
      hit.score = (hit.vectorRank === null ? 0 : 1 / (RRF_K + hit.vectorRank)) + (hit.textRank === null ? 0 : 1 / (RRF_K + hit.textRank));
    } else {
      const v = hit.vectorScore === null ? 0 : vectorShare(hit.vectorScore);
      const t = hit.textScore === null || best <= 0 ? 0 : hit.textScore / best;
      hit.score = alpha * v + (1 - alpha) * t;
    }
  }
  return [...hits.values()].sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
