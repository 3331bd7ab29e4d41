// LocalFeatureStore in Postgres: region features and word slots as float16 blobs in
// image_region_features / report_word_features, through the Prisma client it is given. Knows no
// model runtime and no GraphQL.
import { AppError } from "../../errors/app-error.ts";
import { storeUnavailable } from "../database.ts";
import type { PrismaClient } from "../prisma/prisma.client.ts";
import { decodeFloat16, encodeFloat16 } from "./float16.codec.ts";
import type { ImageRegionFeatures, Keyed, LocalFeatureStore, ReportWordFeatures } from "./local-feature-store.port.ts";
import { checkBatch, checkImageRegions, checkItemId, checkModelId, checkReportWords } from "./local-features.validate.ts";

/** A write that names an image, report or model the metadata lacks breaks a foreign key (Prisma P2003). */
function translate(error: unknown, what: string): AppError {
  const code = (error as { code?: string })?.code;
  const message = String((error as Error)?.message ?? "");
  if (code === "P2003" || /foreign key/i.test(message)) {
    return new AppError("NOT_FOUND", `Cannot store ${what}: the model or item is not in the metadata store`, { cause: error });
  }
  return storeUnavailable(error);
}

/**
 * Large blobs written while the encoder keeps the CPU busy can take longer than Prisma's default 5 s
 * transaction timeout; a write is still one transaction, it may just take its time.
 */
const WRITE_TRANSACTION = { timeout: 120_000, maxWait: 60_000 } as const;

export class PostgresLocalFeatureStore implements LocalFeatureStore {
  readonly mode = "stored" as const;

  constructor(private readonly prisma: PrismaClient) {}

  async putImageRegions(modelId: string, items: readonly Keyed<ImageRegionFeatures>[]): Promise<void> {
    checkModelId(modelId);
    const checked = checkBatch(items, checkImageRegions);
    if (checked.length === 0) return;
    const rows = checked.map(({ id, features: f }) => ({
      modelId,
      imageId: id,
      dim: f.dim,
      gridH: f.grid[0],
      gridW: f.grid[1],
      regions: encodeFloat16(f.regions),
    }));
    try {
      await this.prisma.$transaction(
        rows.map((row) =>
          this.prisma.imageRegionFeature.upsert({
            where: { modelId_imageId: { modelId, imageId: row.imageId } },
            create: row,
            update: { ...row, createdAt: new Date() },
          }),
        ),
        WRITE_TRANSACTION,
      );
    } catch (error) {
      throw translate(error, "image region features");
    }
  }

  async getImageRegions(modelId: string, imageIds: readonly string[]): Promise<Map<string, ImageRegionFeatures>> {
    checkModelId(modelId);
    const ids = [...new Set(imageIds.map(checkItemId))];
    if (ids.length === 0) return new Map();
    let rows;
    try {
      rows = await this.prisma.imageRegionFeature.findMany({ where: { modelId, imageId: { in: ids } } });
    } catch (error) {
      throw storeUnavailable(error);
    }
    return new Map(rows.map((r) => [r.imageId, { dim: r.dim, grid: [r.gridH, r.gridW] as const, regions: decodeFloat16(r.regions) }]));
  }

  async putReportWords(modelId: string, items: readonly Keyed<ReportWordFeatures>[]): Promise<void> {
    checkModelId(modelId);
    const checked = checkBatch(items, checkReportWords);
    if (checked.length === 0) return;
    const rows = checked.map(({ id, features: f }) => ({ modelId, reportId: id, dim: f.dim, words: [...f.words], slots: encodeFloat16(f.slots) }));
    try {
      await this.prisma.$transaction(
        rows.map((row) =>
          this.prisma.reportWordFeature.upsert({
            where: { modelId_reportId: { modelId, reportId: row.reportId } },
            create: row,
            update: { ...row, createdAt: new Date() },
          }),
        ),
        WRITE_TRANSACTION,
      );
    } catch (error) {
      throw translate(error, "report word features");
    }
  }

  async getReportWords(modelId: string, reportIds: readonly string[]): Promise<Map<string, ReportWordFeatures>> {
    checkModelId(modelId);
    const ids = [...new Set(reportIds.map(checkItemId))];
    if (ids.length === 0) return new Map();
    let rows;
    try {
      rows = await this.prisma.reportWordFeature.findMany({ where: { modelId, reportId: { in: ids } } });
    } catch (error) {
      throw storeUnavailable(error);
    }
    return new Map(rows.map((r) => [r.reportId, { dim: r.dim, words: r.words, slots: decodeFloat16(r.slots) }]));
  }

  async delete(modelId: string, ids: { imageIds?: readonly string[]; reportIds?: readonly string[] }): Promise<void> {
    checkModelId(modelId);
    const imageIds = [...new Set((ids.imageIds ?? []).map(checkItemId))];
    const reportIds = [...new Set((ids.reportIds ?? []).map(checkItemId))];
    try {
      await this.prisma.$transaction([
        this.prisma.imageRegionFeature.deleteMany({ where: { modelId, imageId: { in: imageIds } } }),
        this.prisma.reportWordFeature.deleteMany({ where: { modelId, reportId: { in: reportIds } } }),
      ]);
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async count(modelId: string): Promise<{ images: number; reports: number }> {
    checkModelId(modelId);
    try {
      const [images, reports] = await Promise.all([
        this.prisma.imageRegionFeature.count({ where: { modelId } }),
        this.prisma.reportWordFeature.count({ where: { modelId } }),
      ]);
      return { images, reports };
    } catch (error) {
      throw storeUnavailable(error);
    }
  }
}
