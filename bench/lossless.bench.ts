// JPEG lossless (process 14, SV1) frames: the project's decoder (src/model/image/jpeg-lossless.decode.ts)
// beside the jpeg-lossless-decoder-js package, on a radiograph-sized 16-bit frame (a phantom scaled to
// 1950 × 2496 with noise, 12 bits stored, compressed by GDCM: tools/dicom/transcode.py) and on the
// decoder fixtures (restart intervals mid-row, point transform, 8 and 16 bits, every predictor).
// Reports the best of N runs per decoder and how many samples each gets wrong against the other and
// against the native pixels. Needs Debian's python3-gdcm for the large frame.
// `run(args)` returns the JSON result.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import dicomParser from "dicom-parser";
import { Decoder } from "jpeg-lossless-decoder-js";
import sharp from "sharp";
import { decodeJpegLossless } from "../src/model/image/jpeg-lossless.decode.ts";
import { encodeDicom } from "../src/phantoms/phantom.dicom.ts";
import { generatePhantoms } from "../src/phantoms/phantom.generate.ts";

const RUNS = 7;
const FIXTURES = "tests/fixtures/preprocess";

interface Frame {
  name: string;
  frame: Uint8Array;
  width: number;
  height: number;
  components: number;
  /** The pixels as stored before compression, when known. */
  native?: Uint16Array;
}

function frameOf(name: string, bytes: Uint8Array): Frame {
  const ds = dicomParser.parseDicom(bytes);
  const el = ds.elements.x7fe00010!;
  return {
    name,
    frame: dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, el.fragments!.length),
    width: ds.uint16("x00280011")!,
    height: ds.uint16("x00280010")!,
    components: ds.uint16("x00280002") ?? 1,
  };
}

/** A phantom at radiograph size, 12-bit with noise, compressed lossless by GDCM. */
async function largeFrame(dir: string): Promise<Frame> {
  await generatePhantoms({ out: dir, count: 1, seed: 3, split: "train" });
  const png = path.join(dir, "images", fs.readdirSync(path.join(dir, "images"))[0]!);
  const width = 1950;
  const height = 2496;
  const { data } = await sharp(png).greyscale().resize(width, height, { fit: "fill" }).raw().toBuffer({ resolveWithObject: true });
  let s = 7;
  const native = Uint16Array.from(data, (v) => Math.min(4095, v * 16 + ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 28)));
  const source = path.join(dir, "large.dcm");
  fs.writeFileSync(
    source,
    encodeDicom({
      modality: "CR",
      viewPosition: "PA",
      photometric: "MONOCHROME2",
      rows: height,
      columns: width,
      pixels: native,
      rescaleSlope: 1,
      rescaleIntercept: 0,
      windowCenter: 2048,
      windowWidth: 4096,
      uidWords: [1, 2, 3, 4],
    }),
  );
  const target = path.join(dir, "large-lossless.dcm");
  const done = spawnSync("/usr/bin/python3", ["tools/dicom/transcode.py", "jpeg-lossless", source, target], { encoding: "utf8" });
  if (done.status !== 0) throw new Error(`GDCM could not compress the frame (python3-gdcm installed?): ${done.stderr}`);
  return { ...frameOf("phantom 1950×2496, 12 bits", new Uint8Array(fs.readFileSync(target))), native };
}

function best(work: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    work();
    ms = Math.min(ms, performance.now() - start);
  }
  return Math.round(ms * 100) / 100;
}

function mismatches(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): number | null {
  if (!a || !b) return null;
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if ((a[i]! & 0xffff) !== (b[i]! & 0xffff)) n++;
  return n;
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-lossless-bench-"));
  try {
    const frames = [
      await largeFrame(dir),
      ...fs
        .readdirSync(FIXTURES)
        .filter((f) => f.includes("jpeg_lossless"))
        .sort()
        .map((f) => frameOf(f, new Uint8Array(fs.readFileSync(path.join(FIXTURES, f))))),
    ];
    const results = frames.map((f) => {
      const ours = () => decodeJpegLossless(f.frame, 64_000_000, { width: f.width, height: f.height, components: f.components }).samples;
      const theirs = () => {
        const decoder = new Decoder();
        const buffer = decoder.decode(f.frame.buffer.slice(f.frame.byteOffset, f.frame.byteOffset + f.frame.byteLength) as ArrayBuffer);
        return decoder.numBytes === 1 ? new Uint8Array(buffer) : new Uint16Array(buffer);
      };
      let theirsOut: ArrayLike<number> | undefined;
      let theirsError: string | undefined;
      try {
        theirsOut = theirs();
      } catch (error) {
        theirsError = (error as Error).message;
      }
      const oursOut = ours();
      return {
        frame: f.name,
        size: `${f.width}×${f.height}×${f.components}`,
        projectMs: best(ours),
        packageMs: theirsOut ? best(theirs) : null,
        packageError: theirsError ?? null,
        samplesDiffering: mismatches(oursOut, theirsOut),
        projectWrongVsNative: f.native ? mismatches(oursOut, f.native) : null,
        packageWrongVsNative: f.native ? mismatches(theirsOut, f.native) : null,
      };
    });
    return { bench: "lossless", runs: RUNS, node: process.version, results };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
