// `gloria embed`, `gloria score`, `gloria classify` and `gloria attention`: the model run on files
// from the command line, printing JSON (--json) or a short summary. No server, store or database.
import { readFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { AppError } from "../../errors/app-error.ts";
import { GloriaModel } from "../../model/gloria.model.ts";
import { renderHeatmapPng } from "../../model/heatmap/heatmap.render.ts";
import type { ColorMapName } from "../../model/heatmap/heatmap.upsample.ts";
import { decodeImage } from "../../model/image/image.decode.ts";
import { preprocessGray, type PreprocessResult } from "../../model/image/image.preprocess.ts";
import type { ModelLogger, SlicingMode } from "../../model/model.port.ts";
import type { ZeroShotNormalization } from "../../model/zero-shot/zero-shot.normalize.ts";

export interface ModelCommandDeps {
  /** The logger the model writes warnings to (stderr in the real CLI). */
  createLogger(): ModelLogger;
  stdout: { write(chunk: string): unknown };
  /** Used when --model is not given. */
  defaultModelDir?: string;
}

interface ModelFlags {
  model?: string;
  threads?: string;
  provider?: string;
  json?: boolean;
}

const MODES: readonly SlicingMode[] = ["REFERENCE", "WORDS"];
const NORMALIZATIONS: readonly ZeroShotNormalization[] = ["NONE", "BATCH", "REFERENCE"];
const COLORMAPS: readonly ColorMapName[] = ["jet", "inferno"];

function bad(message: string): AppError {
  return new AppError("BAD_USER_INPUT", message);
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, fallback: T): T {
  if (value === undefined) return fallback;
  const upper = (allowed.includes(value.toUpperCase() as T) ? value.toUpperCase() : value) as T;
  if (!allowed.includes(upper)) throw bad(`${flag} must be one of ${allowed.join(", ")}; got ${JSON.stringify(value)}`);
  return upper;
}

async function openModel(flags: ModelFlags, deps: ModelCommandDeps): Promise<GloriaModel> {
  const dir = flags.model ?? deps.defaultModelDir;
  if (!dir) throw bad("--model DIR is required");
  let threads: number | undefined;
  if (flags.threads !== undefined) {
    threads = Number(flags.threads);
    if (!Number.isInteger(threads) || threads < 1) throw bad(`--threads must be a positive integer; got ${flags.threads}`);
  }
  const provider = flags.provider === undefined ? "cpu" : flags.provider.toLowerCase();
  if (provider !== "cpu" && provider !== "cuda") throw bad(`--provider must be cpu or cuda; got ${flags.provider}`);
  return GloriaModel.load(dir, { logger: deps.createLogger(), intraOpNumThreads: threads, executionProvider: provider });
}

async function withModel<T>(flags: ModelFlags, deps: ModelCommandDeps, work: (model: GloriaModel) => Promise<T>): Promise<T> {
  const model = await openModel(flags, deps);
  try {
    return await work(model);
  } finally {
    await model.close();
  }
}

interface LoadedImage extends PreprocessResult {
  file: string;
  gray: Uint8Array;
}

async function loadImage(file: string, model: GloriaModel): Promise<LoadedImage> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch {
    throw bad(`cannot read image file ${file}`);
  }
  const decoded = await decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const { resize, crop } = model.manifest.image;
  return { file, gray: decoded.gray, ...preprocessGray(decoded.gray, decoded.width, decoded.height, { resize, crop }) };
}

/** [D, M] channels-first → D rows of M numbers. */
function rows(data: Float32Array, count: number): number[][] {
  const width = data.length / count;
  return Array.from({ length: count }, (_, i) => Array.from(data.subarray(i * width, (i + 1) * width)));
}

function print(deps: ModelCommandDeps, json: boolean | undefined, value: unknown, human: () => string): void {
  deps.stdout.write(json ? `${JSON.stringify(value)}\n` : `${human()}\n`);
}

const round = (v: number | null): string => (v === null ? "null" : v.toFixed(4));

