// `gloria ingest`, `gloria reconcile` and `gloria stats`: load a dataset into the stores, repair
// them after a crash, and count what they hold.
import path from "node:path";
import type { Command } from "commander";
import { loadConfig } from "../../config/config.ts";
import { AppError } from "../../errors/app-error.ts";
import { PgBossIngestQueue } from "../../stores/queue/pgboss.ingest-queue.ts";
import { createLogger } from "../../logging/logger.ts";
import { openRuntime, type ModelRuntime, type Runtime } from "../../runtime.ts";
import { dicomWebBase } from "../../services/ingest/dicomweb.client.ts";
import { checkDicomWebSource, detectSource, type IngestSource } from "../../services/ingest/ingest.sources.ts";
import type { IngestProgress } from "../../services/ingest/ingest.service.ts";
import { datasetIdOf, pooledBackfillSource, reindexSource } from "../../services/ingest/reindex.ts";
import type { BatchAttempt, IngestBatch } from "../../stores/queue/ingest-queue.port.ts";

/**
 * One queued batch, by the model it names (a reindex for another model) or the default. A batch for a
 * model this worker does not load is retried (another worker may load it) and, at its last attempt,
 * fails its job saying so.
 */
async function handleBatch(runtime: Runtime, batch: IngestBatch, attempt: BatchAttempt): Promise<void> {
  let served;
  try {
    served = runtime.modelRuntime(batch.modelId);
  } catch (error) {
    if (attempt.last)
      await runtime.metadata.setJobStatus(
        batch.jobId,
        "FAILED",
        `No worker loaded the model ${batch.modelId}; start \`gloria worker\` with it in GLORIA_MODEL_DIRS and reindex again`,
      );
    throw error;
  }
  await served.ingestion.handleBatch(batch, attempt);
}

async function withRuntime<T>(run: (runtime: Runtime) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
  const runtime = await openRuntime(config, logger);
  try {
    return await run(runtime);
  } finally {
    await runtime.close();
  }
}

/** A one-line progress bar with rate and ETA, redrawn in place on a terminal. */
function progressBar(stream: NodeJS.WriteStream, started: number) {
  return (p: IngestProgress, total?: number) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = p.done / Math.max(seconds, 1e-3);
    const eta = total && rate > 0 ? `, ETA ${Math.ceil((total - p.done) / rate)} s` : "";
    const width = 30;
    const filled = total ? Math.round((p.done / total) * width) : 0;
    const bar = total ? `[${"#".repeat(filled)}${".".repeat(width - filled)}] ` : "";
    stream.write(
      `\r${bar}${p.done}${total ? `/${total}` : ""} items, ${rate.toFixed(1)}/s${eta} — ${p.ingested} new, ${p.skipped} skipped, ${p.failed} failed `,
    );
  };
}

/** The queue lives in Postgres shared by all workers; the embedded database is one process's. */
function requireServerDatabase(runtime: Runtime): string {
  if (runtime.database.embedded) {
    throw new AppError("BAD_USER_INPUT", "Queued ingestion needs a shared Postgres: set DATABASE_URL (the embedded database belongs to one process)");
  }
  return runtime.database.url;
}

export async function collectStats(runtime: Runtime) {
  const [catalog, imageVectors, reportVectors, local, pooled] = await Promise.all([
    runtime.metadata.stats(runtime.model.id),
    runtime.collections.images.count(),
    runtime.collections.reports.count(),
    runtime.localFeatures.count(runtime.model.id),
    runtime.pooled?.count(runtime.model.id) ?? null,
  ]);
  // pooledFeatures: images with stored pooled features; null for a model without the output.
  return { model: runtime.model.id, ...catalog, vectors: { images: imageVectors, reports: reportVectors }, localFeatures: local, pooledFeatures: pooled };
}

interface IngestFlags {
  dataset?: string;
  batchSize: string;
  json?: boolean;
  queue?: boolean;
  study?: string[];
  modality?: string;
  since?: string;
  authEnv?: string;
  reports?: string;
}

/** A DICOMweb source from the command line (any URL: the operator runs the command). */
function dicomWebSource(target: string, flags: IngestFlags): IngestSource {
  const source: IngestSource = {
    kind: "dicomweb",
    url: dicomWebBase(target),
    ...(flags.study?.length ? { studies: flags.study } : {}),
    ...(flags.modality
      ? {
          modalities: flags.modality
            .split(",")
            .map((m) => m.trim().toUpperCase())
            .filter(Boolean),
        }
      : {}),
    ...(flags.since ? { since: flags.since } : {}),
    ...(flags.authEnv ? { authEnv: flags.authEnv } : {}),
    ...(flags.reports ? { reportsCsv: path.resolve(flags.reports) } : {}),
  };
  checkDicomWebSource(source);
  return source;
}

