// The image encoder in a worker thread of its own. onnxruntime-node runs a session synchronously on
// the thread that calls it, so an encoder on the main thread stalls everything else there (reading
// and writing the stores, the database driver) for the length of each batch; ingestion encodes
// through this instead, and its other work runs while a batch is being encoded.
import { Worker } from "node:worker_threads";
import { AppError } from "../../errors/app-error.ts";
import type { ErrorCode } from "../../errors/app-error.ts";
import type { ImageFeatures } from "../model.port.ts";
import { checkPixels } from "../onnx.image-encoder.ts";
import type { EncoderThreadData, EncoderThreadReply, EncoderThreadRequest } from "./image-encoder.worker.ts";

export interface ImageEncoderThread {
  encodeImages(pixels: readonly Float32Array[]): Promise<ImageFeatures[]>;
  /** False once the thread has stopped: closed, or ended by an error; it never runs again. */
  alive(): boolean;
  /** Settles when the thread has stopped, for whatever reason. */
  readonly stopped: Promise<void>;
  /** Ends the thread abruptly, as a fatal error inside it would (fault-injection tests). */
  crash(): Promise<void>;
  close(): Promise<void>;
}

/** Starts the worker and resolves once its graph is open and warmed; MODEL_UNAVAILABLE if it cannot. */
export function startImageEncoderThread(data: EncoderThreadData): Promise<ImageEncoderThread> {
  const { dim, grid, inputSize, pooledDim } = data.shape;
  const M = grid[0] * grid[1];
  // The sources are TypeScript: the worker's entry is a short script that registers tsx's loader in
  // the worker, as the main thread has it, and then imports the module.
  const entry = new URL("./image-encoder.worker.ts", import.meta.url).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  const worker = new Worker(`import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`, {
    eval: true,
    workerData: data,
    execArgv: process.execArgv.filter((a) => !a.startsWith("--inspect")),
  });
  const pending = new Map<number, { resolve: (f: ImageFeatures[]) => void; reject: (e: AppError) => void; count: number }>();
  let nextId = 0;
  let stopped: AppError | undefined;
  let markStopped: () => void = () => undefined;
  const stoppedPromise = new Promise<void>((resolve) => (markStopped = resolve));
  const send = (request: EncoderThreadRequest, transfer: ArrayBuffer[] = []) => worker.postMessage(request, transfer);

  return new Promise((resolveStart, rejectStart) => {
    const fail = (error: AppError) => {
      stopped ??= error;
      markStopped();
      rejectStart(error);
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    };
    worker.on("error", (error) =>
      fail(new AppError("MODEL_UNAVAILABLE", `the image encoder thread failed: ${error.message}`, { cause: error, expected: false })),
    );
    worker.on("exit", () => fail(new AppError("MODEL_UNAVAILABLE", "the image encoder thread has stopped", { expected: false })));
    worker.on("message", (reply: EncoderThreadReply) => {
      if (reply.type === "ready") {
        resolveStart(thread);
        return;
      }
      if (reply.type === "failed" && reply.id === null) {
        fail(new AppError("MODEL_UNAVAILABLE", `the image encoder thread could not open the model: ${reply.message}`, { expected: false }));
        return;
      }
      const waiting = pending.get(reply.id as number);
      pending.delete(reply.id as number);
      if (!waiting) return;
      if (reply.type === "failed") {
        waiting.reject(new AppError(reply.code as ErrorCode, reply.message));
        return;
      }
      const features: ImageFeatures[] = [];
      for (let i = 0; i < waiting.count; i++) {
        const f: ImageFeatures = { global: reply.global.subarray(i * dim, (i + 1) * dim), local: reply.local.subarray(i * dim * M, (i + 1) * dim * M) };
        if (reply.pooled && pooledDim !== undefined) f.pooled = reply.pooled.subarray(i * pooledDim, (i + 1) * pooledDim);
        features.push(f);
      }
      waiting.resolve(features);
    });

    const thread: ImageEncoderThread = {
      async encodeImages(pixels) {
        if (stopped) throw stopped;
        const perImage = checkPixels(pixels, inputSize);
        if (pixels.length === 0) return [];
        // One contiguous copy, handed over to the worker without a second copy.
        const input = new Float32Array(pixels.length * perImage);
        pixels.forEach((p, i) => input.set(p, i * perImage));
        const id = nextId++;
        return new Promise<ImageFeatures[]>((resolve, reject) => {
          pending.set(id, { resolve, reject, count: pixels.length });
          send({ type: "encode", id, count: pixels.length, input }, [input.buffer]);
        });
      },
      alive: () => stopped === undefined,
      stopped: stoppedPromise,
      async crash() {
        await worker.terminate();
      },
      async close() {
        if (stopped) return;
        stopped = new AppError("MODEL_UNAVAILABLE", "the image encoder thread is closed", { expected: false });
        markStopped();
        const exited = new Promise((resolve) => worker.once("exit", resolve));
        send({ type: "close" });
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
        await worker.terminate();
      },
    };
  });
}
