// Port for distributing ingestion batches over worker processes (or GPUs): at-least-once delivery,
// each batch handled by one worker at a time, retried on failure.
import type { SourceItem } from "../../services/ingest/ingest.sources.ts";

/** One unit of queued work: items of one job, with everything a worker needs to ingest them. */
export interface IngestBatch {
  jobId: string;
  /** The batch's position in its job (0, 1, …): a retried batch is counted once by it. */
  index?: number;
  dataset: string;
  /** The folder of the source the items came from: workers read them only there and in INGEST_ROOTS. */
  root?: string;
  /** Serialisable items: image paths (readable by every worker), reports, labels. */
  items: SourceItem[];
}

export interface BatchAttempt {
  /** 0 on the first delivery, then 1, 2, … on retries. */
  retry: number;
  /** Whether this is the batch's last attempt. */
  last: boolean;
}

export interface IngestQueue {
  /** Enqueues batches; resolves when they are durable in the queue. */
  enqueue(batches: readonly IngestBatch[]): Promise<void>;
  /**
   * Starts handling batches with `concurrency` parallel handlers in this process. A handler that
   * throws leaves its batch to be retried (a few times, then failed); `attempt.last` tells the
   * handler that no retry follows if it throws, so it can fail the batch's job.
   */
  work(handler: (batch: IngestBatch, attempt: BatchAttempt) => Promise<void>, options?: { concurrency?: number }): Promise<void>;
  /** Stops taking new batches, waits for running ones, and disconnects. */
  close(): Promise<void>;
}
