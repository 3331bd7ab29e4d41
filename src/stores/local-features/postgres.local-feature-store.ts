// LocalFeatureStore in Postgres: region features and word slots as float16 blobs in
// image_region_features / report_word_features. The blobs (hundreds of KiB per image at full size)
// are written and read through the pg pool, as binary parameters; counts and deletes go through
// Prisma. Knows no model runtime and no GraphQL. Half bits are little-endian on disk and in a
// Uint16Array on every platform Node serves this from (x86-64, arm64).
import type pg from "pg";
import { AppError } from "../../errors/app-error.ts";
import { storeUnavailable } from "../database.ts";
import type { PrismaClient } from "../prisma/prisma.client.ts";
import { decodeFloat16, encodeFloat16 } from "./float16.codec.ts";
import type { ImageRegionFeatures, Keyed, LocalFeatureStore, RegionBlock, ReportWordFeatures } from "./local-feature-store.port.ts";
import { checkBatch, checkImageRegions, checkItemId, checkModelId, checkReportWords } from "./local-features.validate.ts";
import { checkSameShape, emptyBlock, uniqueIds } from "./region-block.ts";

/** A write that names an image, report or model the metadata lacks breaks a foreign key (SQLSTATE 23503). */
function translate(error: unknown, what: string): AppError {
  const code = (error as { code?: string })?.code;
  const message = String((error as Error)?.message ?? "");
  if (code === "23503" || /foreign key/i.test(message)) {
    return new AppError("NOT_FOUND", `Cannot store ${what}: the model or item is not in the metadata store`, { cause: error });
  }
  return storeUnavailable(error);
}

