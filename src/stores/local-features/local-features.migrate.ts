// Moves one model's local features from Postgres into the file store, batch by batch: a batch's
// Postgres rows are deleted only after the file store has made it durable, and ids the file store
// already holds are skipped (and their rows deleted), so a run that stops anywhere can be rerun.
import type { FileLocalFeatureStore } from "./file.local-feature-store.ts";
import type { PostgresLocalFeatureStore } from "./postgres.local-feature-store.ts";

export interface FeatureCounts {
  images: number;
  reports: number;
}

export interface MigrationSummary {
  /** Items copied into the file store by this run. */
  moved: FeatureCounts;
  /** Items the file store already held (from an earlier, interrupted run); their rows were removed. */
  skipped: FeatureCounts;
  /** Items still in Postgres afterwards (non-zero only when `limit` stopped the run). */
  remaining: FeatureCounts;
}

export interface MigrationOptions {
  source: PostgresLocalFeatureStore;
  target: FileLocalFeatureStore;
  modelId: string;
  /** Items per batch (one read, one durable write, one delete). */
  batch: number;
  /** Stop after this many items (moved or skipped), for a run in parts; unset: all of them. */
  limit?: number;
  onBatch?(summary: Omit<MigrationSummary, "remaining">): void;
}

export async function migrateLocalFeatures(options: MigrationOptions): Promise<MigrationSummary> {
  const { source, target, modelId, batch, limit = Infinity, onBatch } = options;
  const moved: FeatureCounts = { images: 0, reports: 0 };
  const skipped: FeatureCounts = { images: 0, reports: 0 };
  let budget = limit;
  for (const kind of ["images", "reports"] as const) {
    let after: string | undefined;
    while (budget > 0) {
      const ids = await source.listIds(modelId, kind, { after, limit: Math.min(batch, budget) });
      if (ids.length === 0) break;
      after = ids[ids.length - 1];
      const held = await target.holds(modelId, kind, ids);
      const wanted = ids.filter((id) => !held.has(id));
      let copied: string[] = [];
      if (kind === "images") {
        // float16 → float32 → float16 is exact: every half is a float32, and encoding a half gives it back.
        const features = await source.getImageRegions(modelId, wanted);
        await target.putImageRegions(
          modelId,
          [...features].map(([id, f]) => ({ id, features: f })),
        );
        copied = [...features.keys()];
      } else {
        const features = await source.getReportWords(modelId, wanted);
        await target.putReportWords(
          modelId,
          [...features].map(([id, f]) => ({ id, features: f })),
        );
        copied = [...features.keys()];
      }
      // Only what the file store now holds durably leaves Postgres.
      const done = [...held, ...copied];
      await source.delete(modelId, kind === "images" ? { imageIds: done } : { reportIds: done });
      moved[kind] += copied.length;
      skipped[kind] += held.size;
      budget -= ids.length;
      onBatch?.({ moved, skipped });
    }
  }
  return { moved, skipped, remaining: await source.count(modelId) };
}
