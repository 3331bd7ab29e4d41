// Hybrid text → report search on phantoms: precision@10 of each CheXpert class name as a query
// ("pleural effusion", …) for the vector side alone, the full-text side alone, RRF and WEIGHTED(0.5),
// judged by the generator's manifest (a report is relevant when its image has the class), and the
// request latency of each. Phantoms are generated once (cached under the OS temp dir by count and
// seed) and ingested into fresh stores of an in-process server (createApp, AUTH=off, loopback):
// the embedded PGlite, or a scratch database on the Postgres server given by --database-url.
//
//   npm run bench -- text-search --json [--count 300] [--seed 31] [--runs 5] [--repeats 3] [--model DIR]
//     [--queries names|prompts] [--database-url postgresql://…]
// Each run ingests the set into fresh stores: equal scores are ordered by report id, which is new
// each time, so the figures are the mean (and range) over the runs.
// --queries prompts: the model's 25 zero-shot prompts (GLoRIA's CheXpert 5×5) instead of the names.
//   npm run bench -- text-search --json --scale 100000 [--database-url postgresql://…]
// --scale N: the full-text query alone over N phantom report texts (see fullTextAtScale).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config/config.ts";
import { createScratchDatabase } from "../src/db/scratch-database.ts";
import { openDatabase } from "../src/stores/database.ts";
import { PrismaMetadataStore } from "../src/stores/metadata/prisma.metadata-store.ts";
import { LIMITS } from "../src/services/limits.ts";
import { samplePhantom } from "../src/phantoms/phantom.sample.ts";
import { writeReport } from "../src/phantoms/phantom.report.ts";
import { silentLogger } from "../src/logging/logger.ts";
import { GLORIA_CHEXPERT_5X5 } from "../src/model/zero-shot/zero-shot.prompts.ts";
import { CHEXPERT_CLASSES, type ChexpertClass } from "../src/phantoms/phantom.types.ts";
import { parseCsvRecords } from "../src/services/ingest/csv.parse.ts";
import { benchLog, defaultModel, option, phantomSet, positive, round3, summarize } from "./server.harness.ts";

const K = 10;
/** How each mode asks for its ranking, and which of the returned hits are that ranking's. */
const MODES = {
  vectorOnly: { args: { fusion: "WEIGHTED", alpha: 1 }, rank: "vectorRank" },
  textOnly: { args: { fusion: "WEIGHTED", alpha: 0 }, rank: "textRank" },
  rrf: { args: { fusion: "RRF", alpha: 0.5 }, rank: null },
  weighted05: { args: { fusion: "WEIGHTED", alpha: 0.5 }, rank: null },
} as const;
type Mode = keyof typeof MODES;

interface Hit {
  vectorRank: number | null;
  textRank: number | null;
  report: { text: string };
}

