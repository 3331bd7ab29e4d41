// Who may reach the HTTP server from a browser: the Host/Origin check that stops DNS rebinding when
// authentication is off, and CORS, closed unless CORS_ORIGINS names an origin. Pure checks plus
// the Express middleware that applies them; no business logic.
import type http from "node:http";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { AppError, type ErrorCode } from "../errors/app-error.ts";

/** The closed JSON error every HTTP-level refusal answers with. */
export function sendError(res: Response, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  const status = new AppError(code, message).httpStatus;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * Answers at once with the closed JSON error, bypassing Express's send (graphql-upload holds that
 * back until the body has arrived), then closes the connection once the answer is out, so a body
 * still arriving is not read. A request already answered is only closed.
 */
export function answerNow(req: http.IncomingMessage, res: http.ServerResponse, code: ErrorCode, message: string): void {
  if (res.headersSent) {
    if (!req.readableEnded) req.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ message, extensions: { code } }] });
  if (!req.readableEnded) res.once("finish", () => req.destroy());
  res.writeHead(new AppError(code, message).httpStatus, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.end(body);
}

/**
 * The host name of a Host header value, lower-cased ("[::1]" keeps its brackets), or undefined when
 * it is not a plain host[:port] (userinfo, paths, bad ports and empty values are all refused).
 */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!match) return undefined;
  if (match[2] !== undefined && Number(match[2]) > 65535) return undefined;
  return match[1]!.toLowerCase();
}

/** Whether a Host header names one of the allowed host names (any port). */
export function hostAllowed(header: string | undefined, allowedHosts: readonly string[]): boolean {
  const name = hostNameOf(header);
  return name !== undefined && allowedHosts.includes(name);
}

/** The origin of an Origin header value, or undefined for "null" and anything that is not http(s). */
export function originOf(header: string): URL | undefined {
  try {
    const url = new URL(header);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === header ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a page at this Origin may call a server with authentication off. */
export function originAllowed(header: string, allowedHosts: readonly string[], corsOrigins: readonly string[]): boolean {
  const origin = originOf(header);
  if (!origin) return false;
  return corsOrigins.includes(origin.origin) || allowedHosts.includes(origin.hostname.toLowerCase());
}

/**
 * With authentication off, refuses (403 FORBIDDEN) a request whose Host is not an allowed name, or
 * whose Origin, when sent, is neither an allowed host nor a CORS origin: a page on another site
 * whose name has been re-pointed at 127.0.0.1 (DNS rebinding) sends its own name in both.
 */
export function hostGuard(allowedHosts: readonly string[], corsOrigins: readonly string[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (!hostAllowed(req.headers.host, allowedHosts)) {
      req.log.warn({ host: req.headers.host ?? null }, "refused a request for a host name that is not allowed (AUTH=off)");
      sendError(res, "FORBIDDEN", "This server answers only requests for its allowed host names");
      return;
    }
    if (origin !== undefined && !originAllowed(origin, allowedHosts, corsOrigins)) {
      req.log.warn({ origin }, "refused a request from an origin that is not allowed (AUTH=off)");
      sendError(res, "FORBIDDEN", "This server answers only pages from its allowed origins");
      return;
    }
    next();
  };
}

const CORS_METHODS = "GET, POST";
const CORS_HEADERS = "authorization, content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id";
const CORS_MAX_AGE_SECONDS = "600";

/**
 * CORS for /graphql: a listed origin gets Access-Control-Allow-Origin (never "*", never
 * credentials), any other gets no CORS header, so browsers keep the answer from its page.
 * Preflights are answered here with 204.
 */
export function cors(corsOrigins: readonly string[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    res.vary("Origin");
    const origin = req.headers.origin;
    const allowed = origin !== undefined && corsOrigins.includes(origin);
    if (allowed) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("access-control-expose-headers", "retry-after, x-request-id");
    }
    if (req.method !== "OPTIONS") {
      next();
      return;
    }
    if (allowed) {
      res.setHeader("access-control-allow-methods", CORS_METHODS);
      res.setHeader("access-control-allow-headers", CORS_HEADERS);
      res.setHeader("access-control-max-age", CORS_MAX_AGE_SECONDS);
    }
    res.status(204).end();
  };
}
