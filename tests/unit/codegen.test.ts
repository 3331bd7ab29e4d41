// The committed GraphQL types must be what the SDL generates, so a schema change the code does not
// follow fails here (and in tsc).
import fs from "node:fs";
import { generate } from "@graphql-codegen/cli";
import { describe, expect, it } from "vitest";
import config from "../../codegen.ts";

describe("generated GraphQL types", () => {
  it("match the SDL in src/schema", async () => {
    const outputs = (await generate({ ...config, silent: true }, false)) as Array<{ filename: string; content: string }>;
    expect(outputs.length).toBeGreaterThan(0);
    for (const output of outputs) {
      expect(fs.readFileSync(output.filename, "utf8"), `${output.filename} is stale: run npm run codegen`).toBe(output.content);
    }
  });
});
