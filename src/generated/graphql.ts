import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { HealthReport } from '../services/health.service.ts';
import type { ImageRecord, ReportRecord, Finding as FindingRecord, JobRecord } from '../stores/metadata/metadata-store.port.ts';
import type { ImageHitResult, ReportHitResult, AttentionWord } from '../services/search.service.ts';
import type { SegmentationResult, SegmentedClass } from '../services/segment.service.ts';
import type { ModelSummary } from '../services/catalog.service.ts';
import type { ModelStatusView } from '../server/loaders.ts';
import type { ApiKeyRecord } from '../stores/metadata/api-key-store.port.ts';
import type { EvaluationRecord } from '../services/evaluation/evaluation.records.ts';
import type { ComparedEvaluations } from '../services/evaluation/evaluation.service.ts';
import type { RequestContext } from '../server/context.ts';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A file sent with the request (GraphQL multipart request spec; send the apollo-require-preflight header). */
  Upload: { input: Promise<import("../server/uploads.ts").FileUpload>; output: Promise<import("../server/uploads.ts").FileUpload>; }
};

export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  name: Scalars['String']['output'];
  /** The first characters of the key, to tell keys apart. */
  prefix: Scalars['String']['output'];
  revokedAt?: Maybe<Scalars['String']['output']>;
  scopes: Array<ApiKeyScope>;
};

/** Scopes nest: ADMIN includes INGEST, which includes READ. */
export type ApiKeyScope =
  | 'ADMIN'
  | 'INGEST'
  | 'READ';

export type AttentionMap = {
  __typename?: 'AttentionMap';
  /** [h, w] of the region grid. */
  grid: Array<Scalars['Int']['output']>;
  /** GLoRIA's local score of the pair, in [-5, 5]. */
  localScore: Scalars['Float']['output'];
  words: Array<WordAttention>;
};

export type ClassProbability = {
  __typename?: 'ClassProbability';
  className: Scalars['String']['output'];
  /** σ(w·x + b), in [0, 1]. */
  probability: Scalars['Float']['output'];
};

export type ClassPromptsInput = {
  name: Scalars['String']['input'];
  /** For labelMode MULTI: prompts saying the class is absent. Defaults: written for the five CheXpert classes, else 'no <name>' and 'no evidence of <name>'. */
  negativePrompts?: InputMaybe<Array<Scalars['String']['input']>>;
  prompts: Array<Scalars['String']['input']>;
};

export type ClassScore = {
  __typename?: 'ClassScore';
  className: Scalars['String']['output'];
  /** MULTI: probability ≥ 0.5; null for SINGLE. */
  present?: Maybe<Scalars['Boolean']['output']>;
  /** MULTI: the probability that the class is present (softmax of its positive and negative sides, temperature 0.1); null for SINGLE. */
  probability?: Maybe<Scalars['Float']['output']>;
  /** Max over the class's prompts of the combined GLoRIA score, before normalisation. */
  rawScore: Scalars['Float']['output'];
  /** The normalised score (null where a BATCH z-score is undefined: one image, or equal scores). */
  score?: Maybe<Scalars['Float']['output']>;
};

export type ClassValidation = {
  __typename?: 'ClassValidation';
  /** Held-out AUROC in [0, 1]. */
  auroc: IntervalFigure;
  className: Scalars['String']['output'];
  negatives: Scalars['Int']['output'];
  positives: Scalars['Int']['output'];
};

export type Classification = {
  __typename?: 'Classification';
  /** The normalisation applied (the one asked for, or the default chosen for these classes and images). */
  normalization: ZeroShotNormalization;
  /** The class with the highest score. */
  predicted?: Maybe<Scalars['String']['output']>;
  /** The prompt set used (or 'custom'). */
  prompts: Scalars['String']['output'];
  scores: Array<ClassScore>;
};

/**
 * A linear-probe classifier: one logistic output per class, σ(w·x + b), on one model's stored image
 * features. A new training under the same name and model is the next version.
 */
export type Classifier = {
  __typename?: 'Classifier';
  classes: Array<Scalars['String']['output']>;
  createdAt: Scalars['String']['output'];
  features: ClassifierFeatures;
  id: Scalars['ID']['output'];
  /** The model id whose features it reads. */
  model: Scalars['String']['output'];
  name: Scalars['String']['output'];
  training: ClassifierTraining;
  validation: ClassifierValidation;
  version: Scalars['Int']['output'];
};

/** Which stored image features a linear-probe classifier reads. */
export type ClassifierFeatures =
  /** The global image embedding each image has in the model's vector collection (unit length). */
  | 'GLOBAL'
  /** The encoder's pooled trunk features, GLoRIA's classifier input (2048 values for ResNet-50), stored at ingestion or by gloria backfill-pooled; BAD_USER_INPUT for a model whose image graph has no pooled output. */
  | 'POOLED';

export type ClassifierTraining = {
  __typename?: 'ClassifierTraining';
  /** The dataset the labels came from; null when they were given as examples. */
  dataset?: Maybe<Scalars['String']['output']>;
  /** Set for a head imported from a fine-tuned checkpoint (gloria classifier import): the counts above are then 0. */
  imported?: Maybe<ImportedHead>;
  l2: Scalars['Float']['output'];
  /** Labelled images READY for the model. */
  labelled: Scalars['Int']['output'];
  seed: Scalars['Int']['output'];
  trainFraction: Scalars['Float']['output'];
  /** The training split before trainFraction sampled it. */
  trainPool: Scalars['Int']['output'];
  trainedOn: Scalars['Int']['output'];
  /** Held out for validation. */
  validation: Scalars['Int']['output'];
};

/** Held-out figures of one training. */
export type ClassifierValidation = {
  __typename?: 'ClassifierValidation';
  images: Scalars['Int']['output'];
  /** Mean of the per-class AUROCs that are defined. */
  meanAuroc: IntervalFigure;
  perClass: Array<ClassValidation>;
};

/** Items of a dataset by their status for one model; `missing`: never started for it (a reindex encodes them). */
export type CoverageCounts = {
  __typename?: 'CoverageCounts';
  failed: Scalars['Int']['output'];
  missing: Scalars['Int']['output'];
  pending: Scalars['Int']['output'];
  ready: Scalars['Int']['output'];
  total: Scalars['Int']['output'];
};

export type CreateApiKeyInput = {
  name: Scalars['String']['input'];
  scopes: Array<ApiKeyScope>;
};

export type CreateApiKeyPayload = {
  __typename?: 'CreateApiKeyPayload';
  apiKey: ApiKey;
  /** The key itself: shown this once, stored only as a hash. */
  key: Scalars['String']['output'];
};

/** How much of one dataset a model has encoded. */
export type DatasetCoverage = {
  __typename?: 'DatasetCoverage';
  dataset: Scalars['String']['output'];
  images: CoverageCounts;
  reports: CoverageCounts;
};

export type DeleteClassifierPayload = {
  __typename?: 'DeleteClassifierPayload';
  deleted: Scalars['Boolean']['output'];
};

export type DeletePayload = {
  __typename?: 'DeletePayload';
  deleted: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
};

/**
 * A PACS to ingest from over DICOMweb (QIDO-RS to find instances, WADO-RS to fetch them); its base URL
 * must be one of the server's DICOMWEB_URLS. Instances already ingested (same SOP Instance UID in the
 * dataset) are skipped without being fetched. See docs/dicom.md.
 */
export type DicomWebSourceInput = {
  /** The server's environment variable (DICOMWEB_AUTH_…) holding the Authorization header to send; the secret itself is never sent or stored. */
  authEnv?: InputMaybe<Scalars['String']['input']>;
  /** Only series of these modalities, e.g. [CR, DX]. */
  modalities?: InputMaybe<Array<Scalars['String']['input']>>;
  /** A CSV under INGEST_ROOTS with StudyInstanceUID and Report columns: each study's report. Without one (or a row), a study's structured report (SR) is used when it has one. */
  reportsCsv?: InputMaybe<Scalars['String']['input']>;
  /** Only studies on or after this date, YYYYMMDD. */
  since?: InputMaybe<Scalars['String']['input']>;
  /** Only these studies (Study Instance UIDs). */
  studies?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Base URL, e.g. http://pacs:8042/dicom-web (no credentials in it). */
  url: Scalars['String']['input'];
};

export type EvaluateInput = {
  /** Bootstrap resamples per 95% interval (0: none; at most 10000). */
  bootstrapIterations?: InputMaybe<Scalars['Int']['input']>;
  /** Use only the first N rows (at most 5000, the default). */
  limit?: InputMaybe<Scalars['Int']['input']>;
  /** A CheXpert-style manifest (Path, Report, the five class columns, optional Findings) on the server, inside INGEST_ROOTS. */
  manifest: Scalars['String']['input'];
  /** Headline word columns; both are always measured. */
  mode?: InputMaybe<LocalMode>;
  /** The loaded model to evaluate (default: the default model). */
  model?: InputMaybe<Scalars['ID']['input']>;
  /** Headline zero-shot normalisation (default REFERENCE when the model has statistics, else BATCH). */
  normalization?: InputMaybe<ZeroShotNormalization>;
  /** First-stage candidates re-scored by the local similarity (at most 1000). */
  rerankCandidates?: InputMaybe<Scalars['Int']['input']>;
  /** Seed of the bootstrap resampling. */
  seed?: InputMaybe<Scalars['Int']['input']>;
  /** Use only the first N rows of the training manifest (at most 4000, the default); only with trainManifest. */
  trainLimit?: InputMaybe<Scalars['Int']['input']>;
  /** A CheXpert-style training manifest on the server, inside INGEST_ROOTS: adds linearProbe, heads fitted on its images' global embeddings at 1%, 10% and 100% of its rows (always encoded, never taken from the stores). */
  trainManifest?: InputMaybe<Scalars['String']['input']>;
  /** Take the stored features of images already ingested for the model (same file bytes); encode the rest. */
  useStoredFeatures?: InputMaybe<Scalars['Boolean']['input']>;
};

export type Evaluation = {
  __typename?: 'Evaluation';
  counts: EvaluationCounts;
  createdAt: Scalars['String']['output'];
  /** One figure by name, e.g. figure(name: "imageToText.REFERENCE.precisionAt100"). */
  figure?: Maybe<EvaluationFigure>;
  /** Every figure of the run. */
  figures: Array<EvaluationFigure>;
  id: Scalars['ID']['output'];
  /** The whole report as JSON text (format gloria-search/evaluation@1). */
  json: Scalars['String']['output'];
  /** The linear-probe curve; null for runs without a training manifest. */
  linearProbe?: Maybe<LinearProbeEvaluation>;
  /** The run as Markdown tables. */
  markdown: Scalars['String']['output'];
  model: Scalars['String']['output'];
  /** Multi-label zero-shot figures; null for runs kept before they were measured. */
  multiLabel?: Maybe<MultiLabelEvaluation>;
  published: Array<PublishedFigure>;
  /** Dice against the manifest's masks; null unless the manifest has a Mask column and the model a segmentation graph. */
  segmentation?: Maybe<SegmentationEvaluation>;
  settings: EvaluationSettings;
  warnings: Array<Scalars['String']['output']>;
};


