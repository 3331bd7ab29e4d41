// Loading a model folder: checksum verification names the bad file, a broken manifest is refused,
// the optimised-graph cache is written and reused, a CUDA request falls back to CPU with a warning,
// and a closed model refuses work. Uses the committed tiny model.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { GloriaModel } from "../../../src/model/gloria.model.ts";
import type { ModelLogger } from "../../../src/model/model.port.ts";
import { GOLDEN_DIRS, goldenExists, readGolden } from "./golden.helpers.ts";

const present = goldenExists(GOLDEN_DIRS.tiny);

function recordingLogger(): ModelLogger & { lines: { level: string; message: string; data: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; data: Record<string, unknown> }[] = [];
  const at = (level: string) => (data: Record<string, unknown>, message: string) => void lines.push({ level, message, data });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

async function loadError(dir: string): Promise<AppError> {
  const error = await GloriaModel.load(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe.skipIf(!present)("GloriaModel.load", () => {
  let work: string;
  let modelDir: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "gloria-model-"));
    modelDir = readGolden(GOLDEN_DIRS.tiny).modelDir;
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function copyModel(name: string): Promise<string> {
    const dir = join(work, name);
    await cp(modelDir, dir, { recursive: true });
    return dir;
  }

  it("refuses a folder whose file does not match its checksum, naming the file", async () => {
    const dir = await copyModel("tampered");
    await writeFile(join(dir, "vocab.txt"), (await readFile(join(dir, "vocab.txt"), "utf8")) + "extra\n");
    const error = await loadError(dir);
    expect(error.code).toBe("MODEL_UNAVAILABLE");
    expect(error.message).toContain("vocab.txt");
    expect(error.details?.file).toBe("vocab.txt");
  });

  it("refuses a folder with a missing graph, naming it", async () => {
    const dir = await copyModel("missing");
    await rm(join(dir, "local_similarity.onnx"));
    const error = await loadError(dir);
    expect(error.code).toBe("MODEL_UNAVAILABLE");
    expect(error.message).toContain("local_similarity.onnx");
  });

  it("refuses an invalid manifest and lists the problems", async () => {
    const dir = await copyModel("bad-manifest");
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
    delete manifest.embedding;
    await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest));
    const error = await loadError(dir);
    expect(error.code).toBe("MODEL_UNAVAILABLE");
    expect(error.message).toMatch(/embedding/);
    expect((await loadError(join(work, "nowhere"))).message).toMatch(/manifest\.json/);
  });

  it("caches the optimised graphs and loads them on the next start with the same results", async () => {
    const cacheDir = join(work, "cache");
    const first = await GloriaModel.load(modelDir, { cacheDir });
    const [a] = await first.encodeTexts(["small left pleural effusion"]);
    await first.close();
    expect((await readdir(cacheDir)).filter((f) => f.endsWith(".onnx"))).toHaveLength(3);

    const logger = recordingLogger();
    const second = await GloriaModel.load(modelDir, { cacheDir, logger });
    const [b] = await second.encodeTexts(["small left pleural effusion"]);
    await second.close();
    expect(logger.lines.filter((l) => l.message.includes("from cache"))).toHaveLength(3);
    for (let i = 0; i < a.sentence.length; i++) expect(b.sentence[i]).toBeCloseTo(a.sentence[i], 5);
  });

  it("falls back to CPU with a logged warning when CUDA is asked for but absent", async () => {
    const logger = recordingLogger();
    const model = await GloriaModel.load(modelDir, { executionProvider: "cuda", logger });
    const [features] = await model.encodeTexts(["mild pulmonary edema"]);
    await model.close();
    expect(features.words).toEqual(["mild", "pulmonary", "edema"]);
    const fallback = logger.lines.filter((l) => l.level === "warn" && l.message.includes("CUDA"));
    const onGpu = logger.lines.some((l) => l.message === "model sessions created" && l.data.provider === "cuda");
    expect(onGpu || fallback.length > 0).toBe(true);
  });

  it("refuses work once closed", async () => {
    const model = await GloriaModel.load(modelDir);
    await model.close();
    await expect(model.encodeTexts(["x y"])).rejects.toMatchObject({ code: "MODEL_UNAVAILABLE" });
  });

  it("refuses REFERENCE normalisation when the manifest has no reference statistics", async () => {
    const model = await GloriaModel.load(modelDir);
    try {
      const [image] = await model.encodeImages([new Float32Array(3 * model.inputSize * model.inputSize)]);
      await expect(model.classify([image], { normalization: "REFERENCE" })).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
      const custom = await model.classify([image, image], {
        classes: [
          { name: "effusion", prompts: ["small left pleural effusion", "large effusion"] },
          { name: "normal", prompts: ["no acute process"] },
        ],
        normalization: "BATCH",
      });
      // Two identical images: every z-score is undefined, reported as null with a warning per class.
      expect(custom.images[0].scores).toEqual({ effusion: null, normal: null });
      expect(custom.warnings).toHaveLength(2);
    } finally {
      await model.close();
    }
  });
});
