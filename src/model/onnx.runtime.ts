// The one module that imports onnxruntime-node: opens a graph as a session (execution provider with
// CPU fallback, threads, optimisation level, optimised-graph cache), runs it, releases it. It knows
// nothing of GLoRIA; adapters feed it plain typed arrays.
import { createHash } from "node:crypto";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import type { ModelLogger } from "./model.port.ts";

export type ExecutionProvider = "cpu" | "cuda";
export type GraphOptimizationLevel = "disabled" | "basic" | "extended" | "all";

export interface OnnxSessionOptions {
  /** "cuda" tries the CUDA execution provider and falls back to CPU with a warning. Default "cpu". */
  executionProvider?: ExecutionProvider;
  /** Threads inside one operator; default: onnxruntime's choice (all cores). */
  intraOpNumThreads?: number;
  /** Default "all". */
  graphOptimizationLevel?: GraphOptimizationLevel;
  /**
   * Let idle operator threads spin-wait for the next operator (ONNX Runtime's own default). Default
   * false: with several sessions per process, spinning pools take the cores from the busy one.
   */
  spinWait?: boolean;
  /**
   * When set, the optimised graph is written here on first load, keyed by the file's checksum (and
   * provider, level, runtime version and CPU), and later starts load it without re-optimising.
   */
  cacheDir?: string;
}

export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}
export type Feed =
  | { type: "float32"; data: Float32Array; dims: readonly number[] }
  | { type: "float16"; data: Uint16Array; dims: readonly number[] } // IEEE half bit patterns
  | { type: "int8"; data: Int8Array; dims: readonly number[] }
  | { type: "int64"; data: BigInt64Array; dims: readonly number[] }
  | { type: "bool"; data: Uint8Array; dims: readonly number[] };
export type FeedType = Feed["type"];

export interface OnnxGraph {
  readonly file: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Element type of each input, as the graph declares it (other types read as undefined). */
  readonly inputTypes: Readonly<Record<string, FeedType | undefined>>;
  /** The provider the session actually runs on (after any fallback). */
  readonly provider: ExecutionProvider;
  /** Runs the graph; `outputs` limits what is copied back (default: every output). Float outputs only. */
  run(feeds: Record<string, Feed>, outputs?: readonly string[]): Promise<Record<string, FloatTensor>>;
  release(): Promise<void>;
}

/** Runtime and machine facts for logs and benchmarks. */
export function onnxRuntimeInfo(): { version: string; cpu: string } {
  return { version: ort.env.versions.common, cpu: cpus()[0]?.model ?? "unknown" };
}

function toOrtTensor(feed: Feed): ort.Tensor {
  switch (feed.type) {
    case "float32":
      return new ort.Tensor("float32", feed.data, feed.dims);
    case "float16":
      return new ort.Tensor("float16", feed.data, feed.dims);
    case "int8":
      return new ort.Tensor("int8", feed.data, feed.dims);
    case "int64":
      return new ort.Tensor("int64", feed.data, feed.dims);
    case "bool":
      return new ort.Tensor("bool", feed.data, feed.dims);
  }
}

function declaredTypes(session: ort.InferenceSession): Record<string, FeedType | undefined> {
  const types: Record<string, FeedType | undefined> = {};
  for (const meta of session.inputMetadata) {
    const type = meta.isTensor ? meta.type : undefined;
    const known: readonly string[] = ["float32", "float16", "int8", "int64", "bool"];
    types[meta.name] = type !== undefined && known.includes(type) ? (type as FeedType) : undefined;
  }
  return types;
}