export function registerIngestCommands(program: Command): void {
  program
    .command("ingest <source>")
    .description(
      "ingest a folder of images (with reports.csv), a CheXpert-style manifest .csv, MIMIC-CXR-style study folders, or a PACS over DICOMweb (dicomweb+http://HOST:PORT/dicom-web)",
    )
    .option("--dataset <name>", "dataset name (default: the source's folder name; pacs for DICOMweb)")
    .option("--study <uid...>", "DICOMweb: only these Study Instance UIDs")
    .option("--modality <list>", "DICOMweb: only series of these modalities, comma-separated (e.g. CR,DX)")
    .option("--since <YYYYMMDD>", "DICOMweb: only studies on or after this date")
    .option("--auth-env <name>", "DICOMweb: the environment variable (DICOMWEB_AUTH_…) holding the Authorization header")
    .option("--reports <csv>", "DICOMweb: a CSV with StudyInstanceUID and Report columns (else a study's SR is used)")
    .option("--batch-size <n>", "items per encoder batch", "16")
    .option(
      "--json",
      "print a JSON summary instead of a progress bar (repaired: vectors of deleted items removed before the run; requeued: READY items without a vector set back to PENDING)",
    )
    .option("--queue", "put the work on the queue for `gloria worker` processes instead of running it here (needs DATABASE_URL)")
    .action(async (target: string, flags: IngestFlags) => {
      const source = target.startsWith("dicomweb+") ? dicomWebSource(target, flags) : detectSource(target);
      const dataset =
        flags.dataset ??
        (source.kind === "dicomweb"
          ? "pacs"
          : "path" in source
            ? (source.path
                .split("/")
                .filter(Boolean)
                .at(source.kind === "manifest" ? -2 : -1) ?? "default")
            : "default");
      if (flags.queue) {
        await withRuntime(async (runtime) => {
          const queue = new PgBossIngestQueue(requireServerDatabase(runtime), runtime.logger);
          try {
            const jobId = await runtime.ingestion.enqueue(source, { dataset, queue, batchSize: Number(flags.batchSize) * 2 });
            const job = await runtime.metadata.getJob(jobId);
            process.stdout.write(
              flags.json
                ? `${JSON.stringify({ jobId, dataset, queued: job?.total ?? 0 })}\n`
                : `queued ${job?.total ?? 0} items as job ${jobId}; run \`gloria worker\` to process them\n`,
            );
          } finally {
            await queue.close();
          }
        });
        return;
      }
      await withRuntime(async (runtime) => {
        const reconciled = await runtime.ingestion.reconcile();
        const showBar = !flags.json && process.stderr.isTTY;
        const draw = progressBar(process.stderr, performance.now());
        const summary = await runtime.ingestion.run(source, {
          dataset,
          batchSize: Number(flags.batchSize),
          onProgress: showBar ? (p) => draw(p) : undefined,
        });
        if (showBar) process.stderr.write("\n");
        if (flags.json) {
          process.stdout.write(
            `${JSON.stringify({ jobId: summary.jobId, dataset, ingested: summary.ingested, skipped: summary.skipped, failed: summary.failed, errors: summary.errors, repaired: reconciled.orphanVectors, requeued: reconciled.missingVectors })}\n`,
          );
        } else {
          // What reconcile repaired before the run: vectors of deleted items removed, and READY
          // items without a vector set back to PENDING (this run encodes those of its source).
          if (reconciled.orphanVectors || reconciled.missingVectors) {
            process.stdout.write(
              `reconciled: ${reconciled.orphanVectors} vectors of deleted items removed, ${reconciled.missingVectors} items without a vector set back to PENDING\n`,
            );
          }
          process.stdout.write(
            `dataset ${dataset}: ${summary.ingested} ingested, ${summary.skipped} skipped, ${summary.failed} failed (job ${summary.jobId})\n`,
          );
          for (const e of summary.errors.slice(0, 20)) process.stdout.write(`  ${e.item}: ${e.code}: ${e.message}\n`);
          if (summary.errors.length > 20) process.stdout.write(`  … and ${summary.errors.length - 20} more\n`);
        }
      });
    });

  program
    .command("worker")
    .description("process queued ingestion batches (several workers, on several machines or GPUs, may share one job)")
    .option("--concurrency <n>", "batches handled at once in this process", "1")
    .action(async (flags: { concurrency: string }) => {
      await withRuntime(async (runtime) => {
        const queue = new PgBossIngestQueue(requireServerDatabase(runtime), runtime.logger);
        for (const served of runtime.models) await served.ingestion.reconcile();
        await queue.work((batch, attempt) => handleBatch(runtime, batch, attempt), { concurrency: Number(flags.concurrency) });
        process.stderr.write("gloria worker: waiting for ingestion batches (Ctrl-C to stop)\n");
        await new Promise<void>((resolve) => {
          process.once("SIGTERM", resolve);
          process.once("SIGINT", resolve);
        });
        await queue.close();
      });
    });

  program
    .command("reindex")
    .description(
      "encode a dataset's stored items for another loaded model (one of GLORIA_MODEL_DIRS) while the others keep serving; a second run finishes what a first left undone",
    )
    .requiredOption("--model <id>", "the model to encode for (its id, as `gloria stats` or the models query show it)")
    .requiredOption("--dataset <name...>", "the datasets to reindex")
    .option("--json", "print JSON: one {jobId, dataset, total, ingested, skipped, failed} per dataset")
    .option("--queue", "put the work on the queue for `gloria worker` processes that load this model (needs DATABASE_URL)")
    .action(async (flags: DatasetJobFlags & { model: string }) => {
      await runDatasetJobs(flags, "encoded", async (served, datasetId) => reindexSource(served.metadata, served.model.id, datasetId));
    });

  program
    .command("backfill-pooled")
    .description(
      "store the pooled trunk features (the input of POOLED classifier heads) of a dataset's images that were ingested before the model folder had that output; a second run finishes what a first left undone",
    )
    .option("--model <id>", "the loaded model to backfill for (default: the first of GLORIA_MODEL_DIRS)")
    .requiredOption("--dataset <name...>", "the datasets to backfill")
    .option("--json", "print JSON: one {jobId, dataset, total, ingested, skipped, failed} per dataset")
    .option("--queue", "put the work on the queue for `gloria worker` processes that load this model (needs DATABASE_URL)")
    .action(async (flags: DatasetJobFlags) => {
      await runDatasetJobs(flags, "backfilled", async (served, datasetId) => {
        if (!served.pooled) {
          throw new AppError(
            "BAD_USER_INPUT",
            `Model ${served.model.id} has no pooled output in its image graph (docs/model-contract.md); export its folder again to add it`,
          );
        }
        return pooledBackfillSource(served.pooled, served.model.id, datasetId);
      });
    });

  program
    .command("reconcile")
    .description(
      "repair the stores after a crash: remove vectors of deleted items, set READY items without a vector back to PENDING (a re-run of their source encodes them)",
    )
    .option("--json", "print JSON: {orphanVectors, missingVectors, pending}")
    .action(async (flags: { json?: boolean }) => {
      const result = await withRuntime((runtime) => runtime.ingestion.reconcile());
      process.stdout.write(
        flags.json
          ? `${JSON.stringify(result)}\n`
          : `${result.orphanVectors} vectors of deleted items removed, ${result.missingVectors} items without a vector set back to PENDING, ${result.pending} items PENDING (re-run their source to encode them)\n`,
      );
    });

  program
    .command("stats")
    .description("count what the stores hold for the loaded model")
    .option("--json", "print JSON")
    .action(async (flags: { json?: boolean }) => {
      const stats = await withRuntime(collectStats);
      process.stdout.write(flags.json ? `${JSON.stringify(stats)}\n` : `${JSON.stringify(stats, null, 2)}\n`);
    });
}

