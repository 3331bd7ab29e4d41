// Browsing and managing what is stored: models, items by id and in pages, deletion and ingestion
// jobs. Validates the limits GraphQL cannot express and resolves dataset names to ids.
import path from "node:path";
import { AppError, toAppError } from "../errors/app-error.ts";
import type { CatalogFilter, DatasetCoverage, ImageRecord, ItemKind, JobRecord, JobStatus, LabelValue, MetadataStore, ModelInfo, Page, ReportRecord } from "../stores/metadata/metadata-store.port.ts";
import type { IngestionService } from "./ingest/ingest.service.ts";
import { dicomWebBase } from "./ingest/dicomweb.client.ts";
import { checkDicomWebSource, detectSource, type IngestSource } from "./ingest/ingest.sources.ts";
import { itemsToReindex } from "./ingest/reindex.ts";
import type { IngestQueue } from "../stores/queue/ingest-queue.port.ts";
import { SourceFiles } from "./source-files.ts";
import { checkFirst, LIMITS } from "./limits.ts";
import { toVectorFilter, type SearchFilter } from "./search.service.ts";

export interface CatalogFilterInput {
  datasets?: readonly string[] | null;
  studies?: readonly string[] | null;
  viewPositions?: readonly string[] | null;
  findings?: readonly string[] | null;
  findingsAll?: readonly string[] | null;
  findingsNone?: readonly string[] | null;
  /** Every condition must hold: the class's stored label is one of the values. */
  labels?: ReadonlyArray<{ className: string; values: readonly LabelValue[] }> | null;
  /** ISO 8601 instants: ingested at or after / before. */
  ingestedAfter?: string | null;
  ingestedBefore?: string | null;
}

function instant(value: string, field: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new AppError("BAD_USER_INPUT", `${field} must be an ISO 8601 date or date-time`, { details: { field } });
  }
  return date;
}

/** A search filter as the catalogue listing takes it: the same fields as the vector stores'. */
function catalogFilter(filter: SearchFilter | undefined): CatalogFilter {
  return toVectorFilter(filter) ?? {};
}

/** A model as the `models` query lists it. */
export interface ModelSummary {
  id: string;
  name: string;
  version: string;
  checksum: string;
  dim: number;
  grid: number[];
  precision: string;
  loaded: boolean;
  default: boolean;
}

function summary(m: ModelInfo, loaded: boolean, isDefault: boolean): ModelSummary {
  const precision = (m.manifest as { precision?: string } | null)?.precision ?? "fp32";
  return { id: m.id, name: m.name, version: m.version, checksum: m.checksum, dim: m.dim, grid: [...m.grid], precision, loaded, default: isDefault };
}

/** Why a job ended without finishing: shown to clients as the job's error. */
export const JOB_REASONS = {
  stopped: "the server stopped while this job ran; re-run the ingestion to finish it (items already READY are kept)",
  cancelled: "cancelled; items already READY are kept",
} as const;

export class CatalogService {
  /** The ingestion runs this service started and that have not ended, by job id. */
  readonly #running = new Map<string, Promise<void>>();
  #stopping = false;

  constructor(
    private readonly metadata: MetadataStore,
    private readonly ingestion: IngestionService,
    readonly model: ModelInfo,
    private readonly ingestRoots: readonly string[],
    /** This process, recorded on the jobs it runs (see failAbandonedJobs). */
    private readonly owner: string | null = null,
    /** The DICOMweb services (base URLs) an ingest request may name (DICOMWEB_URLS). */
    private readonly dicomWebUrls: readonly string[] = [],
    /** The queue `gloria worker` processes take batches from; none on the embedded database. */
    private readonly queue?: IngestQueue,
  ) {}

  /**
   * The loaded models (`loaded`, the default first), then every other model registered by an
   * earlier run (its encodings are still stored; it serves nothing until loaded again).
   */
  async models(loaded: readonly ModelInfo[]): Promise<ModelSummary[]> {
    const ids = new Set(loaded.map((m) => m.id));
    const registered = (await this.metadata.listModels()).filter((m) => !ids.has(m.id));
    return [...loaded.map((m, i) => summary(m, true, i === 0)), ...registered.map((m) => summary(m, false, false))];
  }

  /** Per dataset, what the model has encoded and what not yet. */
  coverage(modelId: string): Promise<DatasetCoverage[]> {
    return this.metadata.coverage(modelId);
  }

