// Browsing and managing what is stored: models, items by id and in pages, deletion and ingestion
// jobs. Validates the limits GraphQL cannot express and resolves dataset names to ids.
import path from "node:path";
import { AppError } from "../errors/app-error.ts";
import type { CatalogFilter, ImageRecord, JobRecord, MetadataStore, ModelInfo, Page, ReportRecord } from "../stores/metadata/metadata-store.port.ts";
import type { IngestionService } from "./ingest/ingest.service.ts";
import { detectSource, type IngestSource } from "./ingest/ingest.sources.ts";
import { SourceFiles } from "./source-files.ts";
import { LIMITS, type SearchFilter } from "./search.service.ts";

export interface CatalogFilterInput {
  datasets?: readonly string[] | null;
  studies?: readonly string[] | null;
  viewPositions?: readonly string[] | null;
  findings?: readonly string[] | null;
}

/** A search filter as the catalogue listing takes it (its findings are "any of"). */
function catalogFilter(filter: SearchFilter | undefined): CatalogFilter {
  if (!filter) return {};
  return { datasetIds: filter.datasetIds, studyIds: filter.studyIds, viewPositions: filter.viewPositions, findingsAny: filter.findings };
}

export class CatalogService {
  constructor(
    private readonly metadata: MetadataStore,
    private readonly ingestion: IngestionService,
    readonly model: ModelInfo,
    private readonly ingestRoots: readonly string[],
  ) {}

  /** A stored source path as an administrator sees it: relative to the INGEST_ROOTS folder holding it, else null. */
  displayedSourcePath(stored: string | null): string | null {
    if (!stored) return null;
    for (const root of this.ingestRoots) {
      const relative = path.relative(root, stored);
      if (relative && !relative.startsWith("..") && !path.isAbsolute(relative)) return relative;
    }
    return null;
  }

  /** Dataset names → ids; unknown names match nothing (so the filter returns nothing). */
  async filter(input: CatalogFilterInput | null | undefined): Promise<SearchFilter | undefined> {
    if (!input) return undefined;
    const out: SearchFilter = {};
    if (input.datasets) out.datasetIds = await this.metadata.datasetIds(input.datasets);
    if (input.studies) out.studyIds = [...input.studies];
    if (input.viewPositions) out.viewPositions = [...input.viewPositions];
    if (input.findings) out.findings = [...input.findings];
    return out;
  }

  async listImages(first: number, after: string | null | undefined, filter: CatalogFilterInput | null | undefined): Promise<Page<ImageRecord>> {
    this.#checkFirst(first);
    return this.metadata.listImages({ ...catalogFilter(await this.filter(filter)), statuses: ["READY"] }, first, after);
  }

  async listReports(first: number, after: string | null | undefined, filter: CatalogFilterInput | null | undefined): Promise<Page<ReportRecord>> {
    this.#checkFirst(first);
    return this.metadata.listReports({ ...catalogFilter(await this.filter(filter)), statuses: ["READY"] }, first, after);
  }

  #checkFirst(first: number): void {
    if (!Number.isInteger(first) || first < 1 || first > LIMITS.maxFirst) {
      throw new AppError("BAD_USER_INPUT", `first must be between 1 and ${LIMITS.maxFirst}`, { details: { field: "first" } });
    }
  }

  deleteImage(id: string): Promise<void> {
    return this.ingestion.deleteImage(id);
  }

  deleteReport(id: string): Promise<void> {
    return this.ingestion.deleteReport(id);
  }

  getJob(id: string): Promise<JobRecord | null> {
    return this.metadata.getJob(id);
  }

  /** A server-side path is accepted only inside one of the configured ingest roots. */
  sourceFromPath(target: string): IngestSource {
    // Only the check is needed here: the run reads every file through the ingestion's own guard.
    return detectSource(new SourceFiles(this.ingestRoots, { maxBytes: 0 }).confine(target, "The source"));
  }

  /** Starts an ingestion; resolves at the end, or at once with the RUNNING job when `wait` is false. */
  async ingest(source: IngestSource, dataset: string, wait: boolean): Promise<JobRecord> {
    if (!dataset.trim()) throw new AppError("BAD_USER_INPUT", "A dataset name is required");
    const datasetId = (await this.metadata.ensureDataset(dataset)).id;
    const job = await this.metadata.createJob({ datasetId, modelId: this.model.id, source: source.kind === "uploads" ? { kind: "uploads", count: source.items.length } : source });
    const run = this.ingestion.run(source, { dataset, jobId: job.id });
    if (wait) await run;
    else run.catch(() => undefined);
    return (await this.metadata.getJob(job.id))!;
  }
}
