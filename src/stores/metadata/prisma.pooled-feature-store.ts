// PooledFeatureStore over the image_pooled_features table, through Prisma: features as little-endian
// float16 bytes (half the size of float32; a linear head's score moves by far less than its
// validation interval). Vendor errors become STORE_UNAVAILABLE.
import { AppError } from "../../errors/app-error.ts";
import { storeUnavailable } from "../database.ts";
import { decodeFloat16, encodeFloat16 } from "../local-features/float16.codec.ts";
import type { PrismaClient } from "../prisma/prisma.client.ts";
import type { Finding, ReindexImage } from "./metadata-store.port.ts";
import type { PooledFeatures, PooledFeatureStore } from "./pooled-feature-store.port.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PrismaPooledFeatureStore implements PooledFeatureStore {
  constructor(private readonly prisma: PrismaClient) {}

  async put(modelId: string, items: readonly PooledFeatures[]): Promise<void> {
    if (items.length === 0) return;
    const ids = items.map((i) => i.imageId.toLowerCase());
    try {
      await this.prisma.$transaction([
        this.prisma.imagePooledFeature.deleteMany({ where: { modelId, imageId: { in: ids } } }),
        this.prisma.imagePooledFeature.createMany({
          data: items.map((item, i) => ({ modelId, imageId: ids[i]!, dim: item.pooled.length, features: encodeFloat16(item.pooled) })),
        }),
      ]);
    } catch (error) {
      if ((error as { code?: string }).code === "P2003") throw new AppError("NOT_FOUND", "An image or the model of these pooled features is not stored");
      throw storeUnavailable(error);
    }
  }

  async get(modelId: string, imageIds: readonly string[]): Promise<Map<string, Float32Array>> {
    const ids = imageIds.map((id) => id.toLowerCase()).filter((id) => UUID.test(id));
    if (ids.length === 0) return new Map();
    try {
      const rows = await this.prisma.imagePooledFeature.findMany({ where: { modelId, imageId: { in: ids } }, select: { imageId: true, features: true } });
      return new Map(rows.map((r) => [r.imageId, decodeFloat16(r.features)]));
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async missing(modelId: string, datasetId: string, limit: number, after?: string | null): Promise<ReindexImage[]> {
    try {
      const images = await this.prisma.image.findMany({
        where: {
          datasetId,
          embeddings: { some: { modelId, status: "READY" } },
          pooled: { none: { modelId } },
          ...(after ? { id: { gt: after } } : {}),
        },
        orderBy: { id: "asc" },
        take: limit,
        include: { study: { select: { externalId: true } } },
      });
      return images.map((i) => ({
        id: i.id,
        contentHash: i.contentHash,
        sourcePath: i.sourcePath,
        viewPosition: i.viewPosition,
        studyExternalId: i.study?.externalId ?? null,
        labels: (i.labels ?? {}) as Record<string, number>,
        findings: (i.findings ?? []) as unknown as Finding[],
      }));
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async scan(
    modelId: string,
    options: { limit: number; after?: string | null; imageIds?: readonly string[] | null; datasetIds?: readonly string[] | null },
  ): Promise<PooledFeatures[]> {
    const only = options.imageIds?.map((id) => id.toLowerCase());
    try {
      const rows = await this.prisma.imagePooledFeature.findMany({
        where: {
          modelId,
          ...(options.after || only ? { imageId: { ...(options.after ? { gt: options.after } : {}), ...(only ? { in: only } : {}) } } : {}),
          ...(options.datasetIds ? { image: { datasetId: { in: [...options.datasetIds] } } } : {}),
        },
        orderBy: { imageId: "asc" },
        take: options.limit,
        select: { imageId: true, features: true },
      });
      return rows.map((r) => ({ imageId: r.imageId, pooled: decodeFloat16(r.features) }));
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async count(modelId: string, datasetIds?: readonly string[] | null): Promise<number> {
    try {
      return await this.prisma.imagePooledFeature.count({
        where: { modelId, ...(datasetIds ? { image: { datasetId: { in: [...datasetIds] } } } : {}) },
      });
    } catch (error) {
      throw storeUnavailable(error);
    }
  }
}
