// The server under a long mixed load, for errors and memory rather than speed. Per configuration —
// the embedded default (PGlite + usearch), then the Postgres server with a Qdrant stand-in that is
// stopped for a while mid-run and started again on the same port — the real server runs in a child
// process over phantoms ingested first; C clients send every kind of query for S seconds while an
// asynchronous ingestion of more phantoms runs. Reported: errors by code, split into expected (vector
// queries answered STORE_UNAVAILABLE while the vector store is down) and unexpected, latency per query
// kind, the server's RSS at start and end, and whether it recovered without a restart.
// See docs/reliability.md.
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createScratchDatabase, type ScratchDatabase } from "../src/db/scratch-database.ts";
import { GLORIA_CHEXPERT_5X5 } from "../src/model/zero-shot/zero-shot.prompts.ts";
import { onnxRuntimeInfo } from "../src/model/onnx.runtime.ts";
import { startFakeQdrant, type FakeQdrant } from "../tests/integration/stores/fake-qdrant.server.ts";
import {
  benchLog,
  defaultModel,
  describeError,
  isServerChild,
  option,
  phantomSet,
  positive,
  post,
  QUERY_TEXTS,
  round3,
  serveChild,
  ServerProcess,
  summarize,
  type StartInfo,
} from "./server.harness.ts";
import { INGEST_JOB_FIELDS, type IngestJobView } from "../tests/helpers/ingest-job.ts";

const log = benchLog("soak");

/** Goals stated in the output. */
const GOAL_UNEXPECTED_ERRORS = 0;
const GOAL_RSS_GROWTH_BELOW = 0.1;
/** The full mix runs this long before the RSS at start is read, so the working set of C clients is in it. */
const WARMUP_FRACTION = 0.1;
const WARMUP_MIN_SECONDS = 5;
const RSS_SAMPLE_MS = 5000;
/**
 * Quiet seconds after a load phase (its last request answered) before memory is read, at start and
 * at end alike: right after the last heavy answers the RSS still holds their transient buffers.
 */
const SETTLE_SECONDS = 5;
/** The ingestion during the load starts this long before the vector store goes down, so that it is running then. */
const INGEST_LEAD_SECONDS = 5;
const JOB_POLL_MS = 1000;
/** How long the asynchronous ingestion may run on after the load before the run gives up on it. */
const JOB_DRAIN_SECONDS = 180;
/** A request gets this long before the client gives up (the server's own limit is 60 s). */
const CLIENT_TIMEOUT_MS = 90_000;
const INGEST_DATASET = "soak-ingest";
const CLASSES = GLORIA_CHEXPERT_5X5.classes.map((c) => c.name);

// ---------------------------------------------------------------------------------------------
// The query mix

interface Inputs {
  imageIds: readonly string[];
  reportIds: readonly string[];
  /** Base64 PNG phantoms, to search with as uploads. */
  images: readonly string[];
  texts: readonly string[];
  dataset: string;
}

interface QueryKind {
  /** Relative share of the mix. */
  weight: number;
  /** Whether the query reads the vector store (so STORE_UNAVAILABLE is expected while it is down). */
  needsVectors: boolean;
  field: string;
  body(i: number, inputs: Inputs): { query: string; variables?: Record<string, unknown> };
}

const at = <T>(list: readonly T[], i: number): T => list[i % list.length]!;
const HIT = "rank score globalScore localScore image { id dataset viewPosition findings }";

