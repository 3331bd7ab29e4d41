// Draws the specification of one phantom (size, format, view, anatomy, findings, seeds) from
// (seed, split, index). Pure: every phantom has its own stream, so N phantoms are a prefix of N+1.

import { Rng, hashSeed, tagNumber } from "./phantom.random.ts";
import {
  CHEXPERT_CLASSES,
  LOCATIONS,
  SEVERITIES,
  type Anatomy,
  type ChexpertClass,
  type DicomEncoding,
  type Finding,
  type Location,
  type PhantomFormat,
  type PhantomSplit,
  type PhantomSpec,
  type PhantomView,
} from "./phantom.types.ts";

/** Shares of the study mix; the rest of the single-finding studies spread evenly over the classes. */
export const DISTRIBUTION = {
  normal: 0.2,
  twoFindings: 0.18,
  png16: 0.1,
  dicom: 0.05,
  ap: 0.3,
  monochrome1: 0.25,
} as const;

/** Location weights; left and right always carry equal weight. */
const LOCATION_WEIGHTS: Record<ChexpertClass, readonly number[]> = {
  Atelectasis: [3, 3, 2.5, 2.5, 1.2, 1.2, 2],
  Cardiomegaly: [],
  Consolidation: [3, 3, 2, 2, 2.5, 2.5],
  Edema: [],
  "Pleural Effusion": [4, 4, 2],
};

export function phantomId(index: number): string {
  return `p${String(index).padStart(6, "0")}`;
}

/** The seed of one purpose-specific stream of one phantom. */
function streamSeed(seed: number, split: PhantomSplit, index: number, purpose: string): number {
  return hashSeed(seed, tagNumber(split), index, tagNumber(purpose));
}

export function samplePhantom(seed: number, split: PhantomSplit, index: number): PhantomSpec {
  const rng = new Rng(streamSeed(seed, split, index, "spec"));

  const format: PhantomFormat = rng.weighted(["png8", "png16", "dicom"], [1 - DISTRIBUTION.png16 - DISTRIBUTION.dicom, DISTRIBUTION.png16, DISTRIBUTION.dicom]);
  const view: PhantomView = rng.bool(DISTRIBUTION.ap) ? "AP" : "PA";
  const { width, height } = sampleSize(rng);
  const anatomy = sampleAnatomy(rng, width, height, view, seed, split, index);
  const findings = sampleFindings(rng);
  const dicom = format === "dicom" ? sampleDicom(rng, seed, split, index) : null;

  return {
    index,
    id: phantomId(index),
    split,
    width,
    height,
    format,
    view,
    anatomy,
    findings,
    findingSeed: streamSeed(seed, split, index, "finding"),
    reportSeed: streamSeed(seed, split, index, "report"),
    dicom,
  };
}

/** Most images are portrait like CheXpert-small (~320x390); some are square or landscape. */
function sampleSize(rng: Rng): { width: number; height: number } {
  const aspect = rng.bool(0.7) ? rng.uniform(0.76, 0.9) : rng.uniform(0.75, 1.3);
  if (aspect <= 1) {
    const height = Math.round(rng.uniform(Math.max(330, 300 / aspect), 420));
    return { width: Math.round(height * aspect), height };
  }
  const width = Math.round(rng.uniform(Math.max(330, 300 * aspect), 420));
  return { width, height: Math.round(width / aspect) };
}

function sampleAnatomy(rng: Rng, width: number, height: number, view: PhantomView, seed: number, split: PhantomSplit, index: number): Anatomy {
  const patientScale = rng.uniform(0.86, 1.05);
  const halfWidth = patientScale * Math.min(0.4 * width, 0.34 * height);
  // AP films are usually taken supine or semi-erect with a shallower inspiration.
  const inspiration = view === "AP" ? rng.uniform(0.8, 0.92) : rng.uniform(0.86, 1.0);
  const lungHeight = 2 * halfWidth * inspiration;
  const apexMin = 0.07 * height;
  const apexMax = Math.max(apexMin, 0.9 * height - 1.12 * lungHeight);
  const apexY = Math.min(apexMax, Math.max(apexMin, rng.uniform(0.1, 0.17) * height));
  return {
    centerX: width / 2 + rng.normal() * 0.015 * width,
    apexY,
    halfWidth,
    lungHeight,
    tilt: (rng.uniform(-3.5, 3.5) * Math.PI) / 180,
    mediastinalShift: rng.uniform(-0.035, 0.035),
    cardiothoracicRatio: rng.uniform(0.39, 0.47),
    rightDomeLift: rng.uniform(0.0, 0.05),
    domeTop: rng.uniform(0.8, 0.86),
    gastricBubble: rng.bool(0.7),
    softTissue: rng.uniform(0.85, 1.2),
    ribSpacing: rng.uniform(0.098, 0.112),
    ribOffset: rng.uniform(-0.1, -0.05),
    exposure: rng.uniform(1.4, 2.1),
    gamma: rng.uniform(0.8, 1.25),
    noise: rng.uniform(0.008, 0.03),
    anatomySeed: streamSeed(seed, split, index, "anatomy"),
    noiseSeed: streamSeed(seed, split, index, "noise"),
  };
}

function sampleFindings(rng: Rng): Finding[] {
  const r = rng.next();
  if (r < DISTRIBUTION.normal) return [];
  if (r < 1 - DISTRIBUTION.twoFindings) return [sampleFinding(rng, rng.pick(CHEXPERT_CLASSES))];
  const first = rng.pick(CHEXPERT_CLASSES);
  const second = rng.pick(CHEXPERT_CLASSES.filter((c) => c !== first));
  // Keep CheXpert column order inside a study so the list reads the same way everywhere.
  const pair = [first, second].sort((a, b) => CHEXPERT_CLASSES.indexOf(a) - CHEXPERT_CLASSES.indexOf(b));
  return pair.map((cls) => sampleFinding(rng, cls));
}

function sampleFinding(rng: Rng, cls: ChexpertClass): Finding {
  const severity = rng.pick(SEVERITIES[cls] as readonly string[]);
  const locations = LOCATIONS[cls] as readonly Location[];
  const location = locations.length === 0 ? null : rng.weighted(locations, LOCATION_WEIGHTS[cls]);
  return { class: cls, severity, location };
}

function sampleDicom(rng: Rng, seed: number, split: PhantomSplit, index: number): DicomEncoding {
  const uidWords: [number, number, number, number] = [0, 1, 2, 3].map((k) => hashSeed(seed, tagNumber(split), index, tagNumber("dicom-uid"), k)) as [
    number,
    number,
    number,
    number,
  ];
  const signedOutput = rng.bool(0.5);
  return {
    modality: rng.bool(0.5) ? "CR" : "DX",
    photometric: rng.bool(DISTRIBUTION.monochrome1) ? "MONOCHROME1" : "MONOCHROME2",
    storedLow: rng.int(40, 400),
    storedHigh: rng.int(3500, 4095),
    rescaleSlope: signedOutput ? 1 : rng.pick([1, 0.5]),
    rescaleIntercept: signedOutput ? -1024 : 0,
    uidWords,
  };
}
