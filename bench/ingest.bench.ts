// End-to-end ingestion rate versus the encoder alone, on the same machine, model and images:
// endToEndOverEncoder = (images/s through ingest: read, hash, decode, preprocess, encode, write
// vectors + local features + metadata) / (images/s of encodeImages on already-preprocessed input).
// Runs on the embedded stores in a temporary data dir: PGlite, or with --database-url a fresh
// database created on that server for each model and dropped afterwards (so dedupe never skips).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../src/config/config.ts";
import { createScratchDatabase } from "../src/db/scratch-database.ts";
import { silentLogger } from "../src/logging/logger.ts";
import { generatePhantoms } from "../src/phantoms/phantom.generate.ts";
import { openRuntime } from "../src/runtime.ts";

function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

async function measure(modelDir: string, count: number, batchSize: number, adminUrl: string | undefined, encoderThread: string) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-ingest-bench-"));
  const scratch = adminUrl ? await createScratchDatabase(adminUrl, "gloria_ingest_bench") : undefined;
  const databaseUrl = scratch?.url;
  try {
    const phantoms = path.join(work, "phantoms");
    await generatePhantoms({ out: phantoms, count, seed: 99, split: "test" });
    const config = loadConfig({
      GLORIA_DATA_DIR: path.join(work, "data"),
      GLORIA_MODEL_DIR: modelDir,
      DATABASE_URL: databaseUrl,
      BATCH_SIZE: String(batchSize),
      INGEST_ENCODER_THREAD: encoderThread,
      LOG_LEVEL: "silent",
    });
    const runtime = await openRuntime(config, silentLogger());
    try {
      // Encoder alone: the same images, decoded and preprocessed beforehand, in the same batches.
      const files = fs.readdirSync(path.join(phantoms, "images")).map((f) => path.join(phantoms, "images", f));
      const prepared = await Promise.all(files.map(async (f) => (await runtime.prepareImage(new Uint8Array(fs.readFileSync(f)))).pixels));
      await runtime.model.encodeImages(prepared.slice(0, batchSize));
      let started = performance.now();
      for (let i = 0; i < prepared.length; i += batchSize) await runtime.model.encodeImages(prepared.slice(i, i + batchSize));
      const encoderSeconds = (performance.now() - started) / 1000;

      // The headline: the images alone (a folder without reports), so both sides do the same work.
      started = performance.now();
      const summary = await runtime.ingestion.run({ kind: "folder", path: path.join(phantoms, "images") }, { dataset: "bench-images", batchSize });
      const endToEndSeconds = (performance.now() - started) / 1000;
      // For information: image + report pairs from the manifest, which also run the text encoder.
      started = performance.now();
      await runtime.ingestion.run({ kind: "manifest", path: path.join(phantoms, "manifest.csv") }, { dataset: "bench-pairs", batchSize });
      const pairsSeconds = (performance.now() - started) / 1000;
      return {
        model: runtime.model.id,
        database: databaseUrl ? "postgres server" : "embedded PGlite",
        encoderThread,
        images: files.length,
        ingested: summary.ingested,
        failed: summary.failed,
        batchSize,
        encoderImagesPerSecond: files.length / encoderSeconds,
        endToEndImagesPerSecond: files.length / endToEndSeconds,
        endToEndOverEncoder: encoderSeconds / endToEndSeconds,
        withReports: { pairsPerSecond: files.length / pairsSeconds, overEncoder: encoderSeconds / pairsSeconds },
      };
    } finally {
      await runtime.close();
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    await scratch?.drop();
  }
}

/** `npm run bench -- ingest [--models DIR,DIR] [--count N] [--batch B] [--database-url URL] [--encoder-thread on|off] --json` */
export async function run(args: readonly string[] = []): Promise<Record<string, unknown>> {
  const defaults = ["models/gloria-phantom", "tests/fixtures/large/gloria-full"].filter((d) => fs.existsSync(path.join(d, "manifest.json")));
  const models = option(args, "models", defaults.join(",")).split(",").filter(Boolean);
  if (models.length === 0) throw new Error("no model to benchmark: pass --models DIR (the full-size one is made by tools/make-goldens --full)");
  const count = Number(option(args, "count", "200"));
  const batch = Number(option(args, "batch", "16"));
  const databaseUrl = option(args, "database-url", "") || undefined;
  const encoderThread = option(args, "encoder-thread", "on");
  const results = [];
  for (const dir of models) results.push({ modelDir: dir, ...(await measure(dir, count, batch, databaseUrl, encoderThread)) });
  return { benchmark: "ingest", machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model }, target: { endToEndOverEncoder: 0.9 }, results };
}
