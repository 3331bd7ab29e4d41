// Browsing and managing what is stored: models and their coverage, items by id and in pages, and
// deletion. Validates the limits GraphQL cannot express and resolves dataset names to ids.
import path from "node:path";
import { AppError } from "../errors/app-error.ts";
import type {
  CatalogFilter,
  DatasetCoverage,
  ImageRecord,
  ItemKind,
  LabelValue,
  MetadataStore,
  ModelInfo,
  Page,
  ReportRecord,
} from "../stores/metadata/metadata-store.port.ts";
import type { IngestionService } from "./ingest/ingest.service.ts";
import { checkFirst, LIMITS } from "./limits.ts";
import { toVectorFilter, type SearchFilter } from "./search.service.ts";

export interface CatalogFilterInput {
  datasets?: readonly string[] | null;
  studies?: readonly string[] | null;
  viewPositions?: readonly string[] | null;
  findings?: readonly string[] | null;
  findingsAll?: readonly string[] | null;
  findingsNone?: readonly string[] | null;
  /** Every condition must hold: the class's stored label is one of the values. */
  labels?: ReadonlyArray<{ className: string; values: readonly LabelValue[] }> | null;
  /** ISO 8601 instants: ingested at or after / before. */
  ingestedAfter?: string | null;
  ingestedBefore?: string | null;
  /** Images linked to a report whose text matches this full-text query (web-search syntax). */
  mustMention?: string | null;
}

function instant(value: string, field: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new AppError("BAD_USER_INPUT", `${field} must be an ISO 8601 date or date-time`, { details: { field } });
  }
  return date;
}

/** A search filter as the catalogue listing takes it: the same fields as the vector stores'. */
function catalogFilter(filter: SearchFilter | undefined): CatalogFilter {
  return toVectorFilter(filter) ?? {};
}

/** A model as the `models` query lists it. */
export interface ModelSummary {
  id: string;
  name: string;
  version: string;
  checksum: string;
  dim: number;
  grid: number[];
  precision: string;
  loaded: boolean;
  default: boolean;
}

function summary(m: ModelInfo, loaded: boolean, isDefault: boolean): ModelSummary {
  const precision = (m.manifest as { precision?: string } | null)?.precision ?? "fp32";
  return { id: m.id, name: m.name, version: m.version, checksum: m.checksum, dim: m.dim, grid: [...m.grid], precision, loaded, default: isDefault };
}

export class CatalogService {
  constructor(
    private readonly metadata: MetadataStore,
    /** Deletions go through the ingestion, which knows every store an item is in. */
    private readonly ingestion: IngestionService,
    readonly model: ModelInfo,
    private readonly ingestRoots: readonly string[],
  ) {}

  /**
   * The loaded models (`loaded`, the default first), then every other model registered by an
   * earlier run (its encodings are still stored; it serves nothing until loaded again).
   */
  async models(loaded: readonly ModelInfo[]): Promise<ModelSummary[]> {
    const ids = new Set(loaded.map((m) => m.id));
    const registered = (await this.metadata.listModels()).filter((m) => !ids.has(m.id));
    return [...loaded.map((m, i) => summary(m, true, i === 0)), ...registered.map((m) => summary(m, false, false))];
  }

  /** Per dataset, what the model has encoded and what not yet. */
  coverage(modelId: string): Promise<DatasetCoverage[]> {
    return this.metadata.coverage(modelId);
  }

  /** A stored source path as an administrator sees it: relative to the INGEST_ROOTS folder holding it, else null. */
  displayedSourcePath(stored: string | null): string | null {
    if (!stored) return null;
    for (const root of this.ingestRoots) {
      const relative = path.relative(root, stored);
      if (relative && !relative.startsWith("..") && !path.isAbsolute(relative)) return relative;
    }
    return null;
  }

  /**
   * Dataset names → ids (unknown names match nothing, so the filter returns nothing); labels and
   * ingestion dates → the ids of the items that meet them (`kind` says of which), which the vector
   * store then searches among, at most LIMITS.maxCohort of them.
   */
  async filter(input: CatalogFilterInput | null | undefined, kind: ItemKind = "image"): Promise<SearchFilter | undefined> {
    if (!input) return undefined;
    const out: SearchFilter = {};
    if (input.datasets) out.datasetIds = await this.metadata.datasetIds(input.datasets);
    if (input.studies) out.studyIds = [...input.studies];
    if (input.viewPositions) out.viewPositions = [...input.viewPositions];
    if (input.findings) out.findings = [...input.findings];
    if (input.findingsAll) out.findingsAll = [...input.findingsAll];
    if (input.findingsNone) out.findingsNone = [...input.findingsNone];
    const ingestedFrom = input.ingestedAfter ? instant(input.ingestedAfter, "ingestedAfter") : undefined;
    const ingestedTo = input.ingestedBefore ? instant(input.ingestedBefore, "ingestedBefore") : undefined;
    const mention = input.mustMention;
    if (mention !== undefined && mention !== null) {
      if (kind !== "image") throw new AppError("BAD_USER_INPUT", "mustMention filters images only", { details: { field: "mustMention" } });
      if (mention.trim() === "") throw new AppError("BAD_USER_INPUT", "mustMention is empty", { details: { field: "mustMention" } });
      if ([...mention].length > LIMITS.maxTextLength) {
        throw new AppError("BAD_USER_INPUT", `mustMention is longer than ${LIMITS.maxTextLength} characters`, { details: { field: "mustMention" } });
      }
    }
    if (input.labels?.length || ingestedFrom || ingestedTo || mention) {
      for (const label of input.labels ?? []) {
        if (!label.className.trim() || label.values.length === 0)
          throw new AppError("BAD_USER_INPUT", "A label condition needs a class name and at least one value", { details: { field: "labels" } });
      }
      const cohort = { datasetIds: out.datasetIds, labels: input.labels ?? undefined, ingestedFrom, ingestedTo };
      // The report text condition is applied in the same query as the others, so the cap counts their intersection.
      const ids = mention
        ? await this.metadata.imageIdsMentioning(mention, cohort, LIMITS.maxCohort)
        : await this.metadata.matchingItemIds(kind, cohort, LIMITS.maxCohort);
      if (ids === null) {
        throw new AppError("BAD_USER_INPUT", "mustMention has no word full-text search can match (stop words and punctuation are ignored)", {
          details: { field: "mustMention" },
        });
      }
      if (ids.length > LIMITS.maxCohort) {
        const field = mention ? "mustMention" : "labels";
        throw new AppError(
          "BAD_USER_INPUT",
          `The label, date and report text conditions match more than ${LIMITS.maxCohort} items; narrow them (or name datasets)`,
          { details: { field } },
        );
      }
      out.ids = ids;
    }
    return out;
  }

  async listImages(first: number, after: string | null | undefined, filter: CatalogFilterInput | null | undefined): Promise<Page<ImageRecord>> {
    checkFirst(first);
    return this.metadata.listImages({ ...catalogFilter(await this.filter(filter)), statuses: ["READY"] }, first, after);
  }

  async listReports(first: number, after: string | null | undefined, filter: CatalogFilterInput | null | undefined): Promise<Page<ReportRecord>> {
    checkFirst(first);
    return this.metadata.listReports({ ...catalogFilter(await this.filter(filter, "report")), statuses: ["READY"] }, first, after);
  }

  deleteImage(id: string): Promise<void> {
    return this.ingestion.deleteImage(id);
  }

  deleteReport(id: string): Promise<void> {
    return this.ingestion.deleteReport(id);
  }
}