function cacheKey(checksum: string, provider: ExecutionProvider, level: GraphOptimizationLevel): string {
  // An optimised graph may hold hardware-specific fused kernels, so the CPU model is part of the key.
  const machine = createHash("sha256").update(`${onnxRuntimeInfo().version}|${onnxRuntimeInfo().cpu}`).digest("hex");
  return `${checksum.slice(0, 32)}.${provider}.${level}.${machine.slice(0, 12)}.onnx`;
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function sessionOptions(
  provider: ExecutionProvider,
  options: OnnxSessionOptions,
  level: GraphOptimizationLevel,
  optimizedModelFilePath?: string,
): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: provider === "cuda" ? ["cuda", "cpu"] : ["cpu"],
    graphOptimizationLevel: level,
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    ...(optimizedModelFilePath ? { optimizedModelFilePath } : {}),
    // Idle operator threads sleep instead of spinning: a model holds several sessions (encoders and
    // kernels) whose pools would otherwise spin against each other on the same cores.
    ...(options.spinWait ? {} : { extra: { session: { intra_op: { allow_spinning: "0" } } } }),
    logSeverityLevel: 3,
  };
}

async function createWithFallback(
  file: string,
  options: OnnxSessionOptions,
  level: GraphOptimizationLevel,
  logger: ModelLogger,
  optimizedModelFilePath?: string,
): Promise<{ session: ort.InferenceSession; provider: ExecutionProvider }> {
  const wanted = options.executionProvider ?? "cpu";
  if (wanted === "cuda") {
    try {
      const session = await ort.InferenceSession.create(file, sessionOptions("cuda", options, level, optimizedModelFilePath));
      return { session, provider: "cuda" };
    } catch (error) {
      logger.warn(
        { file, reason: error instanceof Error ? error.message.split("\n")[0] : String(error) },
        "CUDA execution provider unavailable, falling back to CPU",
      );
    }
  }
  const session = await ort.InferenceSession.create(file, sessionOptions("cpu", options, level, optimizedModelFilePath));
  return { session, provider: "cpu" };
}

/**
 * Opens `file` (whose sha256 is `checksum`) as a session. With a cache dir, a cached optimised graph is
 * loaded with optimisation off; otherwise the graph is optimised and the result saved for next time.
 * A cache entry that fails to load is discarded and rebuilt.
 */
export async function openOnnxGraph(file: string, checksum: string, options: OnnxSessionOptions, logger: ModelLogger): Promise<OnnxGraph> {
  ort.env.logLevel = "error";
  const level = options.graphOptimizationLevel ?? "all";
  let opened: { session: ort.InferenceSession; provider: ExecutionProvider } | undefined;

  if (options.cacheDir && level !== "disabled") {
    const wanted = options.executionProvider ?? "cpu";
    const cached = join(options.cacheDir, cacheKey(checksum, wanted, level));
    if (await exists(cached)) {
      try {
        opened = await createWithFallback(cached, options, "disabled", logger);
        logger.info({ file, cached }, "loaded optimised graph from cache");
      } catch (error) {
        logger.warn({ cached, reason: String(error) }, "discarding unreadable optimised-graph cache entry");
        await rm(cached, { force: true });
      }
    }
    if (!opened) {
      await mkdir(options.cacheDir, { recursive: true });
      // onnxruntime writes the file itself; a temporary name keeps a half-written file out of the cache.
      const temporary = `${cached}.${process.pid}.tmp`;
      opened = await createWithFallback(file, options, level, logger, temporary);
      const finalName = join(options.cacheDir, cacheKey(checksum, opened.provider, level));
      if (await exists(temporary)) await rename(temporary, finalName);
    }
  } else {
    opened = await createWithFallback(file, options, level, logger);
  }

  const { session, provider } = opened;
  return {
    file,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputTypes: declaredTypes(session),
    provider,
    async run(feeds, outputs) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, feed] of Object.entries(feeds)) ortFeeds[name] = toOrtTensor(feed);
      const results = outputs ? await session.run(ortFeeds, [...outputs]) : await session.run(ortFeeds);
      const out: Record<string, FloatTensor> = {};
      for (const [name, tensor] of Object.entries(results)) {
        if (tensor.type !== "float32") throw new Error(`output ${name} is ${tensor.type}, expected float32`);
        out[name] = { data: tensor.data as Float32Array, dims: tensor.dims };
      }
      return out;
    },
    async release() {
      await session.release();
    },
  };
}
