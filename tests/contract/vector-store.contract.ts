// The one behaviour suite every VectorStore adapter must pass (usearch in CI, Qdrant when QDRANT_URL
// is set): writes, deletes, exact filtered top-k, recall, counts, identity refusal and restarts.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CollectionSpec, VectorCollection, VectorStore } from "../../src/stores/vector/vector-store.port.ts";
import { bruteForce, clusteredSet, FINDINGS, seededRandom, seededUuid, type ClusteredSet, type Filter } from "./clustered-vectors.ts";
import { expectAppError } from "../helpers/expect-app-error.ts";

export interface VectorStoreHarness {
  /** A new store instance over the same backing storage (data dir or server) as every other. */
  create(): Promise<VectorStore>;
  /** Removes what the suite wrote; receives the specs it opened. */
  cleanup(specs: CollectionSpec[]): Promise<void>;
}

const DIM = 64;
const SIZE = 5_000;

function unitVector(dim: number, axis: number, sign = 1): Float32Array {
  const v = new Float32Array(dim);
  v[axis] = sign;
  return v;
}

/** The filtered top-k must be exactly the brute-force top-k (ids and order), with scores to 1e-5. */
function expectExactTopK(set: ClusteredSet, hits: { id: string; score: number }[], query: Float32Array, k: number, filter?: Filter): void {
  const expected = bruteForce(set.items, query, filter);
  const top = expected.slice(0, k);
  expect(hits.length).toBe(top.length);
  // Where two neighbours are closer than float32 can tell apart, either order is right.
  const boundaryTie = expected.length > k && top[k - 1].score - expected[k].score < 1e-5;
  if (!boundaryTie) expect(new Set(hits.map((h) => h.id))).toEqual(new Set(top.map((h) => h.id)));
  const exact = new Map(expected.map((e) => [e.id, e.score]));
  hits.forEach((hit, i) => {
    expect(exact.has(hit.id), `hit ${hit.id} does not match the filter`).toBe(true);
    expect(hit.score).toBeCloseTo(exact.get(hit.id) as number, 5);
    expect(hit.score).toBeGreaterThanOrEqual(top[top.length - 1].score - 1e-5);
    if (i > 0) expect(hits[i - 1].score).toBeGreaterThanOrEqual(hit.score);
  });
}

