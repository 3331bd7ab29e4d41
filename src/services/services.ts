// The use cases the API layer may call. The composition root builds one instance per app.
import type { AuthService } from "./auth.service.ts";
import type { HealthService } from "./health.service.ts";
import type { CatalogService } from "./catalog.service.ts";
import type { IngestJobsService } from "./ingest/ingest-jobs.service.ts";
import type { EvaluationService } from "./evaluation/evaluation.service.ts";
import type { ClassifierService } from "./classifier.service.ts";
import type { ClassifyService } from "./classify.service.ts";
import type { SearchService } from "./search.service.ts";
import type { SegmentService } from "./segment.service.ts";
import type { TextSearchService } from "./text-search.service.ts";

/** The use cases bound to one loaded model. */
export interface ModelServices {
  search: SearchService;
  /** Hybrid text → report search (full text and vectors). */
  textSearch: TextSearchService;
  classify: ClassifyService;
  /** The model's optional segmentation graph on given and stored images. */
  segment: SegmentService;
  catalog: CatalogService;
  /** Ingestion and reindex jobs. */
  ingestJobs: IngestJobsService;
  evaluation: EvaluationService;
  /** Linear-probe heads on this model's stored image embeddings. */
  classifiers: ClassifierService;
}

/**
 * The default model's services at the top level (absent when no model could be loaded: the API then
 * answers MODEL_UNAVAILABLE), and every loaded model's by id in `models`.
 */
export interface Services extends Partial<ModelServices> {
  health: HealthService;
  auth: AuthService;
  /** Every loaded model's services by model id, the default first; empty when none could be loaded. */
  models?: ReadonlyMap<string, ModelServices>;
}
