// The composition root: builds every component once from the configuration, wires them, starts the
// HTTP server, and returns a handle that closes them in reverse order. No module-level singletons;
// tests inject replacements through `overrides`.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError, isLoopbackHost, type Config } from "./config/config.ts";
import { AppError, toAppError } from "./errors/app-error.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import { AuthService } from "./services/auth.service.ts";
import { EvaluationService } from "./services/evaluation/evaluation.service.ts";
import { evaluationsDir } from "./services/evaluation/evaluation.records.ts";
import { CatalogService } from "./services/catalog.service.ts";
import { IngestJobsService } from "./services/ingest/ingest-jobs.service.ts";
import { SearchService } from "./services/search.service.ts";
import { TextSearchService } from "./services/text-search.service.ts";
import { ClassifierService } from "./services/classifier.service.ts";
import { ClassifyService } from "./services/classify.service.ts";
import { SegmentService } from "./services/segment.service.ts";
import { createLoaders } from "./server/loaders.ts";
import { HealthService } from "./services/health.service.ts";
import type { ReadinessProbe } from "./stores/readiness.ts";
import type { ModelServices, Services } from "./services/services.ts";
import { createApolloServer } from "./server/graphql.ts";
import { createExpressApp } from "./server/http.ts";
import { Lifecycle, ownerGone, processOwner } from "./services/lifecycle.ts";
import { createMetrics } from "./server/metrics.ts";
import { openDatabase, type Database } from "./stores/database.ts";
import { PrismaApiKeyStore } from "./stores/metadata/prisma.api-key-store.ts";
import { PrismaClassifierStore } from "./stores/metadata/prisma.classifier-store.ts";
import type { IngestQueue } from "./stores/queue/ingest-queue.port.ts";
import { PgBossIngestQueue } from "./stores/queue/pgboss.ingest-queue.ts";
import { openRuntime, type ModelRuntime, type Runtime } from "./runtime.ts";
import { VERSION } from "./version.ts";

export interface AppOverrides {
  logger?: Logger;
  /** Extra readiness probes, or replacements of the built-in ones by name. */
  probes?: ReadinessProbe[];
  /** Observes every SQL statement (tests count them). */
  onQuery?: (sql: string) => void;
}

