// Memory for region blocks, kept between reads. A K = 100 block at full size is 55 MB; allocating it
// anew for every search costs a page fault per 4 KiB on first touch and, as external memory, drives
// V8 into extra garbage collections that then land on the next request. A block's owner hands its
// memory back with `release()`; a few buffers are kept for the next reads, the rest left to the GC.

/** Buffers kept for reuse; concurrent searches beyond this allocate as before. */
const KEPT = 4;

export class BlockBuffers {
  readonly #free: ArrayBuffer[] = [];

  /** A buffer of at least `bytes`, reused when one is free (its old contents are overwritten by the caller). */
  take(bytes: number): ArrayBuffer {
    let best = -1;
    this.#free.forEach((b, i) => {
      if (b.byteLength >= bytes && (best < 0 || b.byteLength < this.#free[best]!.byteLength)) best = i;
    });
    if (best >= 0) return this.#free.splice(best, 1)[0]!;
    return new ArrayBuffer(bytes);
  }

  /** Gives a buffer back; the smallest are dropped when more than KEPT are free. */
  give(buffer: ArrayBuffer): void {
    if (this.#free.includes(buffer)) return;
    this.#free.push(buffer);
    if (this.#free.length > KEPT) {
      this.#free.sort((a, b) => b.byteLength - a.byteLength);
      this.#free.length = KEPT;
    }
  }

  /** Free buffers, for tests. */
  get kept(): number {
    return this.#free.length;
  }
}