const KINDS = {
  searchImages: {
    weight: 3,
    needsVectors: true,
    field: "searchImages",
    body: (i, x) => ({ query: `query($text: String!) { searchImages(text: $text, first: 10) { ${HIT} } }`, variables: { text: at(x.texts, i) } }),
  },
  searchImagesRerankHeatmaps: {
    weight: 1,
    needsVectors: true,
    field: "searchImages",
    body: (i, x) => ({
      query: `query($text: String!) { searchImages(text: $text, first: 3, rerank: { candidates: 50, mode: REFERENCE }) { ${HIT} attention { word weight heatmap } } }`,
      variables: { text: at(x.texts, i) },
    }),
  },
  searchReportsById: {
    weight: 2,
    needsVectors: true,
    field: "searchReports",
    body: (i, x) => ({
      query: "query($id: ID!) { searchReports(image: { id: $id }, first: 10) { rank score report { id text findings } } }",
      variables: { id: at(x.imageIds, i) },
    }),
  },
  searchReportsByUpload: {
    weight: 1,
    needsVectors: true,
    field: "searchReports",
    body: (i, x) => ({
      query: "query($b: String!) { searchReports(image: { base64: $b }, first: 10) { rank score report { id text } } }",
      variables: { b: at(x.images, i) },
    }),
  },
  similarImages: {
    weight: 2,
    needsVectors: true,
    field: "similarImages",
    body: (i, x) => ({ query: `query($id: ID!) { similarImages(image: { id: $id }, first: 10) { ${HIT} } }`, variables: { id: at(x.imageIds, i) } }),
  },
  classify: {
    weight: 2,
    needsVectors: true,
    field: "classify",
    body: (i, x) => ({
      query: "query($id: ID!) { classify(images: [{ id: $id }]) { predicted normalization scores { className score rawScore } } }",
      variables: { id: at(x.imageIds, i) },
    }),
  },
  attention: {
    weight: 1,
    // A stored image's global vector is read with its regions.
    needsVectors: true,
    field: "attention",
    body: (i, x) => ({
      query: "query($id: ID!, $text: String!) { attention(image: { id: $id }, text: $text) { grid localScore words { word weight heatmap } } }",
      variables: { id: at(x.imageIds, i), text: at(x.texts, i + 7) },
    }),
  },
  images: {
    weight: 2,
    needsVectors: false,
    field: "images",
    body: (i, x) => ({
      query:
        "query($f: ImageFilter) { images(first: 20, filter: $f) { totalCount edges { cursor node { id findings viewPosition status } } pageInfo { hasNextPage endCursor } } }",
      variables: {
        f:
          i % 3 === 0
            ? { datasets: [x.dataset] }
            : i % 3 === 1
              ? { findings: [at(CLASSES, i)] }
              : { viewPositions: [i % 2 ? "PA" : "AP"], findings: [at(CLASSES, i)] },
      },
    }),
  },
  reports: {
    weight: 2,
    needsVectors: false,
    field: "reports",
    body: (i, x) => ({
      query:
        "query($f: ReportFilter) { reports(first: 20, filter: $f) { totalCount edges { node { id findings status } } pageInfo { hasNextPage endCursor } } }",
      variables: { f: i % 2 === 0 ? { datasets: [x.dataset], findings: [at(CLASSES, i)] } : { findings: [at(CLASSES, i)] } },
    }),
  },
  imageById: {
    weight: 3,
    needsVectors: false,
    field: "image",
    body: (i, x) => ({
      query: "query($id: ID!) { image(id: $id) { id dataset contentHash width height viewPosition findings status reports { id } } }",
      variables: { id: at(x.imageIds, i) },
    }),
  },
  reportById: {
    weight: 3,
    needsVectors: false,
    field: "report",
    body: (i, x) => ({ query: "query($id: ID!) { report(id: $id) { id dataset text findings status images { id } } }", variables: { id: at(x.reportIds, i) } }),
  },
  models: {
    weight: 1,
    needsVectors: false,
    field: "models",
    body: () => ({ query: "{ models { id name version dim grid loaded } }" }),
  },
  health: {
    weight: 1,
    needsVectors: false,
    field: "health",
    body: () => ({ query: "{ health { status ready uptimeSeconds checks { name ok detail } } }" }),
  },
} satisfies Record<string, QueryKind>;
type KindName = keyof typeof KINDS | "ingest" | "ingestJob";
const KIND_NAMES = Object.keys(KINDS) as Array<keyof typeof KINDS>;
/** The ingestion's own requests, beside the clients' mix. */
const NEEDS_VECTORS: Record<KindName, boolean> = {
  ...Object.fromEntries(KIND_NAMES.map((k) => [k, KINDS[k].needsVectors])),
  ingest: true,
  ingestJob: false,
} as Record<KindName, boolean>;

