// Per-request DataLoaders for every field that loads by id, so a page of hits costs one query per
// kind of thing, not one per hit. Built fresh for each request (no cross-request caching).
import DataLoader from "dataloader";
import type { ImageRecord, MetadataStore, ModelItemStatus, ReportRecord, Thumbnail } from "../stores/metadata/metadata-store.port.ts";

/** An item's status for one model, as the schema's ModelStatus. */
export interface ModelStatusView {
  model: string;
  status: ModelItemStatus["status"];
  error: string | null;
}

const statusView = (s: ModelItemStatus): ModelStatusView => ({ model: s.modelId, status: s.status, error: s.error });

export interface Loaders {
  image: DataLoader<string, ImageRecord | null>;
  report: DataLoader<string, ReportRecord | null>;
  reportIdsOfImage: DataLoader<string, string[]>;
  imageIdsOfReport: DataLoader<string, string[]>;
  /** The thumbnail kept at ingestion (null for an image without one). */
  thumbnail: DataLoader<string, Thumbnail | null>;
  /** Each item's status for every model that has started encoding it. */
  statusesOfImage: DataLoader<string, ModelStatusView[]>;
  statusesOfReport: DataLoader<string, ModelStatusView[]>;
  /**
   * The same loaders as another loaded model sees the catalogue (statuses are per model), built on
   * first use in the request; these for the default model or an unknown id.
   */
  of(modelId: string | undefined): Loaders;
}

/**
 * Loaders over the default model's catalogue (`metadata`), and over each other loaded model's
 * (`others`, by model id) on request.
 */
export function createLoaders(metadata: MetadataStore, others: ReadonlyMap<string, MetadataStore> = new Map()): Loaders {
  const built = new Map<string, Loaders>();
  const self: Loaders = {
    of(modelId) {
      const store = modelId ? others.get(modelId) : undefined;
      if (!modelId || !store || store === metadata) return self;
      let found = built.get(modelId);
      if (!found) built.set(modelId, (found = createLoaders(store)));
      return found;
    },
    image: new DataLoader((ids) => metadata.getImages(ids)),
    report: new DataLoader((ids) => metadata.getReports(ids)),
    reportIdsOfImage: new DataLoader(async (ids) => {
      const map = await metadata.reportIdsOfImages(ids);
      return ids.map((id) => map.get(id) ?? []);
    }),
    imageIdsOfReport: new DataLoader(async (ids) => {
      const map = await metadata.imageIdsOfReports(ids);
      return ids.map((id) => map.get(id) ?? []);
    }),
    statusesOfImage: new DataLoader(async (ids) => {
      const map = await metadata.modelStatuses("image", ids);
      return ids.map((id) => (map.get(id) ?? []).map(statusView));
    }),
    statusesOfReport: new DataLoader(async (ids) => {
      const map = await metadata.modelStatuses("report", ids);
      return ids.map((id) => (map.get(id) ?? []).map(statusView));
    }),
    thumbnail: new DataLoader(async (ids) => {
      const map = await metadata.getThumbnails(ids);
      return ids.map((id) => map.get(id) ?? null);
    }),
  };
  return self;
}
