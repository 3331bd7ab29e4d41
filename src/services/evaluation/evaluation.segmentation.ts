// The segmentation part of an evaluation (docs/evaluation.md, "Segmentation"): when the manifest's
// rows name masks (the `Mask` column of `gloria phantoms`, class → mask file) and the model has a
// segmentation graph, each row's image is segmented and compared with its masks, class by class, with
// the Dice of GLoRIA's reference code and seeded bootstrap intervals over the images.
import path from "node:path";
import type { GloriaModel } from "../../model/gloria.model.ts";
import { decodeImage } from "../../model/image/image.decode.ts";
import { resizeArea } from "../../model/image/image.preprocess.ts";
import { prepareSegmentationImage } from "../../model/segmentation/segmentation.prepare.ts";
import { parseCsvRecords } from "../ingest/csv.parse.ts";
import type { SourceFiles } from "../source-files.ts";
import { checkNotCancelled } from "../cancellation.ts";
import { figureOf, type BootstrapSettings } from "./evaluation.figures.ts";
import type { Figure } from "./evaluation.figures.ts";
import { mean } from "./metrics.ts";

/** The reference's threshold: a pixel is predicted where sigmoid(logit) > 0.5. */
export const DICE_THRESHOLD = 0.5;

export interface SegmentationClassFigures {
  className: string;
  /** The reference's Dice over every scored image: 2|P∩T|/(|P|+|T|) where the mask has pixels, 1 or 0 (nothing predicted or not) where it has none. */
  dice: Figure;
  /** The Dice over the images that have the finding only. */
  positiveDice: Figure;
  /** Images scored for this class (every segmented image: one without the finding is an empty mask). */
  images: number;
  /** Scored images with the finding. */
  positives: number;
}

export interface SegmentationEvaluation {
  /** S: images and masks are compared stretched to S×S, as the graph sees them. */
  size: number;
  threshold: number;
  /** Images segmented (their masks read). */
  images: number;
  /** Mean over classes of each class's figure, with its interval over the images. */
  dice: Figure;
  positiveDice: Figure;
  perClass: SegmentationClassFigures[];
  failures: number;
}

/**
 * The reference's per-image Dice of one map: with a non-empty truth, 2|P∩T| / (|P| + |T|); with an
 * empty one, 1 when nothing is predicted and 0 otherwise. `probability` and `truth` are S×S.
 */
export function imageDice(probability: ArrayLike<number>, truth: ArrayLike<number>, threshold = DICE_THRESHOLD): number {
  let p = 0;
  let t = 0;
  let both = 0;
  for (let i = 0; i < truth.length; i++) {
    const predicted = probability[i]! > threshold;
    const present = truth[i]! > 0;
    if (predicted) p++;
    if (present) t++;
    if (predicted && present) both++;
  }
  if (t === 0) return p === 0 ? 1 : 0;
  return (2 * both) / (p + t);
}

/** A mask file stretched to S×S like the image (INTER_AREA), then on where it is at least half bright. */
export async function stretchedMask(bytes: Uint8Array, size: number): Promise<Uint8Array> {
  const decoded = await decodeImage(bytes);
  const stretched = resizeArea(decoded.gray, decoded.width, decoded.height, size, size);
  return Uint8Array.from(stretched, (v) => (v >= 128 ? 1 : 0));
}

/** Class → mask path (relative to the manifest) of each row with a Mask column, by the row's Path. */
export function maskColumn(manifestText: string): Map<string, Record<string, string>> | null {
  const records = parseCsvRecords(manifestText, ["Path"]);
  if (records.length === 0 || !("Mask" in records[0]!)) return null;
  const out = new Map<string, Record<string, string>>();
  for (const record of records) {
    const cell = record.Mask?.trim();
    if (!cell) continue;
    try {
      const parsed = JSON.parse(cell) as unknown;
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        out.set(
          record.Path!,
          Object.fromEntries(Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string")),
        );
      }
    } catch {
      // A malformed cell is a row without masks.
    }
  }
  return out;
}

/**
 * Segments every row that has a Mask cell and scores each class the model and the masks share; a
 * row's image or mask that cannot be read counts as a failure and is left out. Undefined when the
 * manifest has no Mask column or the model no segmentation graph.
 */
export async function segmentationEvaluation(
  model: GloriaModel,
  manifestPath: string,
  files: SourceFiles,
  boot: BootstrapSettings,
  options: { limit?: number; signal?: AbortSignal; batchSize?: number } = {},
): Promise<SegmentationEvaluation | undefined> {
  const segmenter = model.segmenter;
  if (!segmenter) return undefined;
  const masks = maskColumn(await files.readText(manifestPath, "The manifest"));
  if (!masks || masks.size === 0) return undefined;
  const base = path.dirname(path.resolve(manifestPath));
  const S = segmenter.inputSize;
  const classes = segmenter.classes.filter((c) => [...masks.values()].some((m) => c in m));
  if (classes.length === 0) return undefined;

  // Per class, per scored image: its Dice and whether the finding is there.
  const dice: number[][] = classes.map(() => []);
  const present: boolean[][] = classes.map(() => []);
  let failures = 0;
  const rows = [...masks.entries()].slice(0, options.limit);
  const batchSize = options.batchSize ?? 16;
  for (let start = 0; start < rows.length; start += batchSize) {
    checkNotCancelled(options.signal);
    const loaded = await Promise.all(
      rows.slice(start, start + batchSize).map(async ([imagePath, rowMasks]) => {
        try {
          const input = await prepareSegmentationImage(await files.read(path.join(base, imagePath), `Image ${imagePath}`), S);
          const truths = await Promise.all(
            classes.map(async (c) => (rowMasks[c] ? stretchedMask(await files.read(path.join(base, rowMasks[c]), `Mask ${rowMasks[c]}`), S) : null)),
          );
          return { input, truths };
        } catch {
          failures++;
          return null;
        }
      }),
    );
    const ready = loaded.filter((l) => l !== null);
    const segmented = await model.segmentPrepared(ready.map((l) => l.input));
    ready.forEach((l, n) => {
      classes.forEach((c, k) => {
        const map = segmented[n]!.classes.find((m) => m.className === c)!.probabilities;
        const truth = l.truths[k] ?? new Uint8Array(S * S);
        dice[k]!.push(imageDice(map, truth));
        present[k]!.push(l.truths[k] !== null && truth.some((v) => v > 0));
      });
    });
  }
  const images = dice[0]?.length ?? 0;
  const positiveMean = (k: number, idx: readonly number[]) => mean(idx.filter((i) => present[k]![i]).map((i) => dice[k]![i]!));
  const perClass = classes.map((className, k) => ({
    className,
    dice: figureOf(images, (idx) => mean(idx.map((i) => dice[k]![i]!)), boot),
    positiveDice: figureOf(images, (idx) => positiveMean(k, idx), boot),
    images,
    positives: present[k]!.filter(Boolean).length,
  }));
  return {
    size: S,
    threshold: DICE_THRESHOLD,
    images,
    dice: figureOf(images, (idx) => mean(classes.map((_, k) => mean(idx.map((i) => dice[k]![i]!)))), boot),
    positiveDice: figureOf(images, (idx) => mean(classes.map((_, k) => positiveMean(k, idx))), boot),
    perClass,
    failures,
  };
}
