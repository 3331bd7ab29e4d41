// IngestQueue on pg-boss, in the metadata Postgres (its own schema), so workers need no other
// service. The only module that imports pg-boss.
import PgBoss from "pg-boss";
import { AppError } from "../../errors/app-error.ts";
import type { Logger } from "../../logging/logger.ts";
import type { IngestBatch, IngestQueue } from "./ingest-queue.port.ts";

const QUEUE = "gloria-ingest-batch";

export class PgBossIngestQueue implements IngestQueue {
  private readonly boss: PgBoss;
  private started: Promise<void> | undefined;

  constructor(
    databaseUrl: string,
    private readonly logger: Logger,
  ) {
    this.boss = new PgBoss({ connectionString: databaseUrl, schema: "gloria_queue", max: 4, application_name: "gloria-ingest" });
    this.boss.on("error", (error) => this.logger.error({ err: error }, "ingest queue error"));
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      try {
        await this.boss.start();
        await this.boss.createQueue(QUEUE, { name: QUEUE, retryLimit: 3, retryDelay: 5, expireInSeconds: 3600 });
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

  async work(handler: (batch: IngestBatch) => Promise<void>, options: { concurrency?: number } = {}): Promise<void> {
    await this.start();
    const concurrency = Math.max(1, options.concurrency ?? 1);
    for (let i = 0; i < concurrency; i++) {
      await this.boss.work<IngestBatch>(QUEUE, { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => {
        if (job) await handler(job.data);
      });
    }
  }

  async close(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => undefined);
    await this.boss.stop({ graceful: true, wait: true, timeout: 30_000 });
  }
}