export type EvaluationFigureArgs = {
  name: Scalars['String']['input'];
};

export type EvaluationComparison = {
  __typename?: 'EvaluationComparison';
  a: Evaluation;
  b: Evaluation;
  differences: Array<EvaluationDifference>;
  figures: Array<EvaluationFigureComparison>;
  markdown: Scalars['String']['output'];
};

export type EvaluationCounts = {
  __typename?: 'EvaluationCounts';
  imageFailures: Scalars['Int']['output'];
  images: Scalars['Int']['output'];
  lateralised: Scalars['Int']['output'];
  reports: Scalars['Int']['output'];
  rows: Scalars['Int']['output'];
  singleFinding: Scalars['Int']['output'];
  /** Images whose features came from the stores rather than the encoder. */
  storedImages: Scalars['Int']['output'];
};

export type EvaluationDifference = {
  __typename?: 'EvaluationDifference';
  /** JSON of the value in each run. */
  a?: Maybe<Scalars['String']['output']>;
  b?: Maybe<Scalars['String']['output']>;
  field: Scalars['String']['output'];
};

/** A measured value with its seeded percentile-bootstrap 95% interval. */
export type EvaluationFigure = {
  __typename?: 'EvaluationFigure';
  /** [low, high]; null when no resamples were asked for or nothing was measured. */
  ci95?: Maybe<Array<Scalars['Float']['output']>>;
  /** Dotted name, stable across runs: zeroShot.REFERENCE.BATCH.accuracy, textToImage.GLOBAL.precisionAt5, … */
  name: Scalars['String']['output'];
  value?: Maybe<Scalars['Float']['output']>;
};

export type EvaluationFigureComparison = {
  __typename?: 'EvaluationFigureComparison';
  a?: Maybe<EvaluationFigure>;
  b?: Maybe<EvaluationFigure>;
  /** b − a */
  delta?: Maybe<Scalars['Float']['output']>;
  name: Scalars['String']['output'];
  /** Whether the two 95% intervals overlap (null without intervals). */
  overlapping?: Maybe<Scalars['Boolean']['output']>;
};

/** What a second run needs to give the same numbers. */
export type EvaluationSettings = {
  __typename?: 'EvaluationSettings';
  bootstrapIterations: Scalars['Int']['output'];
  codeVersion: Scalars['String']['output'];
  limit?: Maybe<Scalars['Int']['output']>;
  manifestSha256: Scalars['String']['output'];
  mode: LocalMode;
  modelChecksum: Scalars['String']['output'];
  modelId: Scalars['String']['output'];
  normalization: ZeroShotNormalization;
  promptSet: Scalars['String']['output'];
  rerankCandidates: Scalars['Int']['output'];
  seed: Scalars['Int']['output'];
};

/**
 * A query made of examples: weighted texts and positive / negative example images (at most 8 texts
 * and 8 images of each kind). Re-ranking scores the texts with GLoRIA's local similarity, positive
 * texts minus negative ones; a query of images alone is not re-ranked. See docs/search.md.
 */
export type ExampleQueryInput = {
  negative?: InputMaybe<Array<ImageInput>>;
  positive?: InputMaybe<Array<ImageInput>>;
  strategy?: InputMaybe<ExampleStrategy>;
  texts?: InputMaybe<Array<WeightedTextInput>>;
};

/** How an example query's examples make the first stage. */
export type ExampleStrategy =
  /** One search for a⁺ + (a⁺ − a⁻), the weighted means of the positive and the negative examples' embeddings. */
  | 'AVERAGE'
  /** Each positive searched on its own; a candidate scores its best cosine with a positive, and ranks under every other when a negative is nearer. */
  | 'BEST_SCORE';

/** A finding recorded with an item: a class name, with severity and location when the source gave them. */
export type Finding = {
  __typename?: 'Finding';
  className: Scalars['String']['output'];
  location?: Maybe<Scalars['String']['output']>;
  severity?: Maybe<Scalars['String']['output']>;
};

/** How searchReportsByText merges its vector and full-text rankings (docs/text-search.md). */
export type Fusion =
  /** Reciprocal rank fusion: the sum, over the rankings that hold the report, of 1 / (60 + its rank there); equal scores share a rank. */
  | 'RRF'
  /**
   * alpha · the cosine min–max normalised over the vector candidates + (1 − alpha) · the full-text
   * score divided by the best one; a side that did not return the report gives it 0.
   */
  | 'WEIGHTED';

/** How search hits are grouped. */
export type GroupBy =
  /** One group per study: its best hit, then up to perGroup − 1 of its other hits (other views, other reports). A hit without a study is a group of its own. */
  | 'STUDY';

/** The same answer as GET /readyz. */
export type Health = {
  __typename?: 'Health';
  checks: Array<HealthCheck>;
  /** True when the status is READY and every check passes. */
  ready: Scalars['Boolean']['output'];
  status: LifecycleStatus;
  uptimeSeconds: Scalars['Float']['output'];
  version: Scalars['String']['output'];
};

/** One component's readiness: the database, the vector store, the model. */
export type HealthCheck = {
  __typename?: 'HealthCheck';
  /** Why the component is not ready, when it is not. */
  detail?: Maybe<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  ok: Scalars['Boolean']['output'];
};

export type Image = {
  __typename?: 'Image';
  byteSize: Scalars['Int']['output'];
  contentHash: Scalars['String']['output'];
  dataset: Scalars['String']['output'];
  findingDetails: Array<Finding>;
  /** Names of the positive finding classes. */
  findings: Array<Scalars['String']['output']>;
  format: Scalars['String']['output'];
  height?: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  /** The CheXpert labels stored at ingestion (from the manifest's class columns). */
  labels: Array<Label>;
  modality?: Maybe<Scalars['String']['output']>;
  /** Reports linked to this image (same study or the same manifest row). */
  reports: Array<Report>;
  /**
   * Where the image was read from, relative to the INGEST_ROOTS folder that holds it; null for uploads
   * and for files outside INGEST_ROOTS. Scope: admin (a path can name a patient).
   */
  sourcePath?: Maybe<Scalars['String']['output']>;
  /** The status for the model the query named (the default model when it named none). */
  status: ItemStatus;
  /** The status for every model that has started encoding this image. */
  statuses: Array<ModelStatus>;
  studyId?: Maybe<Scalars['ID']['output']>;
  /**
   * A grey preview as a JPEG data URL, long side at most `size` px (16 to 512), made at ingestion from
   * the decoded, windowed pixels, so the source file is never read. Null for an image ingested before
   * previews were kept.
   */
  thumbnail?: Maybe<Scalars['String']['output']>;
  viewPosition?: Maybe<Scalars['String']['output']>;
  width?: Maybe<Scalars['Int']['output']>;
};


export type ImageThumbnailArgs = {
  size?: InputMaybe<Scalars['Int']['input']>;
};

