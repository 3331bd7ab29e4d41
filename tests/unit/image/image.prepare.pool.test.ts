// The decode pool: typed errors cross the thread, a worker that runs out of heap on a hostile file
// is replaced and only that file is refused, and the heap limit follows MAX_IMAGE_PIXELS.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../../src/errors/app-error.ts";
import { createPreparePool, workerHeapMb, type PreparePool } from "../../../src/model/image/image.prepare.pool.ts";
import { attributeFlood, pngLyingHeader, realDicom, realPng } from "./hostile-images.ts";

const SIZES = { resize: 256, crop: 224 };

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("createPreparePool", () => {
  let pool: PreparePool;
  beforeAll(() => {
    // A small heap, so a few MB of hostile header exhaust it quickly; two threads, so one dies while
    // the other works.
    pool = createPreparePool(SIZES, { threads: 2, maxPixels: 64 * 2 ** 20, heapMb: 48 });
  });
  afterAll(() => pool.close());

  it("prepares in a worker, with a thumbnail only when asked", async () => {
    const plain = await pool.prepare(await realPng());
    expect(plain.pixels.length).toBe(3 * 224 * 224);
    expect(plain.thumbnail).toBeUndefined();
    expect((await pool.prepare(realDicom(), { thumbnail: true })).thumbnail?.format).toBe("jpeg");
  });

  it("keeps the code and details of a decoder's typed error", async () => {
    const error = await failure(pool.prepare(pngLyingHeader(100_000, 100_000)));
    expect(error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(error.details).toMatchObject({ width: 100_000, height: 100_000 });
  });

  it("refuses a file that exhausts a worker's heap, replaces the worker, and keeps serving", async () => {
    const flood = attributeFlood(600_000);
    expect(flood.length).toBeLessThan(5 * 2 ** 20);
    const [bomb, meanwhile] = await Promise.allSettled([pool.prepare(flood), pool.prepare(await realPng())]);
    expect(bomb.status).toBe("rejected");
    const error = (bomb as PromiseRejectedResult).reason as AppError;
    expect(error).toBeInstanceOf(AppError);
    expect({ code: error.code, message: error.message }).toEqual({
      code: "BAD_USER_INPUT",
      message: "The image could not be decoded within the memory limit.",
    });
    expect(meanwhile.status).toBe("fulfilled");
    // Twice more, so a pool that lost its workers for good would show it.
    for (let i = 0; i < 2; i++) expect((await pool.prepare(realDicom())).width).toBe(64);
  });

  it("derives each worker's heap limit from MAX_IMAGE_PIXELS", () => {
    expect(workerHeapMb(64 * 2 ** 20)).toBe(160);
    expect(workerHeapMb(1000)).toBe(97);
  });
});
