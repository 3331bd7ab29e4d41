// The ingestion's image encoder thread killed, as a crash or an out-of-memory end would: readiness
// says so while a new one starts, the batch it was encoding is encoded again, and the job finishes
// with exact counts, every image searchable.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePhantoms } from "../../../src/phantoms/phantom.generate.ts";
import { startTestApp, type TestApp } from "../../helpers/test-app.ts";

interface Ready {
  ready: boolean;
  checks: Array<{ name: string; ok: boolean; detail: string | null }>;
}

describe("the image encoder thread killed", () => {
  let t: TestApp;
  let base: string;

  const readiness = async (): Promise<Ready> => (await (await fetch(`${t.app.url}/readyz`)).json()) as Ready;
  const encoderCheck = (r: Ready) => r.checks.find((c) => c.name === "image-encoder-thread")!;
  const until = async (what: string, ok: () => Promise<boolean>, ms = 30_000) => {
    const deadline = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), "gloria-encoder-thread-"));
    await generatePhantoms({ out: path.join(base, "first"), count: 8, seed: 1, split: "train" });
    await generatePhantoms({ out: path.join(base, "second"), count: 48, seed: 2, split: "train" });
    t = await startTestApp({ GLORIA_MODEL_DIR: "tests/fixtures/models/tiny", AUTH: "off", INGEST_ROOTS: base, BATCH_SIZE: "4" });
  });

  afterAll(async () => {
    await t?.stop();
    fs.rmSync(base, { recursive: true, force: true });
  });

  it("is replaced at once, with readiness honest meanwhile", async () => {
    expect(encoderCheck(await readiness()).detail).toMatch(/first ingestion/);
    const first = await t.app.runtime!.ingestion.run({ kind: "manifest", path: path.join(base, "first", "manifest.csv") }, { dataset: "first" });
    expect(first).toMatchObject({ ingested: 8, failed: 0 });
    const thread = (await t.app.runtime!.imageEncoderThread())!;
    expect(thread.alive()).toBe(true);
    expect(encoderCheck(await readiness())).toMatchObject({ ok: true, detail: "running" });

    await thread.crash();
    await thread.stopped;
    const during = await readiness();
    expect(encoderCheck(during)).toMatchObject({ ok: false, detail: expect.stringMatching(/new one is starting/) });
    expect(during.ready).toBe(false);
    await until("a new encoder thread", async () => encoderCheck(await readiness()).ok);
    const replacement = (await t.app.runtime!.imageEncoderThread())!;
    expect(replacement).not.toBe(thread);
    expect(replacement.alive()).toBe(true);
  });

  it("re-encodes the batch it died under, so the job ends with every item ingested", async () => {
    let crashed = false;
    const run = t.app.runtime!.ingestion.run(
      { kind: "manifest", path: path.join(base, "second", "manifest.csv") },
      {
        dataset: "second",
        batchSize: 4,
        onProgress: (p) => {
          // Kill the thread once, while later batches are still to be encoded.
          if (!crashed && p.done >= 8) {
            crashed = true;
            void t.app.runtime!.imageEncoderThread()!.then((thread) => thread?.crash());
          }
        },
      },
    );
    const summary = await run;
    expect(crashed).toBe(true);
    expect(summary).toMatchObject({ done: 48, ingested: 48, failed: 0 });
    const { metadata, collections } = t.app.runtime!;
    const datasetIds = await metadata.datasetIds(["second"]);
    const listed = await metadata.listImages({ datasetIds, statuses: ["READY"] }, 100);
    expect(listed.totalCount).toBe(48);
    const vectors = await collections.images.vectors(listed.items.map((i) => i.id));
    expect(vectors.size).toBe(48);
  });
});
