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

  it("names the problem in the message", () => {
    expect(() => loadConfig({ PORT: "x" })).toThrow(/PORT/);
  });
});