/** The mix as a list each client walks from its own offset: every kind `weight` times. */
const MIX: Array<keyof typeof KINDS> = KIND_NAMES.flatMap((k) => Array<keyof typeof KINDS>(KINDS[k].weight).fill(k));

// ---------------------------------------------------------------------------------------------
// Requests and their outcomes

interface Outcome {
  kind: KindName;
  /** Start, ms since the measured phase began (negative: warm-up). */
  start: number;
  ms: number;
  /** null: a success; else the GraphQL extensions.code, `HTTP_<status>` or `SOCKET_<code>`. */
  code: string | null;
  message?: string;
  data?: Record<string, unknown>;
}

/** Why a response is not a success, as a code and message; null code when it is one. */
function classify(status: number, text: string, field: string): { code: string | null; message?: string; data?: Record<string, unknown> } {
  let parsed: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return { code: `HTTP_${status}`, message: `unparsable body: ${text.slice(0, 200)}` };
  }
  const error = parsed.errors?.[0];
  if (error) return { code: error.extensions?.code ?? `HTTP_${status}`, message: error.message.slice(0, 300) };
  if (status !== 200) return { code: `HTTP_${status}`, message: text.slice(0, 200) };
  const value = parsed.data?.[field];
  if (value === null || value === undefined) return { code: "NO_DATA", message: `${field} is null` };
  return { code: null, data: parsed.data ?? undefined };
}

async function send(agent: http.Agent, url: URL, kind: KindName, field: string, payload: unknown, t0: number): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await post(agent, url, JSON.stringify(payload), AbortSignal.timeout(CLIENT_TIMEOUT_MS));
    return { kind, start: started - t0, ms: performance.now() - started, ...classify(res.status, res.text, field) };
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).name;
    return { kind, start: started - t0, ms: performance.now() - started, code: `SOCKET_${code}`, message: (error as Error).message };
  }
}

// ---------------------------------------------------------------------------------------------
// One configuration

interface Configuration {
  name: "embedded" | "postgres";
  /** Seconds after the measured phase begins at which the vector store is stopped, and for how long. */
  outage?: { atSeconds: number; seconds: number };
}

interface Settings {
  clients: number;
  duration: number;
  count: number;
  ingestCount: number;
  outage: number;
  seed: number;
  model: string;
  adminUrl: string;
}

interface OutageWindow {
  /** ms since the measured phase began. */
  stoppedAt: number;
  restartedAt: number;
}

