// Seeded clustered vectors with payloads, and the brute-force answers a vector store must match.
// Shared by the VectorStore contract suite and bench/vector.bench.ts; independent of the stores'
// own filter and normalisation code, so it can judge them.

/** mulberry32: a small seeded PRNG, so every run sees the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const FINDINGS = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"] as const;
export const VIEWS = ["PA", "AP", "LATERAL"] as const;

export interface ClusteredItem {
  id: string;
  vector: Float32Array;
  payload: { datasetId: string; studyId: string | null; viewPosition: string | null; findings: string[] };
}

export interface ClusteredSet {
  dim: number;
  items: ClusteredItem[];
  datasetIds: string[];
  studyIds: string[];
  /** Queries drawn from the same clusters (not stored). */
  queries: Float32Array[];
}

export interface ClusteredOptions {
  count: number;
  dim: number;
  clusters?: number;
  datasets?: number;
  studies?: number;
  queries?: number;
  /** Spread of the points around their centre, relative to the centres' spread. */
  noise?: number;
  seed?: number;
}

/**
 * `count` points around `clusters` random centres, un-normalised (norms vary, as GLoRIA's do), each
 * with a dataset (uneven sizes: dataset d has weight d + 1), an optional study and view, and findings
 * drawn independently (each with probability 0.1–0.5).
 */
export function clusteredSet(options: ClusteredOptions): ClusteredSet {
  const { count, dim, clusters = 50, datasets = 10, studies = 200, queries = 50, noise = 0.35, seed = 7 } = options;
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dim }, normal));
  const datasetIds = Array.from({ length: datasets }, () => seededUuid(random));
  const studyIds = Array.from({ length: studies }, () => seededUuid(random));
  const weights = datasetIds.map((_, d) => d + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const pickDataset = () => {
    let r = random() * total;
    for (let d = 0; d < datasets; d++) if ((r -= weights[d]) < 0) return datasetIds[d];
    return datasetIds[datasets - 1];
  };
  const point = () => {
    const c = centres[Math.floor(random() * clusters)];
    const scale = 0.5 + random() * 2;
    return Float32Array.from(c, (v) => (v + noise * normal()) * scale);
  };
  const items: ClusteredItem[] = [];
  for (let i = 0; i < count; i++) {
    items.push({
      id: seededUuid(random),
      vector: point(),
      payload: {
        datasetId: pickDataset(),
        studyId: random() < 0.8 ? studyIds[Math.floor(random() * studies)] : null,
        viewPosition: random() < 0.9 ? VIEWS[Math.floor(random() * VIEWS.length)] : null,
        findings: FINDINGS.filter((_, f) => random() < 0.1 + 0.1 * f),
      },
    });
  }
  return { dim, items, datasetIds, studyIds, queries: Array.from({ length: queries }, point) };
}

export interface Filter {
  datasetIds?: readonly string[];
  studyIds?: readonly string[];
  viewPositions?: readonly string[];
  findingsAny?: readonly string[];
  findingsAll?: readonly string[];
  findingsNone?: readonly string[];
  ids?: readonly string[];
}

/** The port's filter semantics, written out independently of the stores. */
export function matches(item: ClusteredItem, filter: Filter | undefined): boolean {
  if (!filter) return true;
  const p = item.payload;
  if (filter.datasetIds && !filter.datasetIds.includes(p.datasetId)) return false;
  if (filter.studyIds && (p.studyId === null || !filter.studyIds.includes(p.studyId))) return false;
  if (filter.viewPositions && (p.viewPosition === null || !filter.viewPositions.includes(p.viewPosition))) return false;
  if (filter.findingsAny && !p.findings.some((f) => filter.findingsAny?.includes(f))) return false;
  if (filter.findingsAll && !filter.findingsAll.every((f) => p.findings.includes(f))) return false;
  if (filter.findingsNone && p.findings.some((f) => filter.findingsNone?.includes(f))) return false;
  if (filter.ids && !filter.ids.some((id) => id.toLowerCase() === item.id.toLowerCase())) return false;
  return true;
}

/** Cosine similarity in float64. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

/** Every matching item with its exact cosine, best first (ties by id). */
export function bruteForce(items: readonly ClusteredItem[], query: Float32Array, filter?: Filter): { id: string; score: number }[] {
  return items
    .filter((item) => matches(item, filter))
    .map((item) => ({ id: item.id, score: cosine(item.vector, query) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}
