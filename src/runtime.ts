// Builds the parts every entry point shares — database, model, vector collections, local features,
// catalogue, ingestion — from the configuration, once, and closes them in reverse order. The HTTP
// app, the CLI commands and the queue workers all start from here.
import type { PooledFeatureStore } from "./stores/metadata/pooled-feature-store.port.ts";
import { PrismaPooledFeatureStore } from "./stores/metadata/prisma.pooled-feature-store.ts";
import type { Config } from "./config/config.ts";
import { AppError } from "./errors/app-error.ts";
import type { Logger } from "./logging/logger.ts";
import { GloriaModel } from "./model/gloria.model.ts";
import type { PreparedImage } from "./model/image/image.prepare.ts";
import { createPreparePool, type PreparePool } from "./model/image/image.prepare.pool.ts";
import type { HeatmapTask, MaskTask } from "./model/image/image.prepare.worker.ts";
import type { SegmentationInput } from "./model/segmentation/segmentation.prepare.ts";
import type { ImageEncoderThread } from "./model/image/image-encoder.thread.ts";
import type { ReadinessProbe } from "./stores/readiness.ts";
import { SourceFiles } from "./services/source-files.ts";
import { IngestionService, type IngestModel } from "./services/ingest/ingest.service.ts";
import { openDatabase, type Database } from "./stores/database.ts";
import { FileLocalFeatureStore } from "./stores/local-features/file.local-feature-store.ts";
import { createLocalFeatureStore } from "./stores/local-features/local-feature-store.factory.ts";
import type { LocalFeatureRecompute } from "./stores/local-features/recomputing.local-feature-store.ts";
import type { ImageRegionFeatures, LocalFeatureStore, ReportWordFeatures } from "./stores/local-features/local-feature-store.port.ts";
import type { MetadataStore, ModelInfo } from "./stores/metadata/metadata-store.port.ts";
import { PrismaMetadataStore } from "./stores/metadata/prisma.metadata-store.ts";
import { createVectorStore } from "./stores/vector/vector-store.factory.ts";
import type { VectorCollection, VectorStore } from "./stores/vector/vector-store.port.ts";

/** One served model with everything bound to it: its collections, statuses and ingestion. */
export interface ModelRuntime {
  model: GloriaModel;
  modelInfo: ModelInfo;
  /** Decode + preprocess for this model (gloria-numerics §2), with the configured pixel limit. */
  prepareImage(bytes: Uint8Array, options?: { thumbnail?: boolean }): Promise<PreparedImage>;
  /** Draws a heatmap PNG in the query worker pool. */
  renderHeatmap(task: HeatmapTask): Promise<Uint8Array>;
  /** Decodes a file in the query worker pool and stretches it whole to size × size (segmentation.prepare.ts). */
  prepareSegmentation(bytes: Uint8Array, size: number): Promise<SegmentationInput>;
  /** Draws a segmentation mask PNG in the heatmap worker pool. */
  renderMask(task: MaskTask): Promise<Uint8Array>;
  collections: { images: VectorCollection; reports: VectorCollection };
  /** The catalogue as this model sees it: an item's status is its status for this model. */
  metadata: MetadataStore;
  ingestion: IngestionService;
  /** The images' stored pooled trunk features; null when this model's image graph has no `pooled` output. */
  pooled: PooledFeatureStore | null;
  /** The ingestion's image encoder thread, once started (fault-injection tests reach it here). */
  imageEncoderThread(): Promise<ImageEncoderThread | undefined> | undefined;
}

/**
 * Everything the entry points share. The fields of ModelRuntime are the default model's (the first
 * of GLORIA_MODEL_DIRS); `models` lists every loaded model, the default first.
 */
export interface Runtime extends ModelRuntime {
  config: Config;
  logger: Logger;
  database: Database;
  vectorStore: VectorStore;
  localFeatures: LocalFeatureStore;
  models: readonly ModelRuntime[];
  /** The loaded model with this id (the default for none); NOT_FOUND names the loaded ones otherwise. */
  modelRuntime(id?: string | null): ModelRuntime;
  probes: ReadinessProbe[];
  close(): Promise<void>;
}