async function soak(config: Configuration, s: Settings, work: string) {
  const base = await phantomSet(s.count, s.seed, log);
  const extra = await phantomSet(s.ingestCount, s.seed + 1, log);
  const dir = fs.mkdtempSync(path.join(work, `${config.name}-`));
  let database: ScratchDatabase | undefined;
  let qdrant: FakeQdrant | undefined;
  let server: ServerProcess | undefined;
  try {
    const env: Record<string, string> = {
      GLORIA_DATA_DIR: path.join(dir, "data"),
      GLORIA_MODEL_DIR: s.model,
      DATABASE_URL: "",
      QDRANT_URL: "",
      RATE_LIMIT_PER_MINUTE: "0",
      INGEST_ROOTS: extra.dir,
    };
    if (config.name === "postgres") {
      database = await createScratchDatabase(s.adminUrl, "gloria_soak_bench");
      qdrant = await startFakeQdrant();
      env.DATABASE_URL = database.url;
      env.QDRANT_URL = qdrant.url;
    }
    server = new ServerProcess(import.meta.url);
    const info = await server.call<StartInfo>("start", { env });
    const memory = (gc: boolean) => server!.call<NodeJS.MemoryUsage>("memory", { gc });
    const rssStarted = (await memory(false)).rss;
    log(`${config.name}: server ${info.url}; ingesting ${s.count} phantoms`);
    const ingest = await server.call<{ seconds: number; ingested: number; failed: number; attempts: number }>("ingest", {
      manifest: base.manifest,
      dataset: "soak",
      count: s.count,
    });
    const { ids: imageIds } = await server.call<{ ready: number; ids: string[] }>("ids", { sample: 100 });
    const reportIds = await server.call<string[]>("reportIds", { sample: 100 });
    if (imageIds.length === 0 || reportIds.length === 0) throw new Error("nothing was ingested");
    log(`${config.name}: ingested ${ingest.ingested} in ${ingest.seconds.toFixed(1)} s`);
    const inputs: Inputs = { imageIds, reportIds, images: uploads(base.dir, 8), texts: QUERY_TEXTS, dataset: "soak" };
    const url = new URL(info.url);

    // Warm-up: the full mix with every client, not counted, so that the RSS at start holds the
    // working set of C concurrent clients (caches, pools, JIT).
    const warmup = Math.max(WARMUP_MIN_SECONDS, s.duration * WARMUP_FRACTION);
    log(`${config.name}: warm-up ${warmup} s with ${s.clients} clients`);
    const warm = await drive(url, inputs, s.clients, performance.now() + warmup * 1000);
    await sleepUntil(performance.now() + SETTLE_SECONDS * 1000);
    const start = await readings(memory);

    // The measured phase.
    log(
      `${config.name}: ${s.clients} clients for ${s.duration} s${config.outage ? `, vector store down from ${config.outage.atSeconds} s for ${config.outage.seconds} s` : ""}`,
    );
    const t0 = performance.now();
    const rssSamples: Array<{ atSeconds: number; rssMiB: number }> = [];
    const sampler = setInterval(() => {
      const atSeconds = round3((performance.now() - t0) / 1000);
      void memory(false).then(
        (m) => rssSamples.push({ atSeconds, rssMiB: mib(m.rss) }),
        () => undefined,
      );
    }, RSS_SAMPLE_MS);
    let outage: OutageWindow | undefined;
    const outageDone = config.outage && qdrant ? runOutage(qdrant, config.outage, t0).then((w) => (outage = w)) : Promise.resolve(undefined);
    const until = t0 + s.duration * 1000;
    // Both configurations start it at the same time, the one without an outage too.
    const ingestAt = t0 + Math.max(0, outageAt(s.duration, s.outage) - INGEST_LEAD_SECONDS) * 1000;
    const [outcomes, job] = await Promise.all([
      drive(url, inputs, s.clients, until, t0),
      sleepUntil(ingestAt).then(() => ingestDuringLoad(url, extra.dir, until, t0, Boolean(config.outage && qdrant), () => outage)),
    ]);
    clearInterval(sampler);
    await outageDone;
    const atLoadEnd = (await memory(false)).rss;
    await sleepUntil(performance.now() + SETTLE_SECONDS * 1000);
    const end = await readings(memory);

    // After the load: the ingestion finishes, then one request of every kind must succeed.
    const drained = await job.drain();
    const stored = await server.call<Record<string, Record<string, number>>>("stored", { dataset: INGEST_DATASET });
    const afterIngestion = await readings(memory);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const probe: Record<string, string | null> = {};
    for (const kind of KIND_NAMES) probe[kind] = (await send(agent, url, kind, KINDS[kind].field, KINDS[kind].body(0, inputs), performance.now())).code;
    agent.destroy();
    const all = [...outcomes, ...job.outcomes];
    return {
      configuration: config.name,
      stores: {
        database: database ? "Postgres server (scratch database)" : "embedded PGlite",
        vectors: qdrant ? "Qdrant REST stand-in (tests/integration/stores/fake-qdrant.server.ts)" : "embedded usearch",
      },
      server: info.config,
      model: info.model,
      preloaded: { images: ingest.ingested, failed: ingest.failed, seconds: round3(ingest.seconds), attempts: ingest.attempts },
      warmup: { seconds: warmup, requests: warm.length, errors: warm.filter((o) => o.code).length },
      ...report(all, outage, s.duration),
      ingestion: { ...drained, requested: s.ingestCount, stored },
      rssMiB: {
        afterServerStart: mib(rssStarted),
        start,
        end,
        atLoadEnd: mib(atLoadEnd),
        peakSampled: Math.max(...rssSamples.map((x) => x.rssMiB)),
        afterIngestionFinished: afterIngestion,
        samples: rssSamples,
      },
      // Judged on the RSS after a full collection of the main thread's heap, both read SETTLE_SECONDS
      // after a load phase: under load the RSS swings by half with transient buffers (see the
      // samples), which would drown a leak or invent one.
      rssGrowth: round3((end.rssAfterGc - start.rssAfterGc) / start.rssAfterGc),
      rssGrowthAsRead: round3((end.rss - start.rss) / start.rss),
      heapUsedGrowth: round3((end.heapUsedAfterGc - start.heapUsedAfterGc) / start.heapUsedAfterGc),
      probeAfterLoad: probe,
      recoveredWithoutRestart: recovered(all, outage, probe),
    };
  } finally {
    await server?.stop();
    await qdrant?.close();
    await database?.drop().catch((error: unknown) => log(`could not drop the benchmark database: ${String(error)}`));
  }
}