  /** A DICOMweb source is accepted only when its base URL is one of DICOMWEB_URLS (or below one). */
  sourceFromDicomWeb(input: {
    url: string;
    studies?: readonly string[] | null;
    modalities?: readonly string[] | null;
    since?: string | null;
    authEnv?: string | null;
    reportsCsv?: string | null;
  }): IngestSource {
    const base = dicomWebBase(input.url);
    const allowed = this.dicomWebUrls.map(dicomWebBase).some((a) => base === a || base.startsWith(`${a}/`));
    if (!allowed) throw new AppError("FORBIDDEN", "This DICOMweb service is not one the server is configured to ingest from (DICOMWEB_URLS)");
    const source: IngestSource = {
      kind: "dicomweb",
      url: base,
      ...(input.studies ? { studies: [...input.studies] } : {}),
      ...(input.modalities ? { modalities: [...input.modalities] } : {}),
      ...(input.since ? { since: input.since } : {}),
      ...(input.authEnv ? { authEnv: input.authEnv } : {}),
      // A sidecar file is read only inside INGEST_ROOTS, like any server-side path.
      ...(input.reportsCsv ? { reportsCsv: new SourceFiles(this.ingestRoots, { maxBytes: 0 }).confine(input.reportsCsv, "The reports CSV") } : {}),
    };
    checkDicomWebSource(source);
    return source;
  }

  /** A stored source path as an administrator sees it: relative to the INGEST_ROOTS folder holding it, else null. */
  displayedSourcePath(stored: string | null): string | null {
    if (!stored) return null;
    for (const root of this.ingestRoots) {
      const relative = path.relative(root, stored);
      if (relative && !relative.startsWith("..") && !path.isAbsolute(relative)) return relative;
    }
    return null;
  }

  /**
   * Dataset names → ids (unknown names match nothing, so the filter returns nothing); labels and
   * ingestion dates → the ids of the items that meet them (`kind` says of which), which the vector
   * store then searches among, at most LIMITS.maxCohort of them.
   */
  async filter(input: CatalogFilterInput | null | undefined, kind: ItemKind = "image"): Promise<SearchFilter | undefined> {
    if (!input) return undefined;
    const out: SearchFilter = {};
    if (input.datasets) out.datasetIds = await this.metadata.datasetIds(input.datasets);
    if (input.studies) out.studyIds = [...input.studies];
    if (input.viewPositions) out.viewPositions = [...input.viewPositions];
    if (input.findings) out.findings = [...input.findings];
    if (input.findingsAll) out.findingsAll = [...input.findingsAll];
    if (input.findingsNone) out.findingsNone = [...input.findingsNone];
    const ingestedFrom = input.ingestedAfter ? instant(input.ingestedAfter, "ingestedAfter") : undefined;
    const ingestedTo = input.ingestedBefore ? instant(input.ingestedBefore, "ingestedBefore") : undefined;
    if (input.labels?.length || ingestedFrom || ingestedTo) {
      for (const label of input.labels ?? []) {
        if (!label.className.trim() || label.values.length === 0) throw new AppError("BAD_USER_INPUT", "A label condition needs a class name and at least one value", { details: { field: "labels" } });
      }
      const cohort = { datasetIds: out.datasetIds, labels: input.labels ?? undefined, ingestedFrom, ingestedTo };
      const ids = await this.metadata.matchingItemIds(kind, cohort, LIMITS.maxCohort);
      if (ids.length > LIMITS.maxCohort) {
        throw new AppError("BAD_USER_INPUT", `The label and date conditions match more than ${LIMITS.maxCohort} items; narrow them (or name datasets)`, { details: { field: "labels" } });
      }
      out.ids = ids;
    }
    return out;
  }

  async listImages(first: number, after: string | null | undefined, filter: CatalogFilterInput | null | undefined): Promise<Page<ImageRecord>> {
    checkFirst(first);
    return this.metadata.listImages({ ...catalogFilter(await this.filter(filter)), statuses: ["READY"] }, first, after);
  }

  async listReports(first: number, after: string | null | undefined, filter: CatalogFilterInput | null | undefined): Promise<Page<ReportRecord>> {
    checkFirst(first);
    return this.metadata.listReports({ ...catalogFilter(await this.filter(filter, "report")), statuses: ["READY"] }, first, after);
  }

  deleteImage(id: string): Promise<void> {
    return this.ingestion.deleteImage(id);
  }

  deleteReport(id: string): Promise<void> {
    return this.ingestion.deleteReport(id);
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.metadata.getJob(id);
  }

  /** Jobs newest first, optionally of one status. */
  async listJobs(first: number, after: string | null | undefined, status: JobStatus | null | undefined): Promise<Page<JobRecord>> {
    checkFirst(first);
    return this.metadata.listJobs({ status }, first, after);
  }

  /**
   * Cancels a QUEUED or RUNNING job: its run (here, in another server, or on the queue's workers)
   * stops at its next batch; what was written stays. NOT_FOUND when unknown, CONFLICT when it ended.
   */
  async cancelJob(id: string): Promise<JobRecord> {
    const job = await this.metadata.getJob(id);
    if (!job) throw new AppError("NOT_FOUND", `No ingestion job with id ${id}`);
    if (!(await this.metadata.setJobStatus(job.id, "CANCELLED", JOB_REASONS.cancelled))) {
      const ended = (await this.metadata.jobStatus(job.id)) ?? job.status;
      throw new AppError("CONFLICT", `The job has already ended (${ended})`, { details: { status: ended } });
    }
    return (await this.metadata.getJob(job.id))!;
  }

