// The HTTP surface over real requests: probes, metrics, the health query, and the error model.
import { spawn, spawnSync } from "node:child_process";
import net from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/test-app.ts";
import { createTestDatabase } from "../helpers/test-database.ts";

const TINY_MODEL = "tests/fixtures/models/tiny";

describe("HTTP server without a usable model", () => {
  let t: TestApp;
  let modelDir: string;

  beforeAll(async () => {
    modelDir = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-model-"));
    t = await startTestApp({ GLORIA_MODEL_DIR: modelDir });
  });
  afterAll(async () => {
    await t.stop();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  it("still answers /healthz", async () => {
    expect((await fetch(`${t.app.url}/healthz`)).status).toBe(200);
  });

  it("/readyz says which part is not ready", async () => {
    const res = await fetch(`${t.app.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { ready: boolean; checks: Array<{ name: string; ok: boolean; detail: string }> };
    expect(body.ready).toBe(false);
    expect(body.checks.find((c) => c.name === "database")).toMatchObject({ ok: true });
    expect(body.checks.find((c) => c.name === "model")).toMatchObject({ ok: false, detail: expect.stringContaining("manifest.json") });
  });
});

describe("HTTP server", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ GLORIA_MODEL_DIR: TINY_MODEL });
  });
  afterAll(async () => t.stop());

  it("answers /healthz while the process is up", async () => {
    const res = await fetch(`${t.app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("keeps a caller's request id", async () => {
    const res = await fetch(`${t.app.url}/healthz`, { headers: { "x-request-id": "portal-42" } });
    expect(res.headers.get("x-request-id")).toBe("portal-42");
  });

  it("/readyz is ready when the database, the model and the vector store are", async () => {
    const res = await fetch(`${t.app.url}/readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; ready: boolean; checks: Array<{ name: string; ok: boolean; detail: string | null }> };
    expect(body).toMatchObject({ status: "ready", ready: true });
    expect(body.checks.map((c) => c.name).sort()).toEqual(["database", "image-encoder-thread", "model", "vectors"]);
    expect(body.checks.find((c) => c.name === "model")?.detail).toMatch(/^gloria-tiny@1\.0\.0#[0-9a-f]{12}$/);
  });

  it("answers the health query", async () => {
    const { status, body } = await t.graphql<{ health: { status: string; ready: boolean; version: string; checks: Array<{ name: string }> } }>(
      "{ health { status ready version uptimeSeconds checks { name ok detail } } }",
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.health).toMatchObject({ status: "READY", ready: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(body.data?.health.checks.map((c) => c.name).sort()).toEqual(["database", "image-encoder-thread", "model", "vectors"]);
  });

  it("counts requests and latencies in /metrics", async () => {
    await fetch(`${t.app.url}/healthz`);
    const text = await (await fetch(`${t.app.url}/metrics`)).text();
    expect(text).toMatch(/gloria_http_requests_total\{method="GET",route="\/healthz",status="200"\} [1-9]/);
    expect(text).toMatch(/gloria_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz",status="200"\}/);
    // Operations are counted by the schema's root field, not by a name the client chose.
    expect(text).toMatch(/gloria_graphql_operations_total\{operation="health",outcome="ok"\} [1-9]/);
  });

  it("gives malformed GraphQL a typed error without internals", async () => {
    const { status, body } = await t.graphql("{ health { ");
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", reason: "GRAPHQL_PARSE_FAILED" });
    expect(JSON.stringify(body)).not.toMatch(/stacktrace|node_modules/);
  });

  it("gives an unknown field a typed error", async () => {
    const { body } = await t.graphql("{ health { nope } }");
    expect(body.errors?.[0]).toMatchObject({ message: expect.stringContaining("nope"), extensions: { code: "BAD_USER_INPUT" } });
  });

  it("rejects a body that is not JSON with a typed error", async () => {
    const res = await fetch(`${t.app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: "BAD_USER_INPUT" } }] });
  });

  it("refuses cross-site GET queries without the CSRF header", async () => {
    const res = await fetch(`${t.app.url}/graphql?query=${encodeURIComponent("{ health { status } }")}`);
    expect(res.status).toBe(400);
  });

  it("refuses a bad API key with UNAUTHENTICATED before running the query", async () => {
    const { status, body } = await t.graphql("{ health { status } }", undefined, { authorization: "Bearer gls_wrong" });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("accepts a valid API key", async () => {
    const { key } = await t.app.services.auth.createKey("e2e", ["read"]);
    const { status, body } = await t.graphql<{ health: { status: string } }>("{ health { status } }", undefined, { authorization: `Bearer ${key}` });
    expect(status).toBe(200);
    expect(body.data?.health.status).toBe("READY");
  });

  it("answers an unknown path with a typed 404", async () => {
    const res = await fetch(`${t.app.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: "NOT_FOUND" } });
  });
});

describe("gloria serve", () => {
  it("drains and exits cleanly on SIGTERM", async () => {
    const database = await createTestDatabase();
    const child = spawn(process.execPath, ["bin/gloria.mjs", "serve", "--port", "0"], {
      env: { ...process.env, GLORIA_DATA_DIR: database.dataDir, DATABASE_URL: database.databaseUrl ?? "", GLORIA_MODEL_DIR: TINY_MODEL, LOG_LEVEL: "info" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 60_000);
        child.stderr.on("data", () => {
          const match = /"url":"(http:\/\/[^"]+)".*gloria-search is ready/.exec(log);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
      expect(log).toContain("gloria-search stopped");
    } finally {
      child.kill("SIGKILL");
      await database.cleanup();
    }
  });

  it("runs the demo on the port PORT names, printing the explorer's address first", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    const database = await createTestDatabase();
    const child = spawn(process.execPath, ["bin/gloria.mjs", "demo", "--count", "4"], {
      env: {
        ...process.env,
        PORT: String(port),
        GLORIA_DATA_DIR: database.dataDir,
        DATABASE_URL: database.databaseUrl ?? "",
        GLORIA_MODEL_DIR: TINY_MODEL,
        LOG_LEVEL: "silent",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${out}`)), 90_000);
        child.stdout.on("data", () => {
          if (/Stop with Ctrl-C/.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once("exit", (code) => reject(new Error(`the demo exited (${code}):\n${out}`)));
      });
      expect(out.split("\n")[0]).toMatch(new RegExp(`^Explorer: http://127\\.0\\.0\\.1:${port}/ `));
      expect(out).toContain(`http://127.0.0.1:${port}/graphql`);
      expect(out).toContain("4 ingested");
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      child.kill("SIGKILL");
      await database.cleanup();
    }
  }, 120_000);

  it("exits non-zero naming a bad variable", async () => {
    const child = spawn(process.execPath, ["bin/gloria.mjs", "serve"], { env: { ...process.env, PORT: "not-a-port" }, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).not.toBe(0);
    expect(err).toContain("PORT");
  });

  it("exits non-zero with a clear message when the port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const database = await createTestDatabase();
    try {
      const result = spawnSync(process.execPath, ["bin/gloria.mjs", "serve", "--port", String(port)], {
        env: { ...process.env, GLORIA_DATA_DIR: database.dataDir, DATABASE_URL: database.databaseUrl ?? "", GLORIA_MODEL_DIR: TINY_MODEL, LOG_LEVEL: "silent" },
        encoding: "utf8",
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`CONFLICT: Cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    } finally {
      blocker.close();
      await database.cleanup();
    }
  });

  it("exits non-zero when the database is unreachable", async () => {
    const child = spawn(process.execPath, ["bin/gloria.mjs", "serve", "--port", "0"], {
      env: { ...process.env, DATABASE_URL: "postgresql://postgres@127.0.0.1:1/nowhere", LOG_LEVEL: "silent" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(err).toContain("STORE_UNAVAILABLE: Cannot connect to the database");
  });
});
