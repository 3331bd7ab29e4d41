// The composition root: builds every component once from the configuration, wires them, starts the
// HTTP server, and returns a handle that closes them in reverse order. No module-level singletons;
// tests inject replacements through `overrides`.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import type { Config } from "./config/config.ts";
import { createLogger, type Logger } from "./logging/logger.ts";
import { AuthService } from "./services/auth.service.ts";
import { HealthService, type ReadinessProbe } from "./services/health.service.ts";
import type { Services } from "./services/services.ts";
import { createApolloServer } from "./server/graphql.ts";
import { createExpressApp } from "./server/http.ts";
import { Lifecycle } from "./server/lifecycle.ts";
import { createMetrics } from "./server/metrics.ts";
import { openDatabase, type Database } from "./stores/database.ts";
import { PrismaApiKeyStore } from "./stores/metadata/prisma.api-key-store.ts";
import { VERSION } from "./version.ts";

export interface AppOverrides {
  logger?: Logger;
  /** Extra readiness probes, or replacements of the built-in ones by name. */
  probes?: ReadinessProbe[];
}

export interface App {
  readonly server: http.Server;
  /** http://host:port of the listening server. */
  readonly url: string;
  readonly lifecycle: Lifecycle;
  readonly database: Database;
  readonly logger: Logger;
  readonly services: Services;
  /** Drains in-flight requests, then closes the stores. Safe to call twice. */
  close(): Promise<void>;
}

/** Until the model runtime is wired in, readiness only checks that the model folder has a manifest. */
function modelManifestProbe(modelDir: string): ReadinessProbe {
  return {
    name: "model",
    async check() {
      const manifest = path.join(modelDir, "manifest.json");
      try {
        const parsed = JSON.parse(await fs.promises.readFile(manifest, "utf8")) as { name?: string; version?: string };
        return { ok: true, detail: `${parsed.name ?? "unnamed"}@${parsed.version ?? "?"}` };
      } catch (error) {
        return { ok: false, detail: `no usable model manifest at ${manifest}: ${(error as Error).message}` };
      }
    },
  };
}

export async function createApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const lifecycle = new Lifecycle();
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, logger });

  const probes = new Map<string, ReadinessProbe>();
  for (const probe of [database.probe, modelManifestProbe(config.modelDir), ...(overrides.probes ?? [])]) probes.set(probe.name, probe);
  const services: Services = {
    health: new HealthService(lifecycle, [...probes.values()], VERSION),
    auth: new AuthService(new PrismaApiKeyStore(database.prisma), config.auth),
  };

  const metrics = createMetrics();
  const server = http.createServer();
  const apollo = createApolloServer(server, logger, metrics);
  try {
    await apollo.start();
    server.on("request", createExpressApp({ logger, metrics, services, apollo, maxBodyBytes: config.maxUploadBytes }));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await apollo.stop().catch(() => undefined);
    await database.close();
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
    close() {
      closing ??= (async () => {
        lifecycle.advance("draining");
        const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceSeconds * 1000);
        try {
          await apollo.stop();
        } finally {
          clearTimeout(grace);
          await database.close();
          lifecycle.advance("stopped");
          logger.info("gloria-search stopped");
        }
      })();
      return closing;
    },
  };
}
