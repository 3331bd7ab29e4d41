// The HTTP surface tried as an attacker would, against live servers on loopback: AUTH=off pushed
// onto the network, DNS rebinding (Host and Origin), CORS, keys in the logs, store internals in
// error messages, unbounded metric labels, schema discovery, oversized bodies and uploads, floods
// and slow requests. Each attack must end in the safe outcome while /healthz answers within 100 ms.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { configFromFlags } from "../../src/cli/commands/server.commands.ts";
import { ConfigError, loadConfig, withOverrides } from "../../src/config/config.ts";
import { AppError } from "../../src/errors/app-error.ts";
import { createLogger, silentLogger } from "../../src/logging/logger.ts";
import { requestDeadline } from "../../src/server/http.ts";
import type { ReadinessProbe } from "../../src/stores/readiness.ts";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";
import { createTestDatabase } from "../helpers/test-database.ts";
import { whileHealthy } from "./harness.ts";

const TINY_MODEL = "tests/fixtures/models/tiny";

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with exactly the headers given (fetch would set Host itself). */
function raw(baseUrl: string, options: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port,
        method: options.method ?? "POST",
        path: options.path ?? "/graphql",
        headers: options.headers,
        setHost: false,
        agent: false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

const HEALTH_QUERY = JSON.stringify({ query: "{ health { status } }" });
const jsonHeaders = (host: string, extra: Record<string, string> = {}) => ({ host, "content-type": "application/json", ...extra });

/** A logger whose output is kept in memory, to search it for secrets. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { logger: createLogger("info", stream), text: () => lines.join("") };
}

function expectClosedError(answer: { status: number; text: string }, status: number, code: string): { message: string } {
  expect(answer.status).toBe(status);
  const body = JSON.parse(answer.text) as { data?: unknown; errors: Array<{ message: string; extensions: { code: string } }> };
  expect(body.data).toBeUndefined();
  expect(body.errors).toHaveLength(1);
  expect(body.errors[0]!.extensions).toEqual({ code });
  return body.errors[0]!;
}

/** A multipart GraphQL request with `files` uploads, as a body and its boundary. */
function multipart(files: Buffer[]): { body: Buffer; boundary: string } {
  const boundary = `----gloria${randomUUID()}`;
  const names = files.map((_, i) => `f${i}`);
  const query = `query(${names.map((n) => `$${n}: Upload!`).join(", ")}) { ${names.map((n) => `${n}: searchReports(image: { upload: $${n} }) { rank }`).join(" ")} }`;
  const operations = JSON.stringify({ query, variables: Object.fromEntries(names.map((n) => [n, null])) });
  const map = JSON.stringify(Object.fromEntries(names.map((n, i) => [String(i), [`variables.${n}`]])));
  const parts: Buffer[] = [
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="operations"\r\n\r\n${operations}\r\n`),
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="map"\r\n\r\n${map}\r\n`),
  ];
  files.forEach((file, i) => {
    parts.push(
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${i}"; filename="x${i}.png"\r\ncontent-type: image/png\r\n\r\n`),
      file,
      Buffer.from("\r\n"),
    );
  });
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), boundary };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function refusesConnections(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/**
 * Starts an app and sends it one query first: the first GraphQL request and the first database
 * query compile and load lazily (a few hundred ms on a busy machine), which is start-up, not the
 * attack's doing.
 */
async function startWarmApp(env: NodeJS.ProcessEnv, overrides: Parameters<typeof startTestApp>[1] = {}): Promise<TestApp> {
  const t = await startTestApp(env, overrides);
  await t.graphql("{ health { status } }");
  await (await fetch(`${t.app.url}/metrics`)).text();
  return t;
}

const slowProbe: ReadinessProbe = { name: "slow", check: () => new Promise((resolve) => setTimeout(() => resolve({ ok: true, detail: "slow" }), 1_000)) };

describe("AUTH=off stays on loopback", () => {
  let t: TestApp;
  let noModel: string;

  beforeAll(async () => {
    noModel = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-no-model-"));
    t = await startWarmApp({ AUTH: "off", GLORIA_MODEL_DIR: noModel });
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(noModel, { recursive: true, force: true });
  });

  it("refuses AUTH=off with a non-loopback HOST when the configuration is read", async () => {
    await whileHealthy(t.app.url, async () => {
      for (const host of ["0.0.0.0", "::", "192.168.1.10", "gloria.example.org"]) {
        expect(() => loadConfig({ AUTH: "off", HOST: host }), host).toThrow(ConfigError);
      }
      expect(loadConfig({ AUTH: "off", HOST: "localhost" }).auth).toBe(false);
    });
  });

  it("refuses AUTH=off where the socket is bound when --host moved it off loopback, and listens on nothing", async () => {
    const database = await createTestDatabase();
    const port = await freePort();
    try {
      const config = loadConfig({
        AUTH: "off",
        PORT: String(port),
        LOG_LEVEL: "silent",
        GLORIA_DATA_DIR: database.dataDir,
        DATABASE_URL: database.databaseUrl,
        GLORIA_MODEL_DIR: noModel,
      });
      await whileHealthy(t.app.url, async () => {
        const error = await createApp(withOverrides(config, { host: "0.0.0.0" }), { logger: silentLogger() }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([expect.stringContaining("AUTH: off is only allowed when the server binds to a loopback address")]);
      });
      expect(await refusesConnections(port, "127.0.0.1")).toBe(true);
    } finally {
      await database.cleanup();
    }
  });

  it("makes `gloria serve --host 0.0.0.0` with AUTH=off fail before anything is opened", async () => {
    await whileHealthy(t.app.url, async () => {
      // HOST alone passes the configuration-time check; the flag that replaces it must not.
      for (const host of ["0.0.0.0", "::", "10.0.0.1"]) {
        expect(() => configFromFlags({ host, port: "0" }, { AUTH: "off", HOST: "127.0.0.1" }), host).toThrow(
          `AUTH: off is only allowed when the server binds to a loopback address (it would bind to ${host})`,
        );
      }
      expect(configFromFlags({ host: "::1" }, { AUTH: "off" })).toMatchObject({ auth: false, host: "::1" });
    });
  });

  it("answers a request for another host name (DNS rebinding) with 403 and serves the loopback names", async () => {
    const port = new URL(t.app.url).port;
    await whileHealthy(t.app.url, async () => {
      const refused = await raw(t.app.url, { headers: jsonHeaders("evil.example"), body: HEALTH_QUERY });
      expect(expectClosedError(refused, 403, "FORBIDDEN").message).not.toContain("evil");
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, "LOCALHOST", "[::1]:80"]) {
        const served = await raw(t.app.url, { headers: jsonHeaders(host), body: HEALTH_QUERY });
        expect(served.status, host).toBe(200);
      }
    });
  });

  it("refuses the other host name with the server's own port", async () => {
    const port = new URL(t.app.url).port;
    await whileHealthy(t.app.url, async () => {
      expectClosedError(await raw(t.app.url, { headers: jsonHeaders(`evil.example:${port}`), body: HEALTH_QUERY }), 403, "FORBIDDEN");
      expectClosedError(await raw(t.app.url, { method: "GET", path: "/metrics", headers: { host: `evil.example:${port}` } }), 403, "FORBIDDEN");
    });
  });

  it("refuses host names that only start like a loopback one, or carry user info", async () => {
    const port = new URL(t.app.url).port;
    await whileHealthy(t.app.url, async () => {
      for (const host of [`127.0.0.1.evil.example:${port}`, "localhost.evil.example", `127.0.0.1@evil.example:${port}`, "127.0.0.1:99999", "localhost."]) {
        expectClosedError(await raw(t.app.url, { headers: jsonHeaders(host), body: HEALTH_QUERY }), 403, "FORBIDDEN");
      }
    });
  });

  it("refuses a request without a Host header", async () => {
    const url = new URL(t.app.url);
    await whileHealthy(t.app.url, async () => {
      // HTTP/1.0 may omit Host, so it reaches the check; HTTP/1.1 without one is refused by Node itself.
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = net.connect({ host: url.hostname, port: Number(url.port) }, () => socket.end("GET /readyz HTTP/1.0\r\n\r\n"));
        let text = "";
        socket.on("data", (chunk) => (text += chunk.toString()));
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.[01] 403 /);
      expect(answer).toContain('"code":"FORBIDDEN"');
      const noHost11 = await raw(t.app.url, { headers: { "content-type": "application/json" }, body: HEALTH_QUERY });
      expect(noHost11.status).toBe(400);
      expect(noHost11.text).not.toContain('"data"');
    });
  });

  it("refuses pages from other origins, sandboxed pages (Origin: null) included, and lets loopback pages in", async () => {
    const port = new URL(t.app.url).port;
    const host = `127.0.0.1:${port}`;
    await whileHealthy(t.app.url, async () => {
      for (const origin of [
        "http://evil.example",
        `http://evil.example:${port}`,
        "null",
        "http://127.0.0.1.evil.example",
        "file://",
        "https://localhost.evil.example",
      ]) {
        const answer = await raw(t.app.url, { headers: jsonHeaders(host, { origin }), body: HEALTH_QUERY });
        expectClosedError(answer, 403, "FORBIDDEN");
        expect(answer.headers["access-control-allow-origin"], origin).toBeUndefined();
      }
      expect((await raw(t.app.url, { headers: jsonHeaders(host, { origin: "http://localhost:3000" }), body: HEALTH_QUERY })).status).toBe(200);
    });
  });

  it("says in /readyz what is not ready without naming the server's folders", async () => {
    const { result } = await whileHealthy(t.app.url, async () => {
      const res = await fetch(`${t.app.url}/readyz`);
      return { status: res.status, text: await res.text() };
    });
    expect(result.status).toBe(503);
    const body = JSON.parse(result.text) as { checks: Array<{ name: string; ok: boolean; detail: string | null }> };
    expect(body.checks.find((c) => c.name === "model")).toMatchObject({ ok: false, detail: expect.stringContaining("manifest.json") });
    expect(result.text).not.toContain(noModel);
    expect(result.text).not.toContain(os.tmpdir());
  });
});

