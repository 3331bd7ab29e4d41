// Ingestion: items from a source → dedupe by content hash → decode/preprocess → batched encoding →
// vectors, local features and metadata. Reading and decoding run ahead of the encoder (a bounded
// prefetch), so the encoder does not wait. An item turns READY only after its vector is durable and
// its local features are written, so a crash at any point leaves PENDING items that a re-run
// finishes, never half-visible ones. Knows no GraphQL and no SQL.
import { IngestLedger, type BatchOutcome, type IngestError, type IngestProgress } from "./ingest.ledger.ts";
import pLimit, { type LimitFunction } from "p-limit";
import { createHash } from "node:crypto";
import path from "node:path";
import { AppError, toAppError } from "../../errors/app-error.ts";
import type { Logger } from "../../logging/logger.ts";
import type { ImageFeatures, TextFeatures } from "../../model/model.port.ts";
import type { PooledFeatureStore } from "../../stores/metadata/pooled-feature-store.port.ts";
import type { LocalFeatureStore } from "../../stores/local-features/local-feature-store.port.ts";
import type { Finding, MetadataStore, ModelInfo, NewImage, Registered, Thumbnail } from "../../stores/metadata/metadata-store.port.ts";
import type { VectorCollection } from "../../stores/vector/vector-store.port.ts";
import type { BatchAttempt, IngestBatch, IngestQueue, SourceItem } from "../../stores/queue/ingest-queue.port.ts";
import type { SourceFiles } from "../source-files.ts";
import { checkDicomWebSource, readSource, sourceRoot, type IngestSource } from "./ingest.sources.ts";
import { DicomWebClient } from "./dicomweb.client.ts";
import { normaliseItem } from "./text.normalize.ts";

/** An image after decoding and GLoRIA preprocessing, with the metadata ingestion keeps. */
export interface PreparedImage {
  pixels: Float32Array;
  width: number;
  height: number;
  format: string;
  viewPosition?: string | null;
  modality?: string | null;
  studyUid?: string | null;
  seriesUid?: string | null;
  sopUid?: string | null;
  /** A small grey copy kept for heatmaps and previews (absent when the preparer makes none). */
  thumbnail?: Thumbnail;
}

/** What ingestion needs of the model. */
export interface IngestModel {
  /** The model's identity, registered in the metadata before anything is stored for it. */
  readonly info: ModelInfo;
  readonly id: string;
  readonly dim: number;
  readonly grid: readonly [number, number];
  /** Decodes and preprocesses one file. Throws UNSUPPORTED_MEDIA_TYPE / PAYLOAD_TOO_LARGE. */
  prepareImage(bytes: Uint8Array): Promise<PreparedImage>;
  encodeImages(pixels: readonly Float32Array[]): Promise<ImageFeatures[]>;
  encodeTexts(texts: readonly string[]): Promise<TextFeatures[]>;
}

export interface IngestDeps {
  metadata: MetadataStore;
  images: VectorCollection;
  reports: VectorCollection;
  localFeatures: LocalFeatureStore;
  /** Where the images' pooled trunk features go, for a model whose encoder gives them. */
  pooled?: PooledFeatureStore;
  model: IngestModel;
  logger: Logger;
  /** The guard every source file is read through: INGEST_ROOTS and the image byte limit; a source's own folder is added per run. */
  files: SourceFiles;
  /** Largest image file or fetched DICOM instance (MAX_UPLOAD_BYTES; default 64 MiB). */
  maxImageBytes?: number;
  /** The DICOMweb client of a source (default: over fetch; tests may point elsewhere). */
  dicomWeb?: (source: Extract<IngestSource, { kind: "dicomweb" }>) => DicomWebClient;
  /** The other models loaded beside this one: a deletion removes the item from their stores too. */
  otherModels?: () => ReadonlyArray<{ id: string; images: VectorCollection; reports: VectorCollection }>;
}

