// The prices of the classifier fields (docs/classifiers.md): predict by its images (uploads far above
// stored ones), rankImages as deep as a search page plus the scan a POOLED head needs,
// trainClassifier as one training.
import { createRequire } from "node:module";
import { Kind, parse, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { loadTypeDefs } from "../../../src/schema/index.ts";
import { priceOperation, PRICES } from "../../../src/server/request-cost.ts";

const { buildSchema } = createRequire(import.meta.url)("graphql") as typeof import("graphql");
const schema = buildSchema(loadTypeDefs());

function price(query: string, variables: Record<string, unknown> = {}): number {
  const operation = parse(query).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return priceOperation(operation, {}, variables, schema).total;
}

describe("classifier prices", () => {
  it("prices predict by its images", () => {
    expect(price('{ predict(images: [{ id: "a" }, { id: "b" }], classifier: "c") { imageId } }')).toBe(PRICES.field + 2 * PRICES.imageStored);
    expect(price('{ predict(images: [{ base64: "AAAA" }], classifier: "c") { imageId } }')).toBeGreaterThanOrEqual(PRICES.field + PRICES.imageBytes);
  });

  it("prices rankImages like a search page plus a POOLED head's scan, its default page included", () => {
    expect(price('{ rankImages(classifier: "c", className: "Edema") { edges { rank } } }')).toBe(
      Math.round(PRICES.field + 20 * PRICES.hit + PRICES.pool100 + PRICES.pooledScan),
    );
  });

  it("prices a training as one, whatever its input", () => {
    expect(price('mutation { trainClassifier(input: { name: "x", dataset: "d" }) { classifier { id } } }')).toBe(PRICES.field + PRICES.classifierTraining);
    expect(price('mutation { deleteClassifier(id: "x") { deleted } }')).toBe(PRICES.field);
  });
});
