// LocalSimilarity on the local-similarity kernels (docs/model-contract.md, "Kernels"; gloria-numerics §4.2):
// validates shapes, feeds words, mask, regions in their stored encoding and the model's temperatures
// in one run, and returns scores, per-column cosines and (on request) attention maps. It never
// converts region bytes in JavaScript: each encoding has its own kernel, opened on first use.
import { AppError } from "../errors/app-error.ts";
import type { LocalSimilarity, LocalSimilarityRequest, LocalSimilarityResult, RegionInput } from "./model.port.ts";
import type { Feed, OnnxGraph } from "./onnx.runtime.ts";

export type RegionEncoding = RegionInput["encoding"];

/** Opens the kernel for one region encoding; rejects with AppError MODEL_UNAVAILABLE. */
export type KernelOpener = (encoding: RegionEncoding) => Promise<OnnxGraph>;

const KERNEL_INPUTS: Record<RegionEncoding, readonly string[]> = {
  float32: ["words", "word_mask", "regions", "temperatures"],
  float16: ["words", "word_mask", "regions", "temperatures"],
  int8: ["words", "word_mask", "regions", "region_scales", "temperatures"],
};
const KERNEL_OUTPUTS = ["scores", "word_cosines", "attention"];

/**
 * Candidates per kernel run. One run over K = 100 full-size candidates widens 111 MB of regions that
 * the second product must read back from memory; slices of 25–50 were fastest on a 2-core machine
 * (15–20% over one run at L = 24–96), slices of 5–10 slower again (per-run overhead).
 */
export const CANDIDATES_PER_RUN = 32;

/** Candidates [start, start + n) of a region input, as views. */
function sliceRegions(regions: RegionInput, start: number, n: number, perCandidate: number, m: number): RegionInput {
  const data = (a: Float32Array | Uint16Array | Int8Array) => a.subarray(start * perCandidate, (start + n) * perCandidate);
  switch (regions.encoding) {
    case "float32":
      return { encoding: "float32", data: data(regions.data) as Float32Array };
    case "float16":
      return { encoding: "float16", data: data(regions.data) as Uint16Array };
    case "int8":
      return { encoding: "int8", data: data(regions.data) as Int8Array, scales: regions.scales.subarray(start * m, (start + n) * m) };
  }
}

export class OnnxLocalSimilarity implements LocalSimilarity {
  readonly #open: KernelOpener;
  readonly #dim: number;
  readonly #regions: number;
  readonly #temperatures: Float32Array;
  readonly #kernels = new Map<RegionEncoding, Promise<OnnxGraph>>();
  readonly #chunk: number;
  #released = false;

  /** `temperatures` = (temp1, temp2) from the manifest (manifest.similarity). */
  constructor(
    open: KernelOpener,
    shape: { dim: number; regions: number; temperatures: readonly [number, number] },
    options: { candidatesPerRun?: number } = {},
  ) {
    this.#open = open;
    this.#chunk = Math.max(1, options.candidatesPerRun ?? CANDIDATES_PER_RUN);
    this.#dim = shape.dim;
    this.#regions = shape.regions;
    this.#temperatures = Float32Array.from(shape.temperatures);
  }

