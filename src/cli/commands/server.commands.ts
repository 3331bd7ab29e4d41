// `gloria serve`, `gloria migrate` and `gloria demo`: the commands that run the service itself.
import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { assertBindAllowed, createApp, type App } from "../../app.ts";
import { loadConfig, withOverrides, type Config } from "../../config/config.ts";
import { migrate } from "../../db/migrate.ts";
import { startEmbeddedPostgres } from "../../db/embedded-postgres.ts";
import { createLogger } from "../../logging/logger.ts";
import { generatePhantoms } from "../../phantoms/phantom.generate.ts";

export interface ServeFlags {
  host?: string;
  port?: string;
}

export function configFromFlags(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const config = withOverrides(loadConfig(env), {
    host: flags.host,
    port: flags.port === undefined ? undefined : Number(flags.port),
  });
  // HOST was checked against AUTH=off; --host replaces it, so the rule is checked again on the result.
  assertBindAllowed(config);
  return config;
}

/** Resolves when the process is asked to stop; then drains and closes the app. */
function closeOnSignal(app: App): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      app.logger.info({ signal }, "shutting down");
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      app.close().then(resolve, (error) => {
        app.logger.error({ err: error }, "error while shutting down");
        resolve();
      });
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

const DEMO_QUERY = `{ searchImages(text: "large left pleural effusion", first: 5, rerank: { candidates: 50 }) { rank score image { id findings findingDetails { className severity location } } } }`;
const DEMO_PHANTOMS = 1000;

export function registerServerCommands(program: Command): void {
  program
    .command("serve")
    .description("start the GraphQL server (applies pending migrations first)")
    .option("--host <host>", "address to bind (default: HOST or 127.0.0.1)")
    .option("--port <port>", "port to listen on (default: PORT or 4000)")
    .action(async (flags: ServeFlags) => {
      const app = await createApp(configFromFlags(flags));
      await closeOnSignal(app);
    });

  program
    .command("migrate")
    .description("apply pending database migrations and exit")
    .option("--json", "print the applied migrations as JSON")
    .action(async (flags: { json?: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, logger);
      try {
        const result = await migrate(config.databaseUrl ?? embedded!.url, logger);
        process.stdout.write(
          flags.json
            ? `${JSON.stringify(result)}\n`
            : `${result.applied.length} migration(s) applied${result.applied.length ? `: ${result.applied.join(", ")}` : ""}\n`,
        );
      } finally {
        await embedded?.close();
      }
    });

  program
    .command("demo")
    .description("generate 1,000 synthetic phantoms (once), ingest them on the embedded default, and serve with auth off on loopback")
    // No default here: one would override PORT, which the README documents for this command too.
    .option("--port <port>", "port to listen on (default: PORT or 4000)")
    .option("--count <n>", "phantoms to generate", String(DEMO_PHANTOMS))
    .action(async (flags: ServeFlags & { count: string }) => {
      // A person reads this output: the explorer's address comes first, JSON logs only for warnings (unless LOG_LEVEL says otherwise).
      const config = configFromFlags(
        { ...flags, host: "127.0.0.1" },
        { ...process.env, AUTH: "off", HOST: "127.0.0.1", LOG_LEVEL: process.env.LOG_LEVEL ?? "warn" },
      );
      const phantoms = path.join(config.dataDir, "demo-phantoms");
      const manifest = path.join(phantoms, "manifest.csv");
      // The roots are checked at start, so the folder exists before the phantoms do.
      fs.mkdirSync(phantoms, { recursive: true });
      const app = await createApp(withOverrides(config, { ingestRoots: [...config.ingestRoots, phantoms] }));
      process.stdout.write(`Explorer: ${app.url}/  (open it in a browser; the phantoms appear as they are ingested)\n`);
      if (!fs.existsSync(manifest)) {
        process.stdout.write(`Generating ${flags.count} synthetic phantoms in ${phantoms} …\n`);
        await generatePhantoms({ out: phantoms, count: Number(flags.count), seed: 2021, split: "test" });
      }
      if (app.runtime) {
        process.stdout.write("Ingesting the phantoms (already ingested ones are skipped) …\n");
        const summary = await app.runtime.ingestion.run({ kind: "manifest", path: manifest }, { dataset: "demo-phantoms" });
        process.stdout.write(`${summary.ingested} ingested, ${summary.skipped} already there, ${summary.failed} failed.\n`);
      } else {
        process.stdout.write(`No model could be loaded from ${config.modelDir}; nothing was ingested. /readyz says why.\n`);
      }
      process.stdout.write(
        [
          "",
          `gloria-search is running (data in ${config.dataDir}):`,
          `  Explorer     ${app.url}/`,
          `  GraphQL IDE  ${app.url}/graphql  (in a browser)`,
          `  Evaluations  evaluate the manifest ${manifest} on the explorer's Evaluations tab`,
          "Or from a shell:",
          `  curl -s ${app.url}/graphql -H 'content-type: application/json' \\`,
          `    -d '${JSON.stringify({ query: DEMO_QUERY })}'`,
          "Stop with Ctrl-C.",
          "",
        ].join("\n"),
      );
      await closeOnSignal(app);
    });
}