  /** At start: fails the RUNNING jobs of processes that are gone (`isGone` judges an owner). */
  failAbandonedJobs(isGone: (owner: string) => boolean): Promise<string[]> {
    return this.metadata.failAbandonedJobs(isGone, JOB_REASONS.stopped);
  }

  /**
   * At shutdown: refuses new ingestions, waits up to `graceMs` for the runs this service started,
   * then fails those still running (they stop at their next batch) and waits for them to stop.
   */
  async stopJobs(graceMs: number): Promise<void> {
    this.#stopping = true;
    if (this.#running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all(this.#running.values()).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    if (!timedOut) return;
    for (const id of this.#running.keys()) await this.metadata.setJobStatus(id, "FAILED", JOB_REASONS.stopped).catch(() => false);
    await Promise.all(this.#running.values());
  }

  /** A server-side path is accepted only inside one of the configured ingest roots. */
  sourceFromPath(target: string): IngestSource {
    // Only the check is needed here: the run reads every file through the ingestion's own guard.
    return detectSource(new SourceFiles(this.ingestRoots, { maxBytes: 0 }).confine(target, "The source"));
  }

  /**
   * A run that failed because the database went away could not mark its job FAILED; this keeps
   * trying until the database is back (or the server stops), so the job never reads RUNNING for good.
   */
  async #recordFailure(jobId: string, message: string): Promise<void> {
    for (let wait = 500; !this.#stopping; wait = Math.min(wait * 2, 5_000)) {
      try {
        await this.metadata.setJobStatus(jobId, "FAILED", message);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  /**
   * Starts an ingestion; resolves at the end, or at once with the RUNNING job when `wait` is false.
   * Either way the run is tracked, so a shutdown waits for it or stops it (stopJobs).
   */
  async ingest(source: IngestSource, dataset: string, wait: boolean, description?: unknown): Promise<JobRecord> {
    if (!dataset.trim()) throw new AppError("BAD_USER_INPUT", "A dataset name is required");
    if (this.#stopping) throw new AppError("CONFLICT", "The server is shutting down; start the ingestion again once it is back");
    const datasetId = (await this.metadata.ensureDataset(dataset)).id;
    const job = await this.metadata.createJob({
      datasetId,
      modelId: this.model.id,
      source: description ?? (source.kind === "uploads" || source.kind === "items" ? { kind: source.kind, count: source.items.length } : source),
      owner: this.owner,
    });
    // RUNNING before the call returns, so a client polling the job never sees it QUEUED.
    await this.metadata.setJobStatus(job.id, "RUNNING");
    const run = this.ingestion.run(source, { dataset, jobId: job.id });
    this.#running.set(
      job.id,
      run.then(
        () => undefined,
        (error: unknown) => this.#recordFailure(job.id, toAppError(error).publicMessage),
      ).finally(() => this.#running.delete(job.id)),
    );
    if (wait) await run;
    return (await this.metadata.getJob(job.id))!;
  }

  /**
   * Encodes for this service's model the stored items of each dataset that are not READY for it, one
   * job per dataset, while every model keeps serving what it has. In this process (as `ingest`), or
   * as batches on `queue` for `gloria worker` processes that load this model. A run cut short is
   * finished by running it again: only what is still not READY is listed.
   */
  async reindex(datasets: readonly string[], options: { wait: boolean; queued: boolean }): Promise<JobRecord[]> {
    if (options.queued && !this.queue) {
      throw new AppError("BAD_USER_INPUT", "Queued work needs a shared Postgres (DATABASE_URL): the embedded database belongs to one process", { details: { field: "queue" } });
    }
    const names = [...new Set(datasets.map((d) => d.trim()))];
    if (names.length === 0 || names.some((n) => !n)) throw new AppError("BAD_USER_INPUT", "Name at least one dataset to reindex", { details: { field: "datasets" } });
    if (names.length > LIMITS.maxReindexDatasets) {
      throw new AppError("BAD_USER_INPUT", `At most ${LIMITS.maxReindexDatasets} datasets are reindexed per request`, { details: { field: "datasets" } });
    }
    const targets: Array<{ name: string; id: string }> = [];
    for (const name of names) {
      const [id] = await this.metadata.datasetIds([name]);
      if (!id) throw new AppError("NOT_FOUND", `No dataset named ${name}`, { details: { field: "datasets" } });
      targets.push({ name, id });
    }
    const jobs: JobRecord[] = [];
    for (const { name, id } of targets) {
      const items = await itemsToReindex(this.metadata, this.model.id, id);
      const source: IngestSource = { kind: "items", items };
      const description = { kind: "reindex", count: items.length };
      if (options.queued && this.queue) {
        if (this.#stopping) throw new AppError("CONFLICT", "The server is shutting down; start the reindex again once it is back");
        const jobId = await this.ingestion.enqueue(source, { dataset: name, queue: this.queue, description });
        jobs.push((await this.metadata.getJob(jobId))!);
      } else {
        jobs.push(await this.ingest(source, name, options.wait, description));
      }
    }
    return jobs;
  }
}