export function describeVectorStoreContract(name: string, setup: () => Promise<VectorStoreHarness>): void {
  describe(`VectorStore contract: ${name}`, () => {
    const run = randomBytes(6).toString("hex");
    const opened: CollectionSpec[] = [];
    let harness: VectorStoreHarness;
    let store: VectorStore;
    let set: ClusteredSet;
    let seeded: VectorCollection;

    const spec = (label: string, dim = DIM, kind: CollectionSpec["kind"] = "image"): CollectionSpec => {
      const s = { modelId: `contract-${label}@1.0.0#${run}`, dim, kind };
      opened.push(s);
      return s;
    };

    beforeAll(async () => {
      harness = await setup();
      store = await harness.create();
      set = clusteredSet({ count: SIZE, dim: DIM, seed: 11 });
      seeded = await store.open(spec("seeded"));
      for (let i = 0; i < set.items.length; i += 500) await seeded.upsert(set.items.slice(i, i + 500));
      await seeded.flush();
    });

    afterAll(async () => {
      await store?.close();
      await harness?.cleanup(opened);
    });

    it("answers an empty collection with no hits and zero counts", async () => {
      const c = await store.open(spec("empty"));
      expect(await c.search(unitVector(DIM, 0), 10)).toEqual([]);
      expect(await c.search(unitVector(DIM, 0), 10, { datasetIds: [set.datasetIds[0]] })).toEqual([]);
      expect(await c.count()).toBe(0);
      expect(await c.has([set.items[0].id])).toEqual(new Set());
    });

    it("finds a stored vector as its own nearest neighbour with cosine 1, whatever its norm", async () => {
      const c = await store.open(spec("self"));
      const items = set.items.slice(0, 20);
      await c.upsert(items);
      for (const item of items.slice(0, 5)) {
        const scaled = item.vector.map((v) => v * 37.5);
        const [best] = await c.search(scaled, 1);
        expect(best.id).toBe(item.id);
        expect(best.score).toBeCloseTo(1, 5);
      }
      // The opposite direction scores −1.
      const far = await c.search(
        items[0].vector.map((v) => -v),
        20,
      );
      expect(far.at(-1)).toMatchObject({ id: items[0].id });
      expect(far.at(-1)?.score).toBeCloseTo(-1, 5);
    });

    it("replaces an item on upsert of the same id: count unchanged, new vector and payload served", async () => {
      const c = await store.open(spec("overwrite"));
      const [a, b] = [seededUuid(seededRandom(1)), seededUuid(seededRandom(2))];
      await c.upsert([
        { id: a, vector: unitVector(DIM, 0), payload: { datasetId: "old", findings: ["Edema"] } },
        { id: b, vector: unitVector(DIM, 1), payload: { datasetId: "old", findings: [] } },
      ]);
      await c.upsert([{ id: a.toUpperCase(), vector: unitVector(DIM, 2), payload: { datasetId: "new", viewPosition: "PA", findings: ["Cardiomegaly"] } }]);
      expect(await c.count()).toBe(2);
      expect((await c.search(unitVector(DIM, 2), 1))[0]).toMatchObject({ id: a });
      expect((await c.search(unitVector(DIM, 2), 1))[0].score).toBeCloseTo(1, 6);
      for (const hit of await c.search(unitVector(DIM, 0), 2)) expect(hit.score).toBeCloseTo(0, 6);
      expect(await c.count({ datasetIds: ["old"] })).toBe(1);
      expect(await c.count({ datasetIds: ["new"], viewPositions: ["PA"], findingsAll: ["Cardiomegaly"] })).toBe(1);
      expect(await c.count({ findingsAny: ["Edema"] })).toBe(0);
      // Within one call, the last record of an id wins.
      await c.upsert([
        { id: b, vector: unitVector(DIM, 3), payload: { datasetId: "x", findings: [] } },
        { id: b, vector: unitVector(DIM, 4), payload: { datasetId: "y", findings: [] } },
      ]);
      expect(await c.count()).toBe(2);
      expect((await c.search(unitVector(DIM, 4), 1))[0]).toMatchObject({ id: b });
      expect(await c.count({ datasetIds: ["y"] })).toBe(1);
    });

    it("deletes items, ignores unknown ids, and never returns a deleted item", async () => {
      const c = await store.open(spec("delete"));
      const items = set.items.slice(100, 400);
      await c.upsert(items);
      const gone = items.slice(0, 50).map((i) => i.id);
      await c.delete([...gone, seededUuid(seededRandom(99))]);
      expect(await c.count()).toBe(250);
      expect(await c.has(items.slice(0, 60).map((i) => i.id))).toEqual(new Set(items.slice(50, 60).map((i) => i.id)));
      for (const item of items.slice(0, 5)) {
        const hits = await c.search(item.vector, 300);
        expect(hits).toHaveLength(250);
        expect(hits.some((h) => gone.includes(h.id))).toBe(false);
      }
      await c.delete([]);
      expect(await c.count()).toBe(250);
    });

    it("applies writes in call order, even when they are not awaited one by one", async () => {
      const c = await store.open(spec("order"));
      const [a, b] = set.items.slice(2000, 2002);
      await Promise.all([c.upsert([a]), c.delete([a.id]), c.delete([b.id]), c.upsert([b])]);
      expect(await c.has([a.id, b.id])).toEqual(new Set([b.id]));
    });

    it("returns every item, best first, when k exceeds the collection", async () => {
      const c = await store.open(spec("small"));
      const items = set.items.slice(500, 507);
      await c.upsert(items);
      const hits = await c.search(set.queries[0], 50);
      expect(hits.map((h) => h.id)).toEqual(bruteForce(items, set.queries[0]).map((h) => h.id));
      const filtered = await c.search(set.queries[0], 50, { findingsAny: ["Pleural Effusion"] });
      expect(filtered.map((h) => h.id)).toEqual(bruteForce(items, set.queries[0], { findingsAny: ["Pleural Effusion"] }).map((h) => h.id));
    });

    it("orders equal scores by id", async () => {
      const c = await store.open(spec("ties"));
      const ids = [5, 3, 9, 1].map((s) => seededUuid(seededRandom(s)));
      await c.upsert(ids.map((id) => ({ id, vector: unitVector(DIM, 7), payload: { datasetId: "d", findings: [] } })));
      const hits = await c.search(unitVector(DIM, 7), 4);
      expect(hits.map((h) => h.id)).toEqual([...ids].sort());
    });

    it("returns exactly the brute-force top-k of the filtered set", async () => {
      const [d0, d1, d2, d9] = [set.datasetIds[0], set.datasetIds[1], set.datasetIds[2], set.datasetIds[9]];
      const filters: Filter[] = [
        { datasetIds: [d0] },
        { datasetIds: [d1, d2] },
        { datasetIds: [d9] },
        { viewPositions: ["LATERAL"] },
        { findingsAny: ["Atelectasis"] },
        { findingsAny: ["Atelectasis", "Cardiomegaly"] },
        { findingsAll: ["Edema", "Pleural Effusion"] },
        { findingsAll: ["Atelectasis", "Cardiomegaly", "Consolidation"] },
        { studyIds: set.studyIds.slice(0, 3) },
        { datasetIds: [d9, d2], viewPositions: ["PA", "AP"], findingsAny: ["Edema"] },
        { datasetIds: set.datasetIds.slice(3), findingsAll: ["Pleural Effusion"] },
        { findingsNone: ["Pleural Effusion"] },
        { findingsNone: [...FINDINGS] },
        { ids: set.items.filter((_, i) => i % 7 === 0).map((item) => item.id) },
        {
          ids: [...set.items.slice(0, 40).map((item) => item.id.toUpperCase()), "00000000-0000-0000-0000-000000000000"],
          findingsAny: ["Edema", "Cardiomegaly"],
        },
        { findingsAny: ["Edema", "Atelectasis"], findingsNone: ["Cardiomegaly"] },
        { datasetIds: [d0, d1], findingsAll: ["Edema"], findingsNone: ["Consolidation", "Pleural Effusion"] },
      ];
      for (const filter of filters) {
        for (const k of [1, 10, 50]) {
          for (const query of set.queries.slice(0, 8)) {
            expectExactTopK(set, await seeded.search(query, k, filter), query, k, filter);
          }
        }
      }
    });

    it("finds at least 99% of the exact unfiltered top-10 on clustered data", async () => {
      let found = 0;
      for (const query of set.queries) {
        const truth = new Set(
          bruteForce(set.items, query)
            .slice(0, 10)
            .map((h) => h.id),
        );
        const hits = await seeded.search(query, 10);
        expect(hits).toHaveLength(10);
        found += hits.filter((h) => truth.has(h.id)).length;
      }
      expect(found / (10 * set.queries.length)).toBeGreaterThanOrEqual(0.99);
    });

    it("counts items with and without filters, and matches nothing for empty any-of lists", async () => {
      expect(await seeded.count()).toBe(SIZE);
      const filters: Filter[] = [
        { datasetIds: [set.datasetIds[4]] },
        { viewPositions: ["AP"] },
        { findingsAny: [...FINDINGS] },
        { findingsAll: ["Cardiomegaly", "Edema"] },
        { studyIds: set.studyIds.slice(10, 20), viewPositions: ["PA"] },
        { findingsAll: [] },
        { findingsNone: [] },
        { findingsNone: ["Edema", "Atelectasis"] },
        { ids: set.items.slice(100, 350).map((item) => item.id), viewPositions: ["PA"] },
        { viewPositions: ["PA"], findingsNone: ["Cardiomegaly"] },
        { datasetIds: ["not-a-dataset"] },
      ];
      for (const filter of filters) expect(await seeded.count(filter)).toBe(bruteForce(set.items, set.queries[0], filter).length);
      expect(await seeded.count({ datasetIds: [] })).toBe(0);
      expect(await seeded.search(set.queries[0], 10, { findingsAny: [] })).toEqual([]);
      expect(await seeded.search(set.queries[0], 10, { ids: [] })).toEqual([]);
      expect(await seeded.search(set.queries[0], 10, { datasetIds: ["not-a-dataset"] })).toEqual([]);
    });

    it("returns stored vectors, normalised, by id", async () => {
      const [a, b] = [set.items[7], set.items[8]];
      const got = await seeded.vectors([a.id, b.id.toUpperCase(), seededUuid(seededRandom(4242))]);
      expect([...got.keys()].sort()).toEqual([a.id, b.id].sort());
      for (const item of [a, b]) {
        const v = got.get(item.id) as Float32Array;
        expect(v).toHaveLength(DIM);
        const norm = Math.hypot(...item.vector);
        v.forEach((x, i) => expect(x).toBeCloseTo(item.vector[i] / norm, 6));
      }
    });

    it("lists every id for reconciliation", async () => {
      const seen: string[] = [];
      for await (const page of seeded.ids(777)) {
        expect(page.length).toBeLessThanOrEqual(777);
        seen.push(...page);
      }
      expect(seen.sort()).toEqual(set.items.map((i) => i.id).sort());
      const probe = [set.items[3].id, set.items[4].id.toUpperCase(), seededUuid(seededRandom(12345))];
      expect(await seeded.has(probe)).toEqual(new Set([set.items[3].id, set.items[4].id]));
    });

    it("refuses bad vectors, ids, k and filters with BAD_USER_INPUT", async () => {
      const c = await store.open(spec("invalid"));
      const payload = { datasetId: "d", findings: [] };
      const id = seededUuid(seededRandom(5));
      await expectAppError(c.upsert([{ id, vector: new Float32Array(DIM - 1).fill(1), payload }]), "BAD_USER_INPUT");
      const nan = new Float32Array(DIM).fill(1);
      nan[3] = Number.NaN;
      await expectAppError(c.upsert([{ id, vector: nan, payload }]), "BAD_USER_INPUT");
      const inf = new Float32Array(DIM).fill(1);
      inf[0] = Number.POSITIVE_INFINITY;
      await expectAppError(c.upsert([{ id, vector: inf, payload }]), "BAD_USER_INPUT");
      await expectAppError(c.upsert([{ id, vector: new Float32Array(DIM), payload }]), "BAD_USER_INPUT");
      await expectAppError(c.upsert([{ id: "image-1", vector: unitVector(DIM, 0), payload }]), "BAD_USER_INPUT");
      // A bad record spoils its whole call: nothing of it is written.
      await expectAppError(
        c.upsert([
          { id, vector: unitVector(DIM, 0), payload },
          { id: seededUuid(seededRandom(6)), vector: nan, payload },
        ]),
        "BAD_USER_INPUT",
      );
      expect(await c.count()).toBe(0);
      await c.upsert([{ id, vector: unitVector(DIM, 0), payload }]);
      await expectAppError(c.search(new Float32Array(DIM + 1).fill(1), 5), "BAD_USER_INPUT");
      await expectAppError(c.search(nan, 5), "BAD_USER_INPUT");
      await expectAppError(c.search(unitVector(DIM, 0), 0), "BAD_USER_INPUT");
      await expectAppError(c.search(unitVector(DIM, 0), 2.5), "BAD_USER_INPUT");
      await expectAppError(c.search(unitVector(DIM, 0), 5, { datasetIds: "d" } as unknown as Filter), "BAD_USER_INPUT");
      await expectAppError(c.search(unitVector(DIM, 0), 5, { dataset: ["d"] } as unknown as Filter), "BAD_USER_INPUT");
      expect(await c.count()).toBe(1);
    });

    it("refuses a collection built for another dim or model, and says why", async () => {
      const original = spec("identity_a");
      const c = await store.open(original);
      await c.upsert(set.items.slice(0, 10));
      await c.flush();
      const other = await harness.create();
      try {
        const wrongDim = { ...original, dim: 32 };
        const error = await expectAppError(other.open(wrongDim), "CONFLICT");
        expect(error.message).toContain(original.modelId);
        expect(error.message).toContain("dim 64");
        expect(error.message).toContain("dim 32");
        expect(error.expected).toBe(false);
        // "identity a" and "identity_a" share a collection name but not an identity.
        const twin = { ...original, modelId: original.modelId.replace("identity_a", "identity a") };
        const twinError = await expectAppError(other.open(twin), "CONFLICT");
        expect(twinError.message).toContain(original.modelId);
        expect(twinError.message).toContain(twin.modelId);
        const probe = await other.probe.check();
        expect(probe.ok).toBe(false);
        expect(probe.detail).toContain(twin.modelId);
        // The same model's other kind is another collection, and is served.
        await expect(other.open({ ...original, kind: "report" })).resolves.toBeTruthy();
        opened.push({ ...original, kind: "report" });
      } finally {
        await other.close();
      }
    });

    it("keeps every write across a restart", async () => {
      const s = spec("restart");
      const c = await store.open(s);
      const items = set.items.slice(1000, 1600);
      await c.upsert(items);
      await c.delete(items.slice(0, 100).map((i) => i.id));
      await c.upsert([{ ...items[100], payload: { ...items[100].payload, findings: ["Edema", "Consolidation"] } }]);
      const before = await Promise.all(set.queries.slice(0, 5).map((q) => c.search(q, 10, { findingsAny: ["Edema"] })));
      await store.close();
      store = await harness.create();
      const reopened = await store.open(s);
      expect(await reopened.count()).toBe(500);
      expect(await reopened.has([items[0].id, items[100].id])).toEqual(new Set([items[100].id]));
      expect(await reopened.count({ findingsAll: ["Edema", "Consolidation"] })).toBe(
        bruteForce([{ ...items[100], payload: { ...items[100].payload, findings: ["Edema", "Consolidation"] } }, ...items.slice(101)], set.queries[0], {
          findingsAll: ["Edema", "Consolidation"],
        }).length,
      );
      const after = await Promise.all(set.queries.slice(0, 5).map((q) => reopened.search(q, 10, { findingsAny: ["Edema"] })));
      expect(after.map((hits) => hits.map((h) => h.id))).toEqual(before.map((hits) => hits.map((h) => h.id)));
      seeded = await store.open(opened[0]);
      expect(await seeded.count()).toBe(SIZE);
    });

    it("reports ready through its probe", async () => {
      const result = await store.probe.check();
      expect(result.ok).toBe(true);
    });
  });
}