export async function openRuntime(config: Config, logger: Logger, options: { database?: Database } = {}): Promise<Runtime> {
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error) => logger.error({ err: error }, "error while closing"));
  };
  try {
    const database = options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger }));
    if (!options.database) closers.push(() => database.close());

    const models: GloriaModel[] = [];
    for (const dir of config.modelDirs) {
      const model = await GloriaModel.load(dir, {
        executionProvider: config.executionProvider,
        intraOpNumThreads: config.onnxThreads || undefined,
        spinWait: config.onnxSpinWait,
        batchSize: config.batchSize,
        cacheDir: `${config.dataDir}/onnx-cache`,
        logger: logger.child({ component: "model" }),
      });
      closers.push(() => model.close());
      if (models.some((m) => m.id === model.id)) throw new AppError("MODEL_UNAVAILABLE", `Two of GLORIA_MODEL_DIRS hold the same model (${model.id})`);
      models.push(model);
    }

    // Every file named by data (a source's items, a stored image read again) is read through this guard.
    const sourceFiles = new SourceFiles(config.ingestRoots, { maxBytes: config.maxUploadBytes });
    const vectorStore = createVectorStore({
      qdrantUrl: config.qdrantUrl,
      qdrantApiKey: config.qdrantApiKey,
      dataDir: config.dataDir,
      logger,
      quantization: config.qdrantQuantization,
    });
    closers.push(() => vectorStore.close());

    // Local features of every model live in one store, under each model's id; what it recomputes
    // is recomputed by the model it is asked for.
    const recomputers = new Map<string, LocalFeatureRecompute>();
    const recomputerOf = (modelId: string): LocalFeatureRecompute => {
      const found = recomputers.get(modelId);
      if (!found) throw new AppError("NOT_FOUND", `Model ${modelId} is not loaded`);
      return found;
    };
    const localFeatures = createLocalFeatureStore({
      mode: config.localFeatures,
      store: config.localFeatureStore,
      precision: config.localFeaturePrecision,
      dataDir: config.dataDir,
      logger: logger.child({ component: "local-features" }),
      prisma: database.prisma,
      pool: database.pool,
      recompute: {
        imageRegions: (modelId, ids) => recomputerOf(modelId).imageRegions(modelId, ids),
        reportWords: (modelId, ids) => recomputerOf(modelId).reportWords(modelId, ids),
      },
    });
    closers.push(async () => localFeatures.close?.());

    // Models with the same preprocessing share their worker pools.
    const pools = new Map<string, ModelPools>();
    const poolsFor = (sizes: { resize: number; crop: number }): ModelPools => {
      const key = `${sizes.resize}/${sizes.crop}`;
      let found = pools.get(key);
      if (!found) {
        found = createModelPools(config, sizes, closers);
        pools.set(key, found);
      }
      return found;
    };

    const served: ModelRuntime[] = [];
    const encoderProbes: ReadinessProbe[] = [];
    for (const [index, model] of models.entries()) {
      const others = () => served.filter((m) => m.model.id !== model.id).map((m) => ({ id: m.model.id, ...m.collections }));
      const opened = await openModel(model, {
        config,
        logger,
        database,
        sourceFiles,
        vectorStore,
        localFeatures,
        pools: poolsFor(model.manifest.image),
        closers,
        others,
      });
      recomputers.set(model.id, opened.recompute);
      served.push(opened.runtime);
      // The default model's probe keeps its plain name; the others say whose thread it is.
      encoderProbes.push(index === 0 ? opened.encoderProbe : { ...opened.encoderProbe, name: `${opened.encoderProbe.name}:${model.id}` });
    }
    const primary = served[0];
    if (!primary) throw new AppError("MODEL_UNAVAILABLE", "No model folder is configured (GLORIA_MODEL_DIRS)");

    const modelProbe: ReadinessProbe = { name: "model", check: async () => ({ ok: true, detail: models.map((m) => m.id).join(", ") }) };
    return {
      ...primary,
      config,
      logger,
      database,
      vectorStore,
      localFeatures,
      models: served,
      modelRuntime(id) {
        if (!id) return primary;
        const found = served.find((m) => m.model.id === id);
        if (!found) throw new AppError("NOT_FOUND", `Model ${id} is not loaded; this server serves ${served.map((m) => m.model.id).join(", ")}`);
        return found;
      },
      probes: [database.probe, modelProbe, vectorStore.probe, ...encoderProbes],
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    if (error instanceof AppError) throw error;
    throw new AppError("INTERNAL_SERVER_ERROR", `Could not start: ${(error as Error).message}`, { cause: error, expected: false });
  }
}

