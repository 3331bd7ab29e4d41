// MetadataStore over Postgres through Prisma. Dedupe rests on the (dataset, content_hash) unique
// keys; counters move with atomic increments; vendor errors become STORE_UNAVAILABLE here.
import { AppError } from "../../errors/app-error.ts";
import { storeUnavailable } from "../database.ts";
import type { Prisma, PrismaClient } from "../prisma/prisma.client.ts";
import type {
  CatalogFilter,
  CatalogStats,
  CoverageCounts,
  DatasetCoverage,
  Finding,
  ImageRecord,
  ItemKind,
  LabelCohort,
  ItemStatus,
  JobRecord,
  JobStatus,
  MetadataStore,
  ModelInfo,
  ModelItemStatus,
  NewImage,
  NewReport,
  Page,
  Registered,
  ReindexImage,
  ReindexReport,
  ReportRecord,
  TextRanked,
  Thumbnail,
} from "./metadata-store.port.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_JOB_ERRORS_SHOWN = 200;

/** What a job record loads with its row: the dataset's name and the first errors. */
const JOB_INCLUDE = {
  dataset: { select: { name: true } },
  errors: { orderBy: { id: "asc" }, take: MAX_JOB_ERRORS_SHOWN, select: { item: true, code: true, message: true } },
} as const;

type JobRow = Prisma.IngestJobGetPayload<{ include: typeof JOB_INCLUDE }>;

function toJob(row: JobRow): JobRecord {
  const { dataset, ...job } = row;
  const kind = (row.source as { kind?: unknown } | null)?.kind;
  return { ...job, datasetName: dataset?.name ?? null, sourceKind: typeof kind === "string" ? kind : null };
}

function validIds(ids: readonly string[]): string[] {
  return ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase());
}

function encodeCursor(id: string): string {
  return Buffer.from(`c:${id}`, "utf8").toString("base64url");
}

function decodeCursor(cursor: string): string {
  const decoded = Buffer.from(cursor, "base64url").toString("utf8");
  if (!decoded.startsWith("c:") || !UUID.test(decoded.slice(2))) throw new AppError("BAD_USER_INPUT", "Invalid cursor");
  return decoded.slice(2);
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw storeUnavailable(error);
  }
}

type ImageRow = Prisma.ImageGetPayload<object>;
type ReportRow = Prisma.ReportGetPayload<object>;

/** Rows read with the loaded model's embedding status (see PrismaMetadataStore's statusModelId). */
type WithEmbeddings = { embeddings?: Array<{ status: ItemStatus }> };

/** The item's status for the model the store serves, when it serves one; else the item's last status. */
function statusOf(row: { status: ItemStatus } & WithEmbeddings): ItemStatus {
  return row.embeddings ? (row.embeddings[0]?.status ?? "PENDING") : row.status;
}

function toImage(row: ImageRow & WithEmbeddings, datasetName: string): ImageRecord {
  return {
    id: row.id,
    datasetId: row.datasetId,
    datasetName,
    studyId: row.studyId,
    contentHash: row.contentHash,
    sourcePath: row.sourcePath,
    byteSize: Number(row.byteSize),
    format: row.format,
    width: row.width,
    height: row.height,
    viewPosition: row.viewPosition,
    modality: row.modality,
    labels: (row.labels ?? {}) as Record<string, number>,
    findings: (row.findings ?? []) as unknown as Finding[],
    status: statusOf(row),
    error: row.error,
    createdAt: row.createdAt,
  };
}

function toReport(row: ReportRow & WithEmbeddings, datasetName: string): ReportRecord {
  return {
    id: row.id,
    datasetId: row.datasetId,
    datasetName,
    studyId: row.studyId,
    contentHash: row.contentHash,
    text: row.text,
    sourcePath: row.sourcePath,
    labels: (row.labels ?? {}) as Record<string, number>,
    findings: (row.findings ?? []) as unknown as Finding[],
    status: statusOf(row),
    error: row.error,
    createdAt: row.createdAt,
  };
}

function catalogWhere(filter: CatalogFilter, statusModelId?: string) {
  const where: Record<string, unknown> = {};
  if (filter.datasetIds) where.datasetId = { in: validIds(filter.datasetIds) };
  if (filter.studyIds) where.studyId = { in: validIds(filter.studyIds) };
  if (filter.viewPositions) where.viewPosition = { in: [...filter.viewPositions] };
  if (filter.statuses) {
    // PENDING also covers items never registered for this model (no embedding row yet).
    if (!statusModelId) where.status = { in: [...filter.statuses] };
    else if (filter.statuses.includes("PENDING")) where.NOT = { embeddings: { some: { modelId: statusModelId, status: { notIn: [...filter.statuses] } } } };
    else where.embeddings = { some: { modelId: statusModelId, status: { in: [...filter.statuses] } } };
  }
  const hasFinding = (name: string) => ({ findings: { array_contains: [{ class: name }] } });
  if (filter.findingsAny) where.OR = filter.findingsAny.map(hasFinding);
  const and: Record<string, unknown>[] = [...(filter.findingsAll ?? []).map(hasFinding)];
  if (filter.findingsNone?.length) and.push({ NOT: { OR: filter.findingsNone.map(hasFinding) } });
  if (filter.ids) and.push({ id: { in: validIds(filter.ids) } });
  if (filter.ingestedFrom || filter.ingestedTo)
    and.push({ createdAt: { ...(filter.ingestedFrom ? { gte: filter.ingestedFrom } : {}), ...(filter.ingestedTo ? { lt: filter.ingestedTo } : {}) } });
  if (and.length > 0) where.AND = and;
  return where;
}

