// Hybrid text → report search (src/schema/text-search.graphql): one text ranked two ways and fused.
// The full-text side is Postgres full-text search over the reports' stored tsvector (web-search
// syntax, `english` configuration, ts_rank_cd) in the catalogue; the vector side is the cosine of
// the text's sentence embedding with the reports' (gloria-numerics §3.5, §4.1) in the report
// collection. Both honour the filter and serve only reports READY for the loaded model; the fusion
// is text-search.fusion.ts. docs/text-search.md sets it out.
import { AppError } from "../errors/app-error.ts";
import type { TextFeatures } from "../model/model.port.ts";
import type { MetadataStore, ReportRecord } from "../stores/metadata/metadata-store.port.ts";
import type { VectorCollection } from "../stores/vector/vector-store.port.ts";
import { checkNotCancelled } from "./cancellation.ts";
import { checkFirst, LIMITS } from "./limits.ts";
import { toVectorFilter, type SearchFilter } from "./search.service.ts";
import { fuse, type Fusion, type SideHit } from "./text-search.fusion.ts";
import { parseWebSearch } from "./text-search.query.ts";

export interface TextSearchDeps {
  model: { readonly id: string; encodeTexts(texts: readonly string[]): Promise<TextFeatures[]> };
  metadata: MetadataStore;
  reports: VectorCollection;
}

export interface ReportTextHitResult {
  rank: number;
  score: number;
  vectorScore: number | null;
  vectorRank: number | null;
  textScore: number | null;
  textRank: number | null;
  report: ReportRecord;
}

export interface TextSearchInput {
  text: string;
  first: number;
  fusion: Fusion;
  /** The vector side's weight in WEIGHTED, in [0, 1]; RRF does not use it. */
  alpha: number;
  filter?: SearchFilter;
  signal?: AbortSignal;
}

/** How many candidates each side gives for a page of `first` hits. */
export function textSearchCandidates(first: number): number {
  const { min, perHit, max } = LIMITS.textSearchCandidates;
  return Math.min(max, Math.max(min, perHit * first));
}

function check(input: TextSearchInput): void {
  if (input.text.trim() === "") throw new AppError("BAD_USER_INPUT", "The query text is empty", { details: { field: "text" } });
  if ([...input.text].length > LIMITS.maxTextLength) {
    throw new AppError("BAD_USER_INPUT", `The query text is longer than ${LIMITS.maxTextLength} characters`, { details: { field: "text" } });
  }
  checkFirst(input.first);
  const { min, max } = LIMITS.fusionAlpha;
  if (!Number.isFinite(input.alpha) || input.alpha < min || input.alpha > max) {
    throw new AppError("BAD_USER_INPUT", `alpha must be between ${min} and ${max}`, { details: { field: "alpha" } });
  }
  if (input.fusion !== "RRF" && input.fusion !== "WEIGHTED")
    throw new AppError("BAD_USER_INPUT", "fusion must be RRF or WEIGHTED", { details: { field: "fusion" } });
}

export class TextSearchService {
  constructor(private readonly deps: TextSearchDeps) {}

  /**
   * The best `first` reports for a text, fused from up to textSearchCandidates(first) candidates of
   * each side. The vector side encodes what the query asks for (its operands that are not negated,
   * without quotes) and leaves out the reports the query's negations exclude, so `-word` holds for
   * the whole result; a query the full text cannot match (stop words, unknown words) still gets the
   * vector side's hits.
   */
  async searchReportsByText(input: TextSearchInput): Promise<ReportTextHitResult[]> {
    check(input);
    const query = parseWebSearch(input.text);
    if (query.positive.trim() === "") {
      throw new AppError("BAD_USER_INPUT", "The query text negates every word it has: give at least one word or phrase to search for", {
        details: { field: "text" },
      });
    }
    const { model, metadata, reports } = this.deps;
    const k = textSearchCandidates(input.first);
    const filter = toVectorFilter(input.filter);
    const [textHits, vectorHits] = await Promise.all([
      metadata.rankReportsByText(model.id, input.text, filter ?? {}, k),
      model.encodeTexts([query.positive]).then(([features]) => {
        checkNotCancelled(input.signal);
        return reports.search(features!.sentence, k, filter);
      }),
    ]);
    checkNotCancelled(input.signal);

    const ids = [...new Set([...vectorHits.map((h) => h.id), ...textHits.map((h) => h.id)])];
    const records = new Map<string, ReportRecord>();
    for (const record of await metadata.getReports(ids)) if (record?.status === "READY") records.set(record.id, record);
    let vector: SideHit[] = vectorHits.filter((h) => records.has(h.id));
    if (query.negates && vector.length > 0) {
      const kept = await metadata.reportsMatchingText(
        vector.map((h) => h.id),
        input.text,
        query.positive,
      );
      vector = vector.filter((h) => kept.has(h.id));
    }
    const text: SideHit[] = textHits.filter((h) => records.has(h.id));
    checkNotCancelled(input.signal);

    return fuse(vector, text, input.fusion, input.alpha)
      .slice(0, input.first)
      .map((hit, i) => ({
        rank: i + 1,
        score: hit.score,
        vectorScore: hit.vectorScore,
        vectorRank: hit.vectorRank,
        textScore: hit.textScore,
        textRank: hit.textRank,
        report: records.get(hit.id)!,
      }));
  }
}
