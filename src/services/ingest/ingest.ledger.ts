// The bookkeeping of one ingestion run: what its batches wrote, when those writes become READY (a
// commit: vectors flushed, then the catalogue marked), and how the job's counters move. An inline
// run counts an item ingested only at the commit that makes it READY, so a run stopped by a store
// failure never reports items it did not make visible; a queued batch commits before it counts, once
// per (batch, part), so a retried batch counts nothing twice.
import type { MetadataStore } from "../../stores/metadata/metadata-store.port.ts";
import type { VectorCollection } from "../../stores/vector/vector-store.port.ts";

export interface IngestProgress {
  done: number;
  ingested: number;
  skipped: number;
  failed: number;
}

export interface IngestError {
  item: string;
  code: string;
  message: string;
}

/** What one batch came to once its writes have finished. */
export interface BatchOutcome {
  ingested: number;
  skipped: number;
  errors: IngestError[];
  readyImages: string[];
  readyReports: string[];
}

export interface LedgerOptions {
  metadata: MetadataStore;
  collections: { images: VectorCollection; reports: VectorCollection };
  modelId: string;
  jobId: string;
  /** A queued batch of a larger job (see IngestOptions.queued), with its index in the job. */
  queued: boolean;
  batchIndex?: number;
  /** Items made durable at a time by an inline run. */
  commitEvery: number;
  onProgress?: (progress: IngestProgress) => void;
}

export class IngestLedger {
  readonly progress: IngestProgress = { done: 0, ingested: 0, skipped: 0, failed: 0 };
  readonly errors: IngestError[] = [];
  #uncommitted: { images: string[]; reports: string[] } = { images: [], reports: [] };
  /** Ingested items an inline run has not counted yet: they are counted by the commit that makes them READY. */
  #ingestedUncounted = 0;
  /** The next part of a queued batch (one per encoder batch). */
  #part = 0;

  constructor(private readonly options: LedgerOptions) {}

  /** Records a batch whose writes have finished; commits when enough is waiting (or at once, queued). */
  async settle(size: number, outcome: BatchOutcome): Promise<void> {
    const { metadata, jobId } = this.options;
    this.#uncommitted.images.push(...outcome.readyImages);
    this.#uncommitted.reports.push(...outcome.readyReports);
    this.#add({ done: size, ingested: outcome.ingested, skipped: outcome.skipped, failed: outcome.errors.length });
    this.errors.push(...outcome.errors);
    const counts = { ingested: outcome.ingested, skipped: outcome.skipped, failed: outcome.errors.length };
    if (!this.options.queued) {
      // Skips and failures are final now; the ingested ones are counted by the commit that makes them READY.
      this.#ingestedUncounted += counts.ingested;
      await metadata.recordJobProgress(jobId, { total: size, ...counts, ingested: 0 }, outcome.errors);
      if (this.#uncommitted.images.length + this.#uncommitted.reports.length >= this.options.commitEvery) await this.commit();
    } else {
      // A queued batch commits before counting, so a job never reads complete with items unwritten.
      await this.commit();
      if (this.options.batchIndex !== undefined)
        await metadata.recordBatchProgress(jobId, { batch: this.options.batchIndex, part: this.#part++ }, counts, outcome.errors);
      else await metadata.recordJobProgress(jobId, { total: 0, ...counts }, outcome.errors);
    }
    this.options.onProgress?.({ ...this.progress });
  }

  /** Items skipped before they were read (PACS instances already READY): final at once. */
  async skippedUnread(count: number): Promise<void> {
    this.#add({ done: count, ingested: 0, skipped: count, failed: 0 });
    if (!this.options.queued) await this.options.metadata.recordJobProgress(this.options.jobId, { total: count, skipped: count }, []);
    this.options.onProgress?.({ ...this.progress });
  }

  /** Flushes the vectors written so far, marks their items READY, and counts them. */
  async commit(): Promise<void> {
    const { metadata, collections, modelId, jobId } = this.options;
    const { images, reports } = this.#uncommitted;
    if (images.length + reports.length > 0) {
      await Promise.all([collections.images.flush(), collections.reports.flush()]);
      const state = { vectorWritten: true, localWritten: true, status: "READY" as const };
      await metadata.markEmbedded("image", modelId, images, state);
      await metadata.markEmbedded("report", modelId, reports, state);
      this.#uncommitted = { images: [], reports: [] };
    }
    if (this.#ingestedUncounted > 0) {
      await metadata.recordJobProgress(jobId, { total: 0, ingested: this.#ingestedUncounted, skipped: 0, failed: 0 }, []);
      this.#ingestedUncounted = 0;
    }
  }

  #add(delta: IngestProgress): void {
    this.progress.done += delta.done;
    this.progress.ingested += delta.ingested;
    this.progress.skipped += delta.skipped;
    this.progress.failed += delta.failed;
  }
}
