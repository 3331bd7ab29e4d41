// docker-compose.yml (and the GPU override) must stay valid for users who run it; no Docker engine
// is needed to check that.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { requires } from "../helpers/requirements.ts";

const hasCompose = requires(spawnSync("docker-compose", ["version"]).status === 0, {
  what: "docker-compose",
  how: "install Debian's docker-compose (as .ci/run does)",
  ci: true,
});

describe.runIf(hasCompose)("docker-compose.yml", () => {
  it("is valid on its own", () => {
    const result = spawnSync("docker-compose", ["config", "-q"], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("is valid with the GPU override, which asks for an NVIDIA device and the CUDA provider", () => {
    const result = spawnSync("docker-compose", ["-f", "docker-compose.yml", "-f", "docker-compose.gpu.yml", "config"], { encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("driver: nvidia");
    expect(result.stdout).toContain("EXECUTION_PROVIDER: cuda");
  });

  it("wires the API to Postgres and Qdrant", () => {
    const result = spawnSync("docker-compose", ["config"], { encoding: "utf8" });
    expect(result.stdout).toMatch(/DATABASE_URL: postgresql:\/\/gloria:[^@]+@postgres:5432\/gloria/);
    expect(result.stdout).toContain("QDRANT_URL: http://qdrant:6333");
    expect(result.stdout).toMatch(/image: qdrant\/qdrant:v\d+\.\d+\.\d+/);
  });
});
