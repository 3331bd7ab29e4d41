// The bounds every request is checked against, in one place. Defaults are not here: they are declared
// once, in the SDL (src/schema), and GraphQL applies them before a resolver runs.
import { AppError } from "../errors/app-error.ts";

/** Bounds of search, classification and the catalogue's pages. */
export const LIMITS = {
  /** Largest page (`first`) of any list: hits, images, reports, jobs, evaluations. */
  maxFirst: 100,
  maxCandidates: 1000,
  maxClassifyImages: 32,
  maxTextLength: 10_000,
  /** Long side of an image preview (Image.thumbnail); the kept thumbnail is at most 512 px. */
  thumbnailSide: { min: 16, max: 512 },
  /** Texts of one example-based query. */
  maxExampleTexts: 8,
  /** Positive (and, separately, negative) example images of one query. */
  maxExampleImages: 8,
  /** Items a label or date condition may select (they reach the vector store as an id list). */
  maxCohort: 100_000,
  /** Hits of one group (a study) when a search groups them. */
  maxPerGroup: 10,
  /** Heatmap PNGs one request may ask for (hits × words); each is a render and an encode. */
  maxHeatmaps: 200,
  /** Candidates searchReportsByText takes from each side (vectors, full text): max(min, perHit · first), at most max. */
  textSearchCandidates: { min: 50, perHit: 5, max: 500 },
  /** Datasets one reindex request names (each becomes a job). */
  maxReindexDatasets: 20,
  /** The vector side's weight `alpha` in a WEIGHTED fusion of searchReportsByText. */
  fusionAlpha: { min: 0, max: 1 },
} as const;

/**
 * Bounds of one evaluation. `rows` and `rerankCandidates` bound a run inside a GraphQL request (the
 * CLI may evaluate every row with any candidate count); `bootstrapIterations` bounds every run, the
 * CLI's included (docs/evaluation.md, "Intervals"). `trainRows`: the training manifest's rows a
 * request's linear probe reads (the CLI reads them all), so that a run at every default (5,000 test
 * rows, 4,000 training rows, 1,000 resamples) stays under the default MAX_REQUEST_COST.
 */
export const EVALUATION_LIMITS = { rows: 5000, trainRows: 4000, rerankCandidates: LIMITS.maxCandidates, bootstrapIterations: 10_000 } as const;

/**
 * Bounds of linear-probe classifiers (docs/classifiers.md). `trainImages` bounds a training inside
 * a GraphQL request, which runs synchronously (the CLI trains on any number); `maxRankDepth` is how
 * deep rankImages pages through one ranking (each page asks the vector store for everything above it).
 */
/**
 * maxPooledScan: the most stored pooled features one POOLED ranking reads (about 0.4 GB of float16 at
 * 2048 values each); a larger catalogue is ranked per dataset or cohort.
 */
export const CLASSIFIER_LIMITS = { trainImages: 5000, maxPredictImages: 32, maxRankDepth: 1000, maxPooledScan: 100_000 } as const;

/**
 * Bounds of segmentation (docs/segmentation.md). `imagesPerRequest`: the images one request may
 * segment (`segment` fields and `ImageHit.segmentation` of distinct hits together; asking again for
 * the same image, at another threshold, reuses its maps). `pricedClasses`: the classes a mask request
 * is priced for, the manifest's largest class list, since the price is set before the model is known.
 */
export const SEGMENTATION_LIMITS = { imagesPerRequest: 20, pricedClasses: 16 } as const;

/** Refuses a page size outside 1..LIMITS.maxFirst (a null sent explicitly for `first` included). */
export function checkFirst(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > LIMITS.maxFirst) {
    throw new AppError("BAD_USER_INPUT", `first must be between 1 and ${LIMITS.maxFirst}`, { details: { field: "first" } });
  }
}

/** Refuses a preview's long side (Image.thumbnail's `size`) outside LIMITS.thumbnailSide. */
export function checkThumbnailSize(size: number): number {
  const { min, max } = LIMITS.thumbnailSide;
  if (!Number.isInteger(size) || size < min || size > max) {
    throw new AppError("BAD_USER_INPUT", `thumbnail size must be between ${min} and ${max} px (got ${size})`, { details: { field: "size", min, max } });
  }
  return size;
}
