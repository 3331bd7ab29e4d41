// The Express app: request ids and logs, metrics, the probes (/healthz, /readyz, /metrics) and the
// GraphQL endpoint with the request-level protections in front of it (Host/Origin check when
// authentication is off, CORS, authentication, rate limit, body limits, timeout). It only wires
// HTTP to services; no business logic lives here.
import { randomUUID } from "node:crypto";
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { pinoHttp } from "pino-http";
import { expressMiddleware } from "@as-integrations/express5";
import type { ApolloServer } from "@apollo/server";
import { AppError, closedMessage, toAppError } from "../errors/app-error.ts";
import type { Logger } from "../logging/logger.ts";
import type { Principal } from "../services/auth.service.ts";
import type { Services } from "../services/services.ts";
import type { RequestContext } from "./context.ts";
import type { Loaders } from "./loaders.ts";
import type { Metrics } from "./metrics.ts";
import { RateLimiter } from "./rate.limiter.ts";
import { answerNow, cors, hostGuard, sendError } from "./request.guards.ts";
import { uploadMiddleware } from "./uploads.ts";
import { webRoutes, type WebOptions } from "./web.ts";

export interface HttpLimits {
  /** Largest uploaded file (MAX_UPLOAD_BYTES). */
  maxUploadBytes: number;
  /** Largest JSON body (MAX_JSON_BODY_BYTES). */
  maxJsonBodyBytes: number;
  /** Largest multipart body (MAX_REQUEST_UPLOAD_BYTES). */
  maxRequestUploadBytes: number;
  /** GraphQL requests per minute per caller, and the bucket size; 0 turns the limit off. */
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  /** Seconds before a GraphQL request is answered TIMEOUT and its signal aborted; 0: no limit. */
  requestTimeoutSeconds: number;
}

export interface HttpDeps {
  logger: Logger;
  metrics: Metrics;
  services: Services;
  apollo: ApolloServer<RequestContext>;
  limits: HttpLimits;
  /** Authentication is off: Host and Origin must then name an allowed host (DNS rebinding). */
  authOff: boolean;
  allowedHosts: readonly string[];
  corsOrigins: readonly string[];
  /** The explorer and the GraphQL IDE (WEB_UI, GRAPHQL_IDE). */
  web: WebOptions;
  /** Fresh per-request DataLoaders (null when the catalogue is unavailable). */
  createLoaders: () => Loaders | null;
}

const REQUEST_ID = /^[\w.:-]{1,128}$/;
/** Files per multipart request: the most `classify` takes. */
const MAX_UPLOAD_FILES = 32;

/**
 * The request's AbortSignal: aborted at the timeout, after answering 503 TIMEOUT, or when the
 * client goes away before its answer. Stored in res.locals for the GraphQL context.
 */
export function requestDeadline(timeoutSeconds: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const controller = new AbortController();
    res.locals.signal = controller.signal;
    const timer =
      timeoutSeconds > 0
        ? setTimeout(() => {
            const reason = new AppError("TIMEOUT", closedMessage("TIMEOUT"));
            req.log.warn({ timeoutSeconds }, "request timed out; its work is cancelled");
            controller.abort(reason);
            answerNow(req, res, "TIMEOUT", reason.message);
          }, timeoutSeconds * 1000)
        : undefined;
    res.once("close", () => {
      clearTimeout(timer);
      if (!res.writableFinished && !controller.signal.aborted) controller.abort(new DOMException("The client disconnected", "AbortError"));
    });
    next();
  };
}

/** Runs a handler whose answer may come after the request was already answered (a timeout, an upload refusal): then it is dropped. */
function unlessAnswered(handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    const onward = (error?: unknown) => {
      if (res.headersSent) {
        if (error) req.log.debug({ err: error }, "dropped a late answer to a request already answered");
        return;
      }
      next(error);
    };
    Promise.resolve(handler(req, res, onward)).catch(onward);
  };
}

