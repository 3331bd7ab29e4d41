// `gloria migrate-features`: moves the loaded model's local features from Postgres into the file
// store (docs/storage.md, "Local features on disk"). The file store must not be open for writing
// elsewhere: stop the server and workers first.
import type { Command } from "commander";
import { loadConfig, withOverrides } from "../../config/config.ts";
import { AppError } from "../../errors/app-error.ts";
import { createLogger } from "../../logging/logger.ts";
import { openRuntime } from "../../runtime.ts";
import { FileLocalFeatureStore } from "../../stores/local-features/file.local-feature-store.ts";
import { migrateLocalFeatures } from "../../stores/local-features/local-features.migrate.ts";
import { PostgresLocalFeatureStore } from "../../stores/local-features/postgres.local-feature-store.ts";

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new AppError("BAD_USER_INPUT", `${flag} must be a positive integer; got ${value}`);
  return n;
}

export function registerFeatureCommands(program: Command): void {
  program
    .command("migrate-features")
    .description("move the loaded model's local features from Postgres into the file store (resumable, idempotent)")
    .option("--from <store>", "where the features are now (postgres)", "postgres")
    .option("--to <store>", "where they go (files)", "files")
    .option("--batch <n>", "items per batch", "200")
    .option("--limit <n>", "stop after this many items; a later run moves the rest")
    .option("--json", "print a JSON summary")
    .action(async (flags: { from: string; to: string; batch: string; limit?: string; json?: boolean }) => {
      if (flags.from !== "postgres" || flags.to !== "files") {
        throw new AppError("BAD_USER_INPUT", `Only --from postgres --to files is supported; got --from ${flags.from} --to ${flags.to}`);
      }
      const batch = positiveInt(flags.batch, "--batch") as number;
      const limit = positiveInt(flags.limit, "--limit");
      const config = loadConfig();
      const logger = createLogger(config.logLevel === "info" ? "warn" : config.logLevel);
      // The runtime reads features from Postgres, so it does not take the file store's lock itself.
      const runtime = await openRuntime(
        withOverrides(config, { localFeatures: "stored", localFeatureStore: "postgres", localFeaturePrecision: "float16" }),
        logger,
      );
      try {
        const target = new FileLocalFeatureStore({ dataDir: config.dataDir, precision: config.localFeaturePrecision, access: "write", logger });
        try {
          const summary = await migrateLocalFeatures({
            source: new PostgresLocalFeatureStore(runtime.database.prisma, runtime.database.pool),
            target,
            modelId: runtime.model.id,
            batch,
            limit,
            onBatch:
              flags.json || !process.stderr.isTTY ? undefined : (s) => process.stderr.write(`\rmoved ${s.moved.images} images, ${s.moved.reports} reports `),
          });
          if (!flags.json && process.stderr.isTTY) process.stderr.write("\n");
          process.stdout.write(
            flags.json
              ? `${JSON.stringify(summary)}\n`
              : `moved ${summary.moved.images} images and ${summary.moved.reports} reports; skipped ${summary.skipped.images + summary.skipped.reports} already moved; ${summary.remaining.images + summary.remaining.reports} left in Postgres\n`,
          );
        } finally {
          await target.close();
        }
      } finally {
        await runtime.close();
      }
    });
}
