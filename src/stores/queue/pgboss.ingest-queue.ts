// IngestQueue on pg-boss, in the metadata Postgres (its own schema), so workers need no other
// service. The only module that imports pg-boss.
import PgBoss from "pg-boss";
import { AppError } from "../../errors/app-error.ts";
import type { Logger } from "../../logging/logger.ts";
import type { BatchAttempt, IngestBatch, IngestQueue } from "./ingest-queue.port.ts";

const QUEUE = "gloria-ingest-batch";
/** Retries of a failed batch before it (and its job) fail, and the seconds between them. */
export const BATCH_RETRIES = { limit: 3, delaySeconds: 5 } as const;

export class PgBossIngestQueue implements IngestQueue {
  private readonly boss: PgBoss;
  private started: Promise<void> | undefined;

  constructor(
    databaseUrl: string,
    private readonly logger: Logger,
    private readonly retries: { limit: number; delaySeconds: number } = BATCH_RETRIES,
  ) {
    this.boss = new PgBoss({ connectionString: databaseUrl, schema: "gloria_queue", max: 4, application_name: "gloria-ingest" });
    this.boss.on("error", (error) => this.logger.error({ err: error }, "ingest queue error"));
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      try {
        await this.boss.start();
        await this.boss.createQueue(QUEUE, { name: QUEUE, retryLimit: this.retries.limit, retryDelay: this.retries.delaySeconds, expireInSeconds: 3600 });
      } catch (error) {
        throw new AppError("STORE_UNAVAILABLE", `The ingest queue is unavailable: ${(error as Error).message}`, { cause: error, expected: false });
      }
    })();
    return this.started;
  }

  async enqueue(batches: readonly IngestBatch[]): Promise<void> {
    await this.start();
    if (batches.length === 0) return;
    await this.boss.insert(batches.map((data) => ({ name: QUEUE, data: data as unknown as object })));
  }

  async work(handler: (batch: IngestBatch, attempt: BatchAttempt) => Promise<void>, options: { concurrency?: number } = {}): Promise<void> {
    await this.start();
    const concurrency = Math.max(1, options.concurrency ?? 1);
    for (let i = 0; i < concurrency; i++) {
      await this.boss.work<IngestBatch>(QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true }, async ([job]) => {
        if (job) await handler(job.data, { retry: job.retryCount, last: job.retryCount >= job.retryLimit });
      });
    }
  }

  async close(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => undefined);
    await this.boss.stop({ graceful: true, wait: true, timeout: 30_000 });
  }
}