/** Builds the parameters of one raw statement: each value added gives its placeholder ($1, $2, …). */
function sqlParams() {
  const values: unknown[] = [];
  return {
    values,
    add(value: unknown): string {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/**
 * The conditions of a catalogue filter on the reports row `r`, as SQL: ids, datasets and studies are
 * "any of" (an empty list matches nothing); findings as the vector stores read them (any of / every
 * one of / none of the classes in the row's findings).
 */
function reportFilterSql(filter: CatalogFilter, add: (value: unknown) => string): string[] {
  const where: string[] = [];
  const findings = (classes: readonly string[]) => `${add(classes.map((c) => JSON.stringify([{ class: c }])))}::jsonb[]`;
  if (filter.ids) where.push(`r.id = ANY(${add(validIds(filter.ids))}::uuid[])`);
  if (filter.datasetIds) where.push(`r.dataset_id = ANY(${add(validIds(filter.datasetIds))}::uuid[])`);
  if (filter.studyIds) where.push(`r.study_id = ANY(${add(validIds(filter.studyIds))}::uuid[])`);
  if (filter.findingsAny) where.push(`r.findings @> ANY(${findings(filter.findingsAny)})`);
  if (filter.findingsAll?.length) where.push(`r.findings @> ALL(${findings(filter.findingsAll)})`);
  if (filter.findingsNone?.length) where.push(`NOT (r.findings @> ANY(${findings(filter.findingsNone)}))`);
  return where;
}

/** The conditions of a label and date cohort on an images or reports row (unqualified columns), as SQL. */
function cohortSql(cohort: LabelCohort, add: (value: unknown) => string): string[] {
  const where: string[] = [];
  if (cohort.datasetIds) where.push(`dataset_id = ANY(${add(validIds(cohort.datasetIds))}::uuid[])`);
  if (cohort.ingestedFrom) where.push(`created_at >= ${add(cohort.ingestedFrom.toISOString())}::timestamptz`);
  if (cohort.ingestedTo) where.push(`created_at < ${add(cohort.ingestedTo.toISOString())}::timestamptz`);
  for (const { className, values } of cohort.labels ?? []) {
    const stored = values.flatMap((v) => (v === "POSITIVE" ? [1] : v === "NEGATIVE" ? [0] : v === "UNCERTAIN" ? [-1] : []));
    const name = add(className);
    const parts: string[] = [];
    if (stored.length) parts.push(`(jsonb_typeof(labels -> ${name}) = 'number' AND (labels ->> ${name})::float8 = ANY(${add(stored)}::float8[]))`);
    if (values.includes("NOT_MENTIONED")) parts.push(`(labels -> ${name}) IS NULL OR jsonb_typeof(labels -> ${name}) = 'null'`);
    where.push(parts.length ? `(${parts.join(" OR ")})` : "false");
  }
  return where;
}

export class PrismaMetadataStore implements MetadataStore {
  /**
   * Dataset id → name. Datasets are created once by name and never renamed, so a name read is
   * kept; items then load in one statement instead of a second query per call for the relation.
   */
  readonly #datasetNameCache = new Map<string, string>();

  async #datasetNames(rows: ReadonlyArray<{ datasetId: string }>): Promise<Map<string, string>> {
    const missing = [...new Set(rows.map((r) => r.datasetId).filter((id) => !this.#datasetNameCache.has(id)))];
    if (missing.length > 0) {
      for (const d of await this.prisma.dataset.findMany({ where: { id: { in: missing } }, select: { id: true, name: true } })) {
        this.#datasetNameCache.set(d.id, d.name);
      }
    }
    return this.#datasetNameCache;
  }

  /**
   * With `statusModelId` (the model this process serves), an item's status is its status for that
   * model — READY only once that model's vector and local features are written — so after a model
   * switch the items of the old model read PENDING until they are ingested again. Without it, the
   * status the item was last given by any model.
   */
  constructor(
    private readonly prisma: PrismaClient,
    private readonly options: { statusModelId?: string } = {},
  ) {}

  /** The relation that gives a row its status for the served model, when there is one. */
  get #statusInclude() {
    const modelId = this.options.statusModelId;
    return modelId ? { embeddings: { where: { modelId }, select: { status: true } } } : undefined;
  }

  registerModel(model: ModelInfo): Promise<void> {
    return guarded(async () => {
      await this.prisma.model.upsert({
        where: { id: model.id },
        create: {
          id: model.id,
          name: model.name,
          version: model.version,
          checksum: model.checksum,
          dim: model.dim,
          gridH: model.grid[0],
          gridW: model.grid[1],
          manifest: model.manifest as object,
        },
        update: {},
      });
    });
  }

  ensureDataset(name: string, description?: string): Promise<{ id: string; name: string }> {
    const trimmed = name.trim();
    if (!trimmed) return Promise.reject(new AppError("BAD_USER_INPUT", "A dataset needs a name"));
    return guarded(() =>
      this.prisma.dataset.upsert({ where: { name: trimmed }, create: { name: trimmed, description }, update: {}, select: { id: true, name: true } }),
    );
  }

  datasetIds(names: readonly string[]): Promise<string[]> {
    return guarded(async () => (await this.prisma.dataset.findMany({ where: { name: { in: [...names] } }, select: { id: true } })).map((d) => d.id));
  }

  private async studyIds(datasetId: string, externalIds: ReadonlyArray<string | null | undefined>): Promise<Map<string, string>> {
    const wanted = [...new Set(externalIds.filter((e): e is string => Boolean(e)))];
    if (wanted.length === 0) return new Map();
    await this.prisma.study.createMany({ data: wanted.map((externalId) => ({ datasetId, externalId })), skipDuplicates: true });
    const rows = await this.prisma.study.findMany({ where: { datasetId, externalId: { in: wanted } }, select: { id: true, externalId: true } });
    return new Map(rows.map((r) => [r.externalId, r.id]));
  }

  registerImages(modelId: string, images: readonly NewImage[]): Promise<Registered[]> {
    return this.register(images, {
      existing: (datasetId, hashes) =>
        this.prisma.image.findMany({ where: { datasetId, contentHash: { in: hashes } }, select: { id: true, contentHash: true, studyId: true } }),
      create: async (datasetId, group, studies) => {
        await this.prisma.image.createMany({
          data: group.map((g) => ({
            datasetId,
            studyId: g.studyExternalId ? studies.get(g.studyExternalId) : null,
            contentHash: g.contentHash,
            sourcePath: g.sourcePath ?? null,
            byteSize: BigInt(g.byteSize),
            format: g.format,
            width: g.width ?? null,
            height: g.height ?? null,
            viewPosition: g.viewPosition ?? null,
            modality: g.modality ?? null,
            seriesUid: g.seriesUid ?? null,
            sopUid: g.sopUid ?? null,
            labels: g.labels ?? {},
            findings: (g.findings ?? []) as object[],
          })),
          skipDuplicates: true,
        });
      },
      states: async (ids) => {
        await this.prisma.imageEmbedding.createMany({ data: ids.map((imageId) => ({ imageId, modelId })), skipDuplicates: true });
        const rows = await this.prisma.imageEmbedding.findMany({ where: { modelId, imageId: { in: ids } }, select: { imageId: true, status: true } });
        return new Map(rows.map((r) => [r.imageId, r.status]));
      },
    });
  }

  registerReports(modelId: string, reports: readonly NewReport[]): Promise<Registered[]> {
    if (reports.some((r) => r.text.trim() === "")) return Promise.reject(new AppError("BAD_USER_INPUT", "A report's text is empty"));
    return this.register(reports, {
      existing: (datasetId, hashes) =>
        this.prisma.report.findMany({ where: { datasetId, contentHash: { in: hashes } }, select: { id: true, contentHash: true, studyId: true } }),
      create: async (datasetId, group, studies) => {
        await this.prisma.report.createMany({
          data: group.map((g) => ({
            datasetId,
            studyId: g.studyExternalId ? studies.get(g.studyExternalId) : null,
            contentHash: g.contentHash,
            text: g.text,
            sourcePath: g.sourcePath ?? null,
            labels: g.labels ?? {},
            findings: (g.findings ?? []) as object[],
          })),
          skipDuplicates: true,
        });
      },
      states: async (ids) => {
        await this.prisma.reportEmbedding.createMany({ data: ids.map((reportId) => ({ reportId, modelId })), skipDuplicates: true });
        const rows = await this.prisma.reportEmbedding.findMany({ where: { modelId, reportId: { in: ids } }, select: { reportId: true, status: true } });
        return new Map(rows.map((r) => [r.reportId, r.status]));
      },
    });
  }

  /**
   * The dedupe flow both item kinds share: per dataset, ensure the studies, note which hashes exist,
   * insert the rest (skipping duplicates), read back the ids, then ensure the per-model embedding rows.
   */
  private register<T extends { datasetId: string; contentHash: string; studyExternalId?: string | null }>(
    items: readonly T[],
    ops: {
      existing(datasetId: string, hashes: string[]): Promise<Array<{ id: string; contentHash: string; studyId: string | null }>>;
      create(datasetId: string, group: T[], studies: Map<string, string>): Promise<void>;
      states(ids: string[]): Promise<Map<string, ItemStatus>>;
    },
  ): Promise<Registered[]> {
    if (items.length === 0) return Promise.resolve([]);
    return guarded(async () => {
      const byDataset = new Map<string, T[]>();
      for (const item of items) byDataset.set(item.datasetId, [...(byDataset.get(item.datasetId) ?? []), item]);
      const found = new Map<string, { id: string; created: boolean; studyId: string | null }>();
      for (const [datasetId, group] of byDataset) {
        const studies = await this.studyIds(
          datasetId,
          group.map((g) => g.studyExternalId),
        );
        const hashes = group.map((g) => g.contentHash);
        const before = new Set((await ops.existing(datasetId, hashes)).map((r) => r.contentHash));
        await ops.create(datasetId, group, studies);
        for (const r of await ops.existing(datasetId, hashes)) {
          found.set(`${datasetId}/${r.contentHash}`, { id: r.id, created: !before.has(r.contentHash), studyId: r.studyId });
        }
      }
      const states = await ops.states([...new Set([...found.values()].map((f) => f.id))]);
      return items.map((item) => {
        const hit = found.get(`${item.datasetId}/${item.contentHash}`)!;
        return { id: hit.id, created: hit.created, studyId: hit.studyId, status: states.get(hit.id) ?? "PENDING" };
      });
    });
  }

  linkImageReports(pairs: ReadonlyArray<{ imageId: string; reportId: string }>): Promise<void> {
    if (pairs.length === 0) return Promise.resolve();
    return guarded(async () => {
      await this.prisma.imageReport.createMany({ data: pairs.map((p) => ({ imageId: p.imageId, reportId: p.reportId })), skipDuplicates: true });
    });
  }

  markEmbedded(
    kind: ItemKind,
    modelId: string,
    ids: readonly string[],
    state: { vectorWritten: boolean; localWritten: boolean; status: ItemStatus; error?: string | null },
  ): Promise<void> {
    const valid = validIds(ids);
    if (valid.length === 0) return Promise.resolve();
    const data = {
      vectorWritten: state.vectorWritten,
      localWritten: state.localWritten,
      status: state.status,
      error: state.error ?? null,
      updatedAt: new Date(),
    };
    const itemData = { status: state.status, error: state.error ?? null, updatedAt: new Date() };
    return guarded(async () => {
      await this.prisma.$transaction(
        kind === "image"
          ? [
              this.prisma.imageEmbedding.updateMany({ where: { modelId, imageId: { in: valid } }, data }),
              this.prisma.image.updateMany({ where: { id: { in: valid } }, data: itemData }),
            ]
          : [
              this.prisma.reportEmbedding.updateMany({ where: { modelId, reportId: { in: valid } }, data }),
              this.prisma.report.updateMany({ where: { id: { in: valid } }, data: itemData }),
            ],
      );
    });
  }

  pendingItems(kind: ItemKind, modelId: string, limit: number): Promise<Array<{ id: string; vectorWritten: boolean; localWritten: boolean }>> {
    return guarded(async () => {
      if (kind === "image") {
        const rows = await this.prisma.imageEmbedding.findMany({ where: { modelId, status: "PENDING" }, take: limit, orderBy: { imageId: "asc" } });
        return rows.map((r) => ({ id: r.imageId, vectorWritten: r.vectorWritten, localWritten: r.localWritten }));
      }
      const rows = await this.prisma.reportEmbedding.findMany({ where: { modelId, status: "PENDING" }, take: limit, orderBy: { reportId: "asc" } });
      return rows.map((r) => ({ id: r.reportId, vectorWritten: r.vectorWritten, localWritten: r.localWritten }));
    });
  }

  readyImagesByHash(modelId: string, hashes: readonly string[]): Promise<Map<string, string>> {
    return guarded(async () => {
      if (hashes.length === 0) return new Map();
      const rows = await this.prisma.image.findMany({
        where: { contentHash: { in: [...hashes] }, embeddings: { some: { modelId, status: "READY" } } },
        select: { id: true, contentHash: true },
        orderBy: { createdAt: "asc" },
      });
      const out = new Map<string, string>();
      for (const r of rows) if (!out.has(r.contentHash)) out.set(r.contentHash, r.id);
      return out;
    });
  }

  matchingItemIds(kind: ItemKind, cohort: LabelCohort, limit: number): Promise<string[]> {
    return guarded(async () => {
      const p = sqlParams();
      const where = cohortSql(cohort, p.add);
      const table = kind === "image" ? "images" : "reports";
      const sql = `SELECT id::text AS id FROM ${table}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY id LIMIT ${p.add(limit + 1)}`;
      const rows = await this.prisma.$queryRawUnsafe<Array<{ id: string }>>(sql, ...p.values);
      return rows.map((r) => r.id);
    });
  }

  imageIdsMentioning(query: string, cohort: LabelCohort, limit: number): Promise<string[] | null> {
    return guarded(async () => {
      const [parsed] = await this.prisma.$queryRawUnsafe<Array<{ nodes: number }>>("SELECT numnode(websearch_to_tsquery('english', $1))::int AS nodes", query);
      if (!parsed || Number(parsed.nodes) === 0) return null;
      const p = sqlParams();
      const q = p.add(query);
      // The GIN index on reports.text_search finds the matching reports; the link table's primary key
      // (image_id, report_id) answers, for each candidate image, whether one of its reports is among them.
      const where = [
        ...cohortSql(cohort, p.add),
        "EXISTS (SELECT 1 FROM image_embeddings e WHERE e.image_id = images.id AND e.status = 'READY')",
        `EXISTS (SELECT 1 FROM image_reports ir JOIN reports r ON r.id = ir.report_id WHERE ir.image_id = images.id AND r.text_search @@ websearch_to_tsquery('english', ${q}))`,
      ];
      const sql = `SELECT id::text AS id FROM images WHERE ${where.join(" AND ")} ORDER BY id LIMIT ${p.add(limit + 1)}`;
      const rows = await this.prisma.$queryRawUnsafe<Array<{ id: string }>>(sql, ...p.values);
      return rows.map((r) => r.id);
    });
  }

  rankReportsByText(modelId: string, query: string, filter: CatalogFilter, limit: number): Promise<TextRanked[]> {
    return guarded(async () => {
      const p = sqlParams();
      const q = p.add(query);
      const where = [
        `e.model_id = ${p.add(modelId)}`,
        `e.status = 'READY'`,
        "numnode(q.query) > 0",
        "r.text_search @@ q.query",
        ...reportFilterSql(filter, p.add),
      ];
      // The GIN index finds the matching rows; ts_rank_cd (cover density, no length normalisation)
      // is computed for each of them before the best `limit` are kept.
      const sql = `
        SELECT id, score FROM (
          SELECT r.id::text AS id, ts_rank_cd(r.text_search, q.query) AS score
          FROM reports r
          JOIN report_embeddings e ON e.report_id = r.id
          CROSS JOIN websearch_to_tsquery('english', ${q}) AS q(query)
          WHERE ${where.join(" AND ")}
        ) ranked
        WHERE score > 0
        ORDER BY score DESC, id ASC
        LIMIT ${p.add(limit)}`;
      const rows = await this.prisma.$queryRawUnsafe<Array<{ id: string; score: number }>>(sql, ...p.values);
      return rows.map((r) => ({ id: r.id, score: Number(r.score) }));
    });
  }

  reportsMatchingText(ids: readonly string[], query: string, assumed: string): Promise<Set<string>> {
    const valid = validIds(ids);
    if (valid.length === 0) return Promise.resolve(new Set());
    return guarded(async () => {
      // tsvector || tsvector shifts the right one's positions past the left one's, so the assumed
      // words' own phrases still match and none is glued to the report's last words.
      const rows = await this.prisma.$queryRawUnsafe<Array<{ id: string }>>(
        `SELECT r.id::text AS id
         FROM reports r CROSS JOIN websearch_to_tsquery('english', $1) AS q(query)
         WHERE r.id = ANY($2::uuid[]) AND (numnode(q.query) = 0 OR (r.text_search || to_tsvector('english', $3)) @@ q.query)`,
        query,
        valid,
        assumed,
      );
      return new Set(rows.map((r) => r.id));
    });
  }

  readySopUids(modelId: string, datasetId: string, sopUids: readonly string[]): Promise<Set<string>> {
    return guarded(async () => {
      if (sopUids.length === 0) return new Set();
      const rows = await this.prisma.image.findMany({
        where: { datasetId, sopUid: { in: [...sopUids] }, embeddings: { some: { modelId, status: "READY" } } },
        select: { sopUid: true },
      });
      return new Set(rows.flatMap((r) => (r.sopUid ? [r.sopUid] : [])));
    });
  }

  getImages(ids: readonly string[]): Promise<Array<ImageRecord | null>> {
    return guarded(async () => {
      const rows = await this.prisma.image.findMany({ where: { id: { in: validIds(ids) } }, include: this.#statusInclude });
      const names = await this.#datasetNames(rows);
      const byId = new Map(rows.map((r) => [r.id, toImage(r, names.get(r.datasetId)!)]));
      return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
    });
  }

  getReports(ids: readonly string[]): Promise<Array<ReportRecord | null>> {
    return guarded(async () => {
      const rows = await this.prisma.report.findMany({ where: { id: { in: validIds(ids) } }, include: this.#statusInclude });
      const names = await this.#datasetNames(rows);
      const byId = new Map(rows.map((r) => [r.id, toReport(r, names.get(r.datasetId)!)]));
      return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
    });
  }

  async putThumbnails(items: ReadonlyArray<{ imageId: string; thumbnail: Thumbnail }>): Promise<void> {
    if (items.length === 0) return;
    for (const { imageId } of items) if (!UUID.test(imageId)) throw new AppError("BAD_USER_INPUT", `Invalid image id ${imageId}`);
    // One statement, so the batch is atomic without holding a transaction open across round trips.
    const rows = items.map((_, i) => `($${5 * i + 1}::uuid, $${5 * i + 2}::int, $${5 * i + 3}::int, $${5 * i + 4}, $${5 * i + 5}::bytea)`);
    const values = items.flatMap(({ imageId, thumbnail: t }) => [imageId, t.width, t.height, t.format, new Uint8Array(t.bytes)]);
    try {
      await this.prisma.$executeRawUnsafe(
        `INSERT INTO image_thumbnails (image_id, width, height, format, bytes) VALUES ${rows.join(", ")}
         ON CONFLICT (image_id) DO UPDATE SET width = EXCLUDED.width, height = EXCLUDED.height, format = EXCLUDED.format, bytes = EXCLUDED.bytes, created_at = now()`,
        ...values,
      );
    } catch (error) {
      const code = (error as { code?: string })?.code;
      if (code === "P2003" || /foreign key/i.test(String((error as Error)?.message))) {
        throw new AppError("NOT_FOUND", "Cannot store a thumbnail for an image the catalog does not hold", { cause: error });
      }
      throw storeUnavailable(error);
    }
  }

  getThumbnails(imageIds: readonly string[]): Promise<Map<string, Thumbnail>> {
    return guarded(async () => {
      const rows = await this.prisma.imageThumbnail.findMany({ where: { imageId: { in: validIds(imageIds) } } });
      return new Map(rows.map((r) => [r.imageId, { width: r.width, height: r.height, format: "jpeg" as const, bytes: r.bytes }]));
    });
  }

  reportIdsOfImages(imageIds: readonly string[]): Promise<Map<string, string[]>> {
    return guarded(async () => {
      const rows = await this.prisma.imageReport.findMany({ where: { imageId: { in: validIds(imageIds) } }, orderBy: { reportId: "asc" } });
      const out = new Map<string, string[]>(imageIds.map((id) => [id, []]));
      for (const r of rows) out.get(r.imageId)?.push(r.reportId);
      return out;
    });
  }

  imageIdsOfReports(reportIds: readonly string[]): Promise<Map<string, string[]>> {
    return guarded(async () => {
      const rows = await this.prisma.imageReport.findMany({ where: { reportId: { in: validIds(reportIds) } }, orderBy: { imageId: "asc" } });
      const out = new Map<string, string[]>(reportIds.map((id) => [id, []]));
      for (const r of rows) out.get(r.reportId)?.push(r.imageId);
      return out;
    });
  }

  listImages(filter: CatalogFilter, first: number, after?: string | null): Promise<Page<ImageRecord>> {
    return this.page(
      filter,
      first,
      after,
      (where) => this.prisma.image.count({ where }),
      async (args) => {
        const rows = await this.prisma.image.findMany({ ...args, include: this.#statusInclude });
        const names = await this.#datasetNames(rows);
        return rows.map((r) => toImage(r, names.get(r.datasetId)!));
      },
    );
  }

  listReports(filter: CatalogFilter, first: number, after?: string | null): Promise<Page<ReportRecord>> {
    return this.page(
      filter,
      first,
      after,
      (where) => this.prisma.report.count({ where }),
      async (args) => {
        const rows = await this.prisma.report.findMany({ ...args, include: this.#statusInclude });
        const names = await this.#datasetNames(rows);
        return rows.map((r) => toReport(r, names.get(r.datasetId)!));
      },
    );
  }

  /** One cursor page ordered by creation then id, with the filtered total. */
  private async page<R extends { id: string }>(
    filter: CatalogFilter,
    first: number,
    after: string | null | undefined,
    count: (where: ReturnType<typeof catalogWhere>) => Promise<number>,
    find: (args: {
      where: ReturnType<typeof catalogWhere>;
      orderBy: Array<Record<string, "asc">>;
      take: number;
      cursor?: { id: string };
      skip?: number;
    }) => Promise<R[]>,
  ): Promise<Page<R>> {
    const where = catalogWhere(filter, this.options.statusModelId);
    const cursorId = after ? decodeCursor(after) : undefined;
    return guarded(async () => {
      const [totalCount, rows] = await Promise.all([
        count(where),
        find({ where, orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: first + 1, ...(cursorId ? { cursor: { id: cursorId }, skip: 1 } : {}) }),
      ]);
      const items = rows.slice(0, first);
      return { items, totalCount, endCursor: items.length ? encodeCursor(items[items.length - 1]!.id) : null, hasNextPage: rows.length > first };
    });
  }

  deleteImage(id: string): Promise<boolean> {
    if (!UUID.test(id)) return Promise.resolve(false);
    return guarded(async () => (await this.prisma.image.deleteMany({ where: { id: id.toLowerCase() } })).count === 1);
  }

  deleteReport(id: string): Promise<boolean> {
    if (!UUID.test(id)) return Promise.resolve(false);
    return guarded(async () => (await this.prisma.report.deleteMany({ where: { id: id.toLowerCase() } })).count === 1);
  }

  createJob(input: {
    datasetId: string | null;
    modelId: string | null;
    source: unknown;
    total?: number;
    owner?: string | null;
    queued?: boolean;
  }): Promise<JobRecord> {
    return guarded(async () => {
      const row = await this.prisma.ingestJob.create({
        data: {
          datasetId: input.datasetId,
          modelId: input.modelId,
          source: input.source as object,
          total: input.total ?? 0,
          owner: input.owner ?? null,
          queued: input.queued ?? false,
        },
        include: JOB_INCLUDE,
      });
      return toJob(row);
    });
  }

  recordJobProgress(
    id: string,
    delta: { ingested?: number; skipped?: number; failed?: number; total?: number },
    errors: ReadonlyArray<{ item: string; code: string; message: string }> = [],
  ): Promise<void> {
    return guarded(async () => {
      await this.prisma.$transaction([
        this.prisma.ingestJob.update({
          where: { id },
          data: {
            ingested: { increment: delta.ingested ?? 0 },
            skipped: { increment: delta.skipped ?? 0 },
            failed: { increment: delta.failed ?? 0 },
            total: { increment: delta.total ?? 0 },
          },
        }),
        this.prisma.ingestJobError.createMany({ data: errors.map((e) => ({ jobId: id, item: e.item, code: e.code, message: e.message })) }),
      ]);
    });
  }

  recordBatchProgress(
    id: string,
    key: { batch: number; part: number },
    counts: { ingested: number; skipped: number; failed: number },
    errors: ReadonlyArray<{ item: string; code: string; message: string }> = [],
  ): Promise<boolean> {
    return guarded(() =>
      this.prisma.$transaction(async (tx) => {
        // The batch row is the proof it was counted: a retry finds it and adds nothing.
        const inserted = await tx.$executeRaw`
          INSERT INTO ingest_job_batches (job_id, batch, part, ingested, skipped, failed)
          VALUES (${id}::uuid, ${key.batch}, ${key.part}, ${counts.ingested}, ${counts.skipped}, ${counts.failed})
          ON CONFLICT (job_id, batch, part) DO NOTHING`;
        if (inserted !== 1) return false;
        await tx.ingestJob.update({
          where: { id },
          data: { ingested: { increment: counts.ingested }, skipped: { increment: counts.skipped }, failed: { increment: counts.failed } },
        });
        await tx.ingestJobError.createMany({ data: errors.map((e) => ({ jobId: id, item: e.item, code: e.code, message: e.message })) });
        return true;
      }),
    );
  }

  setJobStatus(id: string, status: JobStatus, error?: string | null): Promise<boolean> {
    const now = new Date();
    return guarded(async () => {
      const { count } = await this.prisma.ingestJob.updateMany({
        where: { id, status: { in: ["QUEUED", "RUNNING"] } },
        data: {
          status,
          error: error ?? null,
          ...(status === "RUNNING" ? { startedAt: now, finishedAt: null } : {}),
          ...(status === "SUCCEEDED" || status === "FAILED" || status === "CANCELLED" ? { finishedAt: now } : {}),
        },
      });
      return count === 1;
    });
  }

  finishJobIfComplete(id: string): Promise<boolean> {
    return guarded(async () => {
      const updated = await this.prisma.$executeRaw`
        UPDATE ingest_jobs SET status = 'SUCCEEDED', finished_at = now()
        WHERE id = ${id}::uuid AND status IN ('QUEUED', 'RUNNING') AND ingested + skipped + failed >= total`;
      return updated === 1;
    });
  }

  getJob(id: string): Promise<JobRecord | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return guarded(async () => {
      const row = await this.prisma.ingestJob.findUnique({ where: { id: id.toLowerCase() }, include: JOB_INCLUDE });
      return row && toJob(row);
    });
  }

  jobStatus(id: string): Promise<JobStatus | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return guarded(async () => (await this.prisma.ingestJob.findUnique({ where: { id: id.toLowerCase() }, select: { status: true } }))?.status ?? null);
  }

  listJobs(filter: { status?: JobStatus | null }, first: number, after?: string | null): Promise<Page<JobRecord>> {
    const where = filter.status ? { status: filter.status } : {};
    const cursorId = after ? decodeCursor(after) : undefined;
    return guarded(async () => {
      const [totalCount, rows] = await Promise.all([
        this.prisma.ingestJob.count({ where }),
        this.prisma.ingestJob.findMany({
          where,
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: first + 1,
          ...(cursorId ? { cursor: { id: cursorId }, skip: 1 } : {}),
          include: JOB_INCLUDE,
        }),
      ]);
      const items = rows.slice(0, first).map(toJob);
      return { items, totalCount, endCursor: items.length ? encodeCursor(items[items.length - 1]!.id) : null, hasNextPage: rows.length > first };
    });
  }

  failAbandonedJobs(isGone: (owner: string) => boolean, reason: string): Promise<string[]> {
    return guarded(async () => {
      const running = await this.prisma.ingestJob.findMany({
        where: { status: "RUNNING", queued: false, owner: { not: null } },
        select: { id: true, owner: true },
      });
      const abandoned = running.filter((job) => isGone(job.owner!)).map((job) => job.id);
      if (abandoned.length === 0) return [];
      // Still RUNNING at the update: a job that ended meanwhile keeps its own ending.
      await this.prisma.ingestJob.updateMany({
        where: { id: { in: abandoned }, status: "RUNNING" },
        data: { status: "FAILED", error: reason, finishedAt: new Date() },
      });
      return abandoned;
    });
  }

  stats(modelId: string): Promise<CatalogStats> {
    return guarded(async () => {
      const [images, reports, imagePending, reportPending, imageFailed, reportFailed] = await Promise.all([
        this.prisma.imageEmbedding.count({ where: { modelId, status: "READY" } }),
        this.prisma.reportEmbedding.count({ where: { modelId, status: "READY" } }),
        this.prisma.imageEmbedding.count({ where: { modelId, status: "PENDING" } }),
        this.prisma.reportEmbedding.count({ where: { modelId, status: "PENDING" } }),
        this.prisma.imageEmbedding.count({ where: { modelId, status: "FAILED" } }),
        this.prisma.reportEmbedding.count({ where: { modelId, status: "FAILED" } }),
      ]);
      return { images, reports, pending: imagePending + reportPending, failed: imageFailed + reportFailed };
    });
  }

  listModels(): Promise<ModelInfo[]> {
    return guarded(async () => {
      const rows = await this.prisma.model.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }] });
      return rows.map((m) => ({
        id: m.id,
        name: m.name,
        version: m.version,
        checksum: m.checksum,
        dim: m.dim,
        grid: [m.gridH, m.gridW] as const,
        manifest: m.manifest,
      }));
    });
  }

  coverage(modelId: string): Promise<DatasetCoverage[]> {
    return guarded(async () => {
      // One grouped count per kind: every dataset appears, with zeros where it holds nothing.
      const counts = (table: "images" | "reports", embeddings: "image_embeddings" | "report_embeddings", key: "image_id" | "report_id") => `
        SELECT d.name AS dataset,
               count(i.id)::int AS total,
               count(*) FILTER (WHERE e.status = 'READY')::int AS ready,
               count(*) FILTER (WHERE e.status = 'PENDING')::int AS pending,
               count(*) FILTER (WHERE e.status = 'FAILED')::int AS failed,
               count(*) FILTER (WHERE i.id IS NOT NULL AND e.status IS NULL)::int AS missing
        FROM datasets d
        LEFT JOIN ${table} i ON i.dataset_id = d.id
        LEFT JOIN ${embeddings} e ON e.${key} = i.id AND e.model_id = $1
        GROUP BY d.name ORDER BY d.name`;
      type Row = CoverageCounts & { dataset: string };
      const [images, reports] = await Promise.all([
        this.prisma.$queryRawUnsafe<Row[]>(counts("images", "image_embeddings", "image_id"), modelId),
        this.prisma.$queryRawUnsafe<Row[]>(counts("reports", "report_embeddings", "report_id"), modelId),
      ]);
      const plain = (r: Row | undefined): CoverageCounts => ({
        total: r?.total ?? 0,
        ready: r?.ready ?? 0,
        pending: r?.pending ?? 0,
        failed: r?.failed ?? 0,
        missing: r?.missing ?? 0,
      });
      const byName = new Map(reports.map((r) => [r.dataset, r]));
      return images.map((r) => ({ dataset: r.dataset, images: plain(r), reports: plain(byName.get(r.dataset)) }));
    });
  }

  modelStatuses(kind: ItemKind, ids: readonly string[]): Promise<Map<string, ModelItemStatus[]>> {
    const valid = validIds(ids);
    if (valid.length === 0) return Promise.resolve(new Map());
    return guarded(async () => {
      const rows =
        kind === "image"
          ? (await this.prisma.imageEmbedding.findMany({ where: { imageId: { in: valid } }, orderBy: { modelId: "asc" } })).map((r) => ({
              id: r.imageId,
              ...r,
            }))
          : (await this.prisma.reportEmbedding.findMany({ where: { reportId: { in: valid } }, orderBy: { modelId: "asc" } })).map((r) => ({
              id: r.reportId,
              ...r,
            }));
      const out = new Map<string, ModelItemStatus[]>();
      for (const r of rows) {
        const list = out.get(r.id) ?? [];
        list.push({ modelId: r.modelId, status: r.status, error: r.error });
        out.set(r.id, list);
      }
      return out;
    });
  }

  itemsToReindex(
    modelId: string,
    datasetId: string,
    limit: number,
    after: { image?: string; report?: string } = {},
  ): Promise<{ images: ReindexImage[]; reports: ReindexReport[] }> {
    return guarded(async () => {
      const notReady = { none: { modelId, status: "READY" as const } };
      const [images, reports] = await Promise.all([
        this.prisma.image.findMany({
          where: { datasetId, embeddings: notReady, ...(after.image ? { id: { gt: after.image } } : {}) },
          orderBy: { id: "asc" },
          take: limit,
          include: { study: { select: { externalId: true } } },
        }),
        this.prisma.report.findMany({
          where: { datasetId, embeddings: notReady, ...(after.report ? { id: { gt: after.report } } : {}) },
          orderBy: { id: "asc" },
          take: limit,
          select: { id: true, text: true, labels: true, findings: true, study: { select: { externalId: true } } },
        }),
      ]);
      return {
        images: images.map((i) => ({
          id: i.id,
          contentHash: i.contentHash,
          sourcePath: i.sourcePath,
          viewPosition: i.viewPosition,
          studyExternalId: i.study?.externalId ?? null,
          labels: (i.labels ?? {}) as Record<string, number>,
          findings: (i.findings ?? []) as unknown as Finding[],
        })),
        reports: reports.map((r) => ({
          id: r.id,
          text: r.text,
          studyExternalId: r.study?.externalId ?? null,
          labels: (r.labels ?? {}) as Record<string, number>,
          findings: (r.findings ?? []) as unknown as Finding[],
        })),
      };
    });
  }
}
