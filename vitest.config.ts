import { defineConfig } from "vitest/config";

// The JSON report is what .ci/run reads for its closing "N passed, N failed" line.
export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-results.json" },
  },
});
