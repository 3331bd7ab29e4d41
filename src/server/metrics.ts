// Prometheus metrics of one app instance, in its own registry (no global default registry, so two
// apps in one process — as in tests — do not collide).
import type { NextFunction, Request, Response } from "express";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  readonly graphqlOperations: Counter<"operation" | "outcome">;
  /** Express middleware counting requests and timing them by route and status. */
  httpMiddleware(req: Request, res: Response, next: NextFunction): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "gloria_" });
  const httpRequests = new Counter({
    name: "gloria_http_requests_total",
    help: "HTTP requests served, by method, route and status code.",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: "gloria_http_request_duration_seconds",
    help: "HTTP request latency in seconds, by method, route and status code.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const graphqlOperations = new Counter({
    name: "gloria_graphql_operations_total",
    help: "GraphQL operations, by operation name and outcome (ok or the error code).",
    labelNames: ["operation", "outcome"] as const,
    registers: [registry],
  });

  return {
    registry,
    graphqlOperations,
    httpMiddleware(req, res, next) {
      const end = httpDuration.startTimer();
      res.on("finish", () => {
        // Label by the mounted path, never the raw URL, to keep label cardinality bounded.
        const route = req.route?.path ?? (req.baseUrl || (res.statusCode === 404 ? "unmatched" : req.path));
        const labels = { method: req.method, route: String(route), status: String(res.statusCode) };
        httpRequests.inc(labels);
        end(labels);
      });
      next();
    },
  };
}
