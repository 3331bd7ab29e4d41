// Writes a phantom set to disk: images (8/16-bit PNG through sharp, DICOM through our encoder) under
// DIR/images, a mask per region finding under DIR/masks and the CheXpert-style DIR/manifest.csv. The only phantom module doing I/O; all
// pixels, words and bytes come from the pure modules, so the same arguments give identical files.

import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import { AppError } from "../errors/app-error.ts";
import { encodeDicom } from "./phantom.dicom.ts";
import { formatManifest, type ManifestRow } from "./phantom.manifest.ts";
import { quantize16, quantize8, quantizeStored, renderPhantomWithMasks } from "./phantom.render.ts";
import { writeReport } from "./phantom.report.ts";
import { samplePhantom } from "./phantom.sample.ts";
import { CHEXPERT_CLASSES, type ChexpertClass, type PhantomFormat, type PhantomSpec, type PhantomSplit, type PhantomView } from "./phantom.types.ts";

export interface GeneratePhantomsOptions {
  /** Output folder; created if missing. Existing files of the same names are overwritten. */
  out: string;
  count: number;
  /** Non-negative safe integer. */
  seed: number;
  /** "train" (default) or "test": separate streams, so the two never share an image for one seed. */
  split?: PhantomSplit;
  /** Images being encoded and written at once (default 4). Rendering itself is synchronous. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface PhantomSetSummary {
  count: number;
  out: string;
  manifest: string;
  seed: number;
  split: PhantomSplit;
  /** Images carrying each class (a two-finding image counts for both). */
  classes: Record<ChexpertClass, number>;
  normal: number;
  twoFindings: number;
  formats: Record<PhantomFormat, number>;
  views: Record<PhantomView, number>;
}

export const MAX_PHANTOMS = 1_000_000;

/** 12-bit detector range of the DICOM phantoms. */
const STORED_MAX = 4095;

export async function generatePhantoms(options: GeneratePhantomsOptions): Promise<PhantomSetSummary> {
  const { out, count, seed } = options;
  const split = options.split ?? "train";
  validate(out, count, seed, split);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const outDir = path.resolve(out);
  await mkdir(path.join(outDir, "images"), { recursive: true });
  await mkdir(path.join(outDir, "masks"), { recursive: true });

  const summary: PhantomSetSummary = {
    count,
    out: outDir,
    manifest: path.join(outDir, "manifest.csv"),
    seed,
    split,
    classes: Object.fromEntries(CHEXPERT_CLASSES.map((c) => [c, 0])) as Record<ChexpertClass, number>,
    normal: 0,
    twoFindings: 0,
    formats: { png8: 0, png16: 0, dicom: 0 },
    views: { PA: 0, AP: 0 },
  };
  const rows: ManifestRow[] = [];
  const pending: Array<Promise<void>> = [];
  let failure: unknown = null;
  let done = 0;

  for (let index = 0; index < count; index++) {
    const spec = samplePhantom(seed, split, index);
    const relative = `images/${spec.id}.${spec.format === "dicom" ? "dcm" : "png"}`;
    const { intensity, masks } = renderPhantomWithMasks(spec, true);
    const maskFiles = [...masks.keys()].map((cls) => ({ cls, file: `masks/${spec.id}.${slug(cls)}.png` }));
    rows.push({
      path: relative,
      report: writeReport(spec),
      findings: spec.findings,
      view: spec.view,
      masks: Object.fromEntries(maskFiles.map((m) => [m.cls, m.file])),
    });
    tally(summary, spec);

    const task = encode(spec, intensity)
      .then((bytes) => writeFile(path.join(outDir, relative), bytes))
      .then(() => Promise.all(maskFiles.map(async (m) => writeFile(path.join(outDir, m.file), await encodeMask(spec, masks.get(m.cls)!)))))
      .then(
        () => options.onProgress?.(++done, count),
        (error: unknown) => {
          failure ??= error;
        },
      );
    pending.push(task);
    // Bounded: render the next image while at most `concurrency` encodes/writes are in flight.
    if (pending.length >= concurrency) await pending.shift();
    if (failure !== null) break;
  }
  await Promise.all(pending);
  if (failure !== null) throw failure;

  await writeFile(summary.manifest, formatManifest(rows));
  return summary;
}

function validate(out: string, count: number, seed: number, split: string): void {
  if (typeof out !== "string" || out.trim() === "") throw new AppError("BAD_USER_INPUT", "An output folder is required.");
  if (!Number.isInteger(count) || count < 0 || count > MAX_PHANTOMS) {
    throw new AppError("BAD_USER_INPUT", `count must be an integer from 0 to ${MAX_PHANTOMS}.`);
  }
  if (!Number.isSafeInteger(seed) || seed < 0) throw new AppError("BAD_USER_INPUT", "seed must be a non-negative integer.");
  if (split !== "train" && split !== "test") throw new AppError("BAD_USER_INPUT", 'split must be "train" or "test".');
}

function tally(summary: PhantomSetSummary, spec: PhantomSpec): void {
  for (const f of spec.findings) summary.classes[f.class] += 1;
  if (spec.findings.length === 0) summary.normal += 1;
  if (spec.findings.length === 2) summary.twoFindings += 1;
  summary.formats[spec.format] += 1;
  summary.views[spec.view] += 1;
}

/** PNG options fixed so the encoder output depends on the pixels only (sharp writes no timestamps). */
const PNG_OPTIONS = { compressionLevel: 6, adaptiveFiltering: false, palette: false, progressive: false } as const;

/** "Pleural Effusion" → "pleural-effusion": a class name as a file name part. */
function slug(cls: string): string {
  return cls.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

/** A 0/1 mask as an 8-bit grey PNG of 0 and 255, on the image's own pixel grid. */
async function encodeMask(spec: PhantomSpec, mask: Uint8Array): Promise<Uint8Array> {
  const bytes = Uint8Array.from(mask, (m) => m * 255);
  return sharp(bytes, { raw: { width: spec.width, height: spec.height, channels: 1 } })
    .toColourspace("b-w")
    .png(PNG_OPTIONS)
    .toBuffer();
}

async function encode(spec: PhantomSpec, intensity: Float32Array): Promise<Uint8Array> {
  const raw = { width: spec.width, height: spec.height, channels: 1 as const };
  if (spec.format === "png8") {
    return sharp(quantize8(intensity), { raw }).toColourspace("b-w").png(PNG_OPTIONS).toBuffer();
  }
  if (spec.format === "png16") {
    return sharp(quantize16(intensity), { raw }).toColourspace("grey16").png(PNG_OPTIONS).toBuffer();
  }
  const d = spec.dicom;
  if (d === null) throw new Error(`phantom ${spec.id} is DICOM but has no DICOM encoding`);
  const invert = d.photometric === "MONOCHROME1";
  const pixels = quantizeStored(intensity, d.storedLow, d.storedHigh, invert, STORED_MAX);
  // The window spans the stored range the image uses, in rescaled (modality) units.
  const lo = invert ? STORED_MAX - d.storedHigh : d.storedLow;
  const hi = invert ? STORED_MAX - d.storedLow : d.storedHigh;
  return encodeDicom({
    modality: d.modality,
    viewPosition: spec.view,
    photometric: d.photometric,
    rows: spec.height,
    columns: spec.width,
    pixels,
    rescaleSlope: d.rescaleSlope,
    rescaleIntercept: d.rescaleIntercept,
    windowCenter: d.rescaleIntercept + (d.rescaleSlope * (lo + hi)) / 2,
    windowWidth: d.rescaleSlope * (hi - lo),
    uidWords: d.uidWords,
  });
}