export interface App {
  readonly server: http.Server;
  /** http://host:port of the listening server. */
  readonly url: string;
  readonly lifecycle: Lifecycle;
  readonly database: Database;
  readonly logger: Logger;
  readonly services: Services;
  /** The model and stores; undefined when the model could not be loaded (see /readyz). */
  readonly runtime: Runtime | undefined;
  /** Drains in-flight requests, then closes the stores. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * AUTH=off serves admin access to whoever can connect, so it is refused unless the address about to
 * be bound is loopback. loadConfig checks HOST; this checks the final configuration, after CLI flags
 * such as `gloria serve --host` were applied.
 */
export function assertBindAllowed(config: Pick<Config, "auth" | "host">): void {
  if (!config.auth && !isLoopbackHost(config.host)) {
    throw new ConfigError([`AUTH: off is only allowed when the server binds to a loopback address (it would bind to ${config.host})`]);
  }
}

/** The use cases of one loaded model, bound to its collections and its view of the catalogue. */
function modelServices(runtime: Runtime, served: ModelRuntime, config: Config, owner: string | null, queue: IngestQueue | undefined): ModelServices {
  const search = new SearchService({
    model: served.model,
    metadata: served.metadata,
    images: served.collections.images,
    reports: served.collections.reports,
    localFeatures: runtime.localFeatures,
    prepareImage: served.prepareImage,
    renderHeatmap: served.renderHeatmap,
    maxImagePixels: config.maxImagePixels,
    heatmapMaxSide: config.heatmapMaxSide,
    sourceRoots: config.ingestRoots,
    maxSourceBytes: config.maxUploadBytes,
  });
  return {
    search,
    classify: new ClassifyService({ model: served.model, images: search }),
    segment: new SegmentService({
      model: served.model,
      metadata: served.metadata,
      prepareSegmentation: served.prepareSegmentation,
      renderMask: served.renderMask,
      maskMaxSide: config.heatmapMaxSide,
      sourceRoots: config.ingestRoots,
      maxSourceBytes: config.maxUploadBytes,
    }),
    textSearch: new TextSearchService({ model: served.model, metadata: served.metadata, reports: served.collections.reports }),
    catalog: new CatalogService(served.metadata, served.ingestion, served.modelInfo, config.ingestRoots),
    ingestJobs: new IngestJobsService(served.metadata, served.ingestion, served.modelInfo, config.ingestRoots, owner, config.dicomWebUrls, queue),
    evaluation: new EvaluationService({
      model: served.model,
      metadata: served.metadata,
      images: served.collections.images,
      localFeatures: runtime.localFeatures,
      recordsDir: evaluationsDir(config.dataDir),
      roots: config.ingestRoots,
      maxFileBytes: config.maxUploadBytes,
      prepareImage: served.prepareImage,
    }),
    classifiers: new ClassifierService({
      modelId: served.model.id,
      dim: served.modelInfo.dim,
      metadata: served.metadata,
      images: served.collections.images,
      store: new PrismaClassifierStore(runtime.database.prisma),
      pooled: served.pooled,
      pooledDim: served.model.manifest.embedding.pooledDim,
      encodeUpload: async (bytes) => (await search.resolveImage({ bytes })).features,
    }),
  };
}

/** Each request's loaders: the default model's, and every other loaded model's on request. */
function modelLoaders(runtime: Runtime) {
  return createLoaders(runtime.metadata, new Map(runtime.models.map((m) => [m.model.id, m.metadata])));
}

function failedProbe(name: string, detail: string): ReadinessProbe {
  return { name, check: async () => ({ ok: false, detail }) };
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  assertBindAllowed(config);
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const lifecycle = new Lifecycle();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger, onQuery: overrides.onQuery });

  // The model and the vector collections (named after it) come up together. Without them the
  // server still starts, answers /healthz and says in /readyz what is missing.
  let runtime: Runtime | undefined;
  let runtimeProbes: ReadinessProbe[];
  try {
    runtime = await openRuntime(config, logger, { database });
    runtimeProbes = runtime.probes;
  } catch (error) {
    const appError = toAppError(error);
    if (appError.code !== "MODEL_UNAVAILABLE") {
      await database.close();
      throw appError;
    }
    logger.error({ err: appError.cause ?? appError }, `model unavailable: ${appError.message}`);
    runtimeProbes = [database.probe, failedProbe("model", appError.message)];
  }

  const owner = processOwner();
  const probes = new Map<string, ReadinessProbe>();
  for (const probe of [...runtimeProbes, ...(overrides.probes ?? [])]) probes.set(probe.name, probe);
  // Reindex requests may put their work on the queue of `gloria worker` processes (a shared Postgres only).
  const queue = database.embedded ? undefined : new PgBossIngestQueue(database.url, logger);
  const byModel = new Map<string, ModelServices>();
  for (const served of runtime?.models ?? []) byModel.set(served.model.id, modelServices(runtime!, served, config, owner, queue));
  const services: Services = {
    health: new HealthService(lifecycle, [...probes.values()], VERSION),
    auth: new AuthService(new PrismaApiKeyStore(database.prisma), config.auth),
    ...byModel.values().next().value,
    models: byModel,
  };

  // Jobs a dead process left RUNNING are failed now; a live server's (another pid, another host) are
  // not. The embedded database has one process per data dir, so any owner but this one is gone.
  await services.ingestJobs
    ?.failAbandonedJobs((other) => (database.embedded ? other !== owner : ownerGone(other, owner)))
    .then((ids) => ids.length && logger.warn({ jobs: ids }, "failed ingestion jobs a stopped server left running"))
    .catch((error: unknown) => logger.error({ err: error }, "could not check for ingestion jobs a stopped server left running"));

  const metrics = createMetrics();
  const server = http.createServer();
  const graceMillis = config.shutdownGraceSeconds * 1000;
  const apollo = createApolloServer(server, {
    logger,
    metrics,
    introspection: config.introspection,
    maxRequestCost: config.maxRequestCost,
    shutdownGraceMillis: graceMillis,
  });
  try {
    await apollo.start();
    server.on(
      "request",
      createExpressApp({
        logger,
        metrics,
        services,
        apollo,
        limits: {
          maxUploadBytes: config.maxUploadBytes,
          maxJsonBodyBytes: config.maxJsonBodyBytes,
          maxRequestUploadBytes: config.maxRequestUploadBytes,
          rateLimitPerMinute: config.rateLimitPerMinute,
          rateLimitBurst: config.rateLimitBurst,
          requestTimeoutSeconds: config.requestTimeoutSeconds,
        },
        authOff: !config.auth,
        allowedHosts: config.allowedHosts,
        corsOrigins: config.corsOrigins,
        web: { explorer: config.webUi, ide: config.graphqlIde },
        createLoaders: () => (runtime ? modelLoaders(runtime) : null),
      }),
    );
    // Checked again where the socket is bound, on exactly what will be bound.
    assertBindAllowed(config);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await apollo.stop().catch(() => undefined);
    await runtime?.close();
    await database.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      throw new AppError("CONFLICT", `Cannot listen on ${config.host}:${config.port} (${code}); choose another PORT or HOST`, { cause: error });
    }
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  lifecycle.advance("ready");
  logger.info({ url, embeddedDatabase: database.embedded }, "gloria-search is ready");

  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    lifecycle,
    database,
    logger,
    services,
    runtime,
    close() {
      closing ??= (async () => {
        lifecycle.advance("draining");
        // Requests and ingestion jobs share the grace: the drain then closes the connections still
        // open, and jobs still running are failed with the reason and stop at their next batch.
        const jobs = Promise.all([...byModel.values()].map((served) => served.ingestJobs.stopJobs(graceMillis)));
        try {
          await apollo.stop();
        } finally {
          await jobs.catch((error: unknown) => logger.error({ err: error }, "error while stopping ingestion jobs"));
          await queue?.close().catch((error: unknown) => logger.error({ err: error }, "error while closing the work queue"));
          await runtime?.close();
          await database.close();
          lifecycle.advance("stopped");
          logger.info("gloria-search stopped");
        }
      })();
      return closing;
    },
  };
}
