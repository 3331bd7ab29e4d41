// Re-ranking throughput: GLoRIA's local similarity of one text query against K = 10, 50, 200 candidate
// images in one local_similarity.onnx run (through GloriaModel), against the PyTorch reference's
// get_local_similarities path, for both slicing modes. Candidates are random region features (the
// cost does not depend on their values), packed as the reference receives them; the rate with
// per-image arrays (a copy into one buffer per call) is reported beside it. `run(args)` returns JSON.
import { pathToFileURL } from "node:url";
import { GloriaModel } from "../src/model/gloria.model.ts";
import type { ImageFeatures, RegionInput, SlicingMode, TextFeatures } from "../src/model/model.port.ts";
import { onnxRuntimeInfo } from "../src/model/onnx.runtime.ts";
import { packImageFeatures } from "../src/model/similarity/similarity.batch.ts";
import { encodeFloat16 } from "../src/stores/local-features/float16.codec.ts";
import { quantizeRegions } from "../src/stores/local-features/int8.codec.ts";
import { localSimilarityFlop } from "./api.bench.ts";
import { bestSeconds, gemmPeakGflops, parseArgs, runTorch, timeRuns } from "./encode.bench.ts";
import { storageBench } from "./rerank.storage.ts";
import { seededRandom } from "../tests/contract/clustered-vectors.ts";

const QUERY = "small left pleural effusion with adjacent atelectasis";
const MODES: SlicingMode[] = ["REFERENCE", "WORDS"];

