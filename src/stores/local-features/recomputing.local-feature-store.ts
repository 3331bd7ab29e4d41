// LocalFeatureStore that asks the model again instead of (or before) storing: features are
// recomputed on demand through a callback the composition root supplies (decode the item, run the
// encoder). With a backing store it reads stored features first and keeps what it recomputes.
import type { ImageRegionFeatures, Keyed, LocalFeatureStore, RegionBlock, ReportWordFeatures } from "./local-feature-store.port.ts";
import { checkItemId, checkModelId } from "./local-features.validate.ts";
import { packFloat16Block, uniqueIds } from "./region-block.ts";

/**
 * Recomputes features for a batch of items of one model, in one call (so the encoder runs batched).
 * Items it cannot recompute (e.g. their source is gone) are left out of the map. Throws AppError
 * MODEL_UNAVAILABLE when `modelId` is not the loaded model.
 */
export interface LocalFeatureRecompute {
  imageRegions(modelId: string, imageIds: readonly string[]): Promise<Map<string, ImageRegionFeatures>>;
  reportWords(modelId: string, reportIds: readonly string[]): Promise<Map<string, ReportWordFeatures>>;
}

export class RecomputingLocalFeatureStore implements LocalFeatureStore {
  readonly mode: "recomputed" | "cached";

  /** Without `backing`, nothing is kept and every read recomputes; with it, only misses are recomputed. */
  constructor(
    private readonly recompute: LocalFeatureRecompute,
    private readonly backing?: LocalFeatureStore,
  ) {
    this.mode = backing ? "cached" : "recomputed";
  }

  private async read<T>(
    modelId: string,
    ids: readonly string[],
    stored: ((modelId: string, ids: string[]) => Promise<Map<string, T>>) | undefined,
    recompute: (modelId: string, ids: string[]) => Promise<Map<string, T>>,
    keep: ((modelId: string, items: Keyed<T>[]) => Promise<void>) | undefined,
  ): Promise<Map<string, T>> {
    checkModelId(modelId);
    const wanted = [...new Set(ids.map(checkItemId))];
    if (wanted.length === 0) return new Map();
    const found = stored ? await stored(modelId, wanted) : new Map<string, T>();
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length === 0) return found;
    const fresh = await recompute(modelId, missing);
    const kept: Keyed<T>[] = [];
    for (const id of missing) {
      const features = fresh.get(id);
      if (features === undefined) continue;
      found.set(id, features);
      kept.push({ id, features });
    }
    if (keep && kept.length > 0) await keep(modelId, kept);
    return found;
  }

  getImageRegions(modelId: string, imageIds: readonly string[]): Promise<Map<string, ImageRegionFeatures>> {
    const b = this.backing;
    return this.read(
      modelId,
      imageIds,
      b && ((m, ids) => b.getImageRegions(m, ids)),
      (m, ids) => this.recompute.imageRegions(m, ids),
      b && ((m, items) => b.putImageRegions(m, items)),
    );
  }

  /**
   * Recomputed features come as float32 and are packed as float16 (the encoding every stored form
   * shares), so the block reads the same whether it was stored or recomputed. With a backing store,
   * stored items come in its block's encoding when nothing is missing.
   */
  async getImageRegionBlock(modelId: string, imageIds: readonly string[]): Promise<RegionBlock> {
    checkModelId(modelId);
    const ids = uniqueIds(imageIds);
    if (this.backing) {
      const stored = await this.backing.getImageRegionBlock(modelId, ids);
      if (stored.ids.length === ids.length) return stored;
    }
    return packFloat16Block(ids, await this.getImageRegions(modelId, ids));
  }

  getReportWords(modelId: string, reportIds: readonly string[]): Promise<Map<string, ReportWordFeatures>> {
    const b = this.backing;
    return this.read(
      modelId,
      reportIds,
      b && ((m, ids) => b.getReportWords(m, ids)),
      (m, ids) => this.recompute.reportWords(m, ids),
      b && ((m, items) => b.putReportWords(m, items)),
    );
  }

  /** Kept by the backing store; without one there is nowhere to keep them, by design. */
  async putImageRegions(modelId: string, items: readonly Keyed<ImageRegionFeatures>[]): Promise<void> {
    await this.backing?.putImageRegions(modelId, items);
  }

  async putReportWords(modelId: string, items: readonly Keyed<ReportWordFeatures>[]): Promise<void> {
    await this.backing?.putReportWords(modelId, items);
  }

  async delete(modelId: string, ids: { imageIds?: readonly string[]; reportIds?: readonly string[] }): Promise<void> {
    await this.backing?.delete(modelId, ids);
  }

  async count(modelId: string): Promise<{ images: number; reports: number }> {
    return this.backing ? this.backing.count(modelId) : { images: 0, reports: 0 };
  }

  async close(): Promise<void> {
    await this.backing?.close?.();
  }
}