export function createExpressApp(deps: HttpDeps): Express {
  const { logger, metrics, services, apollo, limits } = deps;
  const app = express();
  app.disable("x-powered-by");
  const rateLimiter = new RateLimiter({ perMinute: limits.rateLimitPerMinute, burst: limits.rateLimitBurst });

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
  if (deps.authOff) app.use(hostGuard(deps.allowedHosts, deps.corsOrigins));

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

  app.use(webRoutes(deps.web));

  /** Takes a token for `caller`; false after answering 429 with Retry-After. */
  const withinRate = (caller: string, req: Request, res: Response): boolean => {
    const decision = rateLimiter.take(caller);
    if (decision.allowed) return true;
    req.log.info({ caller: caller.startsWith("key:") ? caller : "address" }, "rate limited");
    sendError(res, "RATE_LIMITED", closedMessage("RATE_LIMITED"), { "retry-after": String(decision.retryAfterSeconds) });
    return false;
  };

  app.use(
    "/graphql",
    cors(deps.corsOrigins),
    requestDeadline(limits.requestTimeoutSeconds),
    async (req, res, next) => {
      // Callers without a key (or with a wrong one) share their address's bucket, so guessing keys is limited too.
      const address = `address:${req.socket.remoteAddress ?? "unknown"}`;
      let principal: Principal | null;
      try {
        principal = await services.auth.authenticate(req.headers.authorization);
      } catch (error) {
        if (!withinRate(address, req, res)) return;
        const appError = toAppError(error);
        res.status(appError.httpStatus).json({ errors: [{ message: appError.publicMessage, extensions: { code: appError.code } }] });
        return;
      }
      if (!withinRate(principal?.keyId ? `key:${principal.keyId}` : address, req, res)) return;
      res.locals.principal = principal;
      next();
    },
    express.json({ limit: limits.maxJsonBodyBytes }),
    uploadMiddleware({
      maxFileBytes: limits.maxUploadBytes,
      maxFiles: MAX_UPLOAD_FILES,
      maxRequestBytes: limits.maxRequestUploadBytes,
      maxFieldBytes: limits.maxJsonBodyBytes,
    }),
    unlessAnswered(
      expressMiddleware(apollo, {
        context: async ({ req, res }) => ({
          requestId: String(req.id),
          logger: req.log,
          services,
          principal: (res.locals.principal as Principal | null) ?? null,
          loaders: deps.createLoaders(),
          signal: res.locals.signal as AbortSignal,
        }),
      }),
    ),
  );

  app.use((_req, res) => {
    res.status(404).json({ error: { code: "NOT_FOUND", message: "No such endpoint" } });
  });

  // Errors outside GraphQL (e.g. a body over the limit, malformed JSON) get the same closed codes;
  // a server fault's message stays in the log.
  app.use((error: Error & { status?: number; type?: string }, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (res.headersSent) {
      req.log.debug({ err: error }, "error after the answer was sent");
      return;
    }
    if (error instanceof AppError) {
      if (error.closed) req.log.error({ err: error, cause: error.cause }, `request failed: ${error.code}`);
      res.status(error.httpStatus).json({ errors: [{ message: error.publicMessage, extensions: { code: error.code } }] });
      return;
    }
    const status = error.status ?? 500;
    const code = status === 413 ? "PAYLOAD_TOO_LARGE" : status === 415 ? "UNSUPPORTED_MEDIA_TYPE" : status < 500 ? "BAD_USER_INPUT" : "INTERNAL_SERVER_ERROR";
    if (status >= 500) req.log.error({ err: error }, "unhandled HTTP error");
    const message =
      status >= 500 ? closedMessage("INTERNAL_SERVER_ERROR") : status === 413 ? `${closedMessage("PAYLOAD_TOO_LARGE")}: ${error.message}` : error.message;
    res.status(status >= 400 && status < 600 ? status : 500).json({ errors: [{ message, extensions: { code } }] });
  });

  return app;
}
