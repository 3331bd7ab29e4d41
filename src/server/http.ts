// The Express app: request ids and logs, metrics, the probes (/healthz, /readyz, /metrics) and the
// GraphQL endpoint. It only wires HTTP to services; no business logic lives here.
import { randomUUID } from "node:crypto";
import express, { type Express } from "express";
import { pinoHttp } from "pino-http";
import { expressMiddleware } from "@as-integrations/express5";
import type { ApolloServer } from "@apollo/server";
import { toAppError } from "../errors/app-error.ts";
import type { Logger } from "../logging/logger.ts";
import type { Principal } from "../services/auth.service.ts";
import type { Services } from "../services/services.ts";
import type { RequestContext } from "./context.ts";
import type { Loaders } from "./loaders.ts";
import type { Metrics } from "./metrics.ts";
import { uploadMiddleware } from "./uploads.ts";

export interface HttpDeps {
  logger: Logger;
  metrics: Metrics;
  services: Services;
  apollo: ApolloServer<RequestContext>;
  maxBodyBytes: number;
  /** Fresh per-request DataLoaders (null when the catalogue is unavailable). */
  createLoaders: () => Loaders | null;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** Files per multipart request: the most `classify` takes. */
const MAX_UPLOAD_FILES = 32;

export function createExpressApp(deps: HttpDeps): Express {
  const { logger, metrics, services, apollo } = deps;
  const app = express();
  app.disable("x-powered-by");

  app.use(
    pinoHttp({
      logger,
      genReqId(req, res) {
        const given = req.headers["x-request-id"];
        const id = typeof given === "string" && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader("x-request-id", id);
        return id;
      },
      customLogLevel(_req, res, error) {
        // 503 is a not-ready answer (readiness, a store that is down), not a fault of this process.
        if (res.statusCode === 503) return "warn";
        if (error || res.statusCode >= 500) return "error";
        return res.statusCode >= 400 ? "info" : "debug";
      },
    }),
  );
  app.use(metrics.httpMiddleware);

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });

  app.get("/readyz", async (_req, res) => {
    const report = await services.health.report();
    res.status(report.ready ? 200 : 503).json(report);
  });

  app.get("/metrics", async (_req, res) => {
    res.setHeader("content-type", metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  app.use(
    "/graphql",
    async (req, res, next) => {
      try {
        res.locals.principal = await services.auth.authenticate(req.headers.authorization);
        next();
      } catch (error) {
        const appError = toAppError(error);
        res.status(appError.httpStatus).json({ errors: [{ message: appError.message, extensions: { code: appError.code } }] });
      }
    },
    express.json({ limit: deps.maxBodyBytes }),
    uploadMiddleware(deps.maxBodyBytes, MAX_UPLOAD_FILES),
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({
        requestId: String(req.id),
        logger: req.log,
        services,
        principal: (res.locals.principal as Principal | null) ?? null,
        loaders: deps.createLoaders(),
      }),
    }),
  );

  app.use((_req, res) => {
    res.status(404).json({ error: { code: "NOT_FOUND", message: "No such endpoint" } });
  });

  // Errors outside GraphQL (e.g. a body over the limit, malformed JSON) get the same closed codes.
  app.use((error: Error & { status?: number; type?: string }, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = error.status ?? 500;
    const code =
      status === 413 ? "PAYLOAD_TOO_LARGE" : status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : status < 500 ? "BAD_USER_INPUT" : "INTERNAL_SERVER_ERROR";
    if (status >= 500) req.log.error({ err: error }, "unhandled HTTP error");
    const message = status >= 500 ? "Internal server error" : error.message;
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  });

  return app;
}
