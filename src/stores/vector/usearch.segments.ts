// The normalised vectors of a usearch collection, kept in memory grouped by dataset: each dataset's
// rows are one contiguous matrix, so a search filtered by dataset compares the query with those rows
// in place, with no copying. Rows are addressed by key (the HNSW label); a removal moves the
// segment's last row into the hole.

/** One dataset's rows: `matrix` holds `size` rows of `dim` floats; `keys[r]` is row r's key. */
export interface Segment {
  readonly datasetId: string;
  matrix: Float32Array;
  keys: Int32Array;
  size: number;
}

/** Segments grow by half their size (not doubling), so a large collection wastes little memory. */
const GROWTH = 1.5;
const MIN_ROWS = 64;

export class SegmentedVectors {
  private readonly segments = new Map<string, Segment>();
  private readonly segmentOf: (Segment | undefined)[] = [];
  private readonly rowOf: number[] = [];

  constructor(readonly dim: number) {}

  /** Sets key's vector (already normalised) in its dataset's segment, moving it if its dataset changed. */
  put(key: number, datasetId: string, vector: Float32Array): void {
    const current = this.segmentOf[key];
    if (current !== undefined && current.datasetId !== datasetId) this.remove(key);
    const segment = this.segmentOf[key] ?? this.append(key, datasetId);
    segment.matrix.set(vector.subarray(0, this.dim), this.rowOf[key]! * this.dim);
  }

  /** Forgets key's vector; the segment's last row takes its place. */
  remove(key: number): void {
    const segment = this.segmentOf[key];
    if (segment === undefined) return;
    const dim = this.dim;
    const row = this.rowOf[key]!;
    const last = segment.size - 1;
    if (row !== last) {
      segment.matrix.copyWithin(row * dim, last * dim, (last + 1) * dim);
      const moved = segment.keys[last]!;
      segment.keys[row] = moved;
      this.rowOf[moved] = row;
    }
    segment.size = last;
    this.segmentOf[key] = undefined;
    if (segment.size === 0) this.segments.delete(segment.datasetId);
  }

  /** A view of key's row (valid until the next write), or undefined when the key holds none. */
  row(key: number): Float32Array | undefined {
    const segment = this.segmentOf[key];
    if (segment === undefined) return undefined;
    const start = this.rowOf[key]! * this.dim;
    return segment.matrix.subarray(start, start + this.dim);
  }

  segment(datasetId: string): Segment | undefined {
    return this.segments.get(datasetId);
  }

  all(): IterableIterator<Segment> {
    return this.segments.values();
  }

  /** Sets each segment's capacity ahead of a bulk load (rows per dataset), so loading copies once. */
  reserve(rowsByDataset: ReadonlyMap<string, number>): void {
    for (const [datasetId, rows] of rowsByDataset) this.grow(this.segments.get(datasetId) ?? this.create(datasetId), rows);
  }

  /** Copies `rows` rows in key order into `target` (keys without a vector read as zeros). */
  copyKeyRange(firstKey: number, rows: number, target: Float32Array): void {
    const dim = this.dim;
    target.fill(0, 0, rows * dim);
    for (let i = 0; i < rows; i++) {
      const row = this.row(firstKey + i);
      if (row) target.set(row, i * dim);
    }
  }

  private create(datasetId: string): Segment {
    const segment: Segment = { datasetId, matrix: new Float32Array(0), keys: new Int32Array(0), size: 0 };
    this.segments.set(datasetId, segment);
    return segment;
  }

  private append(key: number, datasetId: string): Segment {
    const segment = this.segments.get(datasetId) ?? this.create(datasetId);
    if (segment.size === segment.keys.length) this.grow(segment, Math.max(MIN_ROWS, Math.ceil(segment.size * GROWTH)));
    const row = segment.size++;
    segment.keys[row] = key;
    this.segmentOf[key] = segment;
    this.rowOf[key] = row;
    return segment;
  }

  private grow(segment: Segment, rows: number): void {
    if (segment.keys.length >= rows) return;
    const matrix = new Float32Array(rows * this.dim);
    matrix.set(segment.matrix.subarray(0, segment.size * this.dim));
    const keys = new Int32Array(rows);
    keys.set(segment.keys.subarray(0, segment.size));
    segment.matrix = matrix;
    segment.keys = keys;
  }
}