/** The blob of a float16 array, as pg sends it: a Buffer over the same bytes. */
function blob(values: Float32Array): Buffer {
  const bytes = encodeFloat16(values);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const UPSERT_REGIONS = `
  INSERT INTO image_region_features (model_id, image_id, dim, grid_h, grid_w, regions)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (model_id, image_id) DO UPDATE
    SET dim = EXCLUDED.dim, grid_h = EXCLUDED.grid_h, grid_w = EXCLUDED.grid_w, regions = EXCLUDED.regions, created_at = now()`;

const UPSERT_WORDS = `
  INSERT INTO report_word_features (model_id, report_id, dim, words, slots)
  VALUES ($1, $2, $3, $4, $5)
  ON CONFLICT (model_id, report_id) DO UPDATE
    SET dim = EXCLUDED.dim, words = EXCLUDED.words, slots = EXCLUDED.slots, created_at = now()`;

export class PostgresLocalFeatureStore implements LocalFeatureStore {
  readonly mode = "stored" as const;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly pool: pg.Pool,
  ) {}

  /** Runs the statements in one transaction on one pooled connection. */
  private async writeAll(statement: string, rows: unknown[][], what: string): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query("BEGIN");
      for (const values of rows) await client.query(statement, values);
      await client.query("COMMIT");
    } catch (error) {
      await client?.query("ROLLBACK").catch(() => undefined);
      throw translate(error, what);
    } finally {
      client?.release();
    }
  }

  private async read<T>(text: string, values: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query(text, values)).rows as T[];
    } catch (error) {
      throw storeUnavailable(error);
    }
  }

  async putImageRegions(modelId: string, items: readonly Keyed<ImageRegionFeatures>[]): Promise<void> {
    checkModelId(modelId);
    const checked = checkBatch(items, checkImageRegions);
    if (checked.length === 0) return;
    const rows = checked.map(({ id, features: f }) => [modelId, id, f.dim, f.grid[0], f.grid[1], blob(f.regions)]);
    await this.writeAll(UPSERT_REGIONS, rows, "image region features");
  }

  async getImageRegions(modelId: string, imageIds: readonly string[]): Promise<Map<string, ImageRegionFeatures>> {
    checkModelId(modelId);
    const ids = [...new Set(imageIds.map(checkItemId))];
    if (ids.length === 0) return new Map();
    const rows = await this.read<{ image_id: string; dim: number; grid_h: number; grid_w: number; regions: Buffer }>(
      "SELECT image_id, dim, grid_h, grid_w, regions FROM image_region_features WHERE model_id = $1 AND image_id = ANY($2::uuid[])",
      [modelId, ids],
    );
    return new Map(rows.map((r) => [r.image_id, { dim: r.dim, grid: [r.grid_h, r.grid_w] as const, regions: decodeFloat16(r.regions) }]));
  }

  /** The blobs copied as they are (little-endian halves) into one array in request order. */
  async getImageRegionBlock(modelId: string, imageIds: readonly string[]): Promise<RegionBlock> {
    checkModelId(modelId);
    const ids = uniqueIds(imageIds);
    if (ids.length === 0) return emptyBlock("float16");
    const rows = await this.read<{ image_id: string; dim: number; grid_h: number; grid_w: number; regions: Buffer }>(
      "SELECT image_id, dim, grid_h, grid_w, regions FROM image_region_features WHERE model_id = $1 AND image_id = ANY($2::uuid[])",
      [modelId, ids],
    );
    const byId = new Map(rows.map((r) => [r.image_id, r]));
    const present = ids.filter((id) => byId.has(id));
    if (present.length === 0) return emptyBlock("float16");
    const ordered = present.map((id) => byId.get(id) as (typeof rows)[number]);
    checkSameShape(
      present,
      ordered.map((r) => ({ dim: r.dim, grid: [r.grid_h, r.grid_w] as const })),
    );
    const { dim, grid_h: h, grid_w: w } = ordered[0];
    const data = new Uint16Array(present.length * dim * h * w);
    const bytes = new Uint8Array(data.buffer);
    ordered.forEach((r, k) => bytes.set(r.regions, k * dim * h * w * 2));
    return { ids: present, dim, grid: [h, w], encoding: "float16", data };
  }

  async putReportWords(modelId: string, items: readonly Keyed<ReportWordFeatures>[]): Promise<void> {
    checkModelId(modelId);
    const checked = checkBatch(items, checkReportWords);
    if (checked.length === 0) return;
    const rows = checked.map(({ id, features: f }) => [modelId, id, f.dim, [...f.words], blob(f.slots)]);
    await this.writeAll(UPSERT_WORDS, rows, "report word features");
  }

  async getReportWords(modelId: string, reportIds: readonly string[]): Promise<Map<string, ReportWordFeatures>> {
    checkModelId(modelId);
    const ids = [...new Set(reportIds.map(checkItemId))];
    if (ids.length === 0) return new Map();
    const rows = await this.read<{ report_id: string; dim: number; words: string[]; slots: Buffer }>(
      "SELECT report_id, dim, words, slots FROM report_word_features WHERE model_id = $1 AND report_id = ANY($2::uuid[])",
      [modelId, ids],
    );
    return new Map(rows.map((r) => [r.report_id, { dim: r.dim, words: r.words, slots: decodeFloat16(r.slots) }]));
  }

  /**
   * Ids with stored features for this model, in id order, after `after` (exclusive), at most `limit`:
   * how the migration to the file store walks the tables in batches.
   */
  async listIds(modelId: string, kind: "images" | "reports", options: { after?: string; limit: number }): Promise<string[]> {
    checkModelId(modelId);
    const after = options.after === undefined ? null : checkItemId(options.after);
    const [table, column] = kind === "images" ? ["image_region_features", "image_id"] : ["report_word_features", "report_id"];
    const rows = await this.read<{ id: string }>(
      `SELECT ${column}::text AS id FROM ${table} WHERE model_id = $1 AND ($2::uuid IS NULL OR ${column} > $2::uuid) ORDER BY ${column} LIMIT $3`,
      [modelId, after, options.limit],
    );
    return rows.map((r) => r.id);
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
