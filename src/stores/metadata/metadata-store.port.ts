// Port for the catalogue: datasets, studies, images, reports, their links, the per-(item, model)
// embedding state and ingestion jobs. Vectors and local features are other ports' business; this
// one records what was written where, so an item is visible only once every store has it.

export type ItemKind = "image" | "report";
export type ItemStatus = "PENDING" | "READY" | "FAILED";
export type JobStatus = "QUEUED" | "RUNNING" | "SUCCEEDED" | "FAILED" | "CANCELLED";

/** One finding as recorded by a labelled source: class name, optional severity and location. */
export interface Finding {
  class: string;
  severity?: string | null;
  location?: string | null;
}

export interface ModelInfo {
  /** name@version#checksum[0:12] */
  id: string;
  name: string;
  version: string;
  checksum: string;
  dim: number;
  grid: readonly [number, number];
  manifest: unknown;
}

export interface ImageRecord {
  id: string;
  datasetId: string;
  datasetName: string;
  studyId: string | null;
  contentHash: string;
  sourcePath: string | null;
  byteSize: number;
  format: string;
  width: number | null;
  height: number | null;
  viewPosition: string | null;
  modality: string | null;
  labels: Record<string, number>;
  findings: Finding[];
  status: ItemStatus;
  error: string | null;
  createdAt: Date;
}

export interface ReportRecord {
  id: string;
  datasetId: string;
  datasetName: string;
  studyId: string | null;
  contentHash: string;
  text: string;
  sourcePath: string | null;
  labels: Record<string, number>;
  findings: Finding[];
  status: ItemStatus;
  error: string | null;
  createdAt: Date;
}

export interface NewImage {
  datasetId: string;
  studyExternalId?: string | null;
  contentHash: string;
  sourcePath?: string | null;
  byteSize: number;
  format: string;
  width?: number | null;
  height?: number | null;
  viewPosition?: string | null;
  modality?: string | null;
  seriesUid?: string | null;
  sopUid?: string | null;
  labels?: Record<string, number>;
  findings?: Finding[];
}

export interface NewReport {
  datasetId: string;
  studyExternalId?: string | null;
  contentHash: string;
  text: string;
  sourcePath?: string | null;
  labels?: Record<string, number>;
  findings?: Finding[];
}

/** The outcome of registering an item: its id, and whether it was new (dedupe by content hash). */
export interface Registered {
  id: string;
  created: boolean;
  /** The item's study (its id, not the external one), when it has one. */
  studyId: string | null;
  /** The item's embedding status for the model (PENDING for a new item). */
  status: ItemStatus;
}

/** A CheXpert label value as stored (1, 0, −1), or the class absent from the item's labels. */
export type LabelValue = "POSITIVE" | "NEGATIVE" | "UNCERTAIN" | "NOT_MENTIONED";

/** Items whose labels meet every condition (a condition: the class has one of the values), ingested in the range. */
export interface LabelCohort {
  datasetIds?: readonly string[];
  labels?: ReadonlyArray<{ className: string; values: readonly LabelValue[] }>;
  ingestedFrom?: Date;
  ingestedTo?: Date;
}

export interface CatalogFilter {
  datasetIds?: readonly string[];
  studyIds?: readonly string[];
  viewPositions?: readonly string[];
  /** Items with at least one of these positive findings (class names). */
  findingsAny?: readonly string[];
  /** Items with every one of these findings (empty: no constraint). */
  findingsAll?: readonly string[];
  /** Items with none of these findings (empty: no constraint). */
  findingsNone?: readonly string[];
  /** Only these items (a cohort resolved by matchingItemIds). */
  ids?: readonly string[];
  /** Items ingested at or after / before these instants. */
  ingestedFrom?: Date;
  ingestedTo?: Date;
  statuses?: readonly ItemStatus[];
}

