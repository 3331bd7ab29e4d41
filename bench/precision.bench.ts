// Precision and execution provider, side by side on one machine in one run: the float32 model on
// the CPU, its int8 variant on the CPU and, with --provider cuda, float32 and fp16 on the GPU.
// For each: image-encoder throughput per batch size (the batch-size tuning), text-encoder rate, and
// how far its embeddings are from the float32 CPU ones on the same inputs (min cosine, max |diff|).
// Variants are written by tools/convert-precision into a temporary folder.
//
//   npm run bench -- precision --json [--model DIR] [--provider cpu|cuda] [--threads N] [--seconds S]
//     [--batches 1,4,16,32] [--images N]
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { GloriaModel } from "../src/model/gloria.model.ts";
import { silentLogger, type ImageFeatures } from "../src/model/model.port.ts";
import type { ExecutionProvider } from "../src/model/onnx.runtime.ts";
import { timeRuns } from "./encode.bench.ts";
import { cosine, seededRandom } from "../tests/contract/clustered-vectors.ts";

const REPO_ROOT = resolve(import.meta.dirname, "..");
const CANDIDATES = ["tests/fixtures/large/gloria-full", "models/gloria-phantom", "tests/fixtures/models/tiny"];

interface Args {
  model: string;
  provider: ExecutionProvider;
  threads: number;
  seconds: number;
  batches: number[];
  images: number;
}

function parse(args: readonly string[]): Args {
  const value = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const model = value("model") ?? CANDIDATES.map((c) => join(REPO_ROOT, c)).find((c) => existsSync(join(c, "manifest.json")))!;
  const provider = (value("provider") ?? "cpu") as ExecutionProvider;
  if (provider !== "cpu" && provider !== "cuda") throw new Error(`--provider must be cpu or cuda; got ${provider}`);
  return {
    model: resolve(model),
    provider,
    threads: Number(value("threads") ?? Math.min(cpus().length, 16)),
    seconds: Number(value("seconds") ?? 3),
    batches: (value("batches") ?? "1,4,16,32").split(",").map(Number),
    images: Number(value("images") ?? 8),
  };
}

/** Deterministic pixels in GLoRIA's [-1, 1] range. */
function syntheticPixels(count: number, crop: number): Float32Array[] {
  const random = seededRandom(12345);
  return Array.from({ length: count }, () => Float32Array.from({ length: 3 * crop * crop }, () => random() * 2 - 1));
}

function agreement(reference: ImageFeatures[], other: ImageFeatures[]) {
  let minGlobalCosine = 1;
  let minLocalCosine = 1;
  let maxAbsGlobal = 0;
  reference.forEach((r, i) => {
    minGlobalCosine = Math.min(minGlobalCosine, cosine(r.global, other[i].global));
    minLocalCosine = Math.min(minLocalCosine, cosine(r.local, other[i].local));
    for (let k = 0; k < r.global.length; k++) maxAbsGlobal = Math.max(maxAbsGlobal, Math.abs(r.global[k] - other[i].global[k]));
  });
  return { minGlobalCosine, minLocalCosine, maxAbsGlobal };
}

async function convert(model: string, precision: "fp16" | "int8", out: string): Promise<string> {
  await promisify(execFile)("/usr/bin/python3", [join(REPO_ROOT, "tools/convert-precision"), "--model", model, "--precision", precision, "--out", out], {
    timeout: 30 * 60 * 1000,
    maxBuffer: 16 << 20,
  });
  return out;
}

export async function run(argv: string[]) {
  const args = parse(argv);
  const work = await mkdtemp(join(tmpdir(), "gloria-precision-"));
  try {
    const variants: Array<{ label: string; dir: string; provider: ExecutionProvider }> = [
      { label: "fp32-cpu", dir: args.model, provider: "cpu" },
      { label: "int8-cpu", dir: await convert(args.model, "int8", join(work, "int8")), provider: "cpu" },
    ];
    if (args.provider === "cuda") {
      variants.push({ label: "fp32-cuda", dir: args.model, provider: "cuda" });
      variants.push({ label: "fp16-cuda", dir: await convert(args.model, "fp16", join(work, "fp16")), provider: "cuda" });
    }
    let reference: { images: ImageFeatures[]; texts: Float32Array[] } | undefined;
    const results: Record<string, unknown> = {};
    for (const v of variants) {
      const model = await GloriaModel.load(v.dir, {
        executionProvider: v.provider,
        intraOpNumThreads: args.threads,
        logger: silentLogger,
        batchSize: Math.max(...args.batches),
      });
      try {
        const crop = model.manifest.image.crop;
        const probe = syntheticPixels(args.images, crop);
        const texts = ["large left pleural effusion", "no acute cardiopulmonary process", "mild pulmonary edema", "heart size is borderline enlarged"];
        const images = await model.encodeImages(probe);
        const sentences = (await model.encodeTexts(texts)).map((t) => t.sentence);
        reference ??= { images, texts: sentences };
        const throughput: Record<string, number> = {};
        for (const batch of args.batches) {
          const pixels = syntheticPixels(batch, crop);
          const t = await timeRuns(() => model.encodeImages(pixels), args.seconds);
          throughput[`batch${batch}`] = batch / t.wall;
        }
        const best = Object.entries(throughput).sort((a, b) => b[1] - a[1])[0];
        const text = await timeRuns(() => model.encodeTexts(texts), args.seconds);
        results[v.label] = {
          model: model.id,
          precision: model.manifest.precision,
          providers: model.providers,
          imagesPerSecond: throughput,
          bestBatch: Number(best[0].slice(5)),
          textsPerSecond: texts.length / text.wall,
          agreementWithFp32Cpu: {
            ...agreement(reference.images, images),
            minTextCosine: Math.min(...sentences.map((s, i) => cosine(reference!.texts[i], s))),
          },
        };
      } finally {
        await model.close();
      }
    }
    return {
      bench: "precision",
      model: args.model,
      threads: args.threads,
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown" },
      results,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
