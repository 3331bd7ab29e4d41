// An in-memory LocalFeatureStore for tests: per model, float16 like the stored adapters (values are
// rounded to half on write), with the same validation. Not for production: nothing survives a restart.
import { decodeFloat16, encodeFloat16 } from "../../../src/stores/local-features/float16.codec.ts";
import type {
  ImageRegionFeatures,
  Keyed,
  LocalFeatureStore,
  RegionBlock,
  ReportWordFeatures,
} from "../../../src/stores/local-features/local-feature-store.port.ts";
import { checkBatch, checkImageRegions, checkModelId, checkReportWords } from "../../../src/stores/local-features/local-features.validate.ts";
import { packFloat16Block, uniqueIds } from "../../../src/stores/local-features/region-block.ts";

const half = (values: Float32Array) => decodeFloat16(encodeFloat16(values));

export class MemoryLocalFeatureStore implements LocalFeatureStore {
  readonly mode = "stored" as const;
  private readonly images = new Map<string, Map<string, ImageRegionFeatures>>();
  private readonly reports = new Map<string, Map<string, ReportWordFeatures>>();

  private of<T>(maps: Map<string, Map<string, T>>, modelId: string): Map<string, T> {
    checkModelId(modelId);
    let m = maps.get(modelId);
    if (!m) maps.set(modelId, (m = new Map()));
    return m;
  }

  async putImageRegions(modelId: string, items: readonly Keyed<ImageRegionFeatures>[]): Promise<void> {
    const m = this.of(this.images, modelId);
    for (const { id, features: f } of checkBatch(items, checkImageRegions)) m.set(id, { dim: f.dim, grid: [f.grid[0], f.grid[1]], regions: half(f.regions) });
  }

  async getImageRegions(modelId: string, imageIds: readonly string[]): Promise<Map<string, ImageRegionFeatures>> {
    const m = this.of(this.images, modelId);
    return new Map(
      uniqueIds(imageIds)
        .filter((id) => m.has(id))
        .map((id) => [id, m.get(id) as ImageRegionFeatures]),
    );
  }

  async getImageRegionBlock(modelId: string, imageIds: readonly string[]): Promise<RegionBlock> {
    const ids = uniqueIds(imageIds);
    return packFloat16Block(ids, await this.getImageRegions(modelId, ids));
  }

  async putReportWords(modelId: string, items: readonly Keyed<ReportWordFeatures>[]): Promise<void> {
    const m = this.of(this.reports, modelId);
    for (const { id, features: f } of checkBatch(items, checkReportWords)) m.set(id, { dim: f.dim, words: [...f.words], slots: half(f.slots) });
  }

  async getReportWords(modelId: string, reportIds: readonly string[]): Promise<Map<string, ReportWordFeatures>> {
    const m = this.of(this.reports, modelId);
    return new Map(
      uniqueIds(reportIds)
        .filter((id) => m.has(id))
        .map((id) => [id, m.get(id) as ReportWordFeatures]),
    );
  }

  async delete(modelId: string, ids: { imageIds?: readonly string[]; reportIds?: readonly string[] }): Promise<void> {
    const images = this.of(this.images, modelId);
    const reports = this.of(this.reports, modelId);
    for (const id of uniqueIds(ids.imageIds ?? [])) images.delete(id);
    for (const id of uniqueIds(ids.reportIds ?? [])) reports.delete(id);
  }

  async count(modelId: string): Promise<{ images: number; reports: number }> {
    return { images: this.of(this.images, modelId).size, reports: this.of(this.reports, modelId).size };
  }
}
