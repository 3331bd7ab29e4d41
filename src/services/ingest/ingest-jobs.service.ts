// Ingestion as jobs (src/schema/ingest.graphql): a server-side source, a PACS or uploads ingested in
// this process, a reindex of stored datasets for another model (here or on the workers' queue), and
// the jobs themselves: listed, cancelled, failed when their process is gone, stopped at shutdown.
import { AppError, toAppError } from "../../errors/app-error.ts";
import type { JobRecord, JobStatus, MetadataStore, ModelInfo, Page } from "../../stores/metadata/metadata-store.port.ts";
import type { IngestQueue } from "../../stores/queue/ingest-queue.port.ts";
import { checkFirst, LIMITS } from "../limits.ts";
import { SourceFiles } from "../source-files.ts";
import { dicomWebBase } from "./dicomweb.client.ts";
import type { IngestionService } from "./ingest.service.ts";
import { checkDicomWebSource, detectSource, type IngestSource } from "./ingest.sources.ts";
import { datasetIdOf, reindexSource } from "./reindex.ts";

/** Why a job ended without finishing: shown to clients as the job's error. */
export const JOB_REASONS = {
  stopped: "the server stopped while this job ran; re-run the ingestion to finish it (items already READY are kept)",
  cancelled: "cancelled; items already READY are kept",
} as const;

export class IngestJobsService {
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
      run
        .then(
          () => undefined,
          (error: unknown) => this.#recordFailure(job.id, toAppError(error).publicMessage),
        )
        .finally(() => this.#running.delete(job.id)),
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
      throw new AppError("BAD_USER_INPUT", "Queued work needs a shared Postgres (DATABASE_URL): the embedded database belongs to one process", {
        details: { field: "queue" },
      });
    }
    const names = [...new Set(datasets.map((d) => d.trim()))];
    if (names.length === 0 || names.some((n) => !n))
      throw new AppError("BAD_USER_INPUT", "Name at least one dataset to reindex", { details: { field: "datasets" } });
    if (names.length > LIMITS.maxReindexDatasets) {
      throw new AppError("BAD_USER_INPUT", `At most ${LIMITS.maxReindexDatasets} datasets are reindexed per request`, { details: { field: "datasets" } });
    }
    // Every name is checked before any job starts.
    const targets: Array<{ name: string; id: string }> = [];
    for (const name of names) targets.push({ name, id: await datasetIdOf(this.metadata, name) });
    const jobs: JobRecord[] = [];
    for (const { name, id } of targets) {
      const { source, description } = await reindexSource(this.metadata, this.model.id, id);
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
