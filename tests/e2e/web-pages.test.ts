// The browser pages over plain HTTP: the explorer at /, GraphiQL for a browser's GET /graphql (and
// only for it: GraphQL clients are answered as before), both with a same-origin content policy and
// content-hashed assets; each page can be switched off, the IDE is off by default in production,
// Apollo's internet-loaded landing page is never served, and the Host check covers the pages too.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_DIST, webRoutes } from "../../src/server/web.ts";
import { requires } from "../helpers/requirements.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";

const built = fs.existsSync(path.join(WEB_DIST, "index.html")) && fs.existsSync(path.join(WEB_DIST, "ide.html"));
const BUILT_PAGES = { what: "the built pages (web/dist)", how: "run npm run web:build (npm ci runs it)", ci: true };
const TINY = { GLORIA_MODEL_DIR: "tests/fixtures/models/tiny" };
const HTML = { accept: "text/html,application/xhtml+xml" };

describe.runIf(requires(built, BUILT_PAGES))("the browser pages", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ ...TINY, AUTH: "off" });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it("serves the explorer at / with a same-origin content policy, and its hashed assets for a year", async () => {
    const res = await fetch(`${t.app.url}/`, { headers: HTML });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const policy = res.headers.get("content-security-policy")!;
    expect(policy).toContain("default-src 'self'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain("gloria-search explorer");
    const scripts = [...html.matchAll(/src="(\/ui\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    // Nothing the page names comes from another host.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    const asset = await fetch(`${t.app.url}${scripts[0]}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(asset.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${t.app.url}/ui/assets/nothing-here.js`)).status).toBe(404);
    expect((await fetch(`${t.app.url}/ui/assets/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it("serves GraphiQL to a browser at GET /graphql and GraphQL to everyone else", async () => {
    const page = await fetch(`${t.app.url}/graphql`, { headers: HTML });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("GraphQL IDE");
    expect(page.headers.get("content-security-policy")).toContain("worker-src 'self'");
    const post = await t.graphql<{ __typename: string }>("{ __typename }");
    expect(post.body.data?.__typename).toBe("Query");
    // A GET that carries an operation is a GraphQL request, whatever else it accepts.
    const get = await fetch(`${t.app.url}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
      headers: { accept: "text/html,application/json", "apollo-require-preflight": "1" },
    });
    expect(await get.json()).toEqual({ data: { __typename: "Query" } });
  });

  it("refuses pages for a Host that is not allowed when authentication is off", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(t.app.url);
      const req = request({ host: url.hostname, port: url.port, path: "/", headers: { host: "attacker.example", ...HTML } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe.runIf(requires(built, BUILT_PAGES))("switching the pages off", () => {
  const cases: Array<{ env: NodeJS.ProcessEnv; explorer: boolean; ide: boolean }> = [
    { env: { GRAPHQL_IDE: "off" }, explorer: true, ide: false },
    { env: { NODE_ENV: "production" }, explorer: true, ide: false },
    { env: { NODE_ENV: "production", GRAPHQL_IDE: "on" }, explorer: true, ide: true },
    { env: { WEB_UI: "off" }, explorer: false, ide: true },
  ];
  for (const { env, explorer, ide } of cases) {
    it(`${JSON.stringify(env)}: explorer ${explorer ? "on" : "off"}, IDE ${ide ? "on" : "off"}`, async () => {
      const t = await startTestApp({ ...TINY, ...env });
      try {
        const root = await fetch(`${t.app.url}/`, { headers: HTML });
        expect(root.status).toBe(explorer ? 200 : 404);
        const graphql = await fetch(`${t.app.url}/graphql`, { headers: HTML });
        const body = await graphql.text();
        if (ide) {
          expect(body).toContain("GraphQL IDE");
        } else {
          // Apollo's landing page (which loads its IDE from the internet) is not served either.
          expect(graphql.status).toBe(400);
          expect(graphql.headers.get("content-type")).toMatch(/application\/json/);
          expect(body).not.toContain("<html");
        }
      } finally {
        await t.stop();
      }
    });
  }
});

describe("pages that were not built", () => {
  it("answer 503 with how to build them, not a stack trace or an empty page", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-web-"));
    const app = express().use(webRoutes({ explorer: true, ide: true, distDir: empty }));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const { port } = server.address() as { port: number };
      for (const url of [`http://127.0.0.1:${port}/`, `http://127.0.0.1:${port}/graphql`]) {
        const res = await fetch(url, { headers: HTML });
        expect(res.status).toBe(503);
        const text = await res.text();
        expect(text).toContain("npm run web:build");
        expect(text).not.toContain(empty);
      }
    } finally {
      server.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