export interface IngestOptions {
  dataset: string;
  /** Continue an existing job record (the queue workers do); else one is created. */
  jobId?: string;
  /**
   * A queued batch of a larger job: the job's total was set when it was enqueued, the job is not
   * marked RUNNING/SUCCEEDED by this call, and it turns SUCCEEDED when its last item is counted.
   */
  queued?: boolean;
  /** A queued batch's index in its job: each of its encoder batches is counted once, whatever the retries. */
  batchIndex?: number;
  /** Items per encoder batch (default 16). */
  batchSize?: number;
  /** Items made durable (vector flush + READY) at a time (default 256). */
  commitEvery?: number;
  onProgress?: (progress: IngestProgress) => void;
  /** What the job records as its source when this run creates it (default: the source itself, described). */
  description?: unknown;
}

export type { IngestError, IngestProgress };

export interface IngestSummary extends IngestProgress {
  jobId: string;
  errors: IngestError[];
}

/** Postgres text cannot hold U+0000; an item's strings are checked before they reach it. */
const NUL = "\u0000";

/** The first field of an item that Postgres could not store as text, if any. */
export function unstorableField(item: SourceItem): string | undefined {
  if (item.key.includes(NUL)) return "name";
  if (item.report?.includes(NUL)) return "report";
  if (item.viewPosition?.includes(NUL)) return "view position";
  if (item.studyExternalId?.includes(NUL)) return "study";
  if (item.findings.some((f) => [f.class, f.severity, f.location].some((v) => typeof v === "string" && v.includes(NUL)))) return "findings";
  if (Object.keys(item.labels).some((name) => name.includes(NUL))) return "labels";
  return undefined;
}

/** A name as an error record can store it: NUL characters shown as U+FFFD. */
function storable(text: string): string {
  return text.replaceAll(NUL, "\uFFFD");
}

interface Loaded {
  /** The item with its texts normalised for storage (text.normalize.ts). */
  source: SourceItem;
  /** sha256 of the report as the source gave it (trimmed): the dedupe key, stable across runs. */
  reportHash?: string;
  bytes?: Uint8Array;
  hash?: string;
  prepared?: PreparedImage;
  error?: AppError;
}

/** One batch after registration: its per-item errors so far, and what is left to encode. */
interface RegisteredBatch {
  batch: Loaded[];
  errors: IngestError[];
  emptyReports: Loaded[];
  imagesToEncode: { b: Loaded; reg: Registered }[];
  reportsToEncode: { b: Loaded; reg: Registered }[];
}

/** One batch after registration and encoding; `written` settles when its store writes are done. */
/** A batch's outcome while its writes may still be running (`written` settles when they are done). */
interface Outcome extends BatchOutcome {
  written: Promise<void>;
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** Job statuses after which nothing more is done for the job. */
const ENDED: ReadonlySet<string> = new Set(["SUCCEEDED", "FAILED", "CANCELLED"]);

/** Batches between registration and settlement: enough that writes of one overlap encoding of the next. */
const PIPELINE_DEPTH = 2;

/** Runs tasks one at a time, in the order they were given (a failed one does not stop the next). */
type Lane = LimitFunction;

const lane = (): Lane => pLimit(1);

export class IngestionService {
  constructor(private readonly deps: IngestDeps) {}

