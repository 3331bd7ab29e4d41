// Port for linear-probe classifier heads (docs/classifiers.md): stored per (name, model), versioned,
// deletable. Types and contracts only; PrismaClassifierStore implements it.

export type ClassifierFeatures = "GLOBAL" | "POOLED";

/** A figure with its 95% percentile-bootstrap interval (null when the figure is undefined). */
export interface Interval {
  value: number | null;
  ci95: [number, number] | null;
}

export interface ClassValidation {
  className: string;
  auroc: Interval;
  positives: number;
  negatives: number;
}

/** Held-out figures of one training (docs/classifiers.md, "Validation"). */
export interface ClassifierValidation {
  images: number;
  meanAuroc: Interval;
  perClass: ClassValidation[];
}

/** How a head was trained; enough to train it again. */
export interface ClassifierTraining {
  seed: number;
  trainFraction: number;
  l2: number;
  /** The dataset the labels came from; null when they were given as a list. */
  dataset: string | null;
  /** How CheXpert's uncertain label (−1) was read. */
  uncertain: "POSITIVE";
  /** Labelled images, those held out for validation, and those the head was fitted on. */
  counts: { labelled: number; validation: number; trainPool: number; trainedOn: number };
  /** Positives per class among the images fitted on. */
  positives: Record<string, number>;
  /**
   * Set for a head imported from a file (`gloria classifier import`) rather than trained here: the
   * fields above are then neutral (no images), and this says where the head came from.
   */
  imported?: {
    checkpoint: string | null;
    checkpointSha256: string | null;
    /** Whether the checkpoint's encoder was the model's own (a frozen-encoder probe); null when unknown. */
    encoderMatchesModel: boolean | null;
  };
}

export interface ClassifierRecord {
  id: string;
  name: string;
  modelId: string;
  version: number;
  classes: string[];
  features: ClassifierFeatures;
  dim: number;
  /** [classes][dim]: the head of class k is σ(weights[k]·x + biases[k]) on the model's stored feature x. */
  weights: Float32Array[];
  biases: Float32Array;
  training: ClassifierTraining;
  validation: ClassifierValidation;
  createdAt: Date;
}

export type NewClassifier = Omit<ClassifierRecord, "id" | "version" | "createdAt">;

/** Errors: STORE_UNAVAILABLE when the database fails; CONFLICT when two trainings race for one version. */
export interface ClassifierStore {
  /** Stores the head as the next version of (name, modelId): 1 for a new name, else the highest + 1. */
  create(head: NewClassifier): Promise<ClassifierRecord>;
  /** null when unknown (or not a UUID). */
  get(id: string): Promise<ClassifierRecord | null>;
  /** Newest first; only the model's heads when a model id is given. */
  list(modelId?: string | null): Promise<ClassifierRecord[]>;
  /** false when no such head existed. */
  delete(id: string): Promise<boolean>;
}
