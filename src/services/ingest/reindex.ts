// Re-encoding stored items for another model: the items of a dataset that are not READY for it,
// read back from the catalogue as an ingestion source. The ingestion then treats them as any other
// source (registration finds the existing rows by content, so nothing is duplicated), which makes a
// reindex resumable: a second run lists only what the first left undone.
import { AppError } from "../../errors/app-error.ts";
import type { MetadataStore, ReindexImage, ReindexReport } from "../../stores/metadata/metadata-store.port.ts";
import type { PooledFeatureStore } from "../../stores/metadata/pooled-feature-store.port.ts";
import type { SourceItem } from "../../stores/queue/ingest-queue.port.ts";
import type { IngestSource } from "./ingest.sources.ts";

/** Items listed per catalogue read. */
const PAGE = 1_000;

/** Why a stored image cannot be encoded again: it was never a file of this server. */
export const NO_SOURCE_FILE =
  "The image was uploaded or fetched from a PACS, so the server has no file to encode it from again; ingest it again for this model";

function imageItem(image: ReindexImage): SourceItem {
  const common = {
    key: `image ${image.id}`,
    labels: image.labels,
    findings: image.findings,
    ...(image.viewPosition ? { viewPosition: image.viewPosition } : {}),
    ...(image.studyExternalId ? { studyExternalId: image.studyExternalId } : {}),
  };
  if (!image.sourcePath) return { ...common, problem: NO_SOURCE_FILE, problemCode: "NOT_FOUND" };
  return { ...common, image: { path: image.sourcePath }, contentHash: image.contentHash };
}

function reportItem(report: ReindexReport): SourceItem {
  return {
    key: `report ${report.id}`,
    report: report.text,
    labels: report.labels,
    findings: report.findings,
    ...(report.studyExternalId ? { studyExternalId: report.studyExternalId } : {}),
  };
}

/**
 * The dataset's images and reports not READY for `modelId`, as ingestion items: each image from its
 * source file (which must still hash to what was ingested), each report from its stored text. Images
 * and reports are separate items; their links are already stored.
 */
export async function itemsToReindex(metadata: MetadataStore, modelId: string, datasetId: string): Promise<SourceItem[]> {
  const items: SourceItem[] = [];
  const after: { image?: string; report?: string } = {};
  for (;;) {
    const page = await metadata.itemsToReindex(modelId, datasetId, PAGE, after);
    items.push(...page.images.map(imageItem), ...page.reports.map(reportItem));
    if (page.images.length) after.image = page.images.at(-1)!.id;
    if (page.reports.length) after.report = page.reports.at(-1)!.id;
    if (page.images.length < PAGE && page.reports.length < PAGE) return items;
  }
}

/** The id of the dataset named `name`; NOT_FOUND when there is none. */
export async function datasetIdOf(metadata: MetadataStore, name: string): Promise<string> {
  const [id] = await metadata.datasetIds([name]);
  if (!id) throw new AppError("NOT_FOUND", `No dataset named ${name}`, { details: { field: "datasets" } });
  return id;
}

/**
 * The dataset's images READY for the model whose pooled features are not stored, as ingestion items
 * that are encoded again though READY (`reencode`): the backfill of a model folder that gained the
 * `pooled` output. Resumable as a reindex is: a second run lists only what is still missing.
 */
export async function pooledBackfillSource(
  pooled: PooledFeatureStore,
  modelId: string,
  datasetId: string,
): Promise<{ source: IngestSource; description: { kind: "pooled-backfill"; count: number } }> {
  const items: SourceItem[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await pooled.missing(modelId, datasetId, PAGE, after);
    items.push(...page.map((image) => ({ ...imageItem(image), reencode: true })));
    if (page.length < PAGE) break;
    after = page.at(-1)!.id;
  }
  return { source: { kind: "items", items }, description: { kind: "pooled-backfill", count: items.length } };
}

/** A dataset's reindex for a model as an ingestion source, with the description its job records. */
export async function reindexSource(
  metadata: MetadataStore,
  modelId: string,
  datasetId: string,
): Promise<{ source: IngestSource; description: { kind: "reindex"; count: number } }> {
  const items = await itemsToReindex(metadata, modelId, datasetId);
  return { source: { kind: "items", items }, description: { kind: "reindex", count: items.length } };
}
