// Local-similarity kernels (docs/model-contract.md, "Kernels") at K = 100 pairs, L = 96 and 12 columns,
// in both broadcast directions: the float32, float16 and int8 kernels through OnnxLocalSimilarity,
// beside the model folder's own local_similarity.onnx run directly, as GFLOP/s (the two products,
// 2·K·L·D·M·2 flop) and as a fraction of the fp32 GEMM peak measured in the same process (by wall
// clock, and by CPU time against the per-core peak).
// `run(args)` returns the JSON result; run directly (`tsx bench/kernel.bench.ts`) it prints it.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { KERNEL_DIR, KERNEL_FILES, readManifest, sha256File } from "../src/model/model.loader.ts";
import { silentLogger, type LocalSimilarityRequest, type RegionInput } from "../src/model/model.port.ts";
import { OnnxLocalSimilarity } from "../src/model/onnx.local-similarity.ts";
import { onnxRuntimeInfo, openOnnxGraph } from "../src/model/onnx.runtime.ts";
import { gemmPeakGflops, parseArgs, timeRuns, type Timing } from "./encode.bench.ts";

const K = 100;

function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/** The same K pairs as each store would hand them over; the cost does not depend on the values. */
function inputs(count: number, dim: number, regions: number, seed: number): Record<RegionInput["encoding"], RegionInput> {
  const next = generator(seed);
  const n = count * dim * regions;
  return {
    float32: { encoding: "float32", data: Float32Array.from({ length: n }, () => (next() - 0.5) * 0.6) },
    // Halves in [2^-6, 2^-1) of either sign.
    float16: {
      encoding: "float16",
      data: Uint16Array.from({ length: n }, () => (next() < 0.5 ? 0x8000 : 0) | ((9 + Math.floor(next() * 6)) << 10) | Math.floor(next() * 1024)),
    },
    int8: {
      encoding: "int8",
      data: Int8Array.from({ length: n }, () => Math.round((next() - 0.5) * 254)),
      scales: Float32Array.from({ length: count * regions }, () => 0.0005 + next() * 0.004),
    },
  };
}

export async function run(argv: readonly string[] = []): Promise<Record<string, unknown>> {
  const args = parseArgs(argv);
  const manifest = await readManifest(args.model);
  const D = manifest.embedding.dim;
  const M = manifest.embedding.grid[0] * manifest.embedding.grid[1];
  const session = { intraOpNumThreads: args.threads };
  const contract = await openOnnxGraph(join(args.model, "local_similarity.onnx"), manifest.files["local_similarity.onnx"], session, silentLogger);
  const kernels = new OnnxLocalSimilarity(
    async (encoding) => {
      const file = join(KERNEL_DIR, KERNEL_FILES[encoding]);
      return openOnnxGraph(file, await sha256File(file), session, silentLogger);
    },
    { dim: D, regions: M, temperatures: [manifest.similarity.attentionTemperature, manifest.similarity.localTemperature] },
  );
  const peak = await gemmPeakGflops(args.threads, args.seconds);
  // Wall clock against the wall-clock peak, and CPU time against the per-core peak (which other load
  // on the machine does not change), as encode.bench.ts reports the encoders.
  const rate = (flop: number, t: Timing) => ({
    ms: Math.round(t.wall * 1e5) / 100,
    gflops: Math.round((flop / 1e9 / t.wall) * 10) / 10,
    fractionOfPeak: Math.round((flop / 1e9 / t.wall / peak.gflops) * 1000) / 1000,
    cpuMs: Math.round(t.cpu * 1e5) / 100,
    fractionOfPeakCpu: Math.round((flop / 1e9 / t.cpu / peak.gflopsPerCore) * 1000) / 1000,
  });

  const results: Record<string, unknown> = {};
  try {
    for (const L of [96, 12]) {
      const flop = 2 * K * L * D * M * 2;
      for (const [direction, kw, kr] of [
        ["textToImages", 1, K],
        ["imageToTexts", K, 1],
      ] as const) {
        const next = generator(L * 7 + kw);
        const words = Float32Array.from({ length: kw * D * L }, () => (next() - 0.5) * 0.6);
        const wordMask = new Float32Array(kw * L).fill(1);
        const regions = inputs(kr, D, M, L + kr);
        const row: Record<string, unknown> = {};
        const request = (r: RegionInput): LocalSimilarityRequest => ({ words, wordMask, wordBatch: kw, regions: r, regionBatch: kr, length: L });
        const old = await timeRuns(
          () =>
            contract.run(
              {
                words: { type: "float32", data: words, dims: [kw, D, L] },
                word_mask: { type: "float32", data: wordMask, dims: [kw, L] },
                regions: { type: "float32", data: regions.float32.data as Float32Array, dims: [kr, D, M] },
              },
              ["scores", "word_cosines"],
            ),
          args.seconds,
        );
        row.modelGraph = rate(flop, old);
        for (const encoding of ["float32", "float16", "int8"] as const) {
          const t = await timeRuns(() => kernels.compare(request(regions[encoding])), args.seconds);
          row[encoding] = rate(flop, t);
        }
        results[`L${L}`] = { ...(results[`L${L}`] as object), [direction]: row };
      }
    }
  } finally {
    await contract.release();
    await kernels.release();
  }
  return {
    runtime: onnxRuntimeInfo(),
    model: manifest.name,
    threads: args.threads,
    shape: { K, D, M },
    gemmPeakGflops: Math.round(peak.gflops * 10) / 10,
    gemmPeakGflopsPerCore: Math.round(peak.gflopsPerCore * 10) / 10,
    results,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${JSON.stringify(await run(process.argv.slice(2)))}\n`);
}
