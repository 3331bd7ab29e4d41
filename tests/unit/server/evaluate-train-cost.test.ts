// The price of an evaluation with a training manifest: the test rows and resamples as before, plus
// the training rows (trainLimit, or the most a request may read) and the linear probe's fits.
import { createRequire } from "node:module";
import { Kind, parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { loadTypeDefs } from "../../../src/schema/index.ts";
import { priceOperation, PRICES } from "../../../src/server/request-cost.ts";
import { EVALUATION_LIMITS } from "../../../src/services/limits.ts";

// Built by the graphql module the server's schema comes from (request-cost.ts says why).
const { buildSchema } = createRequire(import.meta.url)("graphql") as typeof import("graphql");
const schema = buildSchema(loadTypeDefs());
const QUERY = "query($input: EvaluateInput!) { evaluate(input: $input) { id linearProbe { points { fraction } } } }";

function price(input: Record<string, unknown>): number {
  const operation = parse(QUERY).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return priceOperation(operation, {}, { input }, schema).total;
}

describe("the price of evaluate with a training manifest", () => {
  const base = PRICES.field + 1000 * PRICES.evaluationRow + 10 * PRICES.bootstrap100;

  it("adds the training rows and the fits only when a training manifest is named", () => {
    expect(price({ manifest: "m.csv", limit: 1000 })).toBe(base);
    expect(price({ manifest: "m.csv", limit: 1000, trainManifest: "t.csv", trainLimit: 2000 })).toBe(
      base + 2000 * PRICES.evaluationRow + PRICES.classifierTraining,
    );
  });

  it("prices a training manifest without trainLimit at the most rows a request reads, and every default fits the default budget", () => {
    expect(price({ manifest: "m.csv", limit: 1000, trainManifest: "t.csv" })).toBe(
      base + EVALUATION_LIMITS.trainRows * PRICES.evaluationRow + PRICES.classifierTraining,
    );
    expect(price({ manifest: "m.csv", trainManifest: "t.csv" })).toBeLessThanOrEqual(10_000);
    // The largest request: every bound at its top.
    const top = price({ manifest: "m.csv", limit: EVALUATION_LIMITS.rows, trainManifest: "t.csv", bootstrapIterations: EVALUATION_LIMITS.bootstrapIterations });
    expect(top).toBe(
      PRICES.field + (EVALUATION_LIMITS.rows + EVALUATION_LIMITS.trainRows) * PRICES.evaluationRow + 100 * PRICES.bootstrap100 + PRICES.classifierTraining,
    );
  });
});
