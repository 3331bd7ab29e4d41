// The service's configuration: one zod schema, the only place that reads process.env. Every bad
// variable is reported at once; callers (the CLI) print the report and exit non-zero.
import path from "node:path";
import { z } from "zod";

const bool = (fallback: "on" | "off") =>
  z
    .enum(["on", "off"])
    .default(fallback)
    .transform((v) => v === "on");

const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .min(1)
    .optional()
    .refine(
      (v) => {
        if (v === undefined) return true;
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be a URL (${protocols.join(" or ")})` },
    );

const port = z.coerce.number().int().min(0).max(65535);

const MIB = 1024 * 1024;

/** A comma-separated list, trimmed, empty entries dropped. */
function list(value: string): string[] {
  return value
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
}

/** Host names as a Host header carries them: a name or IPv4 address, or a bracketed IPv6 address. */
const HOST_NAME = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/i;

const hostList = z
  .string()
  .default("localhost,127.0.0.1,[::1]")
  .refine((v) => list(v).length > 0 && list(v).every((h) => HOST_NAME.test(h)), {
    message: "must be comma-separated host names without ports (an IPv6 address in brackets)",
  })
  .transform((v) => list(v).map((h) => h.toLowerCase()));

const originList = z
  .string()
  .default("")
  .refine(
    (v) =>
      list(v).every((o) => {
        try {
          const url = new URL(o);
          return (url.protocol === "http:" || url.protocol === "https:") && url.origin === o.replace(/\/$/, "");
        } catch {
          return false;
        }
      }),
    { message: "must be comma-separated origins such as https://portal.example.org (scheme, host, port; no path)" },
  )
  .transform((v) => list(v).map((o) => new URL(o).origin));

export const configSchema = z.object({
  /** Postgres connection string. Unset: an embedded PGlite under GLORIA_DATA_DIR, served on loopback. */
  DATABASE_URL: optionalUrl(["postgres:", "postgresql:"]),
  /** Qdrant base URL. Unset: the embedded usearch vector store under GLORIA_DATA_DIR. */
  QDRANT_URL: optionalUrl(["http:", "https:"]),
  /** Qdrant API key, when the Qdrant server requires one. */
  QDRANT_API_KEY: z.string().min(1).optional(),
  /** Where the embedded stores keep their files (PGlite data, vector indexes, caches). */
  GLORIA_DATA_DIR: z.string().min(1).default("./data"),
  /** The model folder to serve (see docs/model-contract.md). */
  GLORIA_MODEL_DIR: z.string().min(1).default("models/gloria-phantom"),
  /**
   * Several model folders to serve side by side, comma-separated; the first is the default of every
   * query. When set, it replaces GLORIA_MODEL_DIR (which, if also set, must be its first entry).
   */
  GLORIA_MODEL_DIRS: z.string().min(1).optional(),
  /** Address the HTTP server binds to. */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** HTTP port; 0 picks a free one. */
  PORT: port.default(4000),
  /** pino level. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** ONNX Runtime execution provider; cuda falls back to cpu with a warning when unavailable. */
  EXECUTION_PROVIDER: z.enum(["cpu", "cuda"]).default("cpu"),
  /** API-key authentication. off is only accepted when HOST is a loopback address. */
  AUTH: bool("on"),
  /** ONNX Runtime intra-op threads; 0 lets the runtime decide. */
  ONNX_THREADS: z.coerce.number().int().min(0).max(256).default(0),
  /** Let ONNX Runtime's idle operator threads spin-wait (its own default); off lets sessions share cores. */
  ONNX_SPIN_WAIT: bool("off"),
  /** Largest uploaded file, in bytes (each file of a multipart request; also a stored image read again). */
  MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(50 * MIB),
  /** Largest JSON request body, in bytes; base64 images travel in it, bigger files as uploads. */
  MAX_JSON_BODY_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(4 * MIB),
  /** Largest total of the files of one multipart request, in bytes; past it the request is refused and its spooled files deleted. */
  MAX_REQUEST_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(200 * MIB),
  /** GraphQL requests per minute per API key (per client address when AUTH=off); 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** Requests a key may make at once above its per-minute rate (the token bucket's size); 0 turns the limit off. */
  RATE_LIMIT_BURST: z.coerce.number().int().min(0).default(60),
  /** Seconds a GraphQL request may run before it is answered TIMEOUT and its work is cancelled; 0 turns the limit off. */
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().min(0).max(3600).default(60),
  /** Largest estimated cost of one GraphQL request (the request cost model). */
  MAX_REQUEST_COST: z.coerce.number().int().positive().default(10_000),
  /** Schema introspection and "Did you mean" suggestions: on or off; unset, off when NODE_ENV=production and on otherwise. */
  GRAPHQL_INTROSPECTION: z.enum(["on", "off"]).optional(),
  /** The GraphQL IDE (GraphiQL, served from this server) at GET /graphql in a browser: on or off; unset, off when NODE_ENV=production and on otherwise. */
  GRAPHQL_IDE: z.enum(["on", "off"]).optional(),
  /** The browser explorer at /: on or off. */
  WEB_UI: z.enum(["on", "off"]).default("on"),
  /** The deployment kind; only production changes a default (GRAPHQL_INTROSPECTION, GRAPHQL_IDE). */
  NODE_ENV: z.string().default("development"),
  /** With AUTH=off, the host names a request's Host (and Origin) may carry, any port; others get 403 (stops DNS rebinding). */
  ALLOWED_HOSTS: hostList,
  /** Origins browsers may call the API from (CORS), comma-separated; none by default. */
  CORS_ORIGINS: originList,
  /** Largest decoded image, in pixels; bigger inputs are refused before decoding. */
  MAX_IMAGE_PIXELS: z.coerce
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
  /** How re-ranking has stored items' local features: stored (read from LOCAL_FEATURE_STORE), cached (stored, recomputed and kept when missing), recomputed (always from the model). */
  LOCAL_FEATURES: z.enum(["stored", "cached", "recomputed"]).default("stored"),
  /** Where local features are kept: files (under GLORIA_DATA_DIR/local-features, one writer process) or postgres (float16 blobs, shared by every process). */
  LOCAL_FEATURE_STORE: z.enum(["files", "postgres"]).default("files"),
  /** How the file store keeps region features: float16, or int8 with a scale per region vector (half the bytes). postgres keeps float16 only. */
  LOCAL_FEATURE_PRECISION: z.enum(["float16", "int8"]).default("float16"),
  /** Longest side of a heatmap PNG, in pixels; drawn from the 512 px thumbnail kept at ingestion. */
  HEATMAP_MAX_SIDE: z.coerce.number().int().min(16).max(512).default(512),
  /** Qdrant only: int8 scalar quantisation for the collections it creates. */
  QDRANT_QUANTIZATION: z.enum(["none", "int8"]).default("none"),
  /** Comma-separated folders the ingest mutation may read server-side sources from (none by default). */
  INGEST_ROOTS: z.string().default(""),
  /** DICOMweb services (base URLs, comma-separated) an ingest request may name; none by default. */
  DICOMWEB_URLS: z.string().default(""),
  /** Worker threads that decode and preprocess images during ingestion; 0 does it on the main thread. */
  PREPROCESS_THREADS: z.coerce.number().int().min(0).max(64).default(1),
  /** Ingestion encodes images in a worker thread of its own, so its other work goes on meanwhile. */
  INGEST_ENCODER_THREAD: bool("on"),
  /** Images / texts per encoder run. */
  BATCH_SIZE: z.coerce.number().int().min(1).max(1024).default(16),
  /** Seconds SIGTERM waits for in-flight requests before closing anyway. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(600).default(10),
});

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "::1", "localhost"]);

/** Whether an address to bind is loopback only (AUTH=off is refused anywhere else). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}

export type Config = ReturnType<typeof parse>;

/** At most this many models are loaded side by side: each holds its ONNX sessions in memory. */
export const MAX_MODELS = 4;

function listOfDirs(value: string): string[] {
  return value
    .split(",")
    .map((d) => d.trim())
    .filter(Boolean)
    .map((d) => path.resolve(d));
}

function modelDirsOf(raw: { GLORIA_MODEL_DIR: string; GLORIA_MODEL_DIRS?: string }): string[] {
  return raw.GLORIA_MODEL_DIRS ? listOfDirs(raw.GLORIA_MODEL_DIRS) : [path.resolve(raw.GLORIA_MODEL_DIR)];
}

function parse(env: NodeJS.ProcessEnv) {
  const raw = configSchema.parse(env);
  return {
    databaseUrl: raw.DATABASE_URL,
    qdrantUrl: raw.QDRANT_URL,
    qdrantApiKey: raw.QDRANT_API_KEY,
    dataDir: path.resolve(raw.GLORIA_DATA_DIR),
    /** The default model's folder: the first of modelDirs. */
    modelDir: modelDirsOf(raw)[0]!,
    /** Every model folder served, the default first. */
    modelDirs: modelDirsOf(raw),
    host: raw.HOST,
    port: raw.PORT,
    logLevel: raw.LOG_LEVEL,
    executionProvider: raw.EXECUTION_PROVIDER,
    auth: raw.AUTH,
    onnxThreads: raw.ONNX_THREADS,
    onnxSpinWait: raw.ONNX_SPIN_WAIT,
    maxUploadBytes: raw.MAX_UPLOAD_BYTES,
    maxJsonBodyBytes: raw.MAX_JSON_BODY_BYTES,
    maxRequestUploadBytes: raw.MAX_REQUEST_UPLOAD_BYTES,
    rateLimitPerMinute: raw.RATE_LIMIT_PER_MINUTE,
    rateLimitBurst: raw.RATE_LIMIT_BURST,
    requestTimeoutSeconds: raw.REQUEST_TIMEOUT_SECONDS,
    maxRequestCost: raw.MAX_REQUEST_COST,
    introspection: raw.GRAPHQL_INTROSPECTION === undefined ? raw.NODE_ENV !== "production" : raw.GRAPHQL_INTROSPECTION === "on",
    graphqlIde: raw.GRAPHQL_IDE === undefined ? raw.NODE_ENV !== "production" : raw.GRAPHQL_IDE === "on",
    webUi: raw.WEB_UI === "on",
    allowedHosts: raw.ALLOWED_HOSTS,
    corsOrigins: raw.CORS_ORIGINS,
    maxImagePixels: raw.MAX_IMAGE_PIXELS,
    shutdownGraceSeconds: raw.SHUTDOWN_GRACE_SECONDS,
    localFeatures: raw.LOCAL_FEATURES,
    localFeatureStore: raw.LOCAL_FEATURE_STORE,
    localFeaturePrecision: raw.LOCAL_FEATURE_PRECISION,
    heatmapMaxSide: raw.HEATMAP_MAX_SIDE,
    qdrantQuantization: raw.QDRANT_QUANTIZATION,
    batchSize: raw.BATCH_SIZE,
    preprocessThreads: raw.PREPROCESS_THREADS,
    ingestEncoderThread: raw.INGEST_ENCODER_THREAD,
    dicomWebUrls: raw.DICOMWEB_URLS.split(",")
      .map((u) => u.trim())
      .filter(Boolean),
    ingestRoots: raw.INGEST_ROOTS.split(",")
      .map((r) => r.trim())
      .filter(Boolean)
      .map((r) => path.resolve(r)),
  };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Reads the configuration from an environment (process.env by default). Empty strings count as
 * unset. Throws ConfigError listing every problem, including cross-variable rules.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== "") cleaned[key] = value;
  }
  const result = configSchema.safeParse(cleaned);
  const problems = result.success ? [] : result.error.issues.map((issue) => `${issue.path.join(".") || "(env)"}: ${issue.message}`);
  const host = cleaned.HOST ?? "127.0.0.1";
  if (cleaned.AUTH === "off" && !isLoopbackHost(host)) {
    problems.push(`AUTH: off is only allowed when HOST is a loopback address (HOST is ${host})`);
  }
  if (cleaned.LOCAL_FEATURE_STORE === "postgres" && cleaned.LOCAL_FEATURE_PRECISION === "int8") {
    problems.push("LOCAL_FEATURE_PRECISION: int8 needs LOCAL_FEATURE_STORE=files (Postgres keeps local features as float16)");
  }
  if (cleaned.GLORIA_MODEL_DIRS !== undefined) {
    const dirs = listOfDirs(cleaned.GLORIA_MODEL_DIRS);
    if (dirs.length === 0) problems.push("GLORIA_MODEL_DIRS: lists no folder");
    if (dirs.length > MAX_MODELS) problems.push(`GLORIA_MODEL_DIRS: at most ${MAX_MODELS} models are served side by side (it lists ${dirs.length})`);
    if (new Set(dirs).size !== dirs.length) problems.push("GLORIA_MODEL_DIRS: lists a folder twice");
    if (cleaned.GLORIA_MODEL_DIR !== undefined && dirs[0] !== path.resolve(cleaned.GLORIA_MODEL_DIR)) {
      problems.push("GLORIA_MODEL_DIR: when GLORIA_MODEL_DIRS is set too, it must be GLORIA_MODEL_DIRS's first folder (or be left unset)");
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return parse(cleaned);
}

/** Overrides applied on top of the environment, e.g. by CLI flags. */
export function withOverrides(config: Config, overrides: Partial<Config>): Config {
  return { ...config, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}