function randomCandidates(count: number, dim: number, regions: number, seed: number): ImageFeatures[] {
  let s = seed >>> 0;
  // Roughly unit-normal values (sum of uniforms), enough to exercise exp/softmax realistically.
  const next = () => {
    let v = 0;
    for (let i = 0; i < 4; i++) v += (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    return (v - 2) * Math.sqrt(3);
  };
  return Array.from({ length: count }, () => ({
    global: Float32Array.from({ length: dim }, next),
    local: Float32Array.from({ length: dim * regions }, next),
  }));
}

/**
 * The K = 100 similarity run fed as each store keeps the regions (float32, float16 bits, int8 with
 * scales), in GFLOP/s and as a fraction of the fp32 GEMM peak measured here with the same threads.
 */
async function encodingRates(model: GloriaModel, text: TextFeatures, pool: readonly ImageFeatures[], seconds: number, threads: number) {
  const K = 100;
  const M = model.grid[0] * model.grid[1];
  const packed = packImageFeatures(pool.slice(0, K), model.dim, M);
  if (packed.count < K) return {};
  const half = encodeFloat16(packed.local);
  const q = new Int8Array(packed.local.length);
  const scales = new Float32Array(K * M);
  for (let k = 0; k < K; k++) {
    quantizeRegions(
      packed.local.subarray(k * model.dim * M, (k + 1) * model.dim * M),
      model.dim,
      M,
      q.subarray(k * model.dim * M, (k + 1) * model.dim * M),
      scales.subarray(k * M, (k + 1) * M),
    );
  }
  const inputs: Record<string, RegionInput> = {
    float32: { encoding: "float32", data: packed.local },
    float16: { encoding: "float16", data: new Uint16Array(half.buffer, half.byteOffset, half.byteLength / 2) },
    int8: { encoding: "int8", data: q, scales },
  };
  const gemm = await gemmPeakGflops(threads, seconds);
  const out: Record<string, unknown> = { k: K, gemmPeakGflops: Math.round(gemm.gflops * 10) / 10 };
  for (const mode of MODES) {
    const reference = await model.scoreTextAgainstRegions(text, inputs.float32!, K, { mode });
    const L = reference.columns.length;
    const flop = localSimilarityFlop(K, L, model.dim, M);
    const rows: Record<string, unknown> = { columns: L };
    // The stored encodings' error: the combined score is (local + global) / 2 with the global score
    // unchanged, so |Δ combined| = |Δ local| / 2 against the float32 regions.
    const exact = reference.local;
    for (const name of ["float16", "int8"]) {
      const local = (await model.scoreTextAgainstRegions(text, inputs[name]!, K, { mode })).local;
      rows[`${name}MaxAbsCombinedError`] = Math.max(...Array.from(local, (v, k) => Math.abs(v - exact[k]!) / 2));
    }
    for (const [name, regions] of Object.entries(inputs)) {
      const t = await timeRuns(() => model.scoreTextAgainstRegions(text, regions, K, { mode }), seconds);
      const gflops = flop / 1e9 / t.wall;
      rows[name] = { secondsPerRun: t.wall, gflops: Math.round(gflops * 10) / 10, fractionOfPeak: Math.round((gflops / gemm.gflops) * 1000) / 1000 };
    }
    out[mode] = rows;
  }
  return out;
}

/** `--items N` (default 20000; 0 skips) region blocks in the stores, read K at a time. */
async function storagePart(values: Map<string, string>, dim: number, grid: readonly [number, number]) {
  const items = Number(values.get("items") ?? 20000);
  if (!(items > 0)) return null;
  return storageBench({
    items,
    k: Number(values.get("k") ?? 100),
    dim,
    grid,
    warmReads: Number(values.get("warm-reads") ?? 50),
    coldReads: Number(values.get("cold-reads") ?? 10),
    precisions: (values.get("precisions") ?? "float16,int8").split(",") as Array<"float16" | "int8">,
    databaseUrl: values.get("database-url"),
    postgresItems: Number(values.get("postgres-items") ?? 2000),
    log: (m) => process.stderr.write(`rerank bench: ${m}\n`),
    pool: randomCandidates(16, dim, grid[0] * grid[1], 11).map((c) => c.local),
    random: seededRandom,
  });
}

export async function run(argv: readonly string[] = []): Promise<Record<string, unknown>> {
  const args = parseArgs(argv);
  const ks = (args.values.get("ks") ?? "10,50,100,200").split(",").map(Number);
  const query = args.values.get("query") ?? QUERY;
  const model = await GloriaModel.load(args.model, { intraOpNumThreads: args.threads });
  const results: Record<string, Record<string, Record<string, number | null>>> = {};
  const columns: Record<string, number> = {};
  let encodings: Record<string, unknown> = {};
  try {
    const [text] = await model.encodeTexts([query]);
    const pool = randomCandidates(Math.max(...ks), model.dim, model.grid[0] * model.grid[1], 7);
    for (const mode of MODES) {
      results[mode] = {};
      for (const k of ks) {
        const candidates = pool.slice(0, k);
        // Packed like the reference's [K, D, h, w] tensor (and like a feature store can fill it).
        const packed = packImageFeatures(candidates, model.dim, model.grid[0] * model.grid[1]);
        const first = await model.scoreTextAgainstImages(text, packed, { mode });
        columns[mode] = first.columns.length;
        const t = await timeRuns(() => model.scoreTextAgainstImages(text, packed, { mode }), args.seconds);
        const unpacked = await bestSeconds(() => model.scoreTextAgainstImages(text, candidates, { mode }), args.seconds / 2);
        results[mode][k] = {
          secondsPerRun: t.wall,
          candidatesPerSecond: k / t.wall,
          candidatesPerCpuSecond: k / t.cpu,
          candidatesPerSecondIncludingPacking: k / unpacked,
        };
      }
    }
    encodings = await encodingRates(model, text!, pool, args.seconds, args.threads);
  } finally {
    await model.close();
  }

  if (args.torch) {
    const torch = (await runTorch("rerank", args, ["--ks", ks.join(","), "--query", query])) as {
      modes: Record<string, Record<string, { candidatesPerSecond: number; candidatesPerCpuSecond: number }>>;
    };
    for (const mode of MODES) {
      for (const k of ks) {
        const r = results[mode][k];
        r.torchCandidatesPerSecond = torch.modes[mode][k].candidatesPerSecond;
        r.speedup = (r.candidatesPerSecond as number) / r.torchCandidatesPerSecond;
        r.speedupCpu = (r.candidatesPerCpuSecond as number) / torch.modes[mode][k].candidatesPerCpuSecond;
      }
    }
  }
  const at50 = MODES.map((m) => results[m]["50"]?.speedup ?? null);
  const storage = await storagePart(args.values, model.dim, model.grid);
  return {
    bench: "rerank",
    model: { id: model.id, dir: args.model },
    threads: args.threads,
    runtime: onnxRuntimeInfo(),
    query,
    columns,
    modes: results,
    storedEncodings: encodings,
    storage,
    target: {
      speedupAtK50: 5,
      met: at50.every((s) => s !== null) ? at50.every((s) => (s as number) >= 5) : null,
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await run(process.argv.slice(2)))}\n`);
}
