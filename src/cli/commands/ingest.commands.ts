// `gloria ingest` and `gloria stats`: load a dataset into the stores, and count what they hold.
import type { Command } from "commander";
import { loadConfig } from "../../config/config.ts";
import { createLogger } from "../../logging/logger.ts";
import { openRuntime, type Runtime } from "../../runtime.ts";
import { detectSource } from "../../services/ingest/ingest.sources.ts";
import type { IngestProgress } from "../../services/ingest/ingest.service.ts";

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
    stream.write(`\r${bar}${p.done}${total ? `/${total}` : ""} items, ${rate.toFixed(1)}/s${eta} — ${p.ingested} new, ${p.skipped} skipped, ${p.failed} failed `);
  };
}

export async function collectStats(runtime: Runtime) {
  const [catalog, imageVectors, reportVectors, local] = await Promise.all([
    runtime.metadata.stats(runtime.model.id),
    runtime.collections.images.count(),
    runtime.collections.reports.count(),
    runtime.localFeatures.count(runtime.model.id),
  ]);
  return { model: runtime.model.id, ...catalog, vectors: { images: imageVectors, reports: reportVectors }, localFeatures: local };
}

export function registerIngestCommands(program: Command): void {
  program
    .command("ingest <source>")
    .description("ingest a folder of images (with reports.csv), a CheXpert-style manifest .csv, or MIMIC-CXR-style study folders")
    .option("--dataset <name>", "dataset name (default: the source's folder name)")
    .option("--batch-size <n>", "items per encoder batch", "16")
    .option("--json", "print a JSON summary instead of a progress bar")
    .action(async (target: string, flags: { dataset?: string; batchSize: string; json?: boolean }) => {
      const source = detectSource(target);
      const dataset = flags.dataset ?? (source.kind === "uploads" ? "uploads" : (source.path.split("/").filter(Boolean).at(source.kind === "manifest" ? -2 : -1) ?? "default"));
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
          process.stdout.write(`${JSON.stringify({ jobId: summary.jobId, dataset, ingested: summary.ingested, skipped: summary.skipped, failed: summary.failed, errors: summary.errors, repaired: reconciled.orphanVectors })}\n`);
        } else {
          process.stdout.write(`dataset ${dataset}: ${summary.ingested} ingested, ${summary.skipped} skipped, ${summary.failed} failed (job ${summary.jobId})\n`);
          for (const e of summary.errors.slice(0, 20)) process.stdout.write(`  ${e.item}: ${e.code}: ${e.message}\n`);
          if (summary.errors.length > 20) process.stdout.write(`  … and ${summary.errors.length - 20} more\n`);
        }
      });
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