describe("CORS, logs and error messages with authentication on", () => {
  let t: TestApp;
  let noModel: string;
  const logs = capturingLogger();
  const failingProbe: ReadinessProbe = { name: "disk", check: async () => ({ ok: false, detail: "disk full" }) };

  beforeAll(async () => {
    noModel = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-no-model-"));
    t = await startWarmApp({ GLORIA_MODEL_DIR: noModel, CORS_ORIGINS: "https://portal.example.org" }, { logger: logs.logger, probes: [failingProbe] });
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(noModel, { recursive: true, force: true });
  });

  it("gives an unlisted origin no CORS headers, on preflights and on requests", async () => {
    await whileHealthy(t.app.url, async () => {
      const preflight = await fetch(`${t.app.url}/graphql`, {
        method: "OPTIONS",
        headers: { origin: "https://evil.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      });
      expect(preflight.status).toBe(204);
      for (const name of ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers", "access-control-allow-credentials"]) {
        expect(preflight.headers.get(name), name).toBeNull();
      }
      const post = await fetch(`${t.app.url}/graphql`, {
        method: "POST",
        headers: { origin: "https://evil.example", "content-type": "application/json" },
        body: HEALTH_QUERY,
      });
      expect(post.headers.get("access-control-allow-origin")).toBeNull();
    });
  });

  it("answers a CORS_ORIGINS origin's preflight with that origin only, never * or credentials", async () => {
    await whileHealthy(t.app.url, async () => {
      const preflight = await fetch(`${t.app.url}/graphql`, {
        method: "OPTIONS",
        headers: {
          origin: "https://portal.example.org",
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get("access-control-allow-origin")).toBe("https://portal.example.org");
      expect(preflight.headers.get("access-control-allow-methods")).toBe("GET, POST");
      expect(preflight.headers.get("access-control-allow-headers")).toContain("authorization");
      expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
      expect(preflight.headers.get("vary")).toContain("Origin");
      const lookalike = await fetch(`${t.app.url}/graphql`, {
        method: "OPTIONS",
        headers: { origin: "https://portal.example.org.evil.example", "access-control-request-method": "POST" },
      });
      expect(lookalike.headers.get("access-control-allow-origin")).toBeNull();
    });
  });

  it("never writes a wrong API key to the logs when it refuses it (4xx)", async () => {
    const key = `gls_${randomBytes(24).toString("hex")}`;
    await whileHealthy(t.app.url, async () => {
      const { status, body } = await t.graphql("{ health { status } }", undefined, {
        authorization: `Bearer ${key}`,
        "x-api-key": key,
        cookie: `session=${key}`,
      });
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED" });
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(logs.text()).toContain('"statusCode":401');
    expect(logs.text()).toContain('"authorization":"[redacted]"');
    expect(logs.text()).not.toContain(key.slice(4));
  });

  it("never writes a valid API key to the logs when the answer is a server-side failure (5xx)", async () => {
    const { key } = await t.app.services.auth.createKey("redaction", ["read"]);
    await whileHealthy(t.app.url, async () => {
      const res = await fetch(`${t.app.url}/readyz`, { headers: { authorization: `Bearer ${key}`, "x-api-key": key } });
      expect(res.status).toBe(503);
      const { status } = await t.graphql("{ images(first: 1) { edges { node { id } } } }", undefined, { authorization: `Bearer ${key}` });
      expect(status).toBe(200);
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(logs.text()).toContain('"statusCode":503');
    expect(logs.text()).not.toContain(key.slice(4));
  });

  it("counts operations by the schema's root field, never by a name the client chose", async () => {
    const name = `Op_${randomUUID().replace(/-/g, "")}`;
    const alias = `a_${randomUUID().replace(/-/g, "")}`;
    await whileHealthy(t.app.url, async () => {
      for (let i = 0; i < 3; i++) {
        await t.graphql(`query ${name}${i} { health { status } }`);
        await t.graphql(`query ${name}x${i} { ${alias}: __typename }`);
        await t.graphql(`query ${name}y${i} { ${alias} }`);
        await fetch(`${t.app.url}/${name}${i}`);
      }
    });
    const text = await (await fetch(`${t.app.url}/metrics`)).text();
    expect(text).not.toContain(name);
    expect(text).not.toContain(alias);
    const operations = [...text.matchAll(/gloria_graphql_operations_total\{operation="([^"]+)"/g)].map((m) => m[1]);
    expect(operations).toEqual(expect.arrayContaining(["health", "other"]));
    expect(operations.every((o) => ["health", "images", "other"].includes(o!))).toBe(true);
    const routes = new Set([...text.matchAll(/gloria_http_requests_total\{method="[^"]+",route="([^"]+)"/g)].map((m) => m[1]));
    expect([...routes].every((r) => ["/graphql", "/healthz", "/readyz", "/metrics", "other"].includes(r!))).toBe(true);
  });
});

describe("error messages from stores", () => {
  let t: TestApp;
  const logs = capturingLogger();

  beforeAll(async () => {
    t = await startWarmApp({ AUTH: "off", GLORIA_MODEL_DIR: TINY_MODEL }, { logger: logs.logger });
    // The first search loads the tokenizer and compiles the search path; that is start-up, not the attack.
    await t.graphql('{ searchImages(text: "pleural effusion", first: 2) { rank } }');
  });
  afterAll(async () => t.stop());

  it("gives clients a closed message for a store failure and logs the full one with the request id", async () => {
    await t.app.runtime!.vectorStore.close();
    const requestId = `sec-store-${randomUUID()}`;
    const { result } = await whileHealthy(t.app.url, async () => {
      const res = await fetch(`${t.app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": requestId },
        body: JSON.stringify({ query: '{ searchImages(text: "pleural effusion", first: 2) { rank } }' }),
      });
      return (await res.json()) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
    });
    expect(result.errors[0]).toMatchObject({ message: "A data store is unavailable; try again later", extensions: { code: "STORE_UNAVAILABLE" } });
    expect(result.errors[0]!.extensions.details).toBeUndefined();
    const shown = JSON.stringify(result);
    expect(shown).not.toMatch(/closed|collection|gloria-tiny|\/tmp\/|node_modules/);
    await new Promise((r) => setTimeout(r, 50));
    const logged = logs
      .text()
      .split("\n")
      .find((line) => line.includes('"code":"STORE_UNAVAILABLE"'));
    expect(logged).toContain(requestId);
    expect(logged).toMatch(/is closed/);
  });
});

describe("schema discovery in production", () => {
  let t: TestApp;
  let noModel: string;

  beforeAll(async () => {
    noModel = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-no-model-"));
    t = await startWarmApp({ AUTH: "off", NODE_ENV: "production", GLORIA_MODEL_DIR: noModel });
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(noModel, { recursive: true, force: true });
  });

  it("refuses introspection when NODE_ENV=production", async () => {
    await whileHealthy(t.app.url, async () => {
      for (const query of ["{ __schema { types { name } } }", '{ __type(name: "Query") { fields { name } } }']) {
        const { status, body } = await t.graphql(query);
        expect(status).toBe(400);
        expect(body.data).toBeUndefined();
        expect(body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
        expect(JSON.stringify(body)).not.toMatch(/searchImages|ImageHit/);
      }
    });
  });

  it("hides 'Did you mean' suggestions of fields, enum values and arguments", async () => {
    await whileHealthy(t.app.url, async () => {
      const queries = [
        "{ healt { status } }",
        "{ health { statu } }",
        '{ searchImages(text: "x", rerank: { mode: REFERNCE }) { rank } }',
        '{ searchImages(txt: "x") { rank } }',
      ];
      for (const query of queries) {
        const { body } = await t.graphql(query);
        expect(body.errors?.length, query).toBeGreaterThan(0);
        expect(body.errors?.[0]?.extensions, query).toMatchObject({ code: "BAD_USER_INPUT" });
        const messages = (body.errors ?? []).map((e) => e.message).join("\n");
        expect(messages, query).not.toMatch(/Did you mean|"health"|REFERENCE/);
      }
    });
  });
});

describe("request limits", () => {
  let t: TestApp;
  let noModel: string;
  let tmp: string;
  const previousTmp = process.env.TMPDIR;

  beforeAll(async () => {
    noModel = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-no-model-"));
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-spool-"));
    t = await startWarmApp(
      {
        GLORIA_MODEL_DIR: noModel,
        MAX_JSON_BODY_BYTES: String(64 * 1024),
        MAX_UPLOAD_BYTES: String(1024 * 1024),
        MAX_REQUEST_UPLOAD_BYTES: String(128 * 1024),
        REQUEST_TIMEOUT_SECONDS: "0.3",
      },
      { probes: [slowProbe] },
    );
  });
  afterAll(async () => {
    process.env.TMPDIR = previousTmp;
    if (previousTmp === undefined) delete process.env.TMPDIR;
    await t.stop();
    fs.rmSync(noModel, { recursive: true, force: true });
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("refuses a JSON body over MAX_JSON_BODY_BYTES with 413", async () => {
    const padding = "x".repeat(100 * 1024);
    const { result } = await whileHealthy(t.app.url, async () =>
      fetch(`${t.app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ health { status } }", variables: { padding } }),
      }),
    );
    expectClosedError({ status: result.status, text: await result.text() }, 413, "PAYLOAD_TOO_LARGE");
  });

  it("refuses a multipart request over MAX_REQUEST_UPLOAD_BYTES from its Content-Length, though each file is under MAX_UPLOAD_BYTES", async () => {
    const { body, boundary } = multipart([randomBytes(60 * 1024), randomBytes(60 * 1024), randomBytes(60 * 1024)]);
    const { result } = await whileHealthy(t.app.url, async () =>
      raw(t.app.url, {
        headers: {
          host: new URL(t.app.url).host,
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "content-length": String(body.length),
          "apollo-require-preflight": "true",
        },
        body: body.toString("latin1"),
      }),
    );
    expect(expectClosedError(result, 413, "PAYLOAD_TOO_LARGE").message).toContain("MAX_REQUEST_UPLOAD_BYTES");
  });

  it("refuses a streamed multipart request once it passes the total, and deletes the files it spooled", async () => {
    process.env.TMPDIR = tmp;
    const { body, boundary } = multipart([randomBytes(100 * 1024), Buffer.alloc(0)]);
    // Everything up to the second file's bytes: the first file (100 KiB) is spooled; the second never ends.
    const head = body.subarray(0, body.indexOf(Buffer.from(`filename="x1.png"`)) + 60);
    let spooled = 0;
    const { result } = await whileHealthy(t.app.url, async () => {
      const url = new URL(t.app.url);
      return new Promise<RawAnswer>((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            method: "POST",
            path: "/graphql",
            headers: { "content-type": `multipart/form-data; boundary=${boundary}`, "apollo-require-preflight": "true" },
          },
          (res) => {
            let text = "";
            res.on("data", (chunk: Buffer) => (text += chunk.toString()));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
            res.on("error", reject);
          },
        );
        req.on("error", () => undefined);
        req.write(head);
        let sent = 0;
        const more = setInterval(() => {
          spooled = Math.max(spooled, fs.readdirSync(tmp).length);
          if (req.destroyed || sent > 4 * 1024 * 1024) {
            clearInterval(more);
            return;
          }
          req.write(randomBytes(16 * 1024));
          sent += 16 * 1024;
        }, 5);
        req.on("close", () => clearInterval(more));
      });
    });
    process.env.TMPDIR = previousTmp;
    expect(expectClosedError(result, 413, "PAYLOAD_TOO_LARGE").message).toContain("MAX_REQUEST_UPLOAD_BYTES");
    expect(spooled).toBeGreaterThan(0);
    for (let i = 0; i < 50 && fs.readdirSync(tmp).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it("answers a request past REQUEST_TIMEOUT_SECONDS with 503 TIMEOUT and keeps serving", async () => {
    const key = await t.app.services.auth.createKey("slow", ["read"]);
    const { result } = await whileHealthy(t.app.url, async () => {
      const started = performance.now();
      const res = await fetch(`${t.app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key.key}` },
        body: HEALTH_QUERY,
      });
      const answer = { status: res.status, text: await res.text(), ms: performance.now() - started };
      // The resolver finishes after the answer; its late result must be dropped without harm.
      await new Promise((r) => setTimeout(r, 1_000));
      return answer;
    });
    expect(expectClosedError(result, 503, "TIMEOUT").message).toBe("The request took too long and was cancelled");
    expect(result.ms).toBeLessThan(1_000);
    const after = await fetch(`${t.app.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key.key}` },
      body: JSON.stringify({ query: "{ __typename }" }),
    });
    expect(after.status).toBe(200);
  });

  it("aborts the request's signal at the timeout and when the client goes away", async () => {
    const reasons: unknown[] = [];
    const mini = express();
    mini.use((req, _res, next) => {
      (req as unknown as { log: unknown }).log = silentLogger();
      next();
    });
    mini.use("/timeout", requestDeadline(0.1));
    mini.use("/open", requestDeadline(0));
    mini.use((_req, res) => {
      const signal = res.locals.signal as AbortSignal;
      signal.addEventListener("abort", () => reasons.push(signal.reason), { once: true });
    });
    const server = http.createServer(mini);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    try {
      await whileHealthy(t.app.url, async () => {
        const timedOut = await fetch(`${base}/timeout`);
        expect(timedOut.status).toBe(503);
        expect(await timedOut.json()).toMatchObject({ errors: [{ extensions: { code: "TIMEOUT" } }] });
        const gone = new AbortController();
        const request = fetch(`${base}/open`, { signal: gone.signal }).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 100));
        gone.abort();
        await request;
        for (let i = 0; i < 50 && reasons.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      });
      expect(reasons).toHaveLength(2);
      expect(reasons[0]).toBeInstanceOf(AppError);
      expect((reasons[0] as AppError).code).toBe("TIMEOUT");
      expect((reasons[1] as Error).name).toBe("AbortError");
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("rate limits", () => {
  let t: TestApp;
  let noModel: string;

  beforeAll(async () => {
    noModel = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-no-model-"));
    t = await startWarmApp({ GLORIA_MODEL_DIR: noModel, RATE_LIMIT_PER_MINUTE: "6", RATE_LIMIT_BURST: "3" });
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(noModel, { recursive: true, force: true });
  });

  it("answers a caller past its burst with 429 RATE_LIMITED and Retry-After, and leaves other keys alone", async () => {
    const flooder = await t.app.services.auth.createKey("flooder", ["read"]);
    const other = await t.app.services.auth.createKey("other", ["read"]);
    const asKey = (key: string) => ({ authorization: `Bearer ${key}` });
    const { result } = await whileHealthy(t.app.url, async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++)
        statuses.push(
          (
            await fetch(`${t.app.url}/graphql`, {
              method: "POST",
              headers: { "content-type": "application/json", ...asKey(flooder.key) },
              body: JSON.stringify({ query: "{ __typename }" }),
            })
          ).status,
        );
      const limited = await fetch(`${t.app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...asKey(flooder.key) },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      const bystander = await fetch(`${t.app.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...asKey(other.key) },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      return {
        statuses,
        limited: { status: limited.status, retryAfter: limited.headers.get("retry-after"), text: await limited.text() },
        bystander: bystander.status,
      };
    });
    expect(result.statuses).toEqual([200, 200, 200]);
    expectClosedError(result.limited, 429, "RATE_LIMITED");
    expect(Number(result.limited.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(result.limited.retryAfter)).toBeLessThanOrEqual(10);
    expect(result.bystander).toBe(200);
  });

  it("limits guessed keys by address: wrong keys past the burst get 429 instead of 401", async () => {
    const { result } = await whileHealthy(t.app.url, async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++)
        statuses.push((await t.graphql("{ __typename }", undefined, { authorization: `Bearer gls_${randomBytes(24).toString("hex")}` })).status);
      return statuses;
    });
    expect(result).toContain(401);
    expect(result.at(-1)).toBe(429);
  });
});