/** The vector store goes down in the middle of the run. */
const outageAt = (duration: number, outage: number) => (duration - outage) / 2;

const mib = (bytes: number) => round3(bytes / 2 ** 20);

/** The RSS as read, then the RSS and JS heap in use after a full garbage collection, in MiB. */
async function readings(memory: (gc: boolean) => Promise<NodeJS.MemoryUsage>) {
  const raw = await memory(false);
  const collected = await memory(true);
  return { rss: mib(raw.rss), rssAfterGc: mib(collected.rss), heapUsedAfterGc: mib(collected.heapUsed), externalAfterGc: mib(collected.external) };
}

/** Base64 of the first n PNG phantoms of a set. */
function uploads(dir: string, n: number): string[] {
  const folder = path.join(dir, "images");
  return fs
    .readdirSync(folder)
    .filter((f) => f.endsWith(".png"))
    .sort()
    .slice(0, n)
    .map((f) => fs.readFileSync(path.join(folder, f)).toString("base64"));
}

/** Stops the vector store at its time and starts it again on the same port; resolves with when. */
async function runOutage(qdrant: FakeQdrant, outage: { atSeconds: number; seconds: number }, t0: number): Promise<OutageWindow> {
  await sleepUntil(t0 + outage.atSeconds * 1000);
  await qdrant.stop();
  const stoppedAt = performance.now() - t0;
  log(`vector store stopped at ${(stoppedAt / 1000).toFixed(1)} s`);
  await sleepUntil(t0 + stoppedAt + outage.seconds * 1000);
  await qdrant.start();
  const restartedAt = performance.now() - t0;
  log(`vector store started again at ${(restartedAt / 1000).toFixed(1)} s`);
  return { stoppedAt, restartedAt };
}

const sleepUntil = (time: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, time - performance.now())));

/** C clients, each on its own keep-alive connection, walking the mix one request at a time until `until`. */
async function drive(url: URL, inputs: Inputs, clients: number, until: number, t0 = until): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      // Offsets spread the clients over the mix and the inputs.
      for (let i = c * 7; performance.now() < until; i++) {
        const kind = at(MIX, i);
        outcomes.push(await send(agent, url, kind, KINDS[kind].field, KINDS[kind].body(i * 31 + c, inputs), t0));
      }
      agent.destroy();
    }),
  );
  return outcomes;
}

/**
 * The asynchronous ingestion of the extra phantoms: the `ingest` mutation with async: true, then
 * `ingestJob` every second. A job that fails is submitted again once the vector store is up (items
 * already stored are skipped), as an operator would; drain() waits for the last job after the load.
 */