  /** Runs one ingestion to the end. Per-item failures are recorded and do not stop the batch. */
  async run(source: IngestSource, options: IngestOptions): Promise<IngestSummary> {
    const { metadata, model, logger } = this.deps;
    await metadata.registerModel(model.info);
    const dataset = await metadata.ensureDataset(options.dataset);
    const jobId = options.jobId ?? (await metadata.createJob({ datasetId: dataset.id, modelId: model.id, source: options.description ?? describe(source) })).id;
    if (!options.queued) await metadata.setJobStatus(jobId, "RUNNING");

    const files = this.#filesFor(source);
    const pacs = source.kind === "dicomweb" ? this.#pacs(source) : undefined;
    const ledger = new IngestLedger({
      metadata,
      collections: { images: this.deps.images, reports: this.deps.reports },
      modelId: model.id,
      jobId,
      queued: Boolean(options.queued),
      batchIndex: options.batchIndex,
      commitEvery: options.commitEvery ?? 256,
      onProgress: options.onProgress,
    });
    const batchSize = options.batchSize ?? 16;

    try {
      // Each batch passes through registration, then the encoder, then its writes; registration
      // and encoding take one batch at a time, in order, so batch i+1 is registered while batch i is
      // encoded and the encoder starts on it the moment it is free. Up to PIPELINE_DEPTH batches
      // are between registration and settlement.
      const lanes = { register: lane(), encode: lane() };
      const started: { batch: Loaded[]; outcome: Promise<Outcome> }[] = [];
      // Batch i's store writes run while batch i+1 is registered and encoded; its bookkeeping (READY,
      // counters) happens only once its writes have finished.
      const settleOldest = async () => {
        const oldest = started.shift()!;
        const outcome = await oldest.outcome;
        await outcome.written;
        await ledger.settle(oldest.batch.length, outcome);
      };
      try {
        // A PACS instance already READY in this dataset is skipped before its bytes are fetched.
        const items = pacs
          ? this.#skipKnownInstances(readSource(source, files, pacs), dataset.id, (skipped) => ledger.skippedUnread(skipped))
          : readSource(source, files);
        for await (const batch of this.#prefetch(items, files, batchSize, pacs)) {
          // A job cancelled (or failed by a shutdown) stops at this boundary; what is written is kept.
          if (ENDED.has((await metadata.jobStatus(jobId)) ?? "CANCELLED")) break;
          const outcome = this.#ingestBatch(batch, dataset.id, lanes);
          // Handled when settled; marked here so a failure while others are awaited is not unhandled.
          outcome.then((o) => o.written).catch(() => undefined);
          started.push({ batch, outcome });
          while (started.length > PIPELINE_DEPTH) await settleOldest();
        }
        while (started.length > 0) await settleOldest();
      } finally {
        // Never leave a write running behind an error.
        await Promise.all(started.map(({ outcome }) => outcome.then((o) => o.written).catch(() => undefined)));
      }
      await ledger.commit();
      if (options.queued) await metadata.finishJobIfComplete(jobId);
      else await metadata.setJobStatus(jobId, "SUCCEEDED");
    } catch (error) {
      const appError = toAppError(error);
      logger.error({ err: error, jobId }, "ingestion stopped");
      // A queued batch is retried by the queue; only a whole inline run fails its job.
      // The job's error is shown to clients: a fault of ours keeps its full message in the log only.
      if (!options.queued) await metadata.setJobStatus(jobId, "FAILED", appError.publicMessage).catch(() => undefined);
      throw appError;
    }
    return { jobId, ...ledger.progress, errors: ledger.errors };
  }

  /** A source's items are read inside INGEST_ROOTS and the source's own folder; uploads read no file. */
  #filesFor(source: IngestSource): SourceFiles {
    const root = sourceRoot(source);
    return root ? this.deps.files.withRoots([root]) : this.deps.files;
  }

