// Port for the images' pooled trunk features (docs/model-contract.md "Optional parts", docs/classifiers.md):
// per (model, image), written at ingestion or by a backfill, read by linear-probe heads with features
// POOLED. Types and contracts only; PrismaPooledFeatureStore implements it.
import type { ReindexImage } from "./metadata-store.port.ts";

export interface PooledFeatures {
  imageId: string;
  /** [P] as the encoder gave them; stored as float16, so read back rounded to half precision. */
  pooled: Float32Array;
}

/** Errors: STORE_UNAVAILABLE when the database fails; NOT_FOUND when an image or the model is not stored. */
export interface PooledFeatureStore {
  /** Stores each image's features for the model, replacing what was there. */
  put(modelId: string, items: readonly PooledFeatures[]): Promise<void>;
  /** The stored features of these images (ids compared in lower case); ids without any are absent. */
  get(modelId: string, imageIds: readonly string[]): Promise<Map<string, Float32Array>>;
  /** Images of the dataset READY for the model and without stored features, in id order after `after`. */
  missing(modelId: string, datasetId: string, limit: number, after?: string | null): Promise<ReindexImage[]>;
  /** One page of the model's stored features in image-id order after `after`, only `imageIds` and `datasetIds` when given. */
  scan(
    modelId: string,
    options: { limit: number; after?: string | null; imageIds?: readonly string[] | null; datasetIds?: readonly string[] | null },
  ): Promise<PooledFeatures[]>;
  /** How many images have stored features for the model (in these datasets when given). */
  count(modelId: string, datasetIds?: readonly string[] | null): Promise<number>;
}
