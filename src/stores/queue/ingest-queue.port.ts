// Port for distributing ingestion batches over worker processes (or GPUs): at-least-once delivery,
// each batch handled by one worker at a time, retried on failure.
import type { ErrorCode } from "../../errors/app-error.ts";
import type { Finding } from "../metadata/metadata-store.port.ts";

/**
 * One item read from an ingestion source. Defined here, with the queue that carries it between
 * processes, so it stays plain serialisable data; the ingestion sources produce it.
 */
export interface SourceItem {
  /** How errors name the item: a path relative to the source, or the upload's name. */
  key: string;
  /** A file, bytes sent with the request, or an instance of the source's PACS (DICOMweb UIDs). */
  image?: { path: string } | { bytes: Uint8Array } | { dicomweb: { study: string; series: string; instance: string } };
  report?: string;
  labels: Record<string, number>;
  findings: Finding[];
  viewPosition?: string;
  studyExternalId?: string;
  /**
   * Why the source row itself is unusable (a malformed cell): the item fails alone, as BAD_USER_INPUT
   * with this message. Plain text, so queued batches carry it as they are serialised.
   */
  problem?: string;
  /** The code the item fails with when it has a problem (default BAD_USER_INPUT). */
  problemCode?: ErrorCode;
  /**
   * The sha256 the image's bytes must have (a stored image read again to encode it for another
   * model): a file changed since its ingestion fails its item rather than becoming another image.
   */
  contentHash?: string;
  /**
   * Encode the image even when it is READY for the model (a backfill of an output the model gained
   * later, such as its pooled features): every write is an upsert of the same values, plus the new ones.
   */
  reencode?: boolean;
}

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
  /** The model that encodes the batch (a reindex for another model); the worker's default when absent. */
  modelId?: string;
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
