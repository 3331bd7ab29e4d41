// Prometheus metrics of one app instance, in its own registry (no global default registry, so two
// apps in one process — as in tests — do not collide).
import type { NextFunction, Request, Response } from "express";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The only route labels: the endpoints this server has, and "other" for any other path. */
export const ROUTES = ["/graphql", "/healthz", "/readyz", "/metrics"] as const;
const METHODS = new Set(["GET", "POST", "OPTIONS", "HEAD"]);

/** A closed label for a request's path: its endpoint, or "other" (a raw path would make a series per URL). */
export function routeLabel(path: string): string {
  return (ROUTES as readonly string[]).includes(path) ? path : "other";
}

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
    help: "GraphQL operations, by root field (or introspection, multiple, other) and outcome (ok or the error code).",
    labelNames: ["operation", "outcome"] as const,
    registers: [registry],
  });

  return {
    registry,
    graphqlOperations,
    httpMiddleware(req, res, next) {
      const end = httpDuration.startTimer();
      res.on("finish", () => {
        // Labels from closed sets only: the endpoint (never the raw URL), a known method, the status.
        const path = req.baseUrl || (typeof req.route?.path === "string" ? req.route.path : req.path);
        const labels = { method: METHODS.has(req.method) ? req.method : "other", route: routeLabel(path), status: String(res.statusCode) };
        httpRequests.inc(labels);
        end(labels);
      });
      next();
    },
  };
}
