// The item side of a usearch collection: which id each HNSW key holds, with its payload, and the key
// sets by dataset, study, view position and finding that filtered searches are planned from. Knows
// nothing of files or of the graph.
import type { VectorFilter, VectorPayload } from "./vector-store.port.ts";
import type { Segment } from "./usearch.segments.ts";
import { filterIsActive, filterPredicate } from "./vector-store.validate.ts";

export type KeySetIndex = "dataset" | "study" | "view" | "finding";

/** The filter fields and the key-set index each is answered from. */
const KEY_SET_FIELDS: readonly [keyof VectorFilter, KeySetIndex][] = [
  ["datasetIds", "dataset"],
  ["studyIds", "study"],
  ["viewPositions", "view"],
  ["findingsAny", "finding"],
  ["findingsAll", "finding"],
];

/** Where a filtered search enumerates its candidates: key sets (or segment keys) of one field. */
export interface Source {
  field: keyof VectorFilter | undefined;
  size: number;
  keys: Iterable<number>[];
  /** The sets may share keys (an any-of over several values). */
  overlapping?: boolean;
}

/** The collection's items by key (the HNSW label). Keys of removed items are reused. */
export class ItemKeys {
  /** Keys handed out so far (live ones and free ones); the vectors file holds this many rows. */
  slots = 0;
  readonly idOf: (string | undefined)[] = [];
  readonly payloadOf: (VectorPayload | undefined)[] = [];
  readonly keyOf = new Map<string, number>();
  readonly freeKeys: number[] = [];
  /**
   * Keys by dataset, study, view position and finding: a filtered search enumerates its items from
   * the smallest of these sets that the filter names, and estimates their number from the sizes.
   */
  readonly keySets: Record<KeySetIndex, Map<string, Set<number>>> = { dataset: new Map(), study: new Map(), view: new Map(), finding: new Map() };

  /** `segmentOf` gives a dataset's rows of vectors (a filter on datasets is served from them). */
  constructor(private readonly segmentOf: (datasetId: string) => Segment | undefined) {}

  /** Sets (or clears) a key's payload and keeps the key sets in step. */
  setPayload(key: number, payload: VectorPayload | undefined): void {
    const old = this.payloadOf[key];
    if (old) {
      this.forEachKeySet(old, (index, value) => {
        const keys = index.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(value);
      });
    }
    this.payloadOf[key] = payload;
    if (payload) {
      this.forEachKeySet(payload, (index, value) => {
        let keys = index.get(value);
        if (!keys) index.set(value, (keys = new Set()));
        keys.add(key);
      });
    }
  }

  /** The keys of the stored items among `ids` (unknown ids have none). */
  idKeys(ids: readonly string[]): Set<number> {
    const keys = new Set<number>();
    for (const id of ids) {
      const key = this.keyOf.get(id.toLowerCase());
      if (key !== undefined) keys.add(key);
    }
    return keys;
  }

  /** Calls `visit` with each key-set index and the value under which the payload is kept there. */
  private forEachKeySet(payload: VectorPayload, visit: (index: Map<string, Set<number>>, value: string) => void): void {
    visit(this.keySets.dataset, payload.datasetId);
    if (payload.studyId != null) visit(this.keySets.study, payload.studyId);
    if (payload.viewPosition != null) visit(this.keySets.view, payload.viewPosition);
    for (const finding of payload.findings) visit(this.keySets.finding, finding);
  }