export interface Page<T> {
  items: T[];
  totalCount: number;
  /** Opaque cursor of the last item, to pass as `after`. */
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface JobRecord {
  id: string;
  datasetId: string | null;
  /** The dataset's name (null once the dataset is gone). */
  datasetName: string | null;
  modelId: string | null;
  source: unknown;
  /** The source's kind (folder, manifest, mimic, uploads, items); never its path. */
  sourceKind: string | null;
  /** The process running an inline job (host/pid/instance); null for queued jobs and the CLI's. */
  owner: string | null;
  /** Whether the queue's workers run the job (then the queue, not a process, owns it). */
  queued: boolean;
  status: JobStatus;
  total: number;
  ingested: number;
  skipped: number;
  failed: number;
  error: string | null;
  errors: Array<{ item: string; code: string; message: string }>;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** A small grey copy of an image, made at ingestion (JPEG, long side at most 512 px). */
export interface Thumbnail {
  width: number;
  height: number;
  format: "jpeg";
  bytes: Uint8Array;
}

/** A report ranked by full-text search: its id and its ts_rank_cd score (> 0). */
export interface TextRanked {
  id: string;
  score: number;
}

export interface CatalogStats {
  images: number;
  reports: number;
  pending: number;
  failed: number;
}

/** How much of one dataset's items one model has encoded. */
export interface DatasetCoverage {
  dataset: string;
  images: CoverageCounts;
  reports: CoverageCounts;
}

/** Items READY, PENDING or FAILED for a model, and `missing`: items it was never asked to encode. */
export interface CoverageCounts {
  total: number;
  ready: number;
  pending: number;
  failed: number;
  missing: number;
}

/** An item's status for one model. */
export interface ModelItemStatus {
  modelId: string;
  status: ItemStatus;
  error: string | null;
}

/** A stored image as a re-encoding for another model needs it (see itemsToReindex). */
export interface ReindexImage {
  id: string;
  contentHash: string;
  sourcePath: string | null;
  viewPosition: string | null;
  studyExternalId: string | null;
  labels: Record<string, number>;
  findings: Finding[];
}

/** A stored report as a re-encoding for another model needs it. */
export interface ReindexReport {
  id: string;
  text: string;
  studyExternalId: string | null;
  labels: Record<string, number>;
  findings: Finding[];
}

/**
 * Errors: STORE_UNAVAILABLE when the database fails; BAD_USER_INPUT for malformed ids or cursors;
 * NOT_FOUND only where a method says so. Ids are UUID strings.
 */
export interface MetadataStore {
  /** Registers the model (idempotent) so stored embeddings can name it. */
  registerModel(model: ModelInfo): Promise<void>;
  /** The dataset with this name, created when missing. */
  ensureDataset(name: string, description?: string): Promise<{ id: string; name: string }>;
  /** Ids of the datasets with these names; unknown names are left out. */
  datasetIds(names: readonly string[]): Promise<string[]>;

  /**
   * Registers images by (dataset, content hash): existing ones are returned with created=false and
   * their embedding status for `modelId`; new ones are created PENDING. Order follows the input.
   */
  registerImages(modelId: string, images: readonly NewImage[]): Promise<Registered[]>;
  registerReports(modelId: string, reports: readonly NewReport[]): Promise<Registered[]>;
  linkImageReports(pairs: ReadonlyArray<{ imageId: string; reportId: string }>): Promise<void>;

  /** Records which stores hold the items for the model; READY makes them visible to search. */
  markEmbedded(
    kind: ItemKind,
    modelId: string,
    ids: readonly string[],
    state: { vectorWritten: boolean; localWritten: boolean; status: ItemStatus; error?: string | null },
  ): Promise<void>;
  /** Items of the model still PENDING (for the reconcile step), up to `limit`. */
  pendingItems(kind: ItemKind, modelId: string, limit: number): Promise<Array<{ id: string; vectorWritten: boolean; localWritten: boolean }>>;

  /**
   * Images READY for the model whose content hash (sha256 of the file's bytes) is one of `hashes`, in
   * any dataset: hash → image id (the oldest image when several datasets hold the same file).
   */
  readyImagesByHash(modelId: string, hashes: readonly string[]): Promise<Map<string, string>>;
  /** Which of these DICOM SOP Instance UIDs belong to images READY for the model in the dataset. */
  readySopUids(modelId: string, datasetId: string, sopUids: readonly string[]): Promise<Set<string>>;
  /**
   * Ids of the images (or reports) whose stored labels meet every condition and that were ingested
   * in the range, at most `limit` + 1 of them (so a caller can tell the cohort is larger than it takes).
   */
  matchingItemIds(kind: ItemKind, cohort: LabelCohort, limit: number): Promise<string[]>;
  /**
   * Ids of the images READY for some model, in the cohort, linked (image_reports) to at least one
   * report whose text matches `query` in web-search syntax (as in rankReportsByText: websearch_to_tsquery,
   * `english`), by id, at most `limit` + 1 of them. null when the query has nothing full-text search
   * can match (empty, punctuation or stop words alone).
   */
  imageIdsMentioning(query: string, cohort: LabelCohort, limit: number): Promise<string[] | null>;
  /**
   * Full-text ranking of the reports READY for the model among those `filter` keeps (its ids,
   * datasets, studies and findings; other fields are ignored): the reports whose text matches
   * `query` in web-search syntax (websearch_to_tsquery with the `english` configuration: "quoted
   * phrases", `or`, `-word`), best ts_rank_cd first, equal scores by id, at most `limit`. Reports
   * scoring 0 (a query of negations alone matches without ranking anything) are left out; a query of
   * stop words alone matches nothing.
   */
  rankReportsByText(modelId: string, query: string, filter: CatalogFilter, limit: number): Promise<TextRanked[]>;
  /**
   * Which of the reports `ids` match `query` (as in rankReportsByText), each report's text taken as
   * if `assumed` followed it. Given a query's words that are not negated as `assumed`, what is left
   * out is what the query's negations exclude. A query of stop words alone keeps every id.
   */
  reportsMatchingText(ids: readonly string[], query: string, assumed: string): Promise<Set<string>>;
  /** Loads by id, in the order asked, null where unknown (DataLoader batch functions). */
  getImages(ids: readonly string[]): Promise<Array<ImageRecord | null>>;
  getReports(ids: readonly string[]): Promise<Array<ReportRecord | null>>;
  /** The reports linked to each image / images linked to each report. */
  reportIdsOfImages(imageIds: readonly string[]): Promise<Map<string, string[]>>;
  imageIdsOfReports(reportIds: readonly string[]): Promise<Map<string, string[]>>;

  /** Stores (or replaces) images' thumbnails; an image the store lacks is NOT_FOUND. */
  putThumbnails(items: ReadonlyArray<{ imageId: string; thumbnail: Thumbnail }>): Promise<void>;
  /** The thumbnails of these images; ids without one are absent. */
  getThumbnails(imageIds: readonly string[]): Promise<Map<string, Thumbnail>>;

  /** Pages ordered by creation then id; totalCount counts the whole filtered set. */
  listImages(filter: CatalogFilter, first: number, after?: string | null): Promise<Page<ImageRecord>>;
  listReports(filter: CatalogFilter, first: number, after?: string | null): Promise<Page<ReportRecord>>;

  /** Deletes the item and its links and embedding state; false when it did not exist. */
  deleteImage(id: string): Promise<boolean>;
  deleteReport(id: string): Promise<boolean>;

  createJob(input: {
    datasetId: string | null;
    modelId: string | null;
    source: unknown;
    total?: number;
    owner?: string | null;
    queued?: boolean;
  }): Promise<JobRecord>;
  /** Adds to the job's counters (atomically) and records per-item errors. */
  recordJobProgress(
    id: string,
    delta: { ingested?: number; skipped?: number; failed?: number; total?: number },
    errors?: ReadonlyArray<{ item: string; code: string; message: string }>,
  ): Promise<void>;
  /**
   * Counts one part (encoder batch) of a queued batch of a job, once: the first call for (job,
   * batch, part) adds its counts and errors and returns true; a retry of it changes nothing and
   * returns false.
   */
  recordBatchProgress(
    id: string,
    key: { batch: number; part: number },
    counts: { ingested: number; skipped: number; failed: number },
    errors?: ReadonlyArray<{ item: string; code: string; message: string }>,
  ): Promise<boolean>;
  /**
   * Moves a job that has not ended (QUEUED or RUNNING) to `status`; an ended job (SUCCEEDED, FAILED,
   * CANCELLED) keeps its status and error. True when the job moved.
   */
  setJobStatus(id: string, status: JobStatus, error?: string | null): Promise<boolean>;
  /** Marks a RUNNING/QUEUED job SUCCEEDED once ingested + skipped + failed reach its total; true if it did. */
  finishJobIfComplete(id: string): Promise<boolean>;
  /** null when unknown. */
  getJob(id: string): Promise<JobRecord | null>;
  /** Only the status (a check between batches); null when unknown. */
  jobStatus(id: string): Promise<JobStatus | null>;
  /** Jobs newest first (creation, then id), optionally of one status; totalCount counts the filtered set. */
  listJobs(filter: { status?: JobStatus | null }, first: number, after?: string | null): Promise<Page<JobRecord>>;
  /**
   * Fails the RUNNING jobs whose owner `isGone` says is no longer running, with `reason`; queued
   * jobs and jobs without an owner are left alone. Returns the ids it failed.
   */
  failAbandonedJobs(isGone: (owner: string) => boolean, reason: string): Promise<string[]>;

  /** Counts for the model: items, and embedding states. */
  stats(modelId: string): Promise<CatalogStats>;

  /** Every model ever registered, oldest first. */
  listModels(): Promise<ModelInfo[]>;
  /** Per dataset (by name), how many of its items the model has READY, PENDING, FAILED or never started. */
  coverage(modelId: string): Promise<DatasetCoverage[]>;
  /** Each item's status for every model that has started encoding it (ids without any are absent). */
  modelStatuses(kind: ItemKind, ids: readonly string[]): Promise<Map<string, ModelItemStatus[]>>;
  /**
   * The items of the dataset that are not READY for the model, in id order after `after`, at most
   * `limit` of each kind: what re-encoding the dataset for that model still has to do.
   */
  itemsToReindex(
    modelId: string,
    datasetId: string,
    limit: number,
    after?: { image?: string; report?: string },
  ): Promise<{ images: ReindexImage[]; reports: ReindexReport[] }>;
}
