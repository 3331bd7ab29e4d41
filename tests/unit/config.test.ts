import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/config.ts";

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("config", () => {
  it("runs on the embedded defaults with an empty environment", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.qdrantUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve("./data"));
    expect(config.modelDir).toBe(path.resolve("models/gloria-phantom"));
    expect(config.host).toBe("127.0.0.1");
    expect(config.port).toBe(4000);
    expect(config.executionProvider).toBe("cpu");
    expect(config.auth).toBe(true);
  });

  it("reads every documented variable", () => {
    const config = loadConfig({
      DATABASE_URL: "postgresql://u@db:5432/gloria",
      QDRANT_URL: "http://qdrant:6333",
      QDRANT_API_KEY: "secret",
      GLORIA_DATA_DIR: "/var/lib/gloria",
      GLORIA_MODEL_DIR: "/models/gloria-chexpert",
      HOST: "0.0.0.0",
      PORT: "8080",
      LOG_LEVEL: "debug",
      EXECUTION_PROVIDER: "cuda",
      AUTH: "on",
    });
    expect(config).toMatchObject({
      databaseUrl: "postgresql://u@db:5432/gloria",
      qdrantUrl: "http://qdrant:6333",
      qdrantApiKey: "secret",
      dataDir: "/var/lib/gloria",
      modelDir: "/models/gloria-chexpert",
      host: "0.0.0.0",
      port: 8080,
      logLevel: "debug",
      executionProvider: "cuda",
      auth: true,
    });
  });

  it("keeps local features in files as float16 by default, and reads the store and precision", () => {
    expect(loadConfig({})).toMatchObject({ localFeatures: "stored", localFeatureStore: "files", localFeaturePrecision: "float16" });
    expect(loadConfig({ LOCAL_FEATURES: "cached", LOCAL_FEATURE_STORE: "postgres" })).toMatchObject({ localFeatures: "cached", localFeatureStore: "postgres" });
    expect(loadConfig({ LOCAL_FEATURE_PRECISION: "int8" }).localFeaturePrecision).toBe("int8");
  });

  it("keeps ONNX Runtime's threads from spin-waiting unless asked", () => {
    expect(loadConfig({}).onnxSpinWait).toBe(false);
    expect(loadConfig({ ONNX_SPIN_WAIT: "on" }).onnxSpinWait).toBe(true);
  });

  it("bounds the heatmap size by the thumbnail kept at ingestion", () => {
    expect(loadConfig({}).heatmapMaxSide).toBe(512);
    expect(loadConfig({ HEATMAP_MAX_SIDE: "256" }).heatmapMaxSide).toBe(256);
    expect(problemsOf({ HEATMAP_MAX_SIDE: "1024" }).some((p) => p.startsWith("HEATMAP_MAX_SIDE"))).toBe(true);
  });

  it("refuses an unknown local feature store or precision, and int8 in Postgres", () => {
    const problems = problemsOf({ LOCAL_FEATURE_STORE: "s3", LOCAL_FEATURE_PRECISION: "int4" });
    expect(problems.some((p) => p.startsWith("LOCAL_FEATURE_STORE"))).toBe(true);
    expect(problems.some((p) => p.startsWith("LOCAL_FEATURE_PRECISION"))).toBe(true);
    expect(problemsOf({ LOCAL_FEATURE_STORE: "postgres", LOCAL_FEATURE_PRECISION: "int8" })).toEqual([
      "LOCAL_FEATURE_PRECISION: int8 needs LOCAL_FEATURE_STORE=files (Postgres keeps local features as float16)",
    ]);
  });

  it("serves several model folders, the first as the default, and refuses a list that cannot be served", () => {
    const config = loadConfig({ GLORIA_MODEL_DIRS: "models/a, models/b" });
    expect(config.modelDirs).toEqual([path.resolve("models/a"), path.resolve("models/b")]);
    expect(config.modelDir).toBe(path.resolve("models/a"));
    expect(loadConfig({}).modelDirs).toEqual([path.resolve("models/gloria-phantom")]);
    expect(loadConfig({ GLORIA_MODEL_DIR: "models/a", GLORIA_MODEL_DIRS: "models/a,models/b" }).modelDir).toBe(path.resolve("models/a"));
    expect(problemsOf({ GLORIA_MODEL_DIRS: "models/a,./models/a" })[0]).toMatch(/^GLORIA_MODEL_DIRS: lists a folder twice/);
    expect(problemsOf({ GLORIA_MODEL_DIRS: "a,b,c,d,e" })[0]).toMatch(/^GLORIA_MODEL_DIRS: at most 4 models/);
    expect(problemsOf({ GLORIA_MODEL_DIRS: " , " })[0]).toMatch(/^GLORIA_MODEL_DIRS: lists no folder/);
    expect(problemsOf({ GLORIA_MODEL_DIR: "models/b", GLORIA_MODEL_DIRS: "models/a,models/b" })[0]).toMatch(
      /^GLORIA_MODEL_DIR: when GLORIA_MODEL_DIRS is set too/,
    );
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: " " }).databaseUrl).toBeUndefined();
  });

  it("reports every bad variable at once", () => {
    const problems = problemsOf({
      DATABASE_URL: "mysql://nope",
      QDRANT_URL: "not a url",
      PORT: "70000",
      LOG_LEVEL: "loud",
      EXECUTION_PROVIDER: "tpu",
      AUTH: "maybe",
    });
    const named = problems.map((p) => p.split(":")[0]);
    expect(named).toEqual(expect.arrayContaining(["DATABASE_URL", "QDRANT_URL", "PORT", "LOG_LEVEL", "EXECUTION_PROVIDER", "AUTH"]));
  });

  it("refuses AUTH=off unless the server binds to loopback", () => {
    expect(problemsOf({ AUTH: "off", HOST: "0.0.0.0" })).toEqual([expect.stringContaining("AUTH: off is only allowed")]);
    expect(loadConfig({ AUTH: "off" }).auth).toBe(false);
    expect(loadConfig({ AUTH: "off", HOST: "::1" }).auth).toBe(false);
  });

  it("limits requests by default: JSON bodies, uploads per request, rate, time and cost", () => {
    expect(loadConfig({})).toMatchObject({
      maxUploadBytes: 50 * 1024 * 1024,
      maxJsonBodyBytes: 4 * 1024 * 1024,
      maxRequestUploadBytes: 200 * 1024 * 1024,
      rateLimitPerMinute: 600,
      rateLimitBurst: 60,
      requestTimeoutSeconds: 60,
      maxRequestCost: 10_000,
    });
    expect(
      loadConfig({
        MAX_JSON_BODY_BYTES: "1024",
        MAX_REQUEST_UPLOAD_BYTES: "2048",
        RATE_LIMIT_PER_MINUTE: "0",
        RATE_LIMIT_BURST: "5",
        REQUEST_TIMEOUT_SECONDS: "0.5",
        MAX_REQUEST_COST: "500",
      }),
    ).toMatchObject({
      maxJsonBodyBytes: 1024,
      maxRequestUploadBytes: 2048,
      rateLimitPerMinute: 0,
      rateLimitBurst: 5,
      requestTimeoutSeconds: 0.5,
      maxRequestCost: 500,
    });
    const named = problemsOf({
      MAX_JSON_BODY_BYTES: "0",
      MAX_REQUEST_UPLOAD_BYTES: "-1",
      RATE_LIMIT_PER_MINUTE: "-1",
      RATE_LIMIT_BURST: "x",
      REQUEST_TIMEOUT_SECONDS: "7200",
      MAX_REQUEST_COST: "1.5",
    }).map((p) => p.split(":")[0]);
    expect(named).toEqual([
      "MAX_JSON_BODY_BYTES",
      "MAX_REQUEST_UPLOAD_BYTES",
      "RATE_LIMIT_PER_MINUTE",
      "RATE_LIMIT_BURST",
      "REQUEST_TIMEOUT_SECONDS",
      "MAX_REQUEST_COST",
    ]);
  });

  it("turns introspection off in production unless asked, and on elsewhere unless refused", () => {
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: "production" }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: "production", GRAPHQL_INTROSPECTION: "on" }).introspection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: "off" }).introspection).toBe(false);
    expect(problemsOf({ GRAPHQL_INTROSPECTION: "yes" }).map((p) => p.split(":")[0])).toEqual(["GRAPHQL_INTROSPECTION"]);
  });

  it("allows loopback Host names and no CORS origin by default, and reads both lists", () => {
    expect(loadConfig({})).toMatchObject({ allowedHosts: ["localhost", "127.0.0.1", "[::1]"], corsOrigins: [] });
    expect(loadConfig({ ALLOWED_HOSTS: "Gloria.internal, 10.0.0.5", CORS_ORIGINS: "https://portal.example.org, http://localhost:3000" })).toMatchObject({
      allowedHosts: ["gloria.internal", "10.0.0.5"],
      corsOrigins: ["https://portal.example.org", "http://localhost:3000"],
    });
    const named = problemsOf({ ALLOWED_HOSTS: "evil.example:80", CORS_ORIGINS: "https://portal.example.org/app" }).map((p) => p.split(":")[0]);
    expect(named).toEqual(["ALLOWED_HOSTS", "CORS_ORIGINS"]);
    expect(problemsOf({ CORS_ORIGINS: "*" }).map((p) => p.split(":")[0])).toEqual(["CORS_ORIGINS"]);
  });

  it("names the problem in the message", () => {
    expect(() => loadConfig({ PORT: "x" })).toThrow(/PORT/);
  });
});