  /**
   * How a filtered search is served: the dataset segments the filter names; the smallest key-set
   * source its items can be enumerated from;
   * and an estimate of how many pass — exact for a filter on one field, else the smallest source
   * scaled by the share of items passing each other field (the fields taken as independent).
   */
  plan(filter: VectorFilter): { segments: Segment[]; source: Source; estimate: number; datasetsOnly: boolean } {
    const live = this.keyOf.size;
    const segments = [...new Set(filter.datasetIds ?? [])].map((id) => this.segmentOf(id)).filter((x): x is Segment => x !== undefined);
    const options: Source[] = [];
    if (filter.datasetIds) {
      options.push({ field: "datasetIds", size: segments.reduce((n, x) => n + x.size, 0), keys: segments.map((x) => x.keys.subarray(0, x.size)) });
    }
    for (const [field, index] of KEY_SET_FIELDS) {
      const values = filter[field];
      if (values === undefined || field === "datasetIds") continue;
      // All-of: each finding is a source of its own; any-of: the union of its values' sets.
      for (const group of field === "findingsAll" ? [...new Set(values)].map((v) => [v]) : [[...new Set(values)]]) {
        const sets = group.map((v) => this.keySets[index].get(v)).filter((x): x is Set<number> => x !== undefined);
        options.push({
          field,
          size: Math.min(
            live,
            sets.reduce((n, x) => n + x.size, 0),
          ),
          keys: sets,
          overlapping: sets.length > 1,
        });
      }
    }
    if (filter.ids !== undefined) {
      const keys = this.idKeys(filter.ids);
      options.push({ field: "ids", size: keys.size, keys: [keys] });
    }
    if (options.length === 0) options.push({ field: undefined, size: live, keys: [this.keyOf.values()] });
    const source = options.reduce((a, b) => (b.size < a.size ? b : a));
    let estimate = options.reduce((n, o) => (o === source ? n : (n * o.size) / Math.max(1, live)), source.size);
    if (filter.findingsNone?.length) {
      // At most the summed sizes of the left-out findings' sets are left out: the share kept is at least the rest.
      const excluded = [...new Set(filter.findingsNone)].reduce((n, v) => n + (this.keySets.finding.get(v)?.size ?? 0), 0);
      estimate *= Math.max(0, live - excluded) / Math.max(1, live);
    }
    const datasetsOnly =
      filter.studyIds === undefined &&
      filter.viewPositions === undefined &&
      filter.findingsAny === undefined &&
      !filter.findingsAll?.length &&
      !filter.findingsNone?.length &&
      filter.ids === undefined;
    return { segments, source, estimate: Math.ceil(estimate), datasetsOnly };
  }

  /**
   * The keys passing the filter, enumerated from the plan's source. The other fields are tested
   * against the key sets, which is far cheaper than reading each item's payload; a field naming
   * many values (many datasets, say) is tested on the payload instead.
   */
  matchingKeys(filter: VectorFilter, plan = this.plan(filter)): number[] {
    const tests: ((key: number) => boolean)[] = [];
    const rest: VectorFilter = {};
    for (const [field, index] of KEY_SET_FIELDS) {
      const values = filter[field];
      // The source's own field needs no test; all-of findings are still tested, the source being one of them.
      if (values === undefined || (field === plan.source.field && field !== "findingsAll")) continue;
      const unique = [...new Set(values)];
      if (field !== "findingsAll" && unique.length > 8) {
        rest[field] = unique;
        continue;
      }
      const sets = unique.map((v) => this.keySets[index].get(v) ?? new Set<number>());
      tests.push(field === "findingsAll" ? (key) => sets.every((x) => x.has(key)) : (key) => sets.some((x) => x.has(key)));
    }
    if (filter.ids !== undefined && plan.source.field !== "ids") {
      const keys = this.idKeys(filter.ids);
      tests.push((key) => keys.has(key));
    }
    // None-of findings never enumerate a source (they name what to leave out); they are only tested.
    if (filter.findingsNone?.length) {
      const excluded = [...new Set(filter.findingsNone)].flatMap((v) => this.keySets.finding.get(v) ?? []);
      tests.push((key) => !excluded.some((x) => x.has(key)));
    }
    const payloadTest = filterIsActive(rest) ? filterPredicate(rest) : undefined;
    const keys: number[] = [];
    for (const source of plan.source.keys) {
      for (const key of source) {
        if (tests.every((test) => test(key)) && (payloadTest === undefined || payloadTest(this.payloadOf[key] as VectorPayload))) keys.push(key);
      }
    }
    return plan.source.overlapping ? [...new Set(keys)] : keys;
  }
}
