// The vocabulary and data shapes of the synthetic chest-radiograph phantoms: classes, severities,
// locations and the full per-image specification. Data only; no rendering or I/O here.

/** The five CheXpert competition classes, in CheXpert's column order (gloria-numerics §5). */
export const CHEXPERT_CLASSES = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"] as const;
export type ChexpertClass = (typeof CHEXPERT_CLASSES)[number];

/** Severities per class, mildest first; the renderer scales extent and density by the index. */
export const SEVERITIES = {
  Atelectasis: ["minimal", "mild", "moderate"],
  Cardiomegaly: ["mild", "moderate", "severe"],
  Consolidation: ["mild", "moderate", "extensive"],
  Edema: ["mild", "moderate", "severe"],
  "Pleural Effusion": ["small", "moderate", "large"],
} as const satisfies Record<ChexpertClass, readonly string[]>;

/** The patient's side. Radiological convention: the patient's left is on the image's right. */
export type Side = "left" | "right" | "bilateral";
export type Zone = "upper lobe" | "lower lobe" | "lung base";

/** The closed list of locations a finding may carry; Edema and Cardiomegaly have none. */
export const LOCATIONS = {
  Atelectasis: ["left lower lobe", "right lower lobe", "left lung base", "right lung base", "left upper lobe", "right upper lobe", "bilateral lung bases"],
  Cardiomegaly: [],
  Consolidation: ["left lower lobe", "right lower lobe", "left lung base", "right lung base", "left upper lobe", "right upper lobe"],
  Edema: [],
  "Pleural Effusion": ["left", "right", "bilateral"],
} as const satisfies Record<ChexpertClass, readonly string[]>;

export type Location = (typeof LOCATIONS)[ChexpertClass][number];

export interface Finding {
  class: ChexpertClass;
  /** One of SEVERITIES[class]. */
  severity: string;
  /** One of LOCATIONS[class], or null for classes without a side. */
  location: Location | null;
}

/** Side and zone of a location string; null parts for locations that do not say them. */
export function parseLocation(location: Location | null): { side: Side | null; zone: Zone | null } {
  if (location === null) return { side: null, zone: null };
  const side: Side = location.startsWith("left") ? "left" : location.startsWith("right") ? "right" : "bilateral";
  const zone: Zone | null = location.endsWith("upper lobe")
    ? "upper lobe"
    : location.endsWith("lower lobe")
      ? "lower lobe"
      : location.includes("base")
        ? "lung base"
        : null;
  return { side, zone };
}

/** 0-based rank of a finding's severity within its class (0 = mildest). */
export function severityRank(finding: Finding): number {
  const rank = (SEVERITIES[finding.class] as readonly string[]).indexOf(finding.severity);
  if (rank < 0) throw new RangeError(`unknown severity "${finding.severity}" for ${finding.class}`);
  return rank;
}

export type PhantomFormat = "png8" | "png16" | "dicom";
export type PhantomView = "PA" | "AP";
export type PhantomSplit = "train" | "test";

/** Patient anatomy and acquisition, in the canonical thorax frame the renderer uses. */
export interface Anatomy {
  /** Thorax centre, pixels from the left edge. */
  centerX: number;
  /** Row of the lung apices, pixels from the top. */
  apexY: number;
  /** Half of the inner thoracic width, pixels (1 unit of the horizontal canonical axis u). */
  halfWidth: number;
  /** Apex-to-costophrenic-angle height, pixels (1 unit of the vertical canonical axis v). */
  lungHeight: number;
  /** In-plane tilt of the patient, radians (positive turns the thorax clockwise on screen). */
  tilt: number;
  /** Sideways shift of mediastinum and spine from patient rotation, in u units (+ = image right). */
  mediastinalShift: number;
  /** Cardiothoracic ratio of the heart before any finding changes it. */
  cardiothoracicRatio: number;
  /** Extra height of the right hemidiaphragm over the left (v units); normally positive. */
  rightDomeLift: number;
  /** Height of the diaphragm domes' tops (v units from the apex). */
  domeTop: number;
  /** Whether a gastric air bubble sits under the left hemidiaphragm. */
  gastricBubble: boolean;
  /** Soft-tissue thickness factor (patient habitus). */
  softTissue: number;
  /** Rib spacing in v units and the first rib's offset. */
  ribSpacing: number;
  ribOffset: number;
  /** Exposure: attenuation gain of the detector response. */
  exposure: number;
  /** Display gamma applied after the detector response. */
  gamma: number;
  /** Standard deviation of the quantum noise, in [0,1] intensity units. */
  noise: number;
  /** Independent streams so that adding a finding never changes the anatomy, texture or noise. */
  anatomySeed: number;
  noiseSeed: number;
}

/** DICOM encoding choices for the phantoms written as DICOM. */
export interface DicomEncoding {
  modality: "CR" | "DX";
  photometric: "MONOCHROME2" | "MONOCHROME1";
  /** Stored-value range the intensity [0,1] maps onto (12-bit). */
  storedLow: number;
  storedHigh: number;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** 128-bit seed material for the study/series/instance UIDs, as 4 unsigned 32-bit words. */
  uidWords: [number, number, number, number];
}

export interface PhantomSpec {
  index: number;
  /** File stem, e.g. "p000123". */
  id: string;
  split: PhantomSplit;
  width: number;
  height: number;
  format: PhantomFormat;
  view: PhantomView;
  anatomy: Anatomy;
  findings: Finding[];
  /** Seed of the finding texture stream (patches, lines), separate from the anatomy. */
  findingSeed: number;
  /** Seed of the report wording stream. */
  reportSeed: number;
  dicom: DicomEncoding | null;
}
