// Worker-thread side of the image encoder thread (image-encoder.thread.ts): opens the image graph
// with the options it is given, warms it, then encodes each batch it is sent and returns the
// features as transferred matrices (global, local, and pooled where the model has it). onnxruntime-node runs a session on the calling thread, so
// here it blocks this thread instead of the one that feeds it.
import { parentPort, workerData } from "node:worker_threads";
import { OnnxImageEncoder, type ImageEncoderShape } from "../onnx.image-encoder.ts";
import { openOnnxGraph, type OnnxSessionOptions } from "../onnx.runtime.ts";
import { silentLogger } from "../model.port.ts";

export interface EncoderThreadData {
  file: string;
  checksum: string;
  options: OnnxSessionOptions;
  shape: ImageEncoderShape;
}

export type EncoderThreadRequest = { type: "encode"; id: number; count: number; input: Float32Array } | { type: "close" };

export type EncoderThreadReply =
  | { type: "ready" }
  | { type: "encoded"; id: number; global: Float32Array; local: Float32Array; pooled: Float32Array | null }
  | { type: "failed"; id: number | null; code: string; message: string };

const port = parentPort!;
const { file, checksum, options, shape } = workerData as EncoderThreadData;
const reply = (message: EncoderThreadReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
const codeOf = (error: unknown) => String((error as { code?: unknown })?.code ?? "MODEL_UNAVAILABLE");

try {
  const graph = await openOnnxGraph(file, checksum, options, silentLogger);
  const encoder = new OnnxImageEncoder(graph, shape);
  await encoder.warmUp();
  const D = shape.dim;
  const M = shape.grid[0] * shape.grid[1];
  const perImage = 3 * shape.inputSize * shape.inputSize;
  port.on("message", async (request: EncoderThreadRequest) => {
    if (request.type === "close") {
      await graph.release().catch(() => undefined);
      port.close();
      return;
    }
    try {
      const pixels = Array.from({ length: request.count }, (_, i) => request.input.subarray(i * perImage, (i + 1) * perImage));
      const features = await encoder.encodeImages(pixels);
      const P = shape.pooledDim;
      const global = new Float32Array(features.length * D);
      const local = new Float32Array(features.length * D * M);
      const pooled = P === undefined ? null : new Float32Array(features.length * P);
      features.forEach((f, i) => {
        global.set(f.global, i * D);
        local.set(f.local, i * D * M);
        if (pooled && f.pooled && P !== undefined) pooled.set(f.pooled, i * P);
      });
      const transfer = pooled ? [global.buffer, local.buffer, pooled.buffer] : [global.buffer, local.buffer];
      reply({ type: "encoded", id: request.id, global, local, pooled }, transfer);
    } catch (error) {
      reply({ type: "failed", id: request.id, code: codeOf(error), message: (error as Error).message });
    }
  });
  reply({ type: "ready" });
} catch (error) {
  reply({ type: "failed", id: null, code: codeOf(error), message: (error as Error).message });
}
