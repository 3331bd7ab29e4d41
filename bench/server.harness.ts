// What the benchmarks that load the real server share: the server in a child process driven over
// IPC (createApp with AUTH=off on loopback and a free port, ingestion, its RSS), cached phantom sets,
// plain HTTP requests, statistics and command-line options. No benchmark logic lives here.
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import vm from "node:vm";
import { createApp, type App } from "../src/app.ts";
import { loadConfig } from "../src/config/config.ts";
import { silentLogger } from "../src/logging/logger.ts";
import { GLORIA_CHEXPERT_5X5 } from "../src/model/zero-shot/zero-shot.prompts.ts";
import { generatePhantoms } from "../src/phantoms/phantom.generate.ts";

// ---------------------------------------------------------------------------------------------
// Statistics

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export const round3 = (v: number) => Math.round(v * 1000) / 1000;

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (sorted.length - 1) * p;
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  return {
    n: sorted.length,
    mean: round3(mean),
    p50: round3(percentile(sorted, 0.5)),
    p95: round3(percentile(sorted, 0.95)),
    p99: round3(percentile(sorted, 0.99)),
    max: round3(sorted[sorted.length - 1] ?? NaN),
  };
}

// ---------------------------------------------------------------------------------------------
// Options and logging

export function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

export function positive(value: string, name: string, integer = true): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new Error(`--${name} must be a positive ${integer ? "integer" : "number"} (got ${value})`);
  return n;
}

/** A progress logger on stderr (stdout carries the JSON result), prefixed with the benchmark's name. */
export function benchLog(name: string): (message: string) => void {
  return (message) => process.stderr.write(`${name} bench: ${message}\n`);
}

/** An error with its chain of causes, for the report. */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    parts.push(e instanceof Error ? (depth === 0 ? (e.stack ?? e.message) : `${e.name}: ${e.message}`) : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join("\n  caused by: ");
}

// ---------------------------------------------------------------------------------------------
// Phantoms and the model

/** The phantom set of (count, seed), generated once into the OS temp dir and reused. */
export async function phantomSet(
  count: number,
  seed: number,
  log: (message: string) => void,
): Promise<{ dir: string; manifest: string; cached: boolean; seconds: number }> {
  const dir = path.join(os.tmpdir(), "gloria-api-bench", `phantoms-n${count}-s${seed}-test`);
  const manifest = path.join(dir, "manifest.csv");
  const marker = path.join(dir, ".complete");
  if (fs.existsSync(marker) && fs.existsSync(manifest)) return { dir, manifest, cached: true, seconds: 0 };
  fs.rmSync(dir, { recursive: true, force: true });
  log(`generating ${count} phantoms into ${dir}`);
  const started = performance.now();
  let reported = 0;
  const summary = await generatePhantoms({
    out: dir,
    count,
    seed,
    split: "test",
    onProgress: (done) => {
      if (done - reported >= Math.max(500, count / 10)) {
        reported = done;
        log(`generated ${done}/${count}`);
      }
    },
  });
  const seconds = (performance.now() - started) / 1000;
  fs.writeFileSync(marker, JSON.stringify({ ...summary, seconds }));
  return { dir, manifest, cached: false, seconds };
}

/** Query texts: the zero-shot class prompts and lateral / graded phrases in the prompt vocabulary. */
export const QUERY_TEXTS: readonly string[] = [
  ...GLORIA_CHEXPERT_5X5.classes.flatMap((c) => c.prompts.map((p) => p.trim())),
  "left pleural effusion",
  "right pleural effusion",
  "large left pleural effusion",
  "small right pleural effusion",
  "consolidation in the left lung",
  "consolidation in the right lung",
  "atelectasis in the left lung",
  "atelectasis in the right lung",
  "moderate cardiomegaly",
  "mild pulmonary edema",
];

export function defaultModel(): string {
  return fs.existsSync(path.join("models/gloria-phantom", "manifest.json")) ? "models/gloria-phantom" : "tests/fixtures/models/tiny";
}

// ---------------------------------------------------------------------------------------------
// The server process: createApp and ingestion, driven over IPC. A benchmark module that forks
// itself as the server calls serveChild at its end, adding the operations only it needs.

const SERVER_FLAG = "--bench-server";

export type Message = { id: number; op: string; [key: string]: unknown };
export type Handler = (m: Message) => Promise<unknown>;

/** What the `start` operation answers. */
export interface StartInfo {
  url: string;
  model: { id: string; dim: number; grid: number[] };
  normalization: "REFERENCE" | "NONE";
  config: Record<string, unknown>;
}

/** Whether this process is the server child that ServerProcess forked from `entry` (an import.meta.url). */
export function isServerChild(entry: string): boolean {
  return process.send !== undefined && process.argv.includes(`${SERVER_FLAG}=${fileURLToPath(entry)}`);
}

/**
 * Serves the operations start (env: variables over the process's own), ingest (a manifest, run
 * to completion), ids (a sample of READY image ids), memory (process.memoryUsage(), after a full
 * garbage collection with `gc: true`) and stop,
 * and those of `extra`, which gets the started app.
 */
