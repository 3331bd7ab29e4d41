// The catalogue against the real database: content-hash dedupe, visibility by embedding state,
// pagination and filters, deletion, and job counters.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../src/stores/database.ts";
import { PrismaMetadataStore } from "../../../src/stores/metadata/prisma.metadata-store.ts";
import type { NewImage } from "../../../src/stores/metadata/metadata-store.port.ts";
import { openTestDatabase } from "../../helpers/test-database.ts";

const MODEL = { id: "tiny@1#0123456789ab", name: "tiny", version: "1", checksum: "0123456789abcdef", dim: 8, grid: [2, 2] as const, manifest: {} };

describe("PrismaMetadataStore", () => {
  let db: Database;
  let cleanup: () => Promise<void>;
  let store: PrismaMetadataStore;
  let datasetId: string;

  const image = (hash: string, extra: Partial<NewImage> = {}): NewImage => ({ datasetId, contentHash: hash, byteSize: 10, format: "png", ...extra });

  beforeAll(async () => {
    ({ db, cleanup } = await openTestDatabase());
    store = new PrismaMetadataStore(db.prisma);
    await store.registerModel(MODEL);
    await store.registerModel(MODEL);
    datasetId = (await store.ensureDataset("phantoms")).id;
  });
  afterAll(async () => cleanup());

  it("creates a dataset once", async () => {
    expect((await store.ensureDataset("phantoms")).id).toBe(datasetId);
    await expect(store.ensureDataset("  ")).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("dedupes images by content hash and keeps input order", async () => {
    const first = await store.registerImages(MODEL.id, [image("a", { studyExternalId: "s1", findings: [{ class: "Edema" }] }), image("b"), image("a")]);
    expect(first.map((r) => r.created)).toEqual([true, true, true]);
    expect(first[0]!.id).toBe(first[2]!.id);
    expect(first.every((r) => r.status === "PENDING")).toBe(true);
    const again = await store.registerImages(MODEL.id, [image("b"), image("c")]);
    expect(again[0]).toEqual({ id: first[1]!.id, created: false, studyId: null, status: "PENDING" });
    expect(again[1]!.created).toBe(true);
    expect(await db.prisma.image.count()).toBe(3);
    expect(await db.prisma.study.count()).toBe(1);
    // The study's own id comes back with the item, for the vector payload.
    const study = await db.prisma.study.findFirstOrThrow({ where: { externalId: "s1" } });
    expect(first[0]!.studyId).toBe(study.id);
    expect(first[1]!.studyId).toBeNull();
  });

  it("makes items visible only when marked READY", async () => {
    const [a] = await store.registerImages(MODEL.id, [image("a")]);
    expect(await store.stats(MODEL.id)).toEqual({ images: 0, reports: 0, pending: 3, failed: 0 });
    await store.markEmbedded("image", MODEL.id, [a!.id], { vectorWritten: true, localWritten: true, status: "READY" });
    expect(await store.stats(MODEL.id)).toMatchObject({ images: 1, pending: 2 });
    expect((await store.pendingItems("image", MODEL.id, 10)).map((p) => p.id)).not.toContain(a!.id);
    expect((await store.registerImages(MODEL.id, [image("a")]))[0]).toMatchObject({ created: false, status: "READY" });
    expect((await store.getImages([a!.id]))[0]).toMatchObject({ status: "READY", datasetName: "phantoms", findings: [{ class: "Edema" }] });
  });

  it("refuses empty reports and links reports to images", async () => {
    await expect(store.registerReports(MODEL.id, [{ datasetId, contentHash: "r0", text: "  " }])).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    const [r] = await store.registerReports(MODEL.id, [{ datasetId, contentHash: "r1", text: "mild pulmonary edema" }]);
    const [a] = await store.registerImages(MODEL.id, [image("a")]);
    await store.linkImageReports([
      { imageId: a!.id, reportId: r!.id },
      { imageId: a!.id, reportId: r!.id },
    ]);
    expect((await store.reportIdsOfImages([a!.id])).get(a!.id)).toEqual([r!.id]);
    expect((await store.imageIdsOfReports([r!.id])).get(r!.id)).toEqual([a!.id]);
  });

  it("pages through a filtered list with a total count", async () => {
    const page1 = await store.listImages({}, 2);
    expect(page1.totalCount).toBe(3);
    expect(page1.items).toHaveLength(2);
    expect(page1.hasNextPage).toBe(true);
    const page2 = await store.listImages({}, 2, page1.endCursor);
    expect(page2.items).toHaveLength(1);
    expect(page2.hasNextPage).toBe(false);
    expect(new Set([...page1.items, ...page2.items].map((i) => i.id)).size).toBe(3);
    const edema = await store.listImages({ findingsAny: ["Edema"] }, 10);
    expect(edema.items.map((i) => i.contentHash)).toEqual(["a"]);
    await expect(store.listImages({}, 2, "garbage")).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
  });

  it("loads by id in the order asked, null for unknown", async () => {
    const page = await store.listImages({}, 3);
    const ids = page.items.map((i) => i.id).reverse();
    const loaded = await store.getImages([...ids, "00000000-0000-0000-0000-000000000000", "not-a-uuid"]);
    expect(loaded.slice(0, 3).map((i) => i?.id)).toEqual(ids);
    expect(loaded.slice(3)).toEqual([null, null]);
  });

  it("keeps one thumbnail per image, replaces it, refuses unknown images and drops it with its image", async () => {
    const [a, b] = await store.registerImages(MODEL.id, [image("thumb-a"), image("thumb-b")]);
    const jpeg = (n: number) => ({ width: 10 + n, height: 20, format: "jpeg" as const, bytes: new Uint8Array([0xff, 0xd8, n, 0xff, 0xd9]) });
    await store.putThumbnails([
      { imageId: a!.id, thumbnail: jpeg(1) },
      { imageId: b!.id, thumbnail: jpeg(2) },
    ]);
    await store.putThumbnails([{ imageId: a!.id, thumbnail: jpeg(3) }]);
    const got = await store.getThumbnails([a!.id, b!.id, "00000000-0000-0000-0000-000000000000", "not-a-uuid"]);
    expect([...got.keys()].sort()).toEqual([a!.id, b!.id].sort());
    expect({ ...got.get(a!.id)!, bytes: [...got.get(a!.id)!.bytes] }).toEqual({ width: 13, height: 20, format: "jpeg", bytes: [0xff, 0xd8, 3, 0xff, 0xd9] });
    await expect(store.putThumbnails([{ imageId: "00000000-0000-0000-0000-000000000000", thumbnail: jpeg(4) }])).rejects.toMatchObject({ code: "NOT_FOUND" });
    // The failed batch wrote nothing, and a deleted image takes its thumbnail with it.
    await expect(
      store.putThumbnails([
        { imageId: b!.id, thumbnail: jpeg(5) },
        { imageId: "00000000-0000-0000-0000-000000000000", thumbnail: jpeg(6) },
      ]),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await store.getThumbnails([b!.id])).get(b!.id)!.width).toBe(12);
    await store.deleteImage(b!.id);
    expect((await store.getThumbnails([b!.id])).size).toBe(0);
  });

  it("deletes an image with its links and embedding state", async () => {
    const [a] = await store.registerImages(MODEL.id, [image("a")]);
    expect(await store.deleteImage(a!.id)).toBe(true);
    expect(await store.deleteImage(a!.id)).toBe(false);
    expect(await db.prisma.imageEmbedding.count({ where: { imageId: a!.id } })).toBe(0);
    expect(await db.prisma.imageReport.count()).toBe(0);
  });

  it("counts job progress atomically and keeps per-item errors", async () => {
    const job = await store.createJob({ datasetId, modelId: MODEL.id, source: { kind: "folder", path: "/x" }, total: 3 });
    await store.setJobStatus(job.id, "RUNNING");
    await Promise.all([
      store.recordJobProgress(job.id, { ingested: 1 }),
      store.recordJobProgress(job.id, { ingested: 1 }),
      store.recordJobProgress(job.id, { failed: 1 }, [{ item: "bad.png", code: "UNSUPPORTED_MEDIA_TYPE", message: "not an image" }]),
    ]);
    await store.setJobStatus(job.id, "SUCCEEDED");
    const done = await store.getJob(job.id);
    expect(done).toMatchObject({
      status: "SUCCEEDED",
      total: 3,
      ingested: 2,
      failed: 1,
      skipped: 0,
      errors: [{ item: "bad.png", code: "UNSUPPORTED_MEDIA_TYPE" }],
    });
    expect(done!.finishedAt).toBeInstanceOf(Date);
    expect(await store.getJob("nope")).toBeNull();
  });
});
