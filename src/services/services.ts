// The use cases the API layer may call. The composition root builds one instance per app.
import type { AuthService } from "./auth.service.ts";
import type { HealthService } from "./health.service.ts";
import type { CatalogService } from "./catalog.service.ts";
import type { EvaluationService } from "./evaluation/evaluation.service.ts";
import type { ClassifyService } from "./classify.service.ts";
import type { SearchService } from "./search.service.ts";
import type { TextSearchService } from "./text-search.service.ts";

/** The use cases bound to one loaded model. */
export interface ModelServices {
  search: SearchService;
  /** Hybrid text → report search (full text and vectors). */
  textSearch: TextSearchService;
  classify: ClassifyService;
  catalog: CatalogService;
  evaluation: EvaluationService;
}

export interface Services {
  health: HealthService;
  auth: AuthService;
  /** Absent when the model could not be loaded: the API then answers MODEL_UNAVAILABLE. */
  search?: SearchService;
  /** Hybrid text → report search (full text and vectors). */
  textSearch?: TextSearchService;
  classify?: ClassifyService;
  catalog?: CatalogService;
  evaluation?: EvaluationService;
  /** Every loaded model's services by model id, the default first; empty when none could be loaded. */
  models?: ReadonlyMap<string, ModelServices>;
}
