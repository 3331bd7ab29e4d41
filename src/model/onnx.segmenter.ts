// Segmenter on segmentation.onnx (docs/model-contract.md, "Optional parts"): batches prepared CHW
// pixels into [B,3,S,S] runs of `pixel_values` and turns `logits` [B,C,S,S] into per-image sigmoid
// probabilities [C,S,S]. No preprocessing here (segmentation/segmentation.prepare.ts).
import { AppError } from "../errors/app-error.ts";
import type { Segmenter } from "./model.port.ts";
import { checkPixels } from "./onnx.image-encoder.ts";
import type { OnnxGraph } from "./onnx.runtime.ts";

export interface SegmenterShape {
  /** Class names, one logit map each, in the graph's order (manifest segmentation.classes). */
  classes: readonly string[];
  /** S, the side of the input and of each output map (manifest segmentation.size). */
  inputSize: number;
  /** Images per run (default 4: a map per class of S² floats each is kept per image). */
  batchSize?: number;
}

/** The logistic function, written for each sign so that neither exp() overflows. */
export function sigmoid(logit: number): number {
  return logit >= 0 ? 1 / (1 + Math.exp(-logit)) : Math.exp(logit) / (1 + Math.exp(logit));
}

export class OnnxSegmenter implements Segmenter {
  readonly classes: readonly string[];
  readonly inputSize: number;
  readonly #graph: OnnxGraph;
  readonly #batchSize: number;

  constructor(graph: OnnxGraph, shape: SegmenterShape) {
    this.#graph = graph;
    this.classes = [...shape.classes];
    this.inputSize = shape.inputSize;
    this.#batchSize = Math.max(1, shape.batchSize ?? 4);
  }

  async segmentImages(pixels: readonly Float32Array[]): Promise<Float32Array[]> {
    const S = this.inputSize;
    const perImage = checkPixels(pixels, S);
    const perOutput = this.classes.length * S * S;
    const out: Float32Array[] = [];
    for (let start = 0; start < pixels.length; start += this.#batchSize) {
      const chunk = pixels.slice(start, start + this.#batchSize);
      const input = new Float32Array(chunk.length * perImage);
      chunk.forEach((p, i) => input.set(p, i * perImage));
      const result = await this.#graph.run({ pixel_values: { type: "float32", data: input, dims: [chunk.length, 3, S, S] } }, ["logits"]);
      const logits = result.logits;
      if (!logits || logits.data.length !== chunk.length * perOutput) {
        throw new AppError("MODEL_UNAVAILABLE", "segmentation.onnx's logits do not match the manifest's classes and size", {
          details: { logits: logits?.dims, expected: [chunk.length, this.classes.length, S, S] },
        });
      }
      chunk.forEach((_, i) => {
        const probabilities = new Float32Array(perOutput);
        const from = i * perOutput;
        for (let k = 0; k < perOutput; k++) probabilities[k] = sigmoid(logits.data[from + k]!);
        out.push(probabilities);
      });
    }
    return out;
  }

  /** One all-zero image through the graph, so a first request does not pay for allocation. */
  async warmUp(): Promise<void> {
    await this.segmentImages([new Float32Array(3 * this.inputSize * this.inputSize)]);
  }
}
