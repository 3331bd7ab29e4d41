// `gloria segment`: a model's optional segmentation graph run on one image file, printing per class
// the area at or above the threshold, its bounding box in the image's pixels and the largest
// probability (--json, or a line per class), and with --out writing the masks as PNG files at the
// image's size. No server, store or database (docs/segmentation.md).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import type { Command } from "commander";
import { AppError } from "../../errors/app-error.ts";
import { GloriaModel } from "../../model/gloria.model.ts";
import type { ModelLogger } from "../../model/model.port.ts";
import { renderMaskPng } from "../../model/segmentation/segmentation.mask.ts";
import { checkThreshold, summarizeClass } from "../../model/segmentation/segmentation.summary.ts";

export interface SegmentCommandDeps {
  /** The logger the model writes warnings to (stderr in the real CLI). */
  createLogger(): ModelLogger;
  stdout: { write(chunk: string): unknown };
  /** Used when --model is not given. */
  defaultModelDir?: string;
}

interface SegmentFlags {
  model?: string;
  image: string;
  out?: string;
  threshold: string;
  threads?: string;
  provider?: string;
  json?: boolean;
}

function bad(message: string): AppError {
  return new AppError("BAD_USER_INPUT", message);
}

/** A class name as a file name part: lower case, runs of anything but letters and digits as one "-". */
export function classSlug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "") || "class"
  );
}

/**
 * Where each class's mask is written for `--out FILE`: FILE itself for a model with one class;
 * otherwise FILE's name with "-<class slug>" before its extension (mask.png → mask-pleural-effusion.png),
 * and "-<n>" after the slug (n from 1, in class order) for a class whose slug an earlier class took.
 */
export function maskFiles(out: string, classes: readonly string[]): string[] {
  if (classes.length === 1) return [out];
  const ext = extname(out) || ".png";
  const stem = basename(out, extname(out));
  const seen = new Set<string>();
  return classes.map((name, c) => {
    let slug = classSlug(name);
    if (seen.has(slug)) slug = `${slug}-${c + 1}`;
    seen.add(slug);
    return join(dirname(out), `${stem}-${slug}${ext}`);
  });
}

async function openModel(flags: SegmentFlags, deps: SegmentCommandDeps): Promise<GloriaModel> {
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

export function registerSegmentCommand(program: Command, deps: SegmentCommandDeps): void {
  program
    .command("segment")
    .description("segment one image with the model's segmentation graph: per class the area, bounding box and largest probability, and the masks")
    .requiredOption("--image <file>", "PNG, JPEG, TIFF or DICOM file")
    .option("--out <file>", "write the masks as PNG at the image's size: this file for one class, else <name>-<class>.png per class")
    .option("--threshold <p>", "probability at or above which a pixel is in a class, strictly between 0 and 1", "0.5")
    .option("--model <dir>", "model folder with segmentation.onnx (docs/model-contract.md)")
    .option("--threads <n>", "ONNX Runtime intra-op threads")
    .option("--provider <name>", "cpu or cuda (falls back to cpu with a warning)")
    .option("--json", "print JSON")
    .action(async (flags: SegmentFlags) => {
      const threshold = Number(flags.threshold);
      if (flags.threshold.trim() === "" || Number.isNaN(threshold)) throw bad(`--threshold must be a number; got ${JSON.stringify(flags.threshold)}`);
      checkThreshold(threshold);
      const model = await openModel(flags, deps);
      try {
        // A model without segmentation.onnx is refused before the image is read.
        model.requireSegmenter();
        let bytes: Buffer;
        try {
          bytes = await readFile(flags.image);
        } catch {
          throw bad(`cannot read image file ${flags.image}`);
        }
        const result = await model.segmentImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        const files =
          flags.out === undefined
            ? undefined
            : maskFiles(
                flags.out,
                result.classes.map((c) => c.className),
              );
        if (flags.out !== undefined) await mkdir(dirname(flags.out), { recursive: true });
        const classes = [];
        for (const [c, { className, probabilities }] of result.classes.entries()) {
          const summary = summarizeClass(probabilities, result.size, result.width, result.height, threshold);
          if (files) await writeFile(files[c]!, await renderMaskPng(probabilities, result.size, result.width, result.height, threshold));
          classes.push({ className, ...summary, ...(files ? { mask: files[c]! } : {}) });
        }
        const out = { model: model.id, threshold, width: result.width, height: result.height, size: result.size, classes };
        deps.stdout.write(
          flags.json
            ? `${JSON.stringify(out)}\n`
            : `${classes
                .map((c) => {
                  const box = c.bbox ? `${c.bbox.x},${c.bbox.y} ${c.bbox.width}×${c.bbox.height}` : "none";
                  return `${c.className}\tarea ${(100 * c.areaFraction).toFixed(2)}%\tmax ${c.maxProbability.toFixed(4)}\tbox ${box}${c.mask ? `\t${c.mask}` : ""}`;
                })
                .join("\n")}\n`,
        );
      } finally {
        await model.close();
      }
    });
}
