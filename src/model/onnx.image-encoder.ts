// ImageEncoder on image_encoder.onnx (docs/model-contract.md): batches preprocessed CHW pixels into
// [B,3,S,S] runs and splits `global` [B,D] / `local` [B,D,h,w] (and `pooled` [B,P] where the model
// has it) back per image. No preprocessing here.
import { AppError } from "../errors/app-error.ts";
import type { ImageEncoder, ImageFeatures } from "./model.port.ts";
import type { OnnxGraph } from "./onnx.runtime.ts";

export interface ImageEncoderShape {
  dim: number;
  grid: readonly [number, number];
  inputSize: number;
  /** Images per run; larger batches amortise per-run overhead at the cost of memory. */
  batchSize: number;
  /** P of the graph's `pooled` output (manifest embedding.pooledDim); absent when it has none. */
  pooledDim?: number;
}

/** Refuses pixels that are not one 3×S×S image each (BAD_USER_INPUT); returns the values per image. */
export function checkPixels(pixels: readonly Float32Array[], inputSize: number): number {
  const perImage = 3 * inputSize * inputSize;
  pixels.forEach((p, i) => {
    if (p.length !== perImage) throw new AppError("BAD_USER_INPUT", `image ${i} has ${p.length} values, expected 3×${inputSize}×${inputSize}`);
  });
  return perImage;
}

export class OnnxImageEncoder implements ImageEncoder {
  readonly dim: number;
  readonly grid: readonly [number, number];
  readonly inputSize: number;
  readonly pooledDim: number | undefined;
  readonly #graph: OnnxGraph;
  readonly #batchSize: number;

  constructor(graph: OnnxGraph, shape: ImageEncoderShape) {
    this.#graph = graph;
    this.dim = shape.dim;
    this.grid = shape.grid;
    this.inputSize = shape.inputSize;
    this.pooledDim = shape.pooledDim;
    this.#batchSize = Math.max(1, shape.batchSize);
  }

  async encodeImages(pixels: readonly Float32Array[]): Promise<ImageFeatures[]> {
    const S = this.inputSize;
    const perImage = checkPixels(pixels, S);
    const M = this.grid[0] * this.grid[1];
    const D = this.dim;
    const out: ImageFeatures[] = [];
    for (let start = 0; start < pixels.length; start += this.#batchSize) {
      const chunk = pixels.slice(start, start + this.#batchSize);
      const input = new Float32Array(chunk.length * perImage);
      chunk.forEach((p, i) => input.set(p, i * perImage));
      const result = await this.#graph.run({ pixel_values: { type: "float32", data: input, dims: [chunk.length, 3, S, S] } });
      const global = result.global;
      const local = result.local;
      const P = this.pooledDim;
      const pooled = P === undefined ? undefined : result.pooled;
      if (
        global.data.length !== chunk.length * D ||
        local.data.length !== chunk.length * D * M ||
        (P !== undefined && pooled?.data.length !== chunk.length * P)
      ) {
        throw new AppError("MODEL_UNAVAILABLE", "image encoder outputs do not match the manifest's dim, grid and pooled width", {
          details: { global: global.dims, local: local.dims, pooled: pooled?.dims },
        });
      }
      chunk.forEach((_, i) => {
        const features: ImageFeatures = {
          global: global.data.slice(i * D, (i + 1) * D),
          local: local.data.slice(i * D * M, (i + 1) * D * M),
        };
        if (pooled && P !== undefined) features.pooled = pooled.data.slice(i * P, (i + 1) * P);
        out.push(features);
      });
    }
    return out;
  }

  /** One all-zero image through the graph, so the first real request does not pay for allocation. */
  async warmUp(): Promise<void> {
    await this.encodeImages([new Float32Array(3 * this.inputSize * this.inputSize)]);
  }
}