  /** The client of a DICOMweb source, its credentials read from the environment now and kept nowhere else. */
  #pacs(source: Extract<IngestSource, { kind: "dicomweb" }>): DicomWebClient {
    checkDicomWebSource(source);
    if (this.deps.dicomWeb) return this.deps.dicomWeb(source);
    const authorization = source.authEnv ? process.env[source.authEnv] : undefined;
    if (source.authEnv && !authorization)
      throw new AppError("BAD_USER_INPUT", `The environment variable ${source.authEnv} is not set on the server`, { details: { field: "authEnv" } });
    return new DicomWebClient({ baseUrl: source.url, authorization, maxInstanceBytes: this.deps.maxImageBytes ?? 64 * 1024 * 1024 });
  }

  /** Leaves out instances whose SOP Instance UID is READY in the dataset already, counting them skipped. */
  async *#skipKnownInstances(items: AsyncIterable<SourceItem>, datasetId: string, onSkipped: (count: number) => Promise<void>): AsyncGenerator<SourceItem> {
    const { metadata, model } = this.deps;
    let chunk: SourceItem[] = [];
    const flush = async function* () {
      const uids = chunk.flatMap((item) => (item.image && "dicomweb" in item.image ? [item.image.dicomweb.instance] : []));
      const known = await metadata.readySopUids(model.id, datasetId, uids);
      const fresh = chunk.filter((item) => !(item.image && "dicomweb" in item.image && known.has(item.image.dicomweb.instance)));
      if (chunk.length > fresh.length) await onSkipped(chunk.length - fresh.length);
      chunk = [];
      yield* fresh;
    };
    for await (const item of items) {
      chunk.push(item);
      if (chunk.length === 64) yield* flush();
    }
    if (chunk.length) yield* flush();
  }

  /** Reads, hashes and prepares items ahead of the encoder: up to two batches in flight. */
  async *#prefetch(items: AsyncIterable<SourceItem>, files: SourceFiles, batchSize: number, pacs?: DicomWebClient): AsyncGenerator<Loaded[]> {
    const load = async (original: SourceItem): Promise<Loaded> => {
      const source = normaliseItem(original);
      if (source.problem) return { source, error: new AppError(source.problemCode ?? "BAD_USER_INPUT", source.problem) };
      const reportHash = original.report === undefined ? undefined : sha256(original.report.trim());
      try {
        if (!source.image) {
          if (!source.report) throw new AppError("BAD_USER_INPUT", "The item has neither an image nor a report");
          return { source, reportHash };
        }
        const image = source.image;
        const bytes =
          "bytes" in image
            ? image.bytes
            : "dicomweb" in image
              ? await (pacs ?? missingPacs()).fetchInstance(image.dicomweb)
              : await files.read(image.path, source.key);
        const hash = sha256(bytes);
        if (source.contentHash && hash !== source.contentHash) {
          throw new AppError("CONFLICT", "The image's source file has changed since it was ingested; ingest the new file as a new image");
        }
        return { source, reportHash, bytes, hash, prepared: await this.deps.model.prepareImage(bytes) };
      } catch (error) {
        return { source, reportHash, error: toAppError(error) };
      }
    };
    let pending: Promise<Loaded[]> | undefined;
    let chunk: SourceItem[] = [];
    for await (const item of items) {
      chunk.push(item);
      if (chunk.length === batchSize) {
        const next = Promise.all(chunk.map(load));
        chunk = [];
        if (pending) yield await pending;
        pending = next;
      }
    }
    const last = chunk.length ? Promise.all(chunk.map(load)) : undefined;
    if (pending) yield await pending;
    if (last) yield await last;
  }

  async #ingestBatch(batch: Loaded[], datasetId: string, lanes: { register: Lane; encode: Lane }): Promise<Outcome> {
    return lanes.register(() => this.#register(batch, datasetId)).then((registered) => lanes.encode(() => this.#encodeAndWrite(registered, datasetId)));
  }

  /** Registers a batch's images and reports (dedupe by content hash) and picks what to encode. */
  async #register(batch: Loaded[], datasetId: string): Promise<RegisteredBatch> {
    const { metadata, model } = this.deps;
    const errors: IngestError[] = [];
    const fail = (item: Loaded, error: AppError) => {
      if (error.closed) this.deps.logger.warn({ err: error, item: item.source.key }, "item failed");
      errors.push({ item: storable(item.source.key), code: error.code, message: storable(error.publicMessage) });
    };

    // A text the catalogue cannot store fails its item alone, before it can fail the batch's writes.
    for (const b of batch) {
      const field = b.error ? undefined : unstorableField(b.source);
      if (field)
        b.error = new AppError("BAD_USER_INPUT", `The item's ${field} contains a NUL character, which the catalogue cannot store`, { details: { field } });
    }

    // Images: register every decodable one (dedupe), then encode those not READY yet.
    const decodable = batch.filter((b) => {
      if (b.error) fail(b, b.error);
      return !b.error && b.prepared;
    });
    const imageRegs = await metadata.registerImages(
      model.id,
      decodable.map((b): NewImage => ({
        datasetId,
        studyExternalId: b.source.studyExternalId ?? b.prepared!.studyUid ?? null,
        contentHash: b.hash!,
        // An upload's name is the client's word, not a file of this server: it is kept as no path.
        sourcePath: "path" in b.source.image! ? path.resolve(b.source.image.path) : null,
        byteSize: b.bytes!.length,
        format: b.prepared!.format,
        width: b.prepared!.width,
        height: b.prepared!.height,
        viewPosition: b.source.viewPosition ?? b.prepared!.viewPosition ?? null,
        modality: b.prepared!.modality ?? null,
        seriesUid: b.prepared!.seriesUid ?? null,
        sopUid: b.prepared!.sopUid ?? null,
        labels: b.source.labels,
        findings: b.source.findings,
      })),
    );

    // Reports: one per item that has text; empty ones are per-item errors.
    const withReport = batch.filter((b) => !b.error && b.source.report !== undefined);
    const emptyReports = withReport.filter((b) => b.source.report!.trim() === "");
    for (const b of emptyReports) fail(b, new AppError("BAD_USER_INPUT", "The report is empty"));
    const reportItems = withReport.filter((b) => b.source.report!.trim() !== "");
    const reportRegs = await metadata.registerReports(
      model.id,
      reportItems.map((b) => ({
        datasetId,
        studyExternalId: b.source.studyExternalId ?? b.prepared?.studyUid ?? null,
        contentHash: b.reportHash ?? sha256(b.source.report!.trim()),
        text: b.source.report!.trim(),
        // How the source names the report (never opened again).
        sourcePath: b.source.key,
        labels: b.source.labels,
        findings: b.source.findings,
      })),
    );
    const imageIdOf = new Map(decodable.map((b, i) => [b, imageRegs[i]!.id]));
    await metadata.linkImageReports(reportItems.flatMap((b, i) => (imageIdOf.has(b) ? [{ imageId: imageIdOf.get(b)!, reportId: reportRegs[i]!.id }] : [])));

    const imagesToEncode = uniqueBy(
      decodable.map((b, i) => ({ b, reg: imageRegs[i]! })).filter(({ b, reg }) => reg.status !== "READY" || b.source.reencode === true),
      ({ reg }) => reg.id,
    );
    const reportsToEncode = uniqueBy(
      reportItems.map((b, i) => ({ b, reg: reportRegs[i]! })).filter(({ reg }) => reg.status !== "READY"),
      ({ reg }) => reg.id,
    );

    return { batch, errors, emptyReports, imagesToEncode, reportsToEncode };
  }

  /** Encodes what registration picked and starts its writes; `written` settles when they are done. */
  async #encodeAndWrite(registered: RegisteredBatch, datasetId: string): Promise<Outcome> {
    const { model } = this.deps;
    const { batch, errors, emptyReports, imagesToEncode, reportsToEncode } = registered;
    const [imageFeatures, textFeatures] = await Promise.all([
      imagesToEncode.length ? model.encodeImages(imagesToEncode.map(({ b }) => b.prepared!.pixels)) : Promise.resolve([]),
      reportsToEncode.length ? model.encodeTexts(reportsToEncode.map(({ b }) => b.source.report!.trim())) : Promise.resolve([]),
    ]);

    const payload = (b: Loaded, reg: Registered) => ({
      // The study travels with the vector, so searches can be filtered by study.
      studyId: reg.studyId,
      datasetId,
      viewPosition: b.source.viewPosition ?? b.prepared?.viewPosition ?? null,
      findings: findingNames(b.source.findings),
    });
    const written = Promise.all([
      this.deps.images.upsert(imagesToEncode.map(({ b, reg }, i) => ({ id: reg.id, vector: imageFeatures[i]!.global, payload: payload(b, reg) }))),
      this.deps.reports.upsert(reportsToEncode.map(({ b, reg }, i) => ({ id: reg.id, vector: textFeatures[i]!.sentence, payload: payload(b, reg) }))),
      this.deps.localFeatures.putImageRegions(
        model.id,
        imagesToEncode.map(({ reg }, i) => ({ id: reg.id, features: { dim: model.dim, grid: model.grid, regions: imageFeatures[i]!.local } })),
      ),
      this.deps.pooled?.put(
        model.id,
        imagesToEncode.flatMap(({ reg }, i) => {
          const pooled = imageFeatures[i]!.pooled;
          return pooled ? [{ imageId: reg.id, pooled }] : [];
        }),
      ),
      this.deps.metadata.putThumbnails(
        imagesToEncode.flatMap(({ b, reg }) => (b.prepared!.thumbnail ? [{ imageId: reg.id, thumbnail: b.prepared!.thumbnail }] : [])),
      ),
      this.deps.localFeatures.putReportWords(
        model.id,
        reportsToEncode.map(({ reg }, i) => {
          const t = textFeatures[i]!;
          return { id: reg.id, features: { dim: model.dim, words: t.words, slots: t.slots.slice(0, (t.words.length + 2) * model.dim) } };
        }),
      ),
    ]).then(() => undefined);

    // Each item counts once: failed if any part failed, else ingested if anything was encoded, else
    // skipped (everything it holds was READY already).
    const failed = new Set([...batch.filter((b) => b.error), ...emptyReports]);
    const encoded = new Set([...imagesToEncode.map(({ b }) => b), ...reportsToEncode.map(({ b }) => b)]);
    const ingested = batch.filter((b) => !failed.has(b) && encoded.has(b)).length;
    const skipped = batch.length - ingested - failed.size;
    return {
      written,
      ingested,
      skipped,
      errors,
      readyImages: imagesToEncode.map(({ reg }) => reg.id),
      readyReports: reportsToEncode.map(({ reg }) => reg.id),
    };
  }

  /**
   * Reads a source and puts it on the queue in batches for `gloria worker` processes; returns the
   * job, whose total is the number of items and which turns SUCCEEDED when the last batch is done.
   */
  async enqueue(source: IngestSource, options: { dataset: string; queue: IngestQueue; batchSize?: number; description?: unknown }): Promise<string> {
    if (source.kind === "uploads") throw new AppError("BAD_USER_INPUT", "Uploads are ingested inline, not queued");
    if (source.kind === "dicomweb") throw new AppError("BAD_USER_INPUT", "A DICOMweb source is ingested by the server or `gloria ingest`, not queued");
    const { metadata, model } = this.deps;
    await metadata.registerModel(model.info);
    const dataset = await metadata.ensureDataset(options.dataset);
    const job = await metadata.createJob({ datasetId: dataset.id, modelId: model.id, source: options.description ?? describe(source), queued: true });
    // The whole listing first, so the job's total is final before any worker can finish a batch.
    const items: SourceItem[] = [];
    for await (const item of readSource(source, this.#filesFor(source))) {
      if (item.image && "bytes" in item.image) throw new AppError("BAD_USER_INPUT", "Queued items must be files every worker can read");
      items.push(item);
    }
    await metadata.recordJobProgress(job.id, { total: items.length });
    await metadata.setJobStatus(job.id, items.length === 0 ? "SUCCEEDED" : "RUNNING");
    const size = options.batchSize ?? 32;
    const batches: IngestBatch[] = [];
    for (let i = 0; i < items.length; i += size) {
      batches.push({ jobId: job.id, index: i / size, dataset: options.dataset, root: sourceRoot(source), items: items.slice(i, i + size), modelId: model.id });
    }
    await options.queue.enqueue(batches);
    return job.id;
  }

  /**
   * Handles one queued batch (what `gloria worker` runs per message). A batch of a job that has
   * ended (cancelled, failed) is skipped; a batch failing its last attempt fails its job.
   */
  async handleBatch(batch: IngestBatch, attempt?: BatchAttempt): Promise<void> {
    if (ENDED.has((await this.deps.metadata.jobStatus(batch.jobId)) ?? "CANCELLED")) return;
    try {
      await this.run(
        { kind: "items", items: batch.items, root: batch.root },
        { dataset: batch.dataset, jobId: batch.jobId, queued: true, batchIndex: batch.index },
      );
    } catch (error) {
      if (attempt?.last) {
        const reason = `A batch failed after ${attempt.retry + 1} attempts (${toAppError(error).publicMessage}); re-run the ingestion to finish it (items already READY are kept)`;
        await this.deps.metadata.setJobStatus(batch.jobId, "FAILED", reason);
      }
      throw error;
    }
  }

  /**
   * Removes an image from every store; NOT_FOUND when unknown. The row is set back to PENDING first
   * and deleted last, so a deletion cut short anywhere leaves a PENDING row: `reconcile` counts it
   * and a re-ingest of the same file encodes it again (never a READY row without its vector).
   */
  async deleteImage(id: string): Promise<void> {
    const [record] = await this.deps.metadata.getImages([id]);
    if (!record) throw new AppError("NOT_FOUND", `No image with id ${id}`);
    for (const model of this.#everyModel()) {
      await this.deps.metadata.markEmbedded("image", model.id, [record.id], { vectorWritten: false, localWritten: false, status: "PENDING" });
      await model.images.delete([record.id]);
      await model.images.flush();
      await this.deps.localFeatures.delete(model.id, { imageIds: [record.id] });
    }
    await this.deps.metadata.deleteImage(record.id);
  }

  /** Removes a report from every store; NOT_FOUND when unknown. Safe to cut short, as deleteImage. */
  async deleteReport(id: string): Promise<void> {
    const [record] = await this.deps.metadata.getReports([id]);
    if (!record) throw new AppError("NOT_FOUND", `No report with id ${id}`);
    for (const model of this.#everyModel()) {
      await this.deps.metadata.markEmbedded("report", model.id, [record.id], { vectorWritten: false, localWritten: false, status: "PENDING" });
      await model.reports.delete([record.id]);
      await model.reports.flush();
      await this.deps.localFeatures.delete(model.id, { reportIds: [record.id] });
    }
    await this.deps.metadata.deleteReport(record.id);
  }

  /** This model's stores, then those of the models loaded beside it. */
  #everyModel(): Array<{ id: string; images: VectorCollection; reports: VectorCollection }> {
    return [{ id: this.deps.model.id, images: this.deps.images, reports: this.deps.reports }, ...(this.deps.otherModels?.() ?? [])];
  }

  /**
   * Repairs the stores after a crash, in either vector store: vectors whose item the metadata no
   * longer holds (a deletion cut short) are removed (`orphanVectors`); READY items whose vector is
   * missing (a deletion cut short by an older build, vectors restored from an older backup) are set
   * back to PENDING (`missingVectors`). PENDING items (`pending`, these included) stay PENDING
   * until a re-run of their source encodes them.
   */
  async reconcile(): Promise<{ orphanVectors: number; missingVectors: number; pending: number }> {
    const { metadata, model } = this.deps;
    let orphanVectors = 0;
    let missingVectors = 0;
    for (const [collection, kind] of [
      [this.deps.images, "image"],
      [this.deps.reports, "report"],
    ] as const) {
      for await (const page of collection.ids()) {
        const known = kind === "image" ? await metadata.getImages(page) : await metadata.getReports(page);
        const orphans = page.filter((_, i) => known[i] === null);
        if (orphans.length) {
          await collection.delete(orphans);
          await this.deps.localFeatures.delete(model.id, kind === "image" ? { imageIds: orphans } : { reportIds: orphans });
          orphanVectors += orphans.length;
        }
      }
      await collection.flush();

      // Every vector now has its row, so a collection holding as many vectors as there are rows
      // misses none; only otherwise are the READY rows listed and looked up.
      const list = (first: number, after: string | null) =>
        kind === "image" ? metadata.listImages({ statuses: ["READY"] }, first, after) : metadata.listReports({ statuses: ["READY"] }, first, after);
      const rows = (kind === "image" ? await metadata.listImages({}, 1) : await metadata.listReports({}, 1)).totalCount;
      if ((await collection.count()) >= rows) continue;
      const missing: string[] = [];
      for (let after: string | null = null, more = true; more;) {
        const page = await list(1_000, after);
        const held = await collection.has(page.items.map((item) => item.id));
        missing.push(...page.items.filter((item) => !held.has(item.id)).map((item) => item.id));
        [after, more] = [page.endCursor, page.hasNextPage];
      }
      // Marked once listed, so the READY pages are not changed under their cursor.
      await metadata.markEmbedded(kind, model.id, missing, { vectorWritten: false, localWritten: false, status: "PENDING" });
      missingVectors += missing.length;
    }
    const pending = (await metadata.pendingItems("image", model.id, 1_000_000)).length + (await metadata.pendingItems("report", model.id, 1_000_000)).length;
    if (orphanVectors) this.deps.logger.warn({ orphanVectors }, "reconcile removed vectors of deleted items");
    if (missingVectors)
      this.deps.logger.warn({ missingVectors }, "reconcile set READY items without a vector back to PENDING; re-run their source to encode them");
    return { orphanVectors, missingVectors, pending };
  }
}

function findingNames(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.class))];
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(key(item)) ? false : (seen.add(key(item)), true)));
}

function missingPacs(): never {
  throw new AppError("BAD_USER_INPUT", "A DICOMweb item needs its source's client");
}

function describe(source: IngestSource): unknown {
  return source.kind === "uploads" || source.kind === "items" ? { kind: source.kind, count: source.items.length } : source;
}
