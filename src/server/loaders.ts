// Per-request DataLoaders for every field that loads by id, so a page of hits costs one query per
// kind of thing, not one per hit. Built fresh for each request (no cross-request caching).
import DataLoader from "dataloader";
import type { ImageRecord, MetadataStore, ReportRecord, Thumbnail } from "../stores/metadata/metadata-store.port.ts";

export interface Loaders {
  image: DataLoader<string, ImageRecord | null>;
  report: DataLoader<string, ReportRecord | null>;
  reportIdsOfImage: DataLoader<string, string[]>;
  imageIdsOfReport: DataLoader<string, string[]>;
  /** The thumbnail kept at ingestion (null for an image without one). */
  thumbnail: DataLoader<string, Thumbnail | null>;
}

export function createLoaders(metadata: MetadataStore): Loaders {
  return {
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
    thumbnail: new DataLoader(async (ids) => {
      const map = await metadata.getThumbnails(ids);
      return ids.map((id) => map.get(id) ?? null);
    }),
  };
}
