// Published GLoRIA figures that an evaluation on CheXpert 5×200 can be set beside (gloria-numerics §9),
// each with where it comes from and how far it is confirmed. Only figures the harness measures in
// the same form are listed; linear-probe and segmentation results are out of its scope.

export type Confidence = "secondary" | "recalled" | "verified-issue";

export interface PublishedFigure {
  /** The report field it compares with, e.g. "imageToText.precisionAt100". */
  metric: string;
  model: string;
  dataset: string;
  /** As a fraction, or null when nothing was published. */
  value: number | null;
  source: string;
  /**
   * secondary: quoted by a machine-written third-party summary of the paper, not checked against it;
   * recalled: remembered from the paper, unverified; verified-issue: read in the project's issue tracker.
   */
  confidence: Confidence;
  note?: string;
}

const PAPER = "Huang et al., GLoRIA, ICCV 2021";

export const PUBLISHED: readonly PublishedFigure[] = [
  { metric: "imageToText.precisionAt5", model: "GLoRIA", dataset: "CheXpert 5×200", value: 0.6924, source: PAPER, confidence: "recalled" },
  { metric: "imageToText.precisionAt10", model: "GLoRIA", dataset: "CheXpert 5×200", value: 0.6722, source: PAPER, confidence: "recalled" },
  { metric: "imageToText.precisionAt100", model: "GLoRIA", dataset: "CheXpert 5×200", value: 0.5378, source: PAPER, confidence: "secondary" },
  { metric: "imageToText.precisionAt100", model: "ConVIRT", dataset: "CheXpert 5×200", value: 0.4903, source: PAPER, confidence: "secondary" },
  { metric: "zeroShot.macroF1", model: "GLoRIA", dataset: "CheXpert 5×200", value: 0.67, source: PAPER, confidence: "secondary" },
  {
    metric: "zeroShot.accuracy",
    model: "GLoRIA",
    dataset: "CheXpert 5×200",
    value: null,
    source: "marshuang80/gloria issue #3",
    confidence: "verified-issue",
    note: "no accuracy was published; the README recipe gave 0.17–0.22 (near chance) in the issue, unresolved",
  },
];