/** One fresh ingestion of the set and every query in every mode: P@K per query and mode, latencies per mode. */
async function measure(
  options: { model: string; adminUrl: string; dir: string; count: number; repeats: number },
  queries: ReadonlyArray<{ className: ChexpertClass; text: string }>,
  truth: ReadonlyMap<string, readonly string[]>,
  log: (message: string) => void,
) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-text-search-bench-"));
  const scratch = options.adminUrl ? await createScratchDatabase(options.adminUrl, "gloria_bench") : undefined;
  const config = loadConfig({
    PORT: "0",
    HOST: "127.0.0.1",
    AUTH: "off",
    LOG_LEVEL: "silent",
    RATE_LIMIT_PER_MINUTE: "0",
    GLORIA_DATA_DIR: path.join(work, "data"),
    GLORIA_MODEL_DIR: options.model,
    INGEST_ROOTS: options.dir,
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
  });
  const app = await createApp(config, { logger: silentLogger() });
  try {
    const graphql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
      const res = await fetch(`${app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: T; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data!;
    };
    log(`ingesting ${options.count} phantoms`);
    const ingested = await graphql<{ ingest: { ingested: number; failed: number } }>(
      'mutation($p: String!) { ingest(input: { dataset: "bench", path: $p }) { ingested failed } }',
      { p: options.dir },
    );
    const stats = await graphql<{ reports: { totalCount: number } }>("{ reports(first: 1) { totalCount } }", {});
    const query = `query($text: String!, $fusion: Fusion, $alpha: Float) {
      searchReportsByText(text: $text, first: ${K}, fusion: $fusion, alpha: $alpha) { vectorRank textRank report { text } }
    }`;
    const precision = queries.map(() => ({}) as Record<Mode, number>);
    const textMatches: number[] = [];
    const latency: Record<Mode, number[]> = { vectorOnly: [], textOnly: [], rrf: [], weighted05: [] };
    for (const [q, { className, text }] of queries.entries()) {
      for (const [mode, spec] of Object.entries(MODES) as Array<[Mode, (typeof MODES)[Mode]]>) {
        let hits: Hit[] = [];
        for (let r = 0; r < options.repeats; r++) {
          const started = performance.now();
          hits = (await graphql<{ searchReportsByText: Hit[] }>(query, { text, ...spec.args })).searchReportsByText;
          latency[mode].push(performance.now() - started);
        }
        // A side alone: only the hits that side ranked in its first K (the rest of the page is the other side's filler).
        const ranking = spec.rank ? hits.filter((h) => h[spec.rank] !== null && h[spec.rank]! <= K) : hits.slice(0, K);
        precision[q]![mode] = ranking.filter((h) => truth.get(h.report.text.trim())?.includes(className)).length / K;
        if (mode === "textOnly") textMatches[q] = ranking.length;
      }
    }
    return { model: app.runtime!.model.id, ingested: ingested.ingest, reports: stats.reports.totalCount, precision, textMatches, latency };
  } finally {
    await app.close();
    await scratch?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The full-text query alone at scale: `reports` phantom report texts (no images, no model) written
 * straight into a fresh catalogue, READY for one model, then rankReportsByText timed per query. Its
 * cost grows with the matching reports, each ranked before the best `limit` are kept.
 */
async function fullTextAtScale(reports: number, seed: number, adminUrl: string, repeats: number, log: (message: string) => void) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-text-search-scale-"));
  const scratch = adminUrl ? await createScratchDatabase(adminUrl, "gloria_bench") : undefined;
  const db = await openDatabase({ databaseUrl: scratch?.url, dataDir: work, logger: silentLogger() });
  try {
    const modelId = "scale@1#000000000000";
    await db.prisma.model.create({ data: { id: modelId, name: "scale", version: "1", checksum: "0", dim: 1, gridH: 1, gridW: 1, manifest: {} } });
    const dataset = await db.prisma.dataset.create({ data: { name: "scale" } });
    const started = performance.now();
    for (let from = 0; from < reports; from += 2000) {
      const batch = Array.from({ length: Math.min(2000, reports - from) }, (_, i) => {
        const spec = samplePhantom(seed, "test", from + i);
        return { datasetId: dataset.id, contentHash: `scale-${from + i}`, text: writeReport(spec), findings: spec.findings.map((f) => ({ class: f.class })) };
      });
      await db.prisma.report.createMany({ data: batch });
      if ((from / 2000) % 10 === 0) log(`wrote ${from + batch.length}/${reports} reports`);
    }
    await db.prisma.$executeRawUnsafe(`INSERT INTO report_embeddings (report_id, model_id, status) SELECT id, $1, 'READY' FROM reports`, modelId);
    await db.prisma.$executeRawUnsafe("ANALYZE reports");
    const loadSeconds = (performance.now() - started) / 1000;
    const store = new PrismaMetadataStore(db.prisma, { statusModelId: modelId });
    const texts = ["pleural effusion", '"left pleural effusion"', "effusion -cardiomegaly", "kerley", "edema or consolidation"];
    const out = [];
    for (const text of texts) {
      const times: number[] = [];
      let hits = 0;
      for (let r = 0; r < repeats + 1; r++) {
        const t0 = performance.now();
        hits = (await store.rankReportsByText(modelId, text, {}, LIMITS.textSearchCandidates.min)).length;
        // The first run warms the caches.
        if (r > 0) times.push(performance.now() - t0);
      }
      const [{ matches }] = await db.prisma.$queryRawUnsafe<Array<{ matches: number }>>(
        "SELECT count(*)::int AS matches FROM reports WHERE text_search @@ websearch_to_tsquery('english', $1)",
        text,
      );
      out.push({ text, matches, hits, ms: summarize(times) });
    }
    return { reports, database: scratch ? "postgres" : "pglite", loadSeconds: round3(loadSeconds), limit: LIMITS.textSearchCandidates.min, queries: out };
  } finally {
    await db.close();
    await scratch?.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export async function run(args: string[]) {
  const log = benchLog("text-search");
  const scale = Number(option(args, "scale", "0"));
  if (scale > 0)
    return fullTextAtScale(scale, Number(option(args, "seed", "31")), option(args, "database-url", ""), positive(option(args, "repeats", "5"), "repeats"), log);
  const count = positive(option(args, "count", "300"), "count");
  const seed = Number(option(args, "seed", "31"));
  const repeats = positive(option(args, "repeats", "3"), "repeats");
  const runs = positive(option(args, "runs", "5"), "runs");
  const model = option(args, "model", defaultModel());
  const adminUrl = option(args, "database-url", "");
  const prompts = option(args, "queries", "names") === "prompts";

  const phantoms = await phantomSet(count, seed, log);
  // Relevance by the manifest: the report's text → its image's positive classes.
  const truth = new Map<string, string[]>();
  for (const row of parseCsvRecords(fs.readFileSync(phantoms.manifest, "utf8"), ["Report"])) {
    truth.set(
      row.Report!.trim(),
      CHEXPERT_CLASSES.filter((c) => row[c] === "1"),
    );
  }
  const queries = prompts
    ? GLORIA_CHEXPERT_5X5.classes.flatMap((c) => c.prompts.map((p) => ({ className: c.name as ChexpertClass, text: p.trim() })))
    : CHEXPERT_CLASSES.map((className) => ({ className, text: className.toLowerCase() }));

  const results: Array<Awaited<ReturnType<typeof measure>>> = [];
  for (let r = 0; r < runs; r++) {
    log(`run ${r + 1}/${runs}`);
    results.push(await measure({ model, adminUrl, dir: phantoms.dir, count, repeats }, queries, truth, log));
  }
  const modes = Object.keys(MODES) as Mode[];
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  // Per run, the mean over the queries; then their mean and range over the runs.
  const perRun = modes.map((mode) => results.map((run) => mean(run.precision.map((p) => p[mode]))));
  return {
    what: `precision@${K} of each ${prompts ? "zero-shot prompt of a CheXpert class" : "CheXpert class name"} as a searchReportsByText query, over ${runs} fresh ingestions (report ids, which break equal scores, differ between them)`,
    model: results[0]!.model,
    database: adminUrl ? "postgres" : "pglite",
    phantoms: { count, seed, split: "test", ingested: results[0]!.ingested.ingested, failed: results[0]!.ingested.failed, reports: results[0]!.reports },
    meanPrecisionAt10: Object.fromEntries(
      modes.map((mode, m) => [mode, { mean: round3(mean(perRun[m]!)), min: round3(Math.min(...perRun[m]!)), max: round3(Math.max(...perRun[m]!)) }]),
    ),
    perQuery: queries.map(({ text, className }, q) => ({
      query: text,
      relevantReports: [...truth.values()].filter((f) => f.includes(className)).length,
      textMatchesInPage: Math.min(...results.map((run) => run.textMatches[q]!)),
      ...Object.fromEntries(modes.map((mode) => [mode, round3(mean(results.map((run) => run.precision[q]![mode])))])),
    })),
    latencyMs: Object.fromEntries(modes.map((mode) => [mode, summarize(results.flatMap((run) => run.latency[mode]))])),
  };
}