async function ingestDuringLoad(url: URL, source: string, until: number, t0: number, hasOutage: boolean, outage: () => OutageWindow | undefined) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const outcomes: Outcome[] = [];
  const jobs: Array<{ id: string; submittedAtSeconds: number; final?: IngestJobView; finishedAtSeconds?: number }> = [];
  let current: IngestJobView | undefined;
  const submit = async () => {
    const o = await send(
      agent,
      url,
      "ingest",
      "ingest",
      {
        query: `mutation($p: String!) { ingest(input: { dataset: "${INGEST_DATASET}", path: $p, async: true }) { ${INGEST_JOB_FIELDS} } }`,
        variables: { p: source },
      },
      t0,
    );
    outcomes.push(o);
    if (o.code) return;
    current = (o.data as { ingest: IngestJobView }).ingest;
    jobs.push({ id: current.id, submittedAtSeconds: round3(o.start / 1000) });
  };
  const poll = async () => {
    if (!current) return;
    const o = await send(
      agent,
      url,
      "ingestJob",
      "ingestJob",
      { query: `query($id: ID!) { ingestJob(id: $id) { ${INGEST_JOB_FIELDS} } }`, variables: { id: current.id } },
      t0,
    );
    outcomes.push(o);
    if (o.code) return;
    current = (o.data as { ingestJob: IngestJobView }).ingestJob;
    if (["SUCCEEDED", "FAILED", "CANCELLED"].includes(current.status)) {
      const entry = jobs.at(-1)!;
      entry.final = current;
      entry.finishedAtSeconds = round3((performance.now() - t0) / 1000);
    }
  };
  const finished = () => current !== undefined && jobs.at(-1)?.final !== undefined;
  const step = async (resubmit: boolean) => {
    if (!current) await submit();
    else if (!finished()) await poll();
    else if (resubmit && current.status !== "SUCCEEDED" && jobs.length < 3) {
      // Submitted again only once the vector store is back, when it goes down at all.
      if (!hasOutage || outage()) await submit();
    }
    await new Promise((r) => setTimeout(r, JOB_POLL_MS));
  };
  while (performance.now() < until && !(finished() && current!.status === "SUCCEEDED")) await step(true);
  return {
    outcomes,
    drain: async () => {
      const started = performance.now();
      while (performance.now() - started < JOB_DRAIN_SECONDS * 1000 && !(finished() && (current!.status === "SUCCEEDED" || jobs.length >= 3))) await step(true);
      agent.destroy();
      const last = jobs.at(-1);
      const final = last?.final;
      return {
        jobs: jobs.map((j) => ({
          id: j.id,
          submittedAtSeconds: j.submittedAtSeconds,
          finishedAtSeconds: j.finishedAtSeconds ?? null,
          status: j.final?.status ?? "RUNNING",
          ingested: j.final?.ingested ?? null,
          skipped: j.final?.skipped ?? null,
          failed: j.final?.failed ?? null,
          error: j.final?.error ?? null,
          firstErrors: j.final?.errors.slice(0, 3) ?? [],
        })),
        status: final?.status ?? current?.status ?? "NOT_STARTED",
        finishedDuringLoad: last?.finishedAtSeconds !== undefined && last.finishedAtSeconds * 1000 <= until - t0,
        secondsAfterLoadStart: last?.finishedAtSeconds ?? null,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The report of one configuration

/** STORE_UNAVAILABLE to a query that needs vectors, sent while the vector store was down. */
function expected(o: Outcome, outage: OutageWindow | undefined): boolean {
  if (!outage || o.code !== "STORE_UNAVAILABLE" || !NEEDS_VECTORS[o.kind]) return false;
  // In flight at some point while it was down: started before it came back, ended after it went.
  return o.start < outage.restartedAt && o.start + o.ms > outage.stoppedAt;
}

function report(all: Outcome[], outage: OutageWindow | undefined, duration: number) {
  const byCode = (list: Outcome[]) => {
    const counts: Record<string, number> = {};
    for (const o of list) counts[o.code!] = (counts[o.code!] ?? 0) + 1;
    return counts;
  };
  const errors = all.filter((o) => o.code);
  const expectedErrors = errors.filter((o) => expected(o, outage));
  const unexpected = errors.filter((o) => !expected(o, outage));
  const kinds = [...KIND_NAMES, "ingest", "ingestJob"] as KindName[];
  const perKind = Object.fromEntries(
    kinds
      .map((k) => [k, all.filter((o) => o.kind === k)] as const)
      .filter(([, list]) => list.length > 0)
      .map(([k, list]) => {
        const { n: _n, ...latency } = summarize(list.map((o) => o.ms));
        const bad = list.filter((o) => o.code && !expected(o, outage));
        return [
          k,
          {
            requests: list.length,
            needsVectors: NEEDS_VECTORS[k],
            errors: byCode(list.filter((o) => o.code)),
            unexpected: bad.length,
            latencyMs: latency,
            ...(bad[0] ? { firstUnexpected: `${bad[0].code}: ${bad[0].message}` } : {}),
          },
        ];
      }),
  );
  const { n: _n, ...latency } = summarize(all.map((o) => o.ms));
  return {
    requests: all.length,
    requestsPerSecond: round3(all.length / duration),
    errors: byCode(errors),
    expectedErrors: {
      total: expectedErrors.length,
      byCode: byCode(expectedErrors),
      rule: "STORE_UNAVAILABLE to a query that needs vectors, in flight while the vector store was down",
    },
    unexpectedErrors: {
      total: unexpected.length,
      byCode: byCode(unexpected),
      samples: [
        ...new Map(unexpected.map((o) => [`${o.kind} ${o.code}`, `${o.kind} at ${(o.start / 1000).toFixed(1)} s: ${o.code}: ${o.message}`])).values(),
      ].slice(0, 10),
    },
    latencyMs: latency,
    perKind,
    ...(outage ? { outage: outageReport(all, outage) } : {}),
  };
}

/** What happened around the outage: when vector queries failed, and when they succeeded again. */
function outageReport(all: Outcome[], outage: OutageWindow) {
  const vector = all.filter((o) => NEEDS_VECTORS[o.kind] && o.kind !== "ingest");
  const after = vector.filter((o) => o.start >= outage.restartedAt);
  const during = all.filter((o) => o.start >= outage.stoppedAt && o.start < outage.restartedAt);
  const firstSuccess = Object.fromEntries(
    KIND_NAMES.filter((k) => KINDS[k].needsVectors).map((k) => {
      const ok = after.find((o) => o.kind === k && !o.code);
      return [k, ok ? round3((ok.start + ok.ms - outage.restartedAt) / 1000) : null];
    }),
  );
  const lastFailure = after.filter((o) => o.code === "STORE_UNAVAILABLE").at(-1);
  return {
    stoppedAtSeconds: round3(outage.stoppedAt / 1000),
    restartedAtSeconds: round3(outage.restartedAt / 1000),
    whileDown: {
      requests: during.length,
      vectorQueries: during.filter((o) => NEEDS_VECTORS[o.kind]).length,
      vectorQueriesFailed: during.filter((o) => NEEDS_VECTORS[o.kind] && o.code).length,
      otherQueries: during.filter((o) => !NEEDS_VECTORS[o.kind]).length,
      otherQueriesFailed: during.filter((o) => !NEEDS_VECTORS[o.kind] && o.code).length,
      vectorQueryLatencyMs: summarize(during.filter((o) => NEEDS_VECTORS[o.kind]).map((o) => o.ms)),
    },
    afterRestart: {
      vectorQueries: after.length,
      vectorQueriesFailed: after.filter((o) => o.code).length,
      firstSuccessSecondsAfterRestart: firstSuccess,
      lastStoreUnavailableSecondsAfterRestart: lastFailure ? round3((lastFailure.start - outage.restartedAt) / 1000) : null,
    },
  };
}

/**
 * Recovered: one request of every kind succeeded after the load, and every vector query kind sent
 * after the store came back succeeded there at least once.
 */
function recovered(all: Outcome[], outage: OutageWindow | undefined, probe: Record<string, string | null>): boolean {
  const probed = Object.values(probe).every((code) => code === null);
  if (!outage) return probed;
  const after = all.filter((o) => o.start >= outage.restartedAt && KINDS[o.kind as keyof typeof KINDS]?.needsVectors);
  return probed && [...new Set(after.map((o) => o.kind))].every((k) => after.some((o) => o.kind === k && !o.code));
}

// ---------------------------------------------------------------------------------------------
// Orchestration

/**
 * `npm run bench -- soak [--duration 60] [--clients 50] [--count 500] [--ingest-count 200]
 * [--outage 10] [--configurations embedded,postgres] [--database-url URL] [--model DIR] [--seed S] --json`
 */
export async function run(args: readonly string[] = []): Promise<Record<string, unknown>> {
  const duration = positive(option(args, "duration", "60"), "duration", false);
  const clients = positive(option(args, "clients", "50"), "clients");
  const count = positive(option(args, "count", "500"), "count");
  const ingestCount = positive(option(args, "ingest-count", "200"), "ingest-count");
  const outageSeconds = positive(option(args, "outage", "10"), "outage", false);
  const seed = Number(option(args, "seed", "7"));
  const modelDir = option(args, "model", defaultModel());
  const adminUrl = option(args, "database-url", "postgresql://postgres@127.0.0.1:5432/postgres");
  const names = option(args, "configurations", "embedded,postgres").split(",");
  if (!fs.existsSync(path.join(modelDir, "manifest.json"))) throw new Error(`no model in ${modelDir} (manifest.json missing)`);
  const configurations: Configuration[] = [];
  for (const name of names) {
    if (name === "embedded") configurations.push({ name });
    else if (name === "postgres") {
      if (outageSeconds >= duration) throw new Error(`--outage (${outageSeconds} s) must be shorter than --duration (${duration} s)`);
      configurations.push({ name, outage: { atSeconds: outageAt(duration, outageSeconds), seconds: outageSeconds } });
    } else throw new Error(`unknown configuration ${name} (embedded, postgres)`);
  }
  const loadAverage = os.loadavg();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-soak-bench-"));
  // A private copy of the model folder, so that a model rewritten meanwhile cannot change the run.
  const model = path.join(work, "model");
  fs.cpSync(modelDir, model, { recursive: true });
  const settings: Settings = { clients, duration, count, ingestCount, outage: outageSeconds, seed, model, adminUrl };
  try {
    const results: Array<Record<string, unknown>> = [];
    for (const config of configurations) {
      try {
        results.push(await soak(config, settings, work));
      } catch (error) {
        log(`${config.name} failed: ${describeError(error)}`);
        results.push({ configuration: config.name, failed: describeError(error).split("\n")[0] });
      }
    }
    const cpus = os.cpus();
    const met = (r: Record<string, unknown>) =>
      !("failed" in r) &&
      (r.unexpectedErrors as { total: number }).total <= GOAL_UNEXPECTED_ERRORS &&
      (r.rssGrowth as number) < GOAL_RSS_GROWTH_BELOW &&
      r.recoveredWithoutRestart === true;
    return {
      benchmark: "soak",
      machine: {
        cpus: cpus.length,
        model: cpus[0]?.model ?? "unknown",
        memoryGiB: round3(os.totalmem() / 2 ** 30),
        loadAverageAtStart: loadAverage.map(round3),
        loadAverageAtEnd: os.loadavg().map(round3),
        node: process.version,
        onnxruntime: onnxRuntimeInfo().version,
      },
      model: modelDir,
      settings: {
        clients,
        durationSeconds: duration,
        preloaded: count,
        ingestedDuringLoad: ingestCount,
        outageSeconds,
        seed,
        rateLimitPerMinute: 0,
        maxRequestCost: "default",
        mix: Object.fromEntries(KIND_NAMES.map((k) => [k, KINDS[k].weight])),
      },
      goal: { unexpectedErrors: GOAL_UNEXPECTED_ERRORS, rssGrowthBelow: GOAL_RSS_GROWTH_BELOW, recoveredWithoutRestart: true },
      configurations: results,
      goalMet: results.every(met),
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (isServerChild(import.meta.url)) {
  serveChild("soak", (app) => ({
    /** Images and reports of a dataset by status. */
    async stored(m) {
      const { prisma } = app().database;
      const where = { dataset: { name: String(m.dataset) } };
      const statuses = ["PENDING", "READY", "FAILED"] as const;
      const images = await Promise.all(statuses.map((status) => prisma.image.count({ where: { ...where, status } })));
      const reports = await Promise.all(statuses.map((status) => prisma.report.count({ where: { ...where, status } })));
      return { images: Object.fromEntries(statuses.map((st, i) => [st, images[i]])), reports: Object.fromEntries(statuses.map((st, i) => [st, reports[i]])) };
    },
    async reportIds(m) {
      const rows = await app().database.prisma.report.findMany({ where: { status: "READY" }, select: { id: true }, orderBy: { id: "asc" } });
      const want = Math.min(Number(m.sample), rows.length);
      return Array.from({ length: want }, (_, i) => rows[Math.floor((i * rows.length) / want)]!.id);
    },
  }));
}
