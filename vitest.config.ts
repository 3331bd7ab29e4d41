import { defineConfig } from "vitest/config";

// Two groups, one after the other (sequence.groupOrder): the unit tests, which share nothing, in
// parallel threads (`npm run test:unit`, under 30 s); then every suite that starts servers, databases,
// browsers or child processes, one file at a time, with timeouts for real work.
// The JSON report is what .ci/run reads for its closing "N passed, N failed" line.
export default defineConfig({
  test: {
    reporters: ["default", "json"],
    outputFile: { json: ".vitest-results.json" },
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          pool: "threads",
          fileParallelism: true,
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: "integration",
          include: ["tests/**/*.test.ts"],
          exclude: ["tests/unit/**"],
          pool: "forks",
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