interface ModelPools {
  query: PreparePool;
  ingest: PreparePool;
  heatmap: PreparePool;
}

/**
 * Every image is decoded in worker threads under a heap limit derived from MAX_IMAGE_PIXELS, never
 * on the main thread (docs/security.md, "Hostile images"). Query images have a pool of their own, so a
 * long ingestion never queues them; ingestion has PREPROCESS_THREADS workers, or shares the query
 * pool at 0. Heatmaps are drawn on a pool of their own, so a query image never waits behind other
 * requests' heatmaps.
 */
function createModelPools(config: Config, sizes: { resize: number; crop: number }, closers: Array<() => Promise<void>>): ModelPools {
  const poolLimits = { maxPixels: config.maxImagePixels };
  const query = createPreparePool(sizes, { ...poolLimits, threads: Math.max(1, config.preprocessThreads) });
  closers.push(() => query.close());
  const ingest = config.preprocessThreads > 0 ? createPreparePool(sizes, { ...poolLimits, threads: config.preprocessThreads }) : query;
  if (ingest !== query) closers.push(() => ingest.close());
  const heatmap = createPreparePool(sizes, { ...poolLimits, threads: Math.max(1, config.preprocessThreads) });
  closers.push(() => heatmap.close());
  return { query, ingest, heatmap };
}

interface SharedParts {
  config: Config;
  logger: Logger;
  database: Database;
  sourceFiles: SourceFiles;
  vectorStore: VectorStore;
  localFeatures: LocalFeatureStore;
  pools: ModelPools;
  closers: Array<() => Promise<void>>;
  /** The other loaded models' collections (a deletion reaches them too). */
  others: () => ReadonlyArray<{ id: string; images: VectorCollection; reports: VectorCollection }>;
}

