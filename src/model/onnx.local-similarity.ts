// LocalSimilarity on local_similarity.onnx (GLORIA_SPEC §4.2): validates shapes, feeds words, mask
// and regions in one run, and returns scores, per-column cosines and (on request) attention maps.
import { AppError } from "../errors/app-error.ts";
import type { LocalSimilarity, LocalSimilarityRequest, LocalSimilarityResult } from "./model.ports.ts";
import type { Feed, OnnxGraph } from "./onnx.runtime.ts";

export class OnnxLocalSimilarity implements LocalSimilarity {
  readonly #graph: OnnxGraph;
  readonly #dim: number;
  readonly #regions: number;

  constructor(graph: OnnxGraph, shape: { dim: number; regions: number }) {
    this.#graph = graph;
    this.#dim = shape.dim;
    this.#regions = shape.regions;
  }

  /** The mask in whatever element type the exported graph declares. */
  #maskFeed(mask: Float32Array, dims: number[]): Feed {
    switch (this.#graph.inputTypes.word_mask) {
      case "int64":
        return { type: "int64", data: BigInt64Array.from(mask, (v) => (v ? 1n : 0n)), dims };
      case "bool":
        return { type: "bool", data: Uint8Array.from(mask, (v) => (v ? 1 : 0)), dims };
      default:
        return { type: "float32", data: mask, dims };
    }
  }

  async compare(request: LocalSimilarityRequest): Promise<LocalSimilarityResult> {
    const { words, wordMask, wordBatch: kw, regions, regionBatch: kr, length: L } = request;
    const D = this.#dim;
    const M = this.#regions;
    const bad = (message: string): AppError => new AppError("BAD_USER_INPUT", message);
    if (kw < 1 || kr < 1 || L < 1) throw bad("local similarity needs at least one word column, text and image");
    if (kw !== 1 && kr !== 1 && kw !== kr) throw bad(`cannot pair ${kw} texts with ${kr} images`);
    if (words.length !== kw * D * L) throw bad(`words hold ${words.length} values, expected ${kw}×${D}×${L}`);
    if (wordMask.length !== kw * L) throw bad(`word mask holds ${wordMask.length} values, expected ${kw}×${L}`);
    if (regions.length !== kr * D * M) throw bad(`regions hold ${regions.length} values, expected ${kr}×${D}×${M}`);
    const K = Math.max(kw, kr);

    const outputs = request.withAttention ? ["scores", "word_cosines", "attention"] : ["scores", "word_cosines"];
    const result = await this.#graph.run(
      {
        words: { type: "float32", data: words, dims: [kw, D, L] },
        word_mask: this.#maskFeed(wordMask, [kw, L]),
        regions: { type: "float32", data: regions, dims: [kr, D, M] },
      },
      outputs,
    );
    if (result.scores.data.length !== K) {
      throw new AppError("MODEL_UNAVAILABLE", "local similarity graph returned the wrong number of scores", {
        details: { scores: result.scores.dims, expected: K },
      });
    }
    return {
      scores: result.scores.data,
      wordCosines: result.word_cosines.data,
      ...(request.withAttention ? { attention: result.attention.data } : {}),
    };
  }

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
}