interface DatasetJobFlags {
  model?: string;
  dataset: string[];
  json?: boolean;
  queue?: boolean;
}

/**
 * One ingestion job per dataset for the model (`reindex`, `backfill-pooled`), run here or put on the
 * queue; prints one line (or JSON object) per dataset.
 */
async function runDatasetJobs(
  flags: DatasetJobFlags,
  verb: string,
  sourceOf: (served: ModelRuntime, datasetId: string) => Promise<{ source: IngestSource; description: unknown }>,
): Promise<void> {
  await withRuntime(async (runtime) => {
    const served = runtime.modelRuntime(flags.model);
    const queue = flags.queue ? new PgBossIngestQueue(requireServerDatabase(runtime), runtime.logger) : undefined;
    try {
      for (const dataset of flags.dataset) {
        const { source, description } = await sourceOf(served, await datasetIdOf(served.metadata, dataset));
        const summary = queue
          ? { jobId: await served.ingestion.enqueue(source, { dataset, queue, description }), queued: true }
          : { ...(await served.ingestion.run(source, { dataset, description })), queued: false };
        const job = await served.metadata.getJob(summary.jobId);
        const line = {
          jobId: summary.jobId,
          dataset,
          model: served.model.id,
          status: job?.status,
          total: job?.total ?? 0,
          ingested: job?.ingested ?? 0,
          skipped: job?.skipped ?? 0,
          failed: job?.failed ?? 0,
        };
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(line)}\n`
            : summary.queued
              ? `dataset ${dataset}: queued ${line.total} items for ${line.model} as job ${line.jobId}; run \`gloria worker\` with this model loaded\n`
              : `dataset ${dataset}: ${line.ingested} ${verb} for ${line.model}, ${line.skipped} skipped, ${line.failed} failed (job ${line.jobId})\n`,
        );
      }
    } finally {
      await queue?.close();
    }
  });
}
