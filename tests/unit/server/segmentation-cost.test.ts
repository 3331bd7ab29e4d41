// The prices of segmentation (docs/segmentation.md): `segment` as one encoder-sized run whatever the
// image's source, base64 also by its size, masks per class at the largest class list; a hit's
// `segmentation` once per hit shown however many thresholds its aliases ask at, each alias's masks
// on their own, and nothing when not selected.
import { createRequire } from "node:module";
import { Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { loadTypeDefs } from "../../../src/schema/index.ts";
import { priceOperation, PRICES } from "../../../src/server/request-cost.ts";
import { SEGMENTATION_LIMITS } from "../../../src/services/limits.ts";

const { buildSchema } = createRequire(import.meta.url)("graphql") as typeof import("graphql");
const schema = buildSchema(loadTypeDefs());

function price(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return priceOperation(operation, fragments, variables, schema).total;
}

const MASKS = SEGMENTATION_LIMITS.pricedClasses * PRICES.mask;
const search = (first: number) => Math.round(PRICES.field + PRICES.text + first * PRICES.hit + PRICES.pool100);

describe("segmentation prices", () => {
  it("prices segment as one segmentation, stored or sent, and its masks when selected", () => {
    const summary = "{ classes { className areaFraction bbox { x y width height } maxProbability } }";
    expect(price(`{ segment(image: { id: "a" }) ${summary} }`)).toBe(PRICES.field + PRICES.segmentation);
    expect(price(`{ segment(image: { id: "a" }, threshold: 0.3) { classes { mask } } }`)).toBe(PRICES.field + PRICES.segmentation + MASKS);
    expect(price("query($i: ImageInput!) { segment(image: $i) { width } }", { i: { base64: "A".repeat(3 * 1024 * 1024) } })).toBe(
      PRICES.field + PRICES.segmentation + 3 * PRICES.base64MiB,
    );
    expect(price(`{ a: segment(image: { id: "a" }) { width } b: segment(image: { id: "b" }) { width } }`)).toBe(2 * (PRICES.field + PRICES.segmentation));
  });

  it("prices a hit's segmentation per hit shown, once however many thresholds, masks per alias", () => {
    const plain = price('{ searchImages(text: "effusion", first: 5) { rank } }');
    expect(plain).toBe(search(5));
    expect(price('{ searchImages(text: "effusion", first: 5) { rank segmentation { width } } }')).toBe(search(5) + 5 * PRICES.segmentation);
    expect(
      price(`{ searchImages(text: "effusion", first: 5) { rank
        low: segmentation(threshold: 0.2) { classes { mask } }
        high: segmentation(threshold: 0.8) { classes { mask } } } }`),
    ).toBe(search(5) + 5 * (PRICES.segmentation + 2 * MASKS));
    expect(price('fragment S on ImageHit { segmentation { classes { mask } } } { similarImages(image: { id: "a" }, first: 4) { ...S } }')).toBe(
      Math.round(PRICES.field + PRICES.imageStored + 4 * PRICES.hit + PRICES.pool100 + 4 * (PRICES.segmentation + MASKS)),
    );
  });
});
