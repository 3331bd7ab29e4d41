// Test helper: reads the goldens written by tools/goldens/preprocess_goldens.py (cv2 / torchvision /
// pydicom reference values) and the fixture files next to them.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { SyntheticMode } from "./synthetic-image.ts";

export const FIXTURES = fileURLToPath(new URL("../../fixtures/preprocess/", import.meta.url));
export const LARGE_SWEEP = fileURLToPath(new URL("../../fixtures/large/preprocess/resize_sweep.json", import.meta.url));

export interface ResizeCase {
  sw: number;
  sh: number;
  dw: number;
  dh: number;
  seed: number;
  mode: SyntheticMode;
  sha256: string;
}

export interface PreprocessGolden {
  resized: [number, number];
  /** top, bottom, left, right */
  padding: [number, number, number, number];
  resizedSha256: string;
  croppedSha256: string;
  pixelsSha256: string;
}

export interface Goldens {
  pixelTable: number[];
  resizeSweep: ResizeCase[];
  preprocess: (PreprocessGolden & { width: number; height: number; seed: number; mode: SyntheticMode })[];
  images: { file: string; width: number; height: number; graySha256: string; preprocess?: PreprocessGolden }[];
  dicom: {
    file: string;
    width: number;
    height: number;
    transferSyntaxUid: string;
    photometric: string;
    /** Colour files have only `gray`; monochrome ones one digest per DicomScaling. */
    expected: { window?: string; minmax?: string; rsna?: string; gray?: string };
  }[];
}

export const goldens: Goldens = JSON.parse(readFileSync(FIXTURES + "goldens.json", "utf8"));

export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

export function largeSweep(): ResizeCase[] | undefined {
  if (!existsSync(LARGE_SWEEP)) return undefined;
  return JSON.parse(readFileSync(LARGE_SWEEP, "utf8")).resizeSweep;
}