export type ImageConnection = {
  __typename?: 'ImageConnection';
  edges: Array<ImageEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ImageEdge = {
  __typename?: 'ImageEdge';
  cursor: Scalars['String']['output'];
  node: Image;
};

export type ImageFilter = {
  /** Dataset names. */
  datasets?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Items with at least one of these finding classes. */
  findings?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Items with every one of these finding classes. */
  findingsAll?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Items with none of these finding classes. */
  findingsNone?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Items ingested at or after this ISO 8601 date or date-time. */
  ingestedAfter?: InputMaybe<Scalars['String']['input']>;
  /** Items ingested before this ISO 8601 date or date-time. */
  ingestedBefore?: InputMaybe<Scalars['String']['input']>;
  /** Items whose stored labels meet every condition (e.g. Edema UNCERTAIN, Cardiomegaly NEGATIVE or NOT_MENTIONED). */
  labels?: InputMaybe<Array<LabelCondition>>;
  /**
   * Images linked to at least one report whose text matches this Postgres full-text query, in web-search
   * syntax: words, "quoted phrases", `or`, `-word` (docs/text-search.md). A query with no word full-text
   * search can match (stop words alone) is BAD_USER_INPUT.
   */
  mustMention?: InputMaybe<Scalars['String']['input']>;
  studies?: InputMaybe<Array<Scalars['ID']['input']>>;
  viewPositions?: InputMaybe<Array<Scalars['String']['input']>>;
};

export type ImageHit = {
  __typename?: 'ImageHit';
  /** Per word, where the query's words attend in this image. Computed only when asked for. */
  attention?: Maybe<Array<WordAttention>>;
  /** Pass as `after` to get the page that follows this hit (or, when grouping, its group). */
  cursor: Scalars['String']['output'];
  /** Cosine of the global embeddings, in [-1, 1]. */
  globalScore: Scalars['Float']['output'];
  /** The study id of the hit's group when the search groups by study (null otherwise, and for a hit without a study). */
  group?: Maybe<Scalars['ID']['output']>;
  image: Image;
  /** GLoRIA's local score, in [-5, 5]; null without re-ranking. */
  localScore?: Maybe<Scalars['Float']['output']>;
  /** Position in the whole ranking (continuing across pages), from 1. */
  rank: Scalars['Int']['output'];
  /** The combined GLoRIA score when re-ranked ((local + global) / 2, in [-3, 3]), else the global cosine in [-1, 1]. */
  score: Scalars['Float']['output'];
  /**
   * The hit's image segmented, read again from its source file (inside INGEST_ROOTS); computed only
   * when selected, for at most 20 images per request. `threshold` strictly between 0 and 1.
   */
  segmentation?: Maybe<Segmentation>;
};


export type ImageHitSegmentationArgs = {
  threshold?: InputMaybe<Scalars['Float']['input']>;
};

/**
 * An image to search with or classify: exactly one of a stored image's id, the file's bytes in
 * base64, or an uploaded file (PNG, JPEG, TIFF or DICOM).
 */
export type ImageInput = {
  base64?: InputMaybe<Scalars['String']['input']>;
  id?: InputMaybe<Scalars['ID']['input']>;
  upload?: InputMaybe<Scalars['Upload']['input']>;
};

export type ImagePrediction = {
  __typename?: 'ImagePrediction';
  /** The stored image's id; null for an uploaded one. */
  imageId?: Maybe<Scalars['ID']['output']>;
  /** In the classifier's class order. */
  probabilities: Array<ClassProbability>;
};

/** Where an imported head came from. */
export type ImportedHead = {
  __typename?: 'ImportedHead';
  /** The checkpoint's file name. */
  checkpoint?: Maybe<Scalars['String']['output']>;
  checkpointSha256?: Maybe<Scalars['String']['output']>;
  /** Whether the checkpoint's encoder was the model's own (a frozen-encoder probe, whose head fits the stored features); null when unknown. */
  encoderMatchesModel?: Maybe<Scalars['Boolean']['output']>;
};

export type IngestError = {
  __typename?: 'IngestError';
  code: Scalars['String']['output'];
  item: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

export type IngestInput = {
  /** Return at once with a RUNNING job (poll ingestJob) instead of waiting for the end. */
  async?: InputMaybe<Scalars['Boolean']['input']>;
  dataset: Scalars['String']['input'];
  /** A PACS over DICOMweb. */
  dicomweb?: InputMaybe<DicomWebSourceInput>;
  /** Files sent with the request. */
  items?: InputMaybe<Array<UploadedItemInput>>;
  /** The loaded model that encodes the items (default: the default model). */
  model?: InputMaybe<Scalars['ID']['input']>;
  /** A folder or manifest on the server, under one of the allowed roots (INGEST_ROOTS). */
  path?: InputMaybe<Scalars['String']['input']>;
};

export type IngestJob = {
  __typename?: 'IngestJob';
  createdAt: Scalars['String']['output'];
  /** The dataset the items go to (null once the dataset is gone). */
  dataset?: Maybe<Scalars['String']['output']>;
  /** Why the job failed or was cancelled. */
  error?: Maybe<Scalars['String']['output']>;
  errors: Array<IngestError>;
  failed: Scalars['Int']['output'];
  finishedAt?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  ingested: Scalars['Int']['output'];
  skipped: Scalars['Int']['output'];
  /** What was ingested: folder, manifest, mimic, dicomweb, uploads or items (never a server path or URL). */
  sourceKind?: Maybe<Scalars['String']['output']>;
  startedAt?: Maybe<Scalars['String']['output']>;
  status: JobStatus;
  total: Scalars['Int']['output'];
};

export type IngestJobConnection = {
  __typename?: 'IngestJobConnection';
  edges: Array<IngestJobEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type IngestJobEdge = {
  __typename?: 'IngestJobEdge';
  cursor: Scalars['String']['output'];
  node: IngestJob;
};

/** A figure with its 95% percentile-bootstrap interval over the validation images. */
export type IntervalFigure = {
  __typename?: 'IntervalFigure';
  /** [low, high]; null with the value. */
  ci95?: Maybe<Array<Scalars['Float']['output']>>;
  /** Null when undefined (a class without positives or negatives among the validation images). */
  value?: Maybe<Scalars['Float']['output']>;
};

export type ItemStatus =
  | 'FAILED'
  | 'PENDING'
  | 'READY';

export type JobStatus =
  | 'CANCELLED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** One class's label as the source gave it (classes left empty are not listed). */
export type Label = {
  __typename?: 'Label';
  className: Scalars['String']['output'];
  value: LabelValue;
};

/** The class's stored label is one of the values. */
export type LabelCondition = {
  className: Scalars['String']['input'];
  values: Array<LabelValue>;
};

/** One class per image (GLoRIA's zero-shot), or each class judged present or absent on its own. */
export type LabelMode =
  /** Each class's positive prompts against its negative ones, as CheXzero does: a probability and a present flag per class. */
  | 'MULTI'
  | 'SINGLE';

/** A CheXpert label value: 1, 0 and −1 in a manifest's class column, or the class left empty. */
export type LabelValue =
  | 'NEGATIVE'
  | 'NOT_MENTIONED'
  | 'POSITIVE'
  | 'UNCERTAIN';

/** An image given with its classes, for trainClassifier's examples. */
export type LabelledImageInput = {
  /** The classes the image has; every class of the training it does not list is a negative. */
  classes: Array<Scalars['String']['input']>;
  imageId: Scalars['ID']['input'];
};

/**
 * Where the process is in its life: STARTING (loading the model, migrating), READY (serving),
 * DRAINING (finishing in-flight work after SIGTERM), STOPPED.
 */
export type LifecycleStatus =
  | 'DRAINING'
  | 'READY'
  | 'STARTING'
  | 'STOPPED';

/** One class of a linear-probe point, with the multi-label zero-shot's figure for it beside. */
export type LinearProbeClassFigure = {
  __typename?: 'LinearProbeClassFigure';
  /** AUROC of the head's probability on the test images against the class's label (positive vs not), with its 95% interval; named linearProbe.<fraction>.auroc.<class>. */
  auroc: EvaluationFigure;
  className: Scalars['String']['output'];
  /** Test images whose label for the class is anything else. */
  negatives: Scalars['Int']['output'];
  /** Test images whose label for the class is positive (1). */
  positives: Scalars['Int']['output'];
  /** The multi-label zero-shot's AUROC for the class on the same images; named zeroShot.multiLabel.auroc.<class>. */
  zeroShotAuroc: EvaluationFigure;
};

/** The label-efficiency curve beside zero-shot: logistic heads per class on the training manifest's global embeddings, scored on the images the multi-label zero-shot scored. */
export type LinearProbeEvaluation = {
  __typename?: 'LinearProbeEvaluation';
  /** The features the heads are fitted on (GLOBAL: the global embedding). */
  features: Scalars['String']['output'];
  /** The L2 penalty of the fits. */
  l2: Scalars['Float']['output'];
  /** One point per training fraction, the smallest first. */
  points: Array<LinearProbePoint>;
  /** Training rows whose image could not be read or encoded. */
  trainFailures: Scalars['Int']['output'];
  /** Readable training rows (the 100% point). */
  trainImages: Scalars['Int']['output'];
  /** Training rows read (trainLimit); null: every row. */
  trainLimit?: Maybe<Scalars['Int']['output']>;
  /** The multi-label zero-shot's mean AUROC on the test images; named zeroShot.multiLabel.meanAuroc. */
  zeroShotMeanAuroc: EvaluationFigure;
};

/** Heads fitted on one fraction of the training rows, scored on the test images. */
export type LinearProbePoint = {
  __typename?: 'LinearProbePoint';
  /** Share of the training rows sampled (seeded by the run's seed): 0.01, 0.1 or 1. */
  fraction: Scalars['Float']['output'];
  /** The mean of the per-class AUROCs, with its 95% interval; named linearProbe.<fraction>.meanAuroc. */
  meanAuroc: EvaluationFigure;
  perClass: Array<LinearProbeClassFigure>;
  /** Training images the heads were fitted on. */
  trainedOn: Scalars['Int']['output'];
  /** Classes the sample has no positive or no negative of: no head, a constant probability (AUROC 0.5). */
  untrained: Array<Scalars['String']['output']>;
  /** The multi-label zero-shot's mean AUROC on the same test images; named zeroShot.multiLabel.meanAuroc. */
  zeroShotMeanAuroc: EvaluationFigure;
};

/** Which word columns the local similarity uses. */
export type LocalMode =
  /** The published code's slicing: as many columns as the text has characters (words, [SEP], zero columns). */
  | 'REFERENCE'
  /** The words only. */
  | 'WORDS';

/** A model the server can serve, identified by name, version and weights checksum. */
export type Model = {
  __typename?: 'Model';
  checksum: Scalars['String']['output'];
  /** Per dataset, how many of its images and reports this model has encoded (READY) and how many not yet. */
  coverage: Array<DatasetCoverage>;
  /** True for the model queries use when they name none (the first of GLORIA_MODEL_DIRS). */
  default: Scalars['Boolean']['output'];
  /** Embedding width D. */
  dim: Scalars['Int']['output'];
  /** Region grid [h, w] of the local features. */
  grid: Array<Scalars['Int']['output']>;
  /** name@version#checksum[0:12]: the identity every stored vector carries. */
  id: Scalars['ID']['output'];
  /** True for a model this server loaded (GLORIA_MODEL_DIRS); false for one only registered by earlier runs. */
  loaded: Scalars['Boolean']['output'];
  name: Scalars['String']['output'];
  /** Numeric precision of the encoders: fp32, fp16 (for CUDA) or int8 (for the CPU); see docs/precision.md. */
  precision: Scalars['String']['output'];
  /**
   * A suggested minScore for searches without re-ranking: the global cosine at which text→image
   * precision drops under `target` on the newest kept evaluation of this model (null before one).
   */
  suggestedMinScore?: Maybe<ScoreFloor>;
  version: Scalars['String']['output'];
};

/** An item's status for one model. */
export type ModelStatus = {
  __typename?: 'ModelStatus';
  /** Why the item failed for this model. */
  error?: Maybe<Scalars['String']['output']>;
  model: Scalars['ID']['output'];
  status: ItemStatus;
};

/** One class of a multi-label zero-shot evaluation. */
export type MultiLabelClassFigure = {
  __typename?: 'MultiLabelClassFigure';
  /** AUROC of the class's MULTI probability against its label (positive vs not), in [0, 1], with its 95% interval; named zeroShot.multiLabel.auroc.<class>. */
  auroc: EvaluationFigure;
  className: Scalars['String']['output'];
  /** Scored images whose label for the class is anything else (0, uncertain, empty). */
  negatives: Scalars['Int']['output'];
  /** Scored images whose label for the class is positive (1). */
  positives: Scalars['Int']['output'];
};

/** Multi-label zero-shot (classify labelMode: MULTI) over every readable image of the manifest. */
export type MultiLabelEvaluation = {
  __typename?: 'MultiLabelEvaluation';
  /** Images scored: the single-finding evaluation set and the manifest's other readable rows. */
  images: Scalars['Int']['output'];
  /** The mean of the per-class AUROCs, with its 95% interval; named zeroShot.multiLabel.meanAuroc. */
  meanAuroc: EvaluationFigure;
  /** The word columns of the combined scores the probabilities come from (the headline mode). */
  mode: LocalMode;
  perClass: Array<MultiLabelClassFigure>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Cancels a QUEUED or RUNNING job: it turns CANCELLED at once and its run stops at the next batch;
   * items already READY stay. NOT_FOUND when unknown, CONFLICT when the job has ended. Scope: ingest.
   */
  cancelIngestJob: IngestJob;
  /** Scope: admin. */
  createApiKey: CreateApiKeyPayload;
  /** Deletes a classifier; deleted is false when there was none. Scope: ingest. */
  deleteClassifier: DeleteClassifierPayload;
  /** Removes an image from every store. Scope: ingest. */
  deleteImage: DeletePayload;
  /** Removes a report from every store. Scope: ingest. */
  deleteReport: DeletePayload;
  /** Ingests a server-side source or uploaded files. Scope: ingest. */
  ingest: IngestJob;
  /** Encodes the datasets' stored items for another loaded model (see ReindexInput). Scope: ingest. */
  reindex: Array<IngestJob>;
  /** Scope: admin. */
  revokeApiKey: DeletePayload;
  /**
   * Trains a classifier synchronously on at most 5000 labelled images (larger sets: `gloria
   * classifier train`) and stores it. Scope: ingest.
   */
  trainClassifier: TrainClassifierPayload;
};


export type MutationCancelIngestJobArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationDeleteClassifierArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteImageArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteReportArgs = {
  id: Scalars['ID']['input'];
};


export type MutationIngestArgs = {
  input: IngestInput;
};


export type MutationReindexArgs = {
  input: ReindexInput;
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationTrainClassifierArgs = {
  input: TrainClassifierInput;
  model?: InputMaybe<Scalars['ID']['input']>;
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type PublishedFigure = {
  __typename?: 'PublishedFigure';
  /** secondary, recalled or verified-issue. */
  confidence: Scalars['String']['output'];
  dataset: Scalars['String']['output'];
  metric: Scalars['String']['output'];
  model: Scalars['String']['output'];
  note?: Maybe<Scalars['String']['output']>;
  source: Scalars['String']['output'];
  value?: Maybe<Scalars['Float']['output']>;
};

export type Query = {
  __typename?: 'Query';
  /** Which image regions each word of the text attends to. Scope: read. */
  attention: AttentionMap;
  /** One classifier by id, whatever its model; null when unknown. Scope: read. */
  classifier?: Maybe<Classifier>;
  /** Stored classifiers, newest first: the model's (default: the default model), or every model's with allModels. Scope: read. */
  classifiers: Array<Classifier>;
  /**
   * Zero-shot classification with prompt ensembles; at most 32 images per call. Without
   * `normalization`: REFERENCE when the model has statistics for every class asked for (its own prompt
   * set), else BATCH for several images and NONE for one. With `labelMode: MULTI` every class is
   * judged on its own (`probability`, `present`; `score` is the probability). Scope: read.
   */
  classify: Array<Classification>;
  /** Two kept runs side by side. Scope: admin. */
  compareEvaluations: EvaluationComparison;
  /** Evaluates the loaded model on a labelled manifest and keeps the run. Scope: admin. */
  evaluate: Evaluation;
  /** A kept run by id. Scope: admin. */
  evaluation?: Maybe<Evaluation>;
  /** Kept runs, newest first (at most 100). Scope: admin. */
  evaluations: Array<Evaluation>;
  health: Health;
  /** An image READY for `model` (default: the default model); null otherwise. */
  image?: Maybe<Image>;
  /** Stored images READY for `model`, oldest first. first ≤ 100. */
  images: ImageConnection;
  /** Scope: ingest. */
  ingestJob?: Maybe<IngestJob>;
  /** Ingestion jobs, newest first, optionally of one status. first ≤ 100. Scope: ingest. */
  ingestJobs: IngestJobConnection;
  /** The loaded models (the default first), then those only registered by earlier runs. */
  models: Array<Model>;
  /**
   * Per-class probabilities for up to 32 images: stored ones from their stored embeddings, uploads
   * encoded by the classifier's model (pass `model:` for a classifier of another loaded model). Scope: read.
   */
  predict: Array<ImagePrediction>;
  /**
   * Stored images by one class's probability, highest first, from the stored embeddings without
   * re-encoding (the vector store's cosine search with the class's weights as the query: the order is
   * the probability's; approximate like any unfiltered search). At most 1000 deep. Scope: read.
   */
  rankImages: RankedImageConnection;
  report?: Maybe<Report>;
  reports: ReportConnection;
  /**
   * Report-to-image search: the images that best match a text, or an example query (exactly one of
   * `text` and `query`). Scope: read.
   *
   * Paging: `first` (≤ 100) hits, or groups with `groupBy`, after the hit whose `cursor` is `after`;
   * the same arguments page through one ranking without repeats, at most 1000 hits deep (re-ranked:
   * the `rerank.candidates` first-stage hits). `minScore` drops every hit whose `score` is under it.
   */
  searchImages: Array<ImageHit>;
  /**
   * Image-to-report retrieval, for an image or an example query (exactly one of `image` and `query`;
   * re-ranking scores the example images' regions against each report's words, positive minus
   * negative); paging, minScore and grouping as searchImages. Scope: read.
   */
  searchReports: Array<ReportHit>;
  /**
   * Hybrid text → report search: reports whose text matches `text` (Postgres full-text search,
   * web-search syntax: "quoted phrases", `or`, `-word` to exclude; English stemming) fused with the
   * reports whose sentence embedding is nearest the text's. Each side gives max(50, 5 · first)
   * candidates, at most 500; `-word` excludes its reports from both sides; a text the full-text
   * side cannot match still gets the vector side's hits. `first` is 1 to 100; `alpha` (0 to 1) is the
   * vector side's weight with WEIGHTED. Scope: read.
   */
  searchReportsByText: Array<ReportTextHit>;
  /**
   * Segments an image with the model's segmentation graph (a model folder without segmentation.onnx
   * is refused with BAD_USER_INPUT naming it). A stored image is read again from its source file
   * (inside INGEST_ROOTS). `threshold` strictly between 0 and 1. Scope: read.
   */
  segment: Segmentation;
  /**
   * Images whose global embeddings are closest to the given image's; a stored image is never its own
   * hit, and with `excludeSameStudy` neither are the other images of its study. Paging and minScore as
   * searchImages. Scope: read.
   */
  similarImages: Array<ImageHit>;
};


export type QueryAttentionArgs = {
  image: ImageInput;
  mode?: InputMaybe<LocalMode>;
  model?: InputMaybe<Scalars['ID']['input']>;
  text: Scalars['String']['input'];
};


export type QueryClassifierArgs = {
  id: Scalars['ID']['input'];
};


export type QueryClassifiersArgs = {
  allModels?: InputMaybe<Scalars['Boolean']['input']>;
  model?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryClassifyArgs = {
  classes?: InputMaybe<Array<ClassPromptsInput>>;
  images: Array<ImageInput>;
  labelMode?: InputMaybe<LabelMode>;
  mode?: InputMaybe<LocalMode>;
  model?: InputMaybe<Scalars['ID']['input']>;
  normalization?: InputMaybe<ZeroShotNormalization>;
};


export type QueryCompareEvaluationsArgs = {
  a: Scalars['ID']['input'];
  b: Scalars['ID']['input'];
};


export type QueryEvaluateArgs = {
  input: EvaluateInput;
};


export type QueryEvaluationArgs = {
  id: Scalars['ID']['input'];
};


export type QueryEvaluationsArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryImageArgs = {
  id: Scalars['ID']['input'];
  model?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryImagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ImageFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  model?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryIngestJobArgs = {
  id: Scalars['ID']['input'];
};


export type QueryIngestJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<JobStatus>;
};


export type QueryPredictArgs = {
  classifier: Scalars['ID']['input'];
  images: Array<ImageInput>;
  model?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryRankImagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  className: Scalars['String']['input'];
  classifier: Scalars['ID']['input'];
  filter?: InputMaybe<ImageFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  model?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryReportArgs = {
  id: Scalars['ID']['input'];
  model?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryReportsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ReportFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  model?: InputMaybe<Scalars['ID']['input']>;
};


export type QuerySearchImagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ImageFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  groupBy?: InputMaybe<GroupBy>;
  minScore?: InputMaybe<Scalars['Float']['input']>;
  model?: InputMaybe<Scalars['ID']['input']>;
  perGroup?: InputMaybe<Scalars['Int']['input']>;
  query?: InputMaybe<ExampleQueryInput>;
  rerank?: InputMaybe<RerankInput>;
  text?: InputMaybe<Scalars['String']['input']>;
};


export type QuerySearchReportsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ReportFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  groupBy?: InputMaybe<GroupBy>;
  image?: InputMaybe<ImageInput>;
  minScore?: InputMaybe<Scalars['Float']['input']>;
  model?: InputMaybe<Scalars['ID']['input']>;
  perGroup?: InputMaybe<Scalars['Int']['input']>;
  query?: InputMaybe<ExampleQueryInput>;
  rerank?: InputMaybe<RerankInput>;
};


export type QuerySearchReportsByTextArgs = {
  alpha?: InputMaybe<Scalars['Float']['input']>;
  filter?: InputMaybe<ReportFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  fusion?: InputMaybe<Fusion>;
  model?: InputMaybe<Scalars['ID']['input']>;
  text: Scalars['String']['input'];
};


export type QuerySegmentArgs = {
  image: ImageInput;
  model?: InputMaybe<Scalars['ID']['input']>;
  threshold?: InputMaybe<Scalars['Float']['input']>;
};


export type QuerySimilarImagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  excludeSameStudy?: InputMaybe<Scalars['Boolean']['input']>;
  filter?: InputMaybe<ImageFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
  image: ImageInput;
  minScore?: InputMaybe<Scalars['Float']['input']>;
  model?: InputMaybe<Scalars['ID']['input']>;
};

export type RankedImageConnection = {
  __typename?: 'RankedImageConnection';
  edges: Array<RankedImageEdge>;
  pageInfo: PageInfo;
};

export type RankedImageEdge = {
  __typename?: 'RankedImageEdge';
  cursor: Scalars['String']['output'];
  node: Image;
  /** The class's probability for this image, in [0, 1]. */
  probability: Scalars['Float']['output'];
  /** 1-based position in the ranking. */
  rank: Scalars['Int']['output'];
};

/**
 * Encodes stored items for a loaded model that has not encoded them yet, e.g. after adding a model
 * to GLORIA_MODEL_DIRS; every model keeps serving what it has meanwhile. Running it again finishes
 * what an earlier run left undone (only items not READY for the model are listed).
 */
export type ReindexInput = {
  /** Return at once with the jobs (RUNNING, or QUEUED work) instead of waiting for the end. */
  async?: InputMaybe<Scalars['Boolean']['input']>;
  /** The datasets to encode (one job each), at most 20. */
  datasets: Array<Scalars['String']['input']>;
  model: Scalars['ID']['input'];
  /** Put the batches on the queue for `gloria worker` processes that load the model (needs a shared Postgres) instead of running here. */
  queue?: InputMaybe<Scalars['Boolean']['input']>;
};

export type Report = {
  __typename?: 'Report';
  dataset: Scalars['String']['output'];
  /** Names of the positive finding classes. */
  findings: Array<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  images: Array<Image>;
  /** The CheXpert labels stored at ingestion. */
  labels: Array<Label>;
  /** The status for the model the query named (the default model when it named none). */
  status: ItemStatus;
  /** The status for every model that has started encoding this report. */
  statuses: Array<ModelStatus>;
  studyId?: Maybe<Scalars['ID']['output']>;
  text: Scalars['String']['output'];
};

export type ReportConnection = {
  __typename?: 'ReportConnection';
  edges: Array<ReportEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ReportEdge = {
  __typename?: 'ReportEdge';
  cursor: Scalars['String']['output'];
  node: Report;
};

export type ReportFilter = {
  datasets?: InputMaybe<Array<Scalars['String']['input']>>;
  /** As ImageFilter's. */
  findings?: InputMaybe<Array<Scalars['String']['input']>>;
  findingsAll?: InputMaybe<Array<Scalars['String']['input']>>;
  findingsNone?: InputMaybe<Array<Scalars['String']['input']>>;
  ingestedAfter?: InputMaybe<Scalars['String']['input']>;
  ingestedBefore?: InputMaybe<Scalars['String']['input']>;
  labels?: InputMaybe<Array<LabelCondition>>;
  studies?: InputMaybe<Array<Scalars['ID']['input']>>;
};

export type ReportHit = {
  __typename?: 'ReportHit';
  /** As ImageHit.cursor. */
  cursor: Scalars['String']['output'];
  globalScore: Scalars['Float']['output'];
  /** As ImageHit.group. */
  group?: Maybe<Scalars['ID']['output']>;
  localScore?: Maybe<Scalars['Float']['output']>;
  /** As ImageHit.rank. */
  rank: Scalars['Int']['output'];
  report: Report;
  /** As ImageHit.score. */
  score: Scalars['Float']['output'];
};

/** A report found by searchReportsByText, with where each side ranked it. */
export type ReportTextHit = {
  __typename?: 'ReportTextHit';
  /** Position in the fused ranking, from 1. */
  rank: Scalars['Int']['output'];
  report: Report;
  /** The fused score: RRF's sum of reciprocal ranks, or WEIGHTED's blend in [0, 1]. */
  score: Scalars['Float']['output'];
  /** The report's rank among the full-text side's candidates, as vectorRank; null when it is not one of them. */
  textRank?: Maybe<Scalars['Int']['output']>;
  /** Postgres ts_rank_cd of the report for the query (over 0); null when the full-text side did not return the report. */
  textScore?: Maybe<Scalars['Float']['output']>;
  /** The report's rank among the vector side's candidates, from 1 (1 + how many score higher: equal scores share a rank); null when it is not one of them. */
  vectorRank?: Maybe<Scalars['Int']['output']>;
  /** Cosine of the query's sentence embedding with the report's, in [-1, 1]; null when the vector side did not return the report. */
  vectorScore?: Maybe<Scalars['Float']['output']>;
};

export type RerankInput = {
  /** First-stage candidates re-scored with local similarity, 1 to 1000. */
  candidates?: InputMaybe<Scalars['Int']['input']>;
  enabled?: InputMaybe<Scalars['Boolean']['input']>;
  mode?: InputMaybe<LocalMode>;
};

/** A score floor fitted by an evaluation run, with its bootstrap 95% interval over the queries. */
export type ScoreFloor = {
  __typename?: 'ScoreFloor';
  ci95?: Maybe<Array<Scalars['Float']['output']>>;
  /** The evaluation run it was fitted on. */
  evaluation: Scalars['ID']['output'];
  /** The score it applies to: GLOBAL (the global cosine, a search's score without re-ranking). */
  scoring: Scalars['String']['output'];
  /** The precision the floor keeps. */
  target: Scalars['Float']['output'];
  value: Scalars['Float']['output'];
};

/**
 * What the model's segmentation graph finds in an image: per class, the part at or above `threshold`.
 * The whole image is stretched to size × size for the graph, and each probability map is stretched
 * back onto the image (docs/segmentation.md).
 */
export type Segmentation = {
  __typename?: 'Segmentation';
  /** One per class of the model's segmentation graph, in its order. */
  classes: Array<SegmentationClass>;
  height: Scalars['Int']['output'];
  maskHeight: Scalars['Int']['output'];
  /** The masks' size: the image's own, or its long side brought to HEATMAP_MAX_SIDE. */
  maskWidth: Scalars['Int']['output'];
  /** The model that segmented the image. */
  model: Scalars['ID']['output'];
  /** The side the image was stretched to, and of each probability map. */
  size: Scalars['Int']['output'];
  threshold: Scalars['Float']['output'];
  /** The original image's size: every bbox is in its pixels. */
  width: Scalars['Int']['output'];
};

/** A rectangle of the original image, in whole pixels from its top-left corner. */
export type SegmentationBox = {
  __typename?: 'SegmentationBox';
  height: Scalars['Int']['output'];
  width: Scalars['Int']['output'];
  x: Scalars['Int']['output'];
  y: Scalars['Int']['output'];
};

/** One class of a segmentation at the threshold asked for. */
export type SegmentationClass = {
  __typename?: 'SegmentationClass';
  /** The fraction of the image's area whose probability is at or above the threshold, in [0, 1]. */
  areaFraction: Scalars['Float']['output'];
  /** The smallest rectangle of the original image holding every pixel at or above the threshold (null when none is). */
  bbox?: Maybe<SegmentationBox>;
  className: Scalars['String']['output'];
  /**
   * The mask as a grey PNG data URL: white at or above the threshold, black below, over the whole
   * image at maskWidth × maskHeight. Drawn only when selected.
   */
  mask: Scalars['String']['output'];
  /** The largest probability anywhere in the image, in [0, 1]. */
  maxProbability: Scalars['Float']['output'];
};

/** One class of a segmentation evaluation. */
export type SegmentationClassFigure = {
  __typename?: 'SegmentationClassFigure';
  className: Scalars['String']['output'];
  /** The reference's per-image Dice over every scored image (an empty mask scores 1 when nothing is predicted, else 0), with its 95% interval; named segmentation.dice.<class>. */
  dice: EvaluationFigure;
  /** Images scored for this class (one without the finding is an empty mask). */
  images: Scalars['Int']['output'];
  /** The Dice over the images that have the finding; named segmentation.positiveDice.<class>. */
  positiveDice: EvaluationFigure;
  /** Scored images with the finding. */
  positives: Scalars['Int']['output'];
};

/** The segmentation graph's maps against the manifest's masks, both stretched to size×size. */
export type SegmentationEvaluation = {
  __typename?: 'SegmentationEvaluation';
  /** Mean over the classes; named segmentation.dice. */
  dice: EvaluationFigure;
  /** Rows whose image or mask could not be read. */
  failures: Scalars['Int']['output'];
  images: Scalars['Int']['output'];
  perClass: Array<SegmentationClassFigure>;
  /** Mean over the classes of the Dice on images with the finding; named segmentation.positiveDice. */
  positiveDice: EvaluationFigure;
  size: Scalars['Int']['output'];
  /** A pixel is predicted where its probability is above this (0.5, as the reference). */
  threshold: Scalars['Float']['output'];
};

/**
 * Exactly one of `dataset` (labels from its images' stored labels and findings; CheXpert's uncertain −1
 * counts as positive) or `examples`.
 */
export type TrainClassifierInput = {
  /** The classes to learn (default: every class the labels name). */
  classes?: InputMaybe<Array<Scalars['String']['input']>>;
  dataset?: InputMaybe<Scalars['String']['input']>;
  examples?: InputMaybe<Array<LabelledImageInput>>;
  features?: InputMaybe<ClassifierFeatures>;
  /** The L2 penalty λ of Σ BCE + (λ/2)‖w‖² (default 0.1). */
  l2?: InputMaybe<Scalars['Float']['input']>;
  name: Scalars['String']['input'];
  /** Seed of the validation split, the training sample and the bootstrap. */
  seed?: InputMaybe<Scalars['Int']['input']>;
  /** Share of the training split fitted on, in (0, 1] (GLoRIA's --train_pct). */
  trainFraction?: InputMaybe<Scalars['Float']['input']>;
};

export type TrainClassifierPayload = {
  __typename?: 'TrainClassifierPayload';
  classifier: Classifier;
};

export type UploadedItemInput = {
  /** The image file, base64. */
  base64: Scalars['String']['input'];
  name: Scalars['String']['input'];
  /** The report that goes with it, if any. */
  report?: InputMaybe<Scalars['String']['input']>;
};

/** A text of an example query, with its weight: negative weights are texts to move away from. */
export type WeightedTextInput = {
  text: Scalars['String']['input'];
  /** Non-zero; the first stage weighs the texts' embeddings by it, the second their local scores. */
  weight?: InputMaybe<Scalars['Float']['input']>;
};

/** One word's attention over the image regions. */
export type WordAttention = {
  __typename?: 'WordAttention';
  /** The attention drawn over the image as a PNG data URL (null when the image file is unavailable). */
  heatmap?: Maybe<Scalars['String']['output']>;
  /** The attention over the region grid, row-major (sums to 1). */
  map: Array<Scalars['Float']['output']>;
  /** Cosine of the word with its attention-weighted image context, in [-1, 1]. */
  weight: Scalars['Float']['output'];
  word: Scalars['String']['output'];
};

/** How zero-shot scores are normalised across classes. */
export type ZeroShotNormalization =
  /** Z-scores of each class across the images of this call (the published code's behaviour for several images). */
  | 'BATCH'
  /** Raw scores, as the published code gives for a single image. */
  | 'NONE'
  /** Z-scores against per-class statistics stored with the model, so one image gets a stable answer. */
  | 'REFERENCE';



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  ApiKey: ResolverTypeWrapper<ApiKeyRecord>;
  ApiKeyScope: ApiKeyScope;
  AttentionMap: ResolverTypeWrapper<Omit<AttentionMap, 'words'> & { words: Array<ResolversTypes['WordAttention']> }>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  ClassProbability: ResolverTypeWrapper<ClassProbability>;
  ClassPromptsInput: ClassPromptsInput;
  ClassScore: ResolverTypeWrapper<ClassScore>;
  ClassValidation: ResolverTypeWrapper<ClassValidation>;
  Classification: ResolverTypeWrapper<Classification>;
  Classifier: ResolverTypeWrapper<Classifier>;
  ClassifierFeatures: ClassifierFeatures;
  ClassifierTraining: ResolverTypeWrapper<ClassifierTraining>;
  ClassifierValidation: ResolverTypeWrapper<ClassifierValidation>;
  CoverageCounts: ResolverTypeWrapper<CoverageCounts>;
  CreateApiKeyInput: CreateApiKeyInput;
  CreateApiKeyPayload: ResolverTypeWrapper<Omit<CreateApiKeyPayload, 'apiKey'> & { apiKey: ResolversTypes['ApiKey'] }>;
  DatasetCoverage: ResolverTypeWrapper<DatasetCoverage>;
  DeleteClassifierPayload: ResolverTypeWrapper<DeleteClassifierPayload>;
  DeletePayload: ResolverTypeWrapper<DeletePayload>;
  DicomWebSourceInput: DicomWebSourceInput;
  EvaluateInput: EvaluateInput;
  Evaluation: ResolverTypeWrapper<EvaluationRecord>;
  EvaluationComparison: ResolverTypeWrapper<ComparedEvaluations>;
  EvaluationCounts: ResolverTypeWrapper<EvaluationCounts>;
  EvaluationDifference: ResolverTypeWrapper<EvaluationDifference>;
  EvaluationFigure: ResolverTypeWrapper<EvaluationFigure>;
  EvaluationFigureComparison: ResolverTypeWrapper<EvaluationFigureComparison>;
  EvaluationSettings: ResolverTypeWrapper<EvaluationSettings>;
  ExampleQueryInput: ExampleQueryInput;
  ExampleStrategy: ExampleStrategy;
  Finding: ResolverTypeWrapper<FindingRecord>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  Fusion: Fusion;
  GroupBy: GroupBy;
  Health: ResolverTypeWrapper<HealthReport>;
  HealthCheck: ResolverTypeWrapper<HealthCheck>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Image: ResolverTypeWrapper<ImageRecord>;
  ImageConnection: ResolverTypeWrapper<Omit<ImageConnection, 'edges'> & { edges: Array<ResolversTypes['ImageEdge']> }>;
  ImageEdge: ResolverTypeWrapper<Omit<ImageEdge, 'node'> & { node: ResolversTypes['Image'] }>;
  ImageFilter: ImageFilter;
  ImageHit: ResolverTypeWrapper<ImageHitResult>;
  ImageInput: ImageInput;
  ImagePrediction: ResolverTypeWrapper<ImagePrediction>;
  ImportedHead: ResolverTypeWrapper<ImportedHead>;
  IngestError: ResolverTypeWrapper<IngestError>;
  IngestInput: IngestInput;
  IngestJob: ResolverTypeWrapper<JobRecord>;
  IngestJobConnection: ResolverTypeWrapper<Omit<IngestJobConnection, 'edges'> & { edges: Array<ResolversTypes['IngestJobEdge']> }>;
  IngestJobEdge: ResolverTypeWrapper<Omit<IngestJobEdge, 'node'> & { node: ResolversTypes['IngestJob'] }>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  IntervalFigure: ResolverTypeWrapper<IntervalFigure>;
  ItemStatus: ItemStatus;
  JobStatus: JobStatus;
  Label: ResolverTypeWrapper<Label>;
  LabelCondition: LabelCondition;
  LabelMode: LabelMode;
  LabelValue: LabelValue;
  LabelledImageInput: LabelledImageInput;
  LifecycleStatus: LifecycleStatus;
  LinearProbeClassFigure: ResolverTypeWrapper<LinearProbeClassFigure>;
  LinearProbeEvaluation: ResolverTypeWrapper<LinearProbeEvaluation>;
  LinearProbePoint: ResolverTypeWrapper<LinearProbePoint>;
  LocalMode: LocalMode;
  Model: ResolverTypeWrapper<ModelSummary>;
  ModelStatus: ResolverTypeWrapper<ModelStatusView>;
  MultiLabelClassFigure: ResolverTypeWrapper<MultiLabelClassFigure>;
  MultiLabelEvaluation: ResolverTypeWrapper<MultiLabelEvaluation>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PublishedFigure: ResolverTypeWrapper<PublishedFigure>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  RankedImageConnection: ResolverTypeWrapper<Omit<RankedImageConnection, 'edges'> & { edges: Array<ResolversTypes['RankedImageEdge']> }>;
  RankedImageEdge: ResolverTypeWrapper<Omit<RankedImageEdge, 'node'> & { node: ResolversTypes['Image'] }>;
  ReindexInput: ReindexInput;
  Report: ResolverTypeWrapper<ReportRecord>;
  ReportConnection: ResolverTypeWrapper<Omit<ReportConnection, 'edges'> & { edges: Array<ResolversTypes['ReportEdge']> }>;
  ReportEdge: ResolverTypeWrapper<Omit<ReportEdge, 'node'> & { node: ResolversTypes['Report'] }>;
  ReportFilter: ReportFilter;
  ReportHit: ResolverTypeWrapper<ReportHitResult>;
  ReportTextHit: ResolverTypeWrapper<Omit<ReportTextHit, 'report'> & { report: ResolversTypes['Report'] }>;
  RerankInput: RerankInput;
  ScoreFloor: ResolverTypeWrapper<ScoreFloor>;
  Segmentation: ResolverTypeWrapper<SegmentationResult>;
  SegmentationBox: ResolverTypeWrapper<SegmentationBox>;
  SegmentationClass: ResolverTypeWrapper<SegmentedClass>;
  SegmentationClassFigure: ResolverTypeWrapper<SegmentationClassFigure>;
  SegmentationEvaluation: ResolverTypeWrapper<SegmentationEvaluation>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  TrainClassifierInput: TrainClassifierInput;
  TrainClassifierPayload: ResolverTypeWrapper<TrainClassifierPayload>;
  Upload: ResolverTypeWrapper<Scalars['Upload']['output']>;
  UploadedItemInput: UploadedItemInput;
  WeightedTextInput: WeightedTextInput;
  WordAttention: ResolverTypeWrapper<AttentionWord>;
  ZeroShotNormalization: ZeroShotNormalization;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  ApiKey: ApiKeyRecord;
  AttentionMap: Omit<AttentionMap, 'words'> & { words: Array<ResolversParentTypes['WordAttention']> };
  Boolean: Scalars['Boolean']['output'];
  ClassProbability: ClassProbability;
  ClassPromptsInput: ClassPromptsInput;
  ClassScore: ClassScore;
  ClassValidation: ClassValidation;
  Classification: Classification;
  Classifier: Classifier;
  ClassifierTraining: ClassifierTraining;
  ClassifierValidation: ClassifierValidation;
  CoverageCounts: CoverageCounts;
  CreateApiKeyInput: CreateApiKeyInput;
  CreateApiKeyPayload: Omit<CreateApiKeyPayload, 'apiKey'> & { apiKey: ResolversParentTypes['ApiKey'] };
  DatasetCoverage: DatasetCoverage;
  DeleteClassifierPayload: DeleteClassifierPayload;
  DeletePayload: DeletePayload;
  DicomWebSourceInput: DicomWebSourceInput;
  EvaluateInput: EvaluateInput;
  Evaluation: EvaluationRecord;
  EvaluationComparison: ComparedEvaluations;
  EvaluationCounts: EvaluationCounts;
  EvaluationDifference: EvaluationDifference;
  EvaluationFigure: EvaluationFigure;
  EvaluationFigureComparison: EvaluationFigureComparison;
  EvaluationSettings: EvaluationSettings;
  ExampleQueryInput: ExampleQueryInput;
  Finding: FindingRecord;
  Float: Scalars['Float']['output'];
  Health: HealthReport;
  HealthCheck: HealthCheck;
  ID: Scalars['ID']['output'];
  Image: ImageRecord;
  ImageConnection: Omit<ImageConnection, 'edges'> & { edges: Array<ResolversParentTypes['ImageEdge']> };
  ImageEdge: Omit<ImageEdge, 'node'> & { node: ResolversParentTypes['Image'] };
  ImageFilter: ImageFilter;
  ImageHit: ImageHitResult;
  ImageInput: ImageInput;
  ImagePrediction: ImagePrediction;
  ImportedHead: ImportedHead;
  IngestError: IngestError;
  IngestInput: IngestInput;
  IngestJob: JobRecord;
  IngestJobConnection: Omit<IngestJobConnection, 'edges'> & { edges: Array<ResolversParentTypes['IngestJobEdge']> };
  IngestJobEdge: Omit<IngestJobEdge, 'node'> & { node: ResolversParentTypes['IngestJob'] };
  Int: Scalars['Int']['output'];
  IntervalFigure: IntervalFigure;
  Label: Label;
  LabelCondition: LabelCondition;
  LabelledImageInput: LabelledImageInput;
  LinearProbeClassFigure: LinearProbeClassFigure;
  LinearProbeEvaluation: LinearProbeEvaluation;
  LinearProbePoint: LinearProbePoint;
  Model: ModelSummary;
  ModelStatus: ModelStatusView;
  MultiLabelClassFigure: MultiLabelClassFigure;
  MultiLabelEvaluation: MultiLabelEvaluation;
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  PublishedFigure: PublishedFigure;
  Query: Record<PropertyKey, never>;
  RankedImageConnection: Omit<RankedImageConnection, 'edges'> & { edges: Array<ResolversParentTypes['RankedImageEdge']> };
  RankedImageEdge: Omit<RankedImageEdge, 'node'> & { node: ResolversParentTypes['Image'] };
  ReindexInput: ReindexInput;
  Report: ReportRecord;
  ReportConnection: Omit<ReportConnection, 'edges'> & { edges: Array<ResolversParentTypes['ReportEdge']> };
  ReportEdge: Omit<ReportEdge, 'node'> & { node: ResolversParentTypes['Report'] };
  ReportFilter: ReportFilter;
  ReportHit: ReportHitResult;
  ReportTextHit: Omit<ReportTextHit, 'report'> & { report: ResolversParentTypes['Report'] };
  RerankInput: RerankInput;
  ScoreFloor: ScoreFloor;
  Segmentation: SegmentationResult;
  SegmentationBox: SegmentationBox;
  SegmentationClass: SegmentedClass;
  SegmentationClassFigure: SegmentationClassFigure;
  SegmentationEvaluation: SegmentationEvaluation;
  String: Scalars['String']['output'];
  TrainClassifierInput: TrainClassifierInput;
  TrainClassifierPayload: TrainClassifierPayload;
  Upload: Scalars['Upload']['output'];
  UploadedItemInput: UploadedItemInput;
  WeightedTextInput: WeightedTextInput;
  WordAttention: AttentionWord;
};

export type ApiKeyResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = {
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['ApiKeyScope']>, ParentType, ContextType>;
};

export type AttentionMapResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AttentionMap'] = ResolversParentTypes['AttentionMap']> = {
  grid?: Resolver<Array<ResolversTypes['Int']>, ParentType, ContextType>;
  localScore?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  words?: Resolver<Array<ResolversTypes['WordAttention']>, ParentType, ContextType>;
};

export type ClassProbabilityResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ClassProbability'] = ResolversParentTypes['ClassProbability']> = {
  className?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  probability?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type ClassScoreResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ClassScore'] = ResolversParentTypes['ClassScore']> = {
  className?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  present?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
  probability?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  rawScore?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  score?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type ClassValidationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ClassValidation'] = ResolversParentTypes['ClassValidation']> = {
  auroc?: Resolver<ResolversTypes['IntervalFigure'], ParentType, ContextType>;
  className?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  negatives?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  positives?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ClassificationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Classification'] = ResolversParentTypes['Classification']> = {
  normalization?: Resolver<ResolversTypes['ZeroShotNormalization'], ParentType, ContextType>;
  predicted?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  prompts?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  scores?: Resolver<Array<ResolversTypes['ClassScore']>, ParentType, ContextType>;
};

export type ClassifierResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Classifier'] = ResolversParentTypes['Classifier']> = {
  classes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  features?: Resolver<ResolversTypes['ClassifierFeatures'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  model?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  training?: Resolver<ResolversTypes['ClassifierTraining'], ParentType, ContextType>;
  validation?: Resolver<ResolversTypes['ClassifierValidation'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ClassifierTrainingResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ClassifierTraining'] = ResolversParentTypes['ClassifierTraining']> = {
  dataset?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  imported?: Resolver<Maybe<ResolversTypes['ImportedHead']>, ParentType, ContextType>;
  l2?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  labelled?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  trainFraction?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  trainPool?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  trainedOn?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  validation?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ClassifierValidationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ClassifierValidation'] = ResolversParentTypes['ClassifierValidation']> = {
  images?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  meanAuroc?: Resolver<ResolversTypes['IntervalFigure'], ParentType, ContextType>;
  perClass?: Resolver<Array<ResolversTypes['ClassValidation']>, ParentType, ContextType>;
};

export type CoverageCountsResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CoverageCounts'] = ResolversParentTypes['CoverageCounts']> = {
  failed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  missing?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  pending?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  ready?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type CreateApiKeyPayloadResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CreateApiKeyPayload'] = ResolversParentTypes['CreateApiKeyPayload']> = {
  apiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType>;
  key?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type DatasetCoverageResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['DatasetCoverage'] = ResolversParentTypes['DatasetCoverage']> = {
  dataset?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  images?: Resolver<ResolversTypes['CoverageCounts'], ParentType, ContextType>;
  reports?: Resolver<ResolversTypes['CoverageCounts'], ParentType, ContextType>;
};

export type DeleteClassifierPayloadResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['DeleteClassifierPayload'] = ResolversParentTypes['DeleteClassifierPayload']> = {
  deleted?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type DeletePayloadResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['DeletePayload'] = ResolversParentTypes['DeletePayload']> = {
  deleted?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type EvaluationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Evaluation'] = ResolversParentTypes['Evaluation']> = {
  counts?: Resolver<ResolversTypes['EvaluationCounts'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  figure?: Resolver<Maybe<ResolversTypes['EvaluationFigure']>, ParentType, ContextType, RequireFields<EvaluationFigureArgs, 'name'>>;
  figures?: Resolver<Array<ResolversTypes['EvaluationFigure']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  json?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  linearProbe?: Resolver<Maybe<ResolversTypes['LinearProbeEvaluation']>, ParentType, ContextType>;
  markdown?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  model?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  multiLabel?: Resolver<Maybe<ResolversTypes['MultiLabelEvaluation']>, ParentType, ContextType>;
  published?: Resolver<Array<ResolversTypes['PublishedFigure']>, ParentType, ContextType>;
  segmentation?: Resolver<Maybe<ResolversTypes['SegmentationEvaluation']>, ParentType, ContextType>;
  settings?: Resolver<ResolversTypes['EvaluationSettings'], ParentType, ContextType>;
  warnings?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
};

export type EvaluationComparisonResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['EvaluationComparison'] = ResolversParentTypes['EvaluationComparison']> = {
  a?: Resolver<ResolversTypes['Evaluation'], ParentType, ContextType>;
  b?: Resolver<ResolversTypes['Evaluation'], ParentType, ContextType>;
  differences?: Resolver<Array<ResolversTypes['EvaluationDifference']>, ParentType, ContextType>;
  figures?: Resolver<Array<ResolversTypes['EvaluationFigureComparison']>, ParentType, ContextType>;
  markdown?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type EvaluationCountsResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['EvaluationCounts'] = ResolversParentTypes['EvaluationCounts']> = {
  imageFailures?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  images?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lateralised?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  reports?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  rows?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  singleFinding?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  storedImages?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type EvaluationDifferenceResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['EvaluationDifference'] = ResolversParentTypes['EvaluationDifference']> = {
  a?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  b?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  field?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type EvaluationFigureResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['EvaluationFigure'] = ResolversParentTypes['EvaluationFigure']> = {
  ci95?: Resolver<Maybe<Array<ResolversTypes['Float']>>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type EvaluationFigureComparisonResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['EvaluationFigureComparison'] = ResolversParentTypes['EvaluationFigureComparison']> = {
  a?: Resolver<Maybe<ResolversTypes['EvaluationFigure']>, ParentType, ContextType>;
  b?: Resolver<Maybe<ResolversTypes['EvaluationFigure']>, ParentType, ContextType>;
  delta?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  overlapping?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
};

export type EvaluationSettingsResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['EvaluationSettings'] = ResolversParentTypes['EvaluationSettings']> = {
  bootstrapIterations?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  codeVersion?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  limit?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  manifestSha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  mode?: Resolver<ResolversTypes['LocalMode'], ParentType, ContextType>;
  modelChecksum?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  modelId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  normalization?: Resolver<ResolversTypes['ZeroShotNormalization'], ParentType, ContextType>;
  promptSet?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  rerankCandidates?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  seed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type FindingResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Finding'] = ResolversParentTypes['Finding']> = {
  className?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  location?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  severity?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type HealthResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Health'] = ResolversParentTypes['Health']> = {
  checks?: Resolver<Array<ResolversTypes['HealthCheck']>, ParentType, ContextType>;
  ready?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['LifecycleStatus'], ParentType, ContextType>;
  uptimeSeconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  version?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type HealthCheckResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['HealthCheck'] = ResolversParentTypes['HealthCheck']> = {
  detail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  ok?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type ImageResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Image'] = ResolversParentTypes['Image']> = {
  byteSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  contentHash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  dataset?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  findingDetails?: Resolver<Array<ResolversTypes['Finding']>, ParentType, ContextType>;
  findings?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  format?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  height?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  labels?: Resolver<Array<ResolversTypes['Label']>, ParentType, ContextType>;
  modality?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  reports?: Resolver<Array<ResolversTypes['Report']>, ParentType, ContextType>;
  sourcePath?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ItemStatus'], ParentType, ContextType>;
  statuses?: Resolver<Array<ResolversTypes['ModelStatus']>, ParentType, ContextType>;
  studyId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  thumbnail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType, RequireFields<ImageThumbnailArgs, 'size'>>;
  viewPosition?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  width?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type ImageConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ImageConnection'] = ResolversParentTypes['ImageConnection']> = {
  edges?: Resolver<Array<ResolversTypes['ImageEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ImageEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ImageEdge'] = ResolversParentTypes['ImageEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Image'], ParentType, ContextType>;
};

export type ImageHitResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ImageHit'] = ResolversParentTypes['ImageHit']> = {
  attention?: Resolver<Maybe<Array<ResolversTypes['WordAttention']>>, ParentType, ContextType>;
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  globalScore?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  group?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  image?: Resolver<ResolversTypes['Image'], ParentType, ContextType>;
  localScore?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  rank?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  segmentation?: Resolver<Maybe<ResolversTypes['Segmentation']>, ParentType, ContextType, RequireFields<ImageHitSegmentationArgs, 'threshold'>>;
};

export type ImagePredictionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ImagePrediction'] = ResolversParentTypes['ImagePrediction']> = {
  imageId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  probabilities?: Resolver<Array<ResolversTypes['ClassProbability']>, ParentType, ContextType>;
};

export type ImportedHeadResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ImportedHead'] = ResolversParentTypes['ImportedHead']> = {
  checkpoint?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  checkpointSha256?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  encoderMatchesModel?: Resolver<Maybe<ResolversTypes['Boolean']>, ParentType, ContextType>;
};

export type IngestErrorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['IngestError'] = ResolversParentTypes['IngestError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  item?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type IngestJobResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['IngestJob'] = ResolversParentTypes['IngestJob']> = {
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  dataset?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  errors?: Resolver<Array<ResolversTypes['IngestError']>, ParentType, ContextType>;
  failed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  ingested?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  skipped?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  sourceKind?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JobStatus'], ParentType, ContextType>;
  total?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IngestJobConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['IngestJobConnection'] = ResolversParentTypes['IngestJobConnection']> = {
  edges?: Resolver<Array<ResolversTypes['IngestJobEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type IngestJobEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['IngestJobEdge'] = ResolversParentTypes['IngestJobEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['IngestJob'], ParentType, ContextType>;
};

export type IntervalFigureResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['IntervalFigure'] = ResolversParentTypes['IntervalFigure']> = {
  ci95?: Resolver<Maybe<Array<ResolversTypes['Float']>>, ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type LabelResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Label'] = ResolversParentTypes['Label']> = {
  className?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['LabelValue'], ParentType, ContextType>;
};

export type LinearProbeClassFigureResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['LinearProbeClassFigure'] = ResolversParentTypes['LinearProbeClassFigure']> = {
  auroc?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
  className?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  negatives?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  positives?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  zeroShotAuroc?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
};

export type LinearProbeEvaluationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['LinearProbeEvaluation'] = ResolversParentTypes['LinearProbeEvaluation']> = {
  features?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  l2?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  points?: Resolver<Array<ResolversTypes['LinearProbePoint']>, ParentType, ContextType>;
  trainFailures?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  trainImages?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  trainLimit?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  zeroShotMeanAuroc?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
};

export type LinearProbePointResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['LinearProbePoint'] = ResolversParentTypes['LinearProbePoint']> = {
  fraction?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  meanAuroc?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
  perClass?: Resolver<Array<ResolversTypes['LinearProbeClassFigure']>, ParentType, ContextType>;
  trainedOn?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  untrained?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  zeroShotMeanAuroc?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
};

export type ModelResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Model'] = ResolversParentTypes['Model']> = {
  checksum?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  coverage?: Resolver<Array<ResolversTypes['DatasetCoverage']>, ParentType, ContextType>;
  default?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  dim?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  grid?: Resolver<Array<ResolversTypes['Int']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  loaded?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  precision?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  suggestedMinScore?: Resolver<Maybe<ResolversTypes['ScoreFloor']>, ParentType, ContextType>;
  version?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ModelStatusResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ModelStatus'] = ResolversParentTypes['ModelStatus']> = {
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  model?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ItemStatus'], ParentType, ContextType>;
};

export type MultiLabelClassFigureResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['MultiLabelClassFigure'] = ResolversParentTypes['MultiLabelClassFigure']> = {
  auroc?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
  className?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  negatives?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  positives?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type MultiLabelEvaluationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['MultiLabelEvaluation'] = ResolversParentTypes['MultiLabelEvaluation']> = {
  images?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  meanAuroc?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
  mode?: Resolver<ResolversTypes['LocalMode'], ParentType, ContextType>;
  perClass?: Resolver<Array<ResolversTypes['MultiLabelClassFigure']>, ParentType, ContextType>;
};

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  cancelIngestJob?: Resolver<ResolversTypes['IngestJob'], ParentType, ContextType, RequireFields<MutationCancelIngestJobArgs, 'id'>>;
  createApiKey?: Resolver<ResolversTypes['CreateApiKeyPayload'], ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'input'>>;
  deleteClassifier?: Resolver<ResolversTypes['DeleteClassifierPayload'], ParentType, ContextType, RequireFields<MutationDeleteClassifierArgs, 'id'>>;
  deleteImage?: Resolver<ResolversTypes['DeletePayload'], ParentType, ContextType, RequireFields<MutationDeleteImageArgs, 'id'>>;
  deleteReport?: Resolver<ResolversTypes['DeletePayload'], ParentType, ContextType, RequireFields<MutationDeleteReportArgs, 'id'>>;
  ingest?: Resolver<ResolversTypes['IngestJob'], ParentType, ContextType, RequireFields<MutationIngestArgs, 'input'>>;
  reindex?: Resolver<Array<ResolversTypes['IngestJob']>, ParentType, ContextType, RequireFields<MutationReindexArgs, 'input'>>;
  revokeApiKey?: Resolver<ResolversTypes['DeletePayload'], ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'id'>>;
  trainClassifier?: Resolver<ResolversTypes['TrainClassifierPayload'], ParentType, ContextType, RequireFields<MutationTrainClassifierArgs, 'input'>>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PublishedFigureResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PublishedFigure'] = ResolversParentTypes['PublishedFigure']> = {
  confidence?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  dataset?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  metric?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  model?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  note?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  source?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  attention?: Resolver<ResolversTypes['AttentionMap'], ParentType, ContextType, RequireFields<QueryAttentionArgs, 'image' | 'mode' | 'text'>>;
  classifier?: Resolver<Maybe<ResolversTypes['Classifier']>, ParentType, ContextType, RequireFields<QueryClassifierArgs, 'id'>>;
  classifiers?: Resolver<Array<ResolversTypes['Classifier']>, ParentType, ContextType, RequireFields<QueryClassifiersArgs, 'allModels'>>;
  classify?: Resolver<Array<ResolversTypes['Classification']>, ParentType, ContextType, RequireFields<QueryClassifyArgs, 'images' | 'labelMode' | 'mode'>>;
  compareEvaluations?: Resolver<ResolversTypes['EvaluationComparison'], ParentType, ContextType, RequireFields<QueryCompareEvaluationsArgs, 'a' | 'b'>>;
  evaluate?: Resolver<ResolversTypes['Evaluation'], ParentType, ContextType, RequireFields<QueryEvaluateArgs, 'input'>>;
  evaluation?: Resolver<Maybe<ResolversTypes['Evaluation']>, ParentType, ContextType, RequireFields<QueryEvaluationArgs, 'id'>>;
  evaluations?: Resolver<Array<ResolversTypes['Evaluation']>, ParentType, ContextType, RequireFields<QueryEvaluationsArgs, 'first'>>;
  health?: Resolver<ResolversTypes['Health'], ParentType, ContextType>;
  image?: Resolver<Maybe<ResolversTypes['Image']>, ParentType, ContextType, RequireFields<QueryImageArgs, 'id'>>;
  images?: Resolver<ResolversTypes['ImageConnection'], ParentType, ContextType, RequireFields<QueryImagesArgs, 'first'>>;
  ingestJob?: Resolver<Maybe<ResolversTypes['IngestJob']>, ParentType, ContextType, RequireFields<QueryIngestJobArgs, 'id'>>;
  ingestJobs?: Resolver<ResolversTypes['IngestJobConnection'], ParentType, ContextType, RequireFields<QueryIngestJobsArgs, 'first'>>;
  models?: Resolver<Array<ResolversTypes['Model']>, ParentType, ContextType>;
  predict?: Resolver<Array<ResolversTypes['ImagePrediction']>, ParentType, ContextType, RequireFields<QueryPredictArgs, 'classifier' | 'images'>>;
  rankImages?: Resolver<ResolversTypes['RankedImageConnection'], ParentType, ContextType, RequireFields<QueryRankImagesArgs, 'className' | 'classifier' | 'first'>>;
  report?: Resolver<Maybe<ResolversTypes['Report']>, ParentType, ContextType, RequireFields<QueryReportArgs, 'id'>>;
  reports?: Resolver<ResolversTypes['ReportConnection'], ParentType, ContextType, RequireFields<QueryReportsArgs, 'first'>>;
  searchImages?: Resolver<Array<ResolversTypes['ImageHit']>, ParentType, ContextType, RequireFields<QuerySearchImagesArgs, 'first' | 'perGroup'>>;
  searchReports?: Resolver<Array<ResolversTypes['ReportHit']>, ParentType, ContextType, RequireFields<QuerySearchReportsArgs, 'first' | 'perGroup'>>;
  searchReportsByText?: Resolver<Array<ResolversTypes['ReportTextHit']>, ParentType, ContextType, RequireFields<QuerySearchReportsByTextArgs, 'alpha' | 'first' | 'fusion' | 'text'>>;
  segment?: Resolver<ResolversTypes['Segmentation'], ParentType, ContextType, RequireFields<QuerySegmentArgs, 'image' | 'threshold'>>;
  similarImages?: Resolver<Array<ResolversTypes['ImageHit']>, ParentType, ContextType, RequireFields<QuerySimilarImagesArgs, 'excludeSameStudy' | 'first' | 'image'>>;
};

export type RankedImageConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['RankedImageConnection'] = ResolversParentTypes['RankedImageConnection']> = {
  edges?: Resolver<Array<ResolversTypes['RankedImageEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type RankedImageEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['RankedImageEdge'] = ResolversParentTypes['RankedImageEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Image'], ParentType, ContextType>;
  probability?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  rank?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ReportResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Report'] = ResolversParentTypes['Report']> = {
  dataset?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  findings?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  images?: Resolver<Array<ResolversTypes['Image']>, ParentType, ContextType>;
  labels?: Resolver<Array<ResolversTypes['Label']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ItemStatus'], ParentType, ContextType>;
  statuses?: Resolver<Array<ResolversTypes['ModelStatus']>, ParentType, ContextType>;
  studyId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  text?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type ReportConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ReportConnection'] = ResolversParentTypes['ReportConnection']> = {
  edges?: Resolver<Array<ResolversTypes['ReportEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ReportEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ReportEdge'] = ResolversParentTypes['ReportEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Report'], ParentType, ContextType>;
};

export type ReportHitResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ReportHit'] = ResolversParentTypes['ReportHit']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  globalScore?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  group?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  localScore?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  rank?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  report?: Resolver<ResolversTypes['Report'], ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type ReportTextHitResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ReportTextHit'] = ResolversParentTypes['ReportTextHit']> = {
  rank?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  report?: Resolver<ResolversTypes['Report'], ParentType, ContextType>;
  score?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  textRank?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  textScore?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  vectorRank?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  vectorScore?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
};

export type ScoreFloorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ScoreFloor'] = ResolversParentTypes['ScoreFloor']> = {
  ci95?: Resolver<Maybe<Array<ResolversTypes['Float']>>, ParentType, ContextType>;
  evaluation?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  scoring?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  target?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type SegmentationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Segmentation'] = ResolversParentTypes['Segmentation']> = {
  classes?: Resolver<Array<ResolversTypes['SegmentationClass']>, ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maskHeight?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maskWidth?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  model?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  size?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  threshold?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type SegmentationBoxResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['SegmentationBox'] = ResolversParentTypes['SegmentationBox']> = {
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  x?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  y?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type SegmentationClassResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['SegmentationClass'] = ResolversParentTypes['SegmentationClass']> = {
  areaFraction?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  bbox?: Resolver<Maybe<ResolversTypes['SegmentationBox']>, ParentType, ContextType>;
  className?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  mask?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  maxProbability?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type SegmentationClassFigureResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['SegmentationClassFigure'] = ResolversParentTypes['SegmentationClassFigure']> = {
  className?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  dice?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
  images?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  positiveDice?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
  positives?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type SegmentationEvaluationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['SegmentationEvaluation'] = ResolversParentTypes['SegmentationEvaluation']> = {
  dice?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
  failures?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  images?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  perClass?: Resolver<Array<ResolversTypes['SegmentationClassFigure']>, ParentType, ContextType>;
  positiveDice?: Resolver<ResolversTypes['EvaluationFigure'], ParentType, ContextType>;
  size?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  threshold?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type TrainClassifierPayloadResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['TrainClassifierPayload'] = ResolversParentTypes['TrainClassifierPayload']> = {
  classifier?: Resolver<ResolversTypes['Classifier'], ParentType, ContextType>;
};

export interface UploadScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['Upload'], any> {
  name: 'Upload';
}

export type WordAttentionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['WordAttention'] = ResolversParentTypes['WordAttention']> = {
  heatmap?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  map?: Resolver<Array<ResolversTypes['Float']>, ParentType, ContextType>;
  weight?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  word?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  ApiKey?: ApiKeyResolvers<ContextType>;
  AttentionMap?: AttentionMapResolvers<ContextType>;
  ClassProbability?: ClassProbabilityResolvers<ContextType>;
  ClassScore?: ClassScoreResolvers<ContextType>;
  ClassValidation?: ClassValidationResolvers<ContextType>;
  Classification?: ClassificationResolvers<ContextType>;
  Classifier?: ClassifierResolvers<ContextType>;
  ClassifierTraining?: ClassifierTrainingResolvers<ContextType>;
  ClassifierValidation?: ClassifierValidationResolvers<ContextType>;
  CoverageCounts?: CoverageCountsResolvers<ContextType>;
  CreateApiKeyPayload?: CreateApiKeyPayloadResolvers<ContextType>;
  DatasetCoverage?: DatasetCoverageResolvers<ContextType>;
  DeleteClassifierPayload?: DeleteClassifierPayloadResolvers<ContextType>;
  DeletePayload?: DeletePayloadResolvers<ContextType>;
  Evaluation?: EvaluationResolvers<ContextType>;
  EvaluationComparison?: EvaluationComparisonResolvers<ContextType>;
  EvaluationCounts?: EvaluationCountsResolvers<ContextType>;
  EvaluationDifference?: EvaluationDifferenceResolvers<ContextType>;
  EvaluationFigure?: EvaluationFigureResolvers<ContextType>;
  EvaluationFigureComparison?: EvaluationFigureComparisonResolvers<ContextType>;
  EvaluationSettings?: EvaluationSettingsResolvers<ContextType>;
  Finding?: FindingResolvers<ContextType>;
  Health?: HealthResolvers<ContextType>;
  HealthCheck?: HealthCheckResolvers<ContextType>;
  Image?: ImageResolvers<ContextType>;
  ImageConnection?: ImageConnectionResolvers<ContextType>;
  ImageEdge?: ImageEdgeResolvers<ContextType>;
  ImageHit?: ImageHitResolvers<ContextType>;
  ImagePrediction?: ImagePredictionResolvers<ContextType>;
  ImportedHead?: ImportedHeadResolvers<ContextType>;
  IngestError?: IngestErrorResolvers<ContextType>;
  IngestJob?: IngestJobResolvers<ContextType>;
  IngestJobConnection?: IngestJobConnectionResolvers<ContextType>;
  IngestJobEdge?: IngestJobEdgeResolvers<ContextType>;
  IntervalFigure?: IntervalFigureResolvers<ContextType>;
  Label?: LabelResolvers<ContextType>;
  LinearProbeClassFigure?: LinearProbeClassFigureResolvers<ContextType>;
  LinearProbeEvaluation?: LinearProbeEvaluationResolvers<ContextType>;
  LinearProbePoint?: LinearProbePointResolvers<ContextType>;
  Model?: ModelResolvers<ContextType>;
  ModelStatus?: ModelStatusResolvers<ContextType>;
  MultiLabelClassFigure?: MultiLabelClassFigureResolvers<ContextType>;
  MultiLabelEvaluation?: MultiLabelEvaluationResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  PublishedFigure?: PublishedFigureResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  RankedImageConnection?: RankedImageConnectionResolvers<ContextType>;
  RankedImageEdge?: RankedImageEdgeResolvers<ContextType>;
  Report?: ReportResolvers<ContextType>;
  ReportConnection?: ReportConnectionResolvers<ContextType>;
  ReportEdge?: ReportEdgeResolvers<ContextType>;
  ReportHit?: ReportHitResolvers<ContextType>;
  ReportTextHit?: ReportTextHitResolvers<ContextType>;
  ScoreFloor?: ScoreFloorResolvers<ContextType>;
  Segmentation?: SegmentationResolvers<ContextType>;
  SegmentationBox?: SegmentationBoxResolvers<ContextType>;
  SegmentationClass?: SegmentationClassResolvers<ContextType>;
  SegmentationClassFigure?: SegmentationClassFigureResolvers<ContextType>;
  SegmentationEvaluation?: SegmentationEvaluationResolvers<ContextType>;
  TrainClassifierPayload?: TrainClassifierPayloadResolvers<ContextType>;
  Upload?: GraphQLScalarType;
  WordAttention?: WordAttentionResolvers<ContextType>;
};

