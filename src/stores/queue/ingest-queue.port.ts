// Port for distributing ingestion batches over worker processes (or GPUs): at-least-once delivery,
// each batch handled by one worker at a time, retried on failure.
import type { SourceItem } from "../../services/ingest/ingest.sources.ts";

/** One unit of queued work: items of one job, with everything a worker needs to ingest them. */
export interface IngestBatch {
  jobId: string;
  dataset: string;
  /** The folder of the source the items came from: workers read them only there and in INGEST_ROOTS. */
  root?: string;
  /** Serialisable items: image paths (readable by every worker), reports, labels. */
  items: SourceItem[];
}

export interface IngestQueue {
  /** Enqueues batches; resolves when they are durable in the queue. */
  enqueue(batches: readonly IngestBatch[]): Promise<void>;
  /**
   * Starts handling batches with `concurrency` parallel handlers in this process. A handler that
   * throws leaves its batch to be retried (a few times, then failed).
   */
  work(handler: (batch: IngestBatch) => Promise<void>, options?: { concurrency?: number }): Promise<void>;
  /** Stops taking new batches, waits for running ones, and disconnects. */
  close(): Promise<void>;
}