  /** The session for `encoding`, opened once; a failed open is not cached, so a later call retries. */
  #kernel(encoding: RegionEncoding): Promise<OnnxGraph> {
    if (this.#released) return Promise.reject(new AppError("MODEL_UNAVAILABLE", "local similarity kernels are released"));
    let kernel = this.#kernels.get(encoding);
    if (!kernel) {
      kernel = this.#open(encoding).then((graph) => {
        const missing = [
          ...KERNEL_INPUTS[encoding].filter((n) => !graph.inputNames.includes(n)).map((n) => `input ${n}`),
          ...KERNEL_OUTPUTS.filter((n) => !graph.outputNames.includes(n)).map((n) => `output ${n}`),
        ];
        if (missing.length === 0) return graph;
        void graph.release();
        throw new AppError("MODEL_UNAVAILABLE", `local similarity kernel ${graph.file} lacks ${missing.join(", ")}`, {
          details: { file: graph.file, missing },
        });
      });
      kernel.catch(() => this.#kernels.delete(encoding));
      this.#kernels.set(encoding, kernel);
    }
    return kernel;
  }

  async compare(request: LocalSimilarityRequest): Promise<LocalSimilarityResult> {
    const { words, wordMask, wordBatch: kw, regionBatch: kr, length: L } = request;
    const regions: RegionInput = request.regions instanceof Float32Array ? { encoding: "float32", data: request.regions } : request.regions;
    const D = this.#dim;
    const M = this.#regions;
    const bad = (message: string): AppError => new AppError("BAD_USER_INPUT", message);
    if (kw < 1 || kr < 1 || L < 1) throw bad("local similarity needs at least one word column, text and image");
    if (kw !== 1 && kr !== 1 && kw !== kr) throw bad(`cannot pair ${kw} texts with ${kr} images`);
    if (words.length !== kw * D * L) throw bad(`words hold ${words.length} values, expected ${kw}×${D}×${L}`);
    if (wordMask.length !== kw * L) throw bad(`word mask holds ${wordMask.length} values, expected ${kw}×${L}`);
    if (regions.data.length !== kr * D * M) throw bad(`regions hold ${regions.data.length} values, expected ${kr}×${D}×${M}`);
    if (regions.encoding === "int8" && regions.scales.length !== kr * M) {
      throw bad(`region scales hold ${regions.scales.length} values, expected ${kr}×${M}`);
    }
    const K = Math.max(kw, kr);
    const kernel = await this.#kernel(regions.encoding);
    if (K <= this.#chunk) return this.#run(kernel, request, regions, kw, kr);

    // Past the chunk size, the candidates go through in slices: the widened regions of a slice are
    // still in cache when the second product reads them again (docs/model-contract.md, "Kernels").
    const scores = new Float32Array(K);
    const wordCosines = new Float32Array(K * L);
    const attention = request.withAttention ? new Float32Array(K * L * M) : undefined;
    for (let start = 0; start < K; start += this.#chunk) {
      const n = Math.min(this.#chunk, K - start);
      const part = await this.#run(
        kernel,
        {
          ...request,
          words: kw === 1 ? words : words.subarray(start * D * L, (start + n) * D * L),
          wordMask: kw === 1 ? wordMask : wordMask.subarray(start * L, (start + n) * L),
          wordBatch: kw === 1 ? 1 : n,
          regionBatch: kr === 1 ? 1 : n,
        },
        kr === 1 ? regions : sliceRegions(regions, start, n, D * M, M),
        kw === 1 ? 1 : n,
        kr === 1 ? 1 : n,
      );
      scores.set(part.scores, start);
      wordCosines.set(part.wordCosines, start * L);
      attention?.set(part.attention!, start * L * M);
    }
    return { scores, wordCosines, ...(attention ? { attention } : {}) };
  }

  async #run(kernel: OnnxGraph, request: LocalSimilarityRequest, regions: RegionInput, kw: number, kr: number): Promise<LocalSimilarityResult> {
    const { words, wordMask, length: L } = request;
    const D = this.#dim;
    const M = this.#regions;
    const K = Math.max(kw, kr);
    const feeds: Record<string, Feed> = {
      words: { type: "float32", data: words, dims: [kw, D, L] },
      word_mask: { type: "float32", data: wordMask, dims: [kw, L] },
      temperatures: { type: "float32", data: this.#temperatures, dims: [2] },
    };
    switch (regions.encoding) {
      case "float32":
        feeds.regions = { type: "float32", data: regions.data, dims: [kr, D, M] };
        break;
      case "float16":
        feeds.regions = { type: "float16", data: regions.data, dims: [kr, D, M] };
        break;
      case "int8":
        feeds.regions = { type: "int8", data: regions.data, dims: [kr, D, M] };
        feeds.region_scales = { type: "float32", data: regions.scales, dims: [kr, 1, M] };
        break;
    }
    const outputs = request.withAttention ? ["scores", "word_cosines", "attention"] : ["scores", "word_cosines"];
    const result = await kernel.run(feeds, outputs);
    if (result.scores.data.length !== K) {
      throw new AppError("MODEL_UNAVAILABLE", "local similarity kernel returned the wrong number of scores", {
        details: { scores: result.scores.dims, expected: K },
      });
    }
    return {
      scores: result.scores.data,
      wordCosines: result.word_cosines.data,
      ...(request.withAttention ? { attention: result.attention.data } : {}),
    };
  }

  /** One run on the float32 kernel, which opens it; the other encodings open on first use. */
  async warmUp(): Promise<void> {
    await this.compare({
      words: new Float32Array(this.#dim),
      wordMask: Float32Array.of(1),
      wordBatch: 1,
      regions: new Float32Array(this.#dim * this.#regions),
      regionBatch: 1,
      length: 1,
    });
  }

  /** Releases every kernel session opened so far; later calls throw MODEL_UNAVAILABLE. */
  async release(): Promise<void> {
    this.#released = true;
    const opened = await Promise.allSettled(this.#kernels.values());
    this.#kernels.clear();
    await Promise.all(opened.flatMap((o) => (o.status === "fulfilled" ? [o.value.release()] : [])));
  }
}