export function serveChild(name: string, extra: (app: () => App) => Record<string, Handler> = () => ({})): void {
  const log = benchLog(name);
  let app: App | undefined;
  const started = (): App => {
    if (!app) throw new Error("the server is not started");
    return app;
  };
  const handlers: Record<string, Handler> = {
    ...extra(started),
    async start(m) {
      // One client address drives the whole load: the per-client rate limit would measure itself.
      const config = loadConfig({
        RATE_LIMIT_PER_MINUTE: "0",
        ...process.env,
        ...(m.env as Record<string, string>),
        AUTH: "off",
        HOST: "127.0.0.1",
        PORT: "0",
        LOG_LEVEL: "silent",
      });
      app = await createApp(config, { logger: silentLogger() });
      if (!app.runtime || !app.services.search) throw new Error("the server started without a model; see /readyz");
      const normalization = app.runtime.model.manifest.zeroShot.reference ? "REFERENCE" : "NONE";
      const { model } = app.runtime;
      const info: StartInfo = {
        url: app.url,
        model: { id: model.id, dim: model.dim, grid: [...model.grid] },
        normalization,
        config: {
          onnxThreads: config.onnxThreads,
          batchSize: config.batchSize,
          preprocessThreads: config.preprocessThreads,
          localFeatures: config.localFeatures,
          localFeatureStore: config.localFeatureStore,
          localFeaturePrecision: config.localFeaturePrecision,
          executionProvider: config.executionProvider,
          embeddedDatabase: app.database.embedded,
        },
      };
      return info;
    },
    async ingest(m) {
      // A run that stops on a store error is run again: items already stored are skipped by
      // content hash and PENDING ones are finished, so the set ends complete. Failures are reported.
      const a = started();
      const begun = performance.now();
      const total = Number(m.count);
      const failures: string[] = [];
      let ingested = 0;
      for (let attempt = 1; ; attempt++) {
        let reported = 0;
        try {
          const summary = await a.runtime!.ingestion.run(
            { kind: "manifest", path: String(m.manifest) },
            {
              dataset: String(m.dataset),
              batchSize: a.runtime!.config.batchSize,
              onProgress: (p) => {
                if (p.done - reported >= Math.max(500, total / 10)) {
                  reported = p.done;
                  log(`ingested ${ingested + p.ingested}/${total} (${Math.round((performance.now() - begun) / 1000)} s)`);
                }
              },
            },
          );
          ingested += summary.ingested;
          return {
            seconds: (performance.now() - begun) / 1000,
            attempts: attempt,
            failures,
            ingested,
            failed: summary.failed,
            firstErrors: summary.errors.slice(0, 3),
          };
        } catch (error) {
          failures.push(describeError(error));
          log(`ingestion attempt ${attempt} failed: ${failures.at(-1)}`);
          if (attempt >= 3) throw error;
          // What the failed attempt had made READY counts; the re-run skips it.
          ingested = await a.database.prisma.image.count({ where: { status: "READY" } });
        }
      }
    },
    async ids(m) {
      const rows = await started().database.prisma.image.findMany({ where: { status: "READY" }, select: { id: true }, orderBy: { id: "asc" } });
      const want = Math.min(Number(m.sample), rows.length);
      // Ids are random UUIDs, so evenly spaced ones in id order are a random sample.
      const ids = Array.from({ length: want }, (_, i) => rows[Math.floor((i * rows.length) / want)]!.id);
      return { ready: rows.length, ids };
    },
    async memory(m) {
      // With `gc`, after a full collection: what is still held. The flag is set at run time because
      // worker threads refuse --expose-gc in the execArgv they inherit.
      if (m.gc) {
        v8.setFlagsFromString("--expose-gc");
        (vm.runInNewContext("gc") as () => void)();
      }
      return process.memoryUsage();
    },
    async stop() {
      await app?.close();
      app = undefined;
      return {};
    },
  };
  process.on("message", (raw) => {
    const m = raw as Message;
    const handler = handlers[m.op];
    const reply = (body: Record<string, unknown>) => process.send!({ id: m.id, ...body }, () => (m.op === "stop" ? process.exit(0) : undefined));
    if (!handler) return reply({ error: `unknown op ${m.op}` });
    handler(m).then(
      (result) => reply({ result }),
      (error: unknown) => reply({ error: describeError(error) }),
    );
  });
  process.on("disconnect", () => {
    void (app?.close() ?? Promise.resolve()).finally(() => process.exit(0));
  });
}

/** The parent's end: forks `entry` (a benchmark module's import.meta.url) as the server child. */
export class ServerProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly #exited: Promise<void>;
  #next = 1;

  constructor(entry: string) {
    this.#child = fork(fileURLToPath(entry), [`${SERVER_FLAG}=${fileURLToPath(entry)}`], {
      execArgv: ["--import", import.meta.resolve("tsx")],
      // The server's own output goes to stderr, so stdout stays the JSON result.
      stdio: ["ignore", 2, 2, "ipc"],
    });
    this.#child.on("message", (raw) => {
      const m = raw as { id: number; result?: unknown; error?: string };
      const waiter = this.#pending.get(m.id);
      if (!waiter) return;
      this.#pending.delete(m.id);
      if (m.error !== undefined) waiter.reject(new Error(`server process: ${m.error}`));
      else waiter.resolve(m.result);
    });
    this.#exited = new Promise((resolve) =>
      this.#child.once("exit", (code, signal) => {
        for (const w of this.#pending.values()) w.reject(new Error(`the server process exited (${code ?? signal})`));
        this.#pending.clear();
        resolve();
      }),
    );
  }

  call<T>(op: string, payload: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ id, op, ...payload });
    });
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      await this.call("stop").catch(() => undefined);
      const timer = setTimeout(() => this.#child.kill("SIGKILL"), 20_000);
      await this.#exited;
      clearTimeout(timer);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

/** One POST of a JSON body to /graphql; resolves with the status and the whole body. */
export function post(agent: http.Agent, url: URL, body: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: "/graphql",
        method: "POST",
        signal,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
