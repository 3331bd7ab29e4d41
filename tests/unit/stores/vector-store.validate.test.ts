// The vector store rules shared by both adapters: collection names from model ids, the refusal
// message, vector normalisation and rejection, the filter semantics, and their Qdrant translation.
import { describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { toQdrantFilter, toQdrantPayload } from "../../../src/stores/vector/qdrant.vector-store.ts";
import type { VectorFilter, VectorPayload } from "../../../src/stores/vector/vector-store.port.ts";
import { checkK, collectionName, filterPredicate, identityConflict, normalizedCopy } from "../../../src/stores/vector/vector-store.validate.ts";

const code = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return (error as AppError).code;
  }
  return "no error";
};

describe("collection names", () => {
  it("name a collection by model name, version, checksum and kind", () => {
    expect(collectionName({ modelId: "gloria-chexpert@1.0.0#9f86d081884c", kind: "image" })).toBe("gloria__gloria-chexpert__1.0.0__9f86d081884c__images");
    expect(collectionName({ modelId: "gloria-chexpert@1.0.0#9F86D081884C", kind: "report" })).toBe("gloria__gloria-chexpert__1.0.0__9f86d081884c__reports");
  });

  it("replace characters that Qdrant or a file system would not take", () => {
    const name = collectionName({ modelId: "my model/v2@2024.1 beta#abcdef012345", kind: "image" });
    expect(name).toBe("gloria__my_model_v2__2024.1_beta__abcdef012345__images");
    expect(collectionName({ modelId: "../../etc", kind: "image" })).toBe("gloria__.._.._etc__images");
  });

  it("explain a refusal with both identities", () => {
    const error = identityConflict("c1", { modelId: "a@1#000000000000", dim: 768 }, { modelId: "b@1#111111111111", dim: 128, kind: "image" });
    expect(error.code).toBe("CONFLICT");
    expect(error.expected).toBe(false);
    expect(error.message).toBe(
      "Vector collection c1 was built for model a@1#000000000000 (dim 768); the loaded model is b@1#111111111111 (dim 128). " +
        "Re-index with the loaded model or load the model it was built for.",
    );
  });
});

describe("vectors", () => {
  it("are L2-normalised into a new float32 array", () => {
    const v = new Float32Array([3, 0, -4]);
    expect(Array.from(normalizedCopy(v, 3, "v"))).toEqual([Math.fround(0.6), 0, Math.fround(-0.8)]);
    expect(Array.from(v)).toEqual([3, 0, -4]);
  });

  it("are refused when of the wrong length, non-finite, all zero or not float32", () => {
    expect(code(() => normalizedCopy(new Float32Array(2), 3, "v"))).toBe("BAD_USER_INPUT");
    expect(code(() => normalizedCopy(new Float32Array([1, Number.NaN, 1]), 3, "v"))).toBe("BAD_USER_INPUT");
    expect(code(() => normalizedCopy(new Float32Array([1, Number.NEGATIVE_INFINITY, 1]), 3, "v"))).toBe("BAD_USER_INPUT");
    expect(code(() => normalizedCopy(new Float32Array(3), 3, "v"))).toBe("BAD_USER_INPUT");
    expect(code(() => normalizedCopy([1, 2, 3] as unknown as Float32Array, 3, "v"))).toBe("BAD_USER_INPUT");
  });

  it("take k from 1 to 10,000", () => {
    expect(code(() => checkK(1))).toBe("no error");
    expect(code(() => checkK(10_000))).toBe("no error");
    for (const k of [0, -1, 1.5, 10_001, Number.NaN]) expect(code(() => checkK(k))).toBe("BAD_USER_INPUT");
  });
});

describe("filters", () => {
  const item = (p: Partial<VectorPayload>): VectorPayload => ({ datasetId: "d1", findings: [], ...p });
  const keeps = (filter: VectorFilter | undefined, p: Partial<VectorPayload>) => filterPredicate(filter)(item(p));

  it("are a conjunction of any-of lists, with all-of for findingsAll", () => {
    expect(keeps(undefined, {})).toBe(true);
    expect(keeps({ datasetIds: ["d1", "d2"] }, {})).toBe(true);
    expect(keeps({ datasetIds: ["d2"] }, {})).toBe(false);
    expect(keeps({ viewPositions: ["PA"] }, { viewPosition: null })).toBe(false);
    expect(keeps({ studyIds: ["s"] }, { studyId: "s" })).toBe(true);
    expect(keeps({ findingsAny: ["Edema", "Atelectasis"] }, { findings: ["Atelectasis"] })).toBe(true);
    expect(keeps({ findingsAll: ["Edema", "Atelectasis"] }, { findings: ["Atelectasis"] })).toBe(false);
    expect(keeps({ findingsAll: ["Edema", "Atelectasis"] }, { findings: ["Edema", "Atelectasis", "Cardiomegaly"] })).toBe(true);
    expect(keeps({ datasetIds: ["d1"], findingsAny: ["Edema"] }, { findings: [] })).toBe(false);
  });

  it("match nothing for an empty any-of list and everything for an empty all-of list", () => {
    expect(keeps({ datasetIds: [] }, {})).toBe(false);
    expect(keeps({ findingsAny: [] }, { findings: ["Edema"] })).toBe(false);
    expect(keeps({ findingsAll: [] }, {})).toBe(true);
    expect(keeps({ findingsNone: [] }, { findings: ["Edema"] })).toBe(true);
  });

  it("leave out items with any of the none-of findings", () => {
    expect(keeps({ findingsNone: ["Edema", "Atelectasis"] }, { findings: ["Cardiomegaly", "Atelectasis"] })).toBe(false);
    expect(keeps({ findingsNone: ["Edema"] }, { findings: ["Cardiomegaly"] })).toBe(true);
    expect(keeps({ findingsNone: ["Edema"] }, { findings: [] })).toBe(true);
    expect(toQdrantFilter({ findingsNone: ["Edema", "Edema", "Atelectasis"] })).toEqual({
      must: [],
      must_not: [{ key: "findings", match: { any: ["Edema", "Atelectasis"] } }],
    });
  });

  it("become Qdrant must-conditions: match.any per list, one match.value per all-of finding", () => {
    expect(toQdrantFilter(undefined)).toBeUndefined();
    expect(toQdrantFilter({ findingsAll: [] })).toBeUndefined();
    expect(
      toQdrantFilter({
        datasetIds: ["d1", "d1", "d2"],
        studyIds: ["s"],
        viewPositions: ["PA"],
        findingsAny: ["Edema"],
        findingsAll: ["Atelectasis", "Cardiomegaly"],
      }),
    ).toEqual({
      must: [
        { key: "dataset_id", match: { any: ["d1", "d2"] } },
        { key: "study_id", match: { any: ["s"] } },
        { key: "view_position", match: { any: ["PA"] } },
        { key: "findings", match: { any: ["Edema"] } },
        { key: "findings", match: { value: "Atelectasis" } },
        { key: "findings", match: { value: "Cardiomegaly" } },
      ],
    });
  });

  it("leave absent fields out of a Qdrant payload, which carries the model id", () => {
    expect(toQdrantPayload("m@1#0", item({ studyId: null, viewPosition: "AP", findings: ["Edema"] }))).toEqual({
      model_id: "m@1#0",
      dataset_id: "d1",
      view_position: "AP",
      findings: ["Edema"],
    });
  });
});
