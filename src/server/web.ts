// The browser pages: the explorer at / and GraphiQL at GET /graphql (a browser's navigation there),
// both built by Vite into web/dist at install (`npm ci` runs `npm run web:build`) and served from
// this process, so nothing is loaded from the internet. Assets are content-hashed under /ui/assets.
// Every page gets a content security policy that lets it talk to this origin only.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response, type Router } from "express";

/** Where `vite build` writes the pages (web/vite.config.ts). */
export const WEB_DIST = fileURLToPath(new URL("../../web/dist", import.meta.url));

export interface WebOptions {
  /** The explorer at / (WEB_UI). */
  explorer: boolean;
  /** GraphiQL at GET /graphql for browsers (GRAPHQL_IDE). */
  ide: boolean;
  /** The built pages; WEB_DIST unless a test points elsewhere. */
  distDir?: string;
}

/**
 * Same origin only. Styles may be inline (GraphiQL's editor sets them at run time), images may be
 * data: URLs (thumbnails and heatmaps arrive so) or blob: URLs (an upload's preview), and the
 * editor's workers are files of this origin.
 */
export const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>gloria-search</title>
<p>The browser pages are not built. Run <code>npm run web:build</code> (npm ci runs it) and reload.</p>`;

function sendPage(res: Response, file: string): void {
  res.setHeader("content-security-policy", PAGE_POLICY);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("cache-control", "no-cache");
  if (!fs.existsSync(file)) {
    res.status(503).type("html").send(NOT_BUILT);
    return;
  }
  res.type("html").sendFile(file);
}

/** A browser navigating to the URL (not a GraphQL client): GET, HTML accepted, no operation in the query string. */
export function isPageRequest(req: Request): boolean {
  return req.method === "GET" && req.query.query === undefined && (req.headers.accept ?? "").includes("text/html");
}

/**
 * GET /, /ui/assets/* and the IDE's page for browser requests to /graphql. Plain middleware rather
 * than router.get: a router answers OPTIONS for its GET routes itself, which would pre-empt the
 * API's CORS preflight handling of /graphql.
 */
export function webRoutes(options: WebOptions): Router {
  const dist = options.distDir ?? WEB_DIST;
  const router = express.Router();
  if (options.explorer) {
    router.use((req: Request, res: Response, next: NextFunction) => {
      if ((req.method !== "GET" && req.method !== "HEAD") || req.path !== "/") return next();
      sendPage(res, path.join(dist, "index.html"));
    });
  }
  if (options.explorer || options.ide) {
    router.use(
      "/ui/assets",
      express.static(path.join(dist, "assets"), {
        index: false,
        fallthrough: true,
        immutable: true,
        maxAge: "365d",
        setHeaders(res) {
          res.setHeader("x-content-type-options", "nosniff");
        },
      }),
    );
  }
  if (options.ide) {
    router.use((req: Request, res: Response, next: NextFunction) => {
      if (req.path !== "/graphql" || !isPageRequest(req)) return next();
      sendPage(res, path.join(dist, "ide.html"));
    });
  }
  return router;
}