export function registerModelCommands(program: Command, deps: ModelCommandDeps): void {
  const withModelOptions = (command: Command): Command =>
    command
      .option("--model <dir>", "model folder (docs/model-contract.md)")
      .option("--threads <n>", "ONNX Runtime intra-op threads")
      .option("--provider <name>", "cpu or cuda (falls back to cpu with a warning)")
      .option("--json", "print JSON");

  withModelOptions(program.command("embed"))
    .description("print the GLoRIA embeddings of one image (--image) or one text (--text)")
    .option("--image <file>", "PNG, JPEG or DICOM file")
    .option("--text <string>", "report or query text")
    .action(async (flags: ModelFlags & { image?: string; text?: string }) => {
      if ((flags.image === undefined) === (flags.text === undefined)) throw bad("give exactly one of --image FILE or --text STRING");
      await withModel(flags, deps, async (model) => {
        if (flags.image !== undefined) {
          const image = await loadImage(flags.image, model);
          const [features] = await model.encodeImages([image.pixels]);
          const out = { global: Array.from(features.global), local: rows(features.local, model.dim), grid: [...model.grid] };
          print(deps, flags.json, out, () => `image ${flags.image}: global [${model.dim}], local [${model.dim}][${model.grid.join("×")}]`);
        } else {
          const [features] = await model.encodeTexts([flags.text!]);
          const words = features.words.map((_, j) => Array.from(features.slots.subarray((j + 1) * model.dim, (j + 2) * model.dim)));
          const out = { sentence: Array.from(features.sentence), words, tokens: features.words };
          print(
            deps,
            flags.json,
            out,
            () => `text → "${features.cleaned}": ${features.words.length} words [${features.words.join(", ")}], sentence [${model.dim}]`,
          );
        }
      });
    });

  withModelOptions(program.command("score"))
    .description("score one image against one text: global cosine, local attention score and their mean")
    .requiredOption("--image <file>", "PNG, JPEG or DICOM file")
    .requiredOption("--text <string>", "report or query text")
    .option("--mode <mode>", "word columns: REFERENCE (published) or WORDS", "REFERENCE")
    .action(async (flags: ModelFlags & { image: string; text: string; mode?: string }) => {
      const mode = oneOf(flags.mode, MODES, "--mode", "REFERENCE");
      await withModel(flags, deps, async (model) => {
        const image = await loadImage(flags.image, model);
        const [features] = await model.encodeImages([image.pixels]);
        const s = await model.scoreTextAgainstImages(flags.text, [features], { mode });
        const out = { global: s.global[0], local: s.local[0], combined: s.combined[0] };
        print(deps, flags.json, out, () => `global ${round(out.global)}  local ${round(out.local)}  combined ${round(out.combined)} (${mode})`);
      });
    });

  withModelOptions(program.command("classify"))
    .description("zero-shot CheXpert classification of one or more images")
    .requiredOption("--image <files...>", "PNG, JPEG or DICOM files")
    .option("--normalization <kind>", "NONE, BATCH (z-score across these images) or REFERENCE", "NONE")
    .option("--mode <mode>", "word columns: REFERENCE (published) or WORDS", "REFERENCE")
    .action(async (flags: ModelFlags & { image: string[]; normalization?: string; mode?: string }) => {
      const normalization = oneOf(flags.normalization, NORMALIZATIONS, "--normalization", "NONE");
      const mode = oneOf(flags.mode, MODES, "--mode", "REFERENCE");
      await withModel(flags, deps, async (model) => {
        const images: LoadedImage[] = [];
        for (const file of flags.image) images.push(await loadImage(file, model));
        const features = await model.encodeImages(images.map((i) => i.pixels));
        const result = await model.classify(features, { normalization, mode });
        const out = result.images.map((r, n) => ({ image: flags.image[n], scores: r.scores, predicted: r.predicted }));
        print(deps, flags.json, out, () =>
          out.map((r) => `${r.image}: ${r.predicted ?? "(none)"}  ${result.classes.map((c) => `${c} ${round(r.scores[c])}`).join("  ")}`).join("\n"),
        );
      });
    });

  withModelOptions(program.command("attention"))
    .description("write one PNG heat map per word of --text over --image")
    .requiredOption("--image <file>", "PNG, JPEG or DICOM file")
    .requiredOption("--text <string>", "report or query text")
    .requiredOption("--out <dir>", "folder for the PNG files")
    .option("--colormap <name>", "jet or inferno", "jet")
    .action(async (flags: ModelFlags & { image: string; text: string; out: string; colormap?: string }) => {
      const colormap = oneOf(flags.colormap?.toLowerCase(), COLORMAPS, "--colormap", "jet");
      await withModel(flags, deps, async (model) => {
        const image = await loadImage(flags.image, model);
        const [features] = await model.encodeImages([image.pixels]);
        const maps = await model.attention(flags.text, features);
        if (maps.words.length === 0) throw bad("the text has no words left after GLoRIA's cleaning (one-word texts are dropped)");
        await mkdir(flags.out, { recursive: true });
        const written: { word: string; cosine: number; file: string }[] = [];
        for (const [j, w] of maps.words.entries()) {
          const file = join(flags.out, `${String(j + 1).padStart(2, "0")}-${w.word.replace(/[^A-Za-z0-9_-]/g, "_")}.png`);
          await writeFile(file, await renderHeatmapPng(image.gray, w.map, maps.grid, image.geometry, { colormap }));
          written.push({ word: w.word, cosine: w.cosine, file });
        }
        print(deps, flags.json, { local: maps.local, words: written }, () => written.map((w) => `${w.word}\t${w.file}`).join("\n"));
      });
    });
}