/** One model's collections, catalogue view, feature recomputation, encoder thread and ingestion. */
async function openModel(
  model: GloriaModel,
  shared: SharedParts,
): Promise<{ runtime: ModelRuntime; recompute: LocalFeatureRecompute; encoderProbe: ReadinessProbe }> {
  const { config, logger, database, sourceFiles, vectorStore, localFeatures, pools, closers, others } = shared;
  const manifest = model.manifest;
  const modelInfo: ModelInfo = {
    id: model.id,
    name: manifest.name,
    version: manifest.version,
    checksum: manifest.checksum,
    dim: model.dim,
    grid: model.grid,
    manifest,
  };
  const prepare = (bytes: Uint8Array, options?: { thumbnail?: boolean }): Promise<PreparedImage> => pools.query.prepare(bytes, options);
  // Statuses are read for this model: an item READY only for another model is not served by it.
  const metadata = new PrismaMetadataStore(database.prisma, { statusModelId: model.id });
  await metadata.registerModel(modelInfo);
  const collections = {
    images: await vectorStore.open({ modelId: model.id, dim: model.dim, kind: "image" }),
    reports: await vectorStore.open({ modelId: model.id, dim: model.dim, kind: "report" }),
  };

  const recompute: LocalFeatureRecompute = {
    async imageRegions(_modelId, ids) {
      const out = new Map<string, ImageRegionFeatures>();
      for (const record of await metadata.getImages(ids)) {
        // A stored path is read again only under the guard: inside INGEST_ROOTS, a regular file, bounded.
        if (!record?.sourcePath) continue;
        let bytes: Uint8Array;
        try {
          bytes = await sourceFiles.read(record.sourcePath, `The source file of image ${record.id}`);
        } catch {
          continue;
        }
        const prepared = await prepare(bytes);
        const [features] = await model.encodeImages([prepared.pixels]);
        out.set(record.id, { dim: model.dim, grid: model.grid, regions: features!.local });
      }
      return out;
    },
    async reportWords(_modelId, ids) {
      const records = (await metadata.getReports(ids)).filter((r) => r !== null);
      const encoded = await model.encodeTexts(records.map((r) => r.text));
      const out = new Map<string, ReportWordFeatures>();
      records.forEach((r, i) => {
        const t = encoded[i]!;
        out.set(r.id, { dim: model.dim, words: t.words, slots: t.slots.slice(0, (t.words.length + 2) * model.dim) });
      });
      return out;
    },
  };
  // The file store takes its writer lock now, so a second process learns at start that it only reads.
  if (localFeatures instanceof FileLocalFeatureStore) await localFeatures.open(model.id);

  // Started on ingestion's first batch, not before: a server that never ingests never pays for it.
  // A thread that dies (a crash, out of memory) is replaced at once; readiness says so meanwhile,
  // and the batch it was encoding is encoded again on the new one.
  let encoderThread: Promise<ImageEncoderThread | undefined> | undefined;
  let closing = false;
  let replacing = false;
  const startEncoder = (): Promise<ImageEncoderThread | undefined> => {
    const started = model.startImageEncoderThread().then(
      (thread) => {
        replacing = false;
        void thread.stopped.then(() => {
          if (closing || encoderThread !== started) return;
          logger.error({ model: model.id }, "the image encoder thread stopped; starting a new one");
          replacing = true;
          encoderThread = startEncoder();
        });
        return thread;
      },
      (error: unknown) => {
        replacing = false;
        logger.warn({ err: error, model: model.id }, "image encoder thread unavailable; ingestion encodes on the main thread");
        return undefined;
      },
    );
    return started;
  };
  const ingestEncoder = () => (encoderThread ??= startEncoder());
  closers.push(async () => {
    closing = true;
    await (await encoderThread)?.close();
  });
  const encoderProbe: ReadinessProbe = {
    name: "image-encoder-thread",
    async check() {
      if (!config.ingestEncoderThread) return { ok: true, detail: "off (INGEST_ENCODER_THREAD)" };
      if (!encoderThread) return { ok: true, detail: "starts with the first ingestion" };
      if (replacing) return { ok: false, detail: "stopped; a new one is starting" };
      const thread = await encoderThread;
      if (!thread) return { ok: true, detail: "unavailable; ingestion encodes on the main thread" };
      return thread.alive() ? { ok: true, detail: "running" } : { ok: false, detail: "stopped; a new one is starting" };
    },
  };

  const ingestModel: IngestModel = {
    info: modelInfo,
    id: model.id,
    dim: model.dim,
    grid: model.grid,
    // Ingestion also keeps each image's thumbnail; a query image needs none.
    prepareImage: (bytes) => pools.ingest.prepare(bytes, { thumbnail: true }),
    encodeImages: async (pixels) => {
      for (let attempt = 0; ; attempt++) {
        const thread = config.ingestEncoderThread ? await ingestEncoder() : undefined;
        if (!thread) return model.encodeImages(pixels);
        try {
          return await thread.encodeImages(pixels);
        } catch (error) {
          // The thread died under this batch: once more, on the thread that replaces it.
          if (attempt === 0 && !thread.alive()) {
            if (encoderThread && (await encoderThread) === thread) {
              replacing = true;
              encoderThread = startEncoder();
            }
            continue;
          }
          throw error;
        }
      }
    },
    encodeTexts: (texts) => model.encodeTexts(texts),
  };
  const pooled = manifest.embedding.pooledDim !== undefined ? new PrismaPooledFeatureStore(database.prisma) : null;
  const ingestion = new IngestionService({
    metadata,
    images: collections.images,
    reports: collections.reports,
    localFeatures,
    ...(pooled ? { pooled } : {}),
    model: ingestModel,
    logger,
    files: sourceFiles,
    maxImageBytes: config.maxUploadBytes,
    otherModels: others,
  });
  return {
    runtime: {
      model,
      modelInfo,
      prepareImage: prepare,
      renderHeatmap: (task) => pools.heatmap.renderHeatmap(task),
      prepareSegmentation: (bytes, size) => pools.query.prepareSegmentation(bytes, size),
      renderMask: (task) => pools.heatmap.renderMask(task),
      collections,
      metadata,
      ingestion,
      pooled,
      imageEncoderThread: () => encoderThread,
    },
    recompute,
    encoderProbe,
  };
}
