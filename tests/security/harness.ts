// The adversarial suite's common part: while an attack runs against a live server, /healthz is
// polled every 20 ms and each answer must come back within HEALTH_BUDGET_MS. A handler that blocks
// the event loop (decoding on the main thread, an unbounded read) shows up here.
import { expect } from "vitest";

export const HEALTH_BUDGET_MS = 100;

export interface Watched<T> {
  result: T;
  /** The slowest /healthz answer seen while the attack ran, in ms. */
  slowestHealthMs: number;
  healthChecks: number;
}

/** Runs `attack` while polling `${baseUrl}/healthz`; fails the test when a health answer is slow or not ok. */
export async function whileHealthy<T>(baseUrl: string, attack: () => Promise<T>): Promise<Watched<T>> {
  let done = false;
  let slowest = 0;
  let checks = 0;
  const failures: string[] = [];
  const poll = (async () => {
    // At least one check, even when the attack finishes at once.
    do {
      const started = performance.now();
      try {
        const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(5_000) });
        if (res.status !== 200) failures.push(`/healthz answered ${res.status}`);
        await res.arrayBuffer();
      } catch (error) {
        failures.push(`/healthz failed: ${(error as Error).message}`);
      }
      slowest = Math.max(slowest, performance.now() - started);
      checks += 1;
      if (!done) await new Promise((r) => setTimeout(r, 20));
    } while (!done);
  })();
  let result: T;
  try {
    result = await attack();
  } finally {
    done = true;
    await poll;
  }
  expect(failures).toEqual([]);
  expect(slowest, `slowest /healthz answer during the attack: ${slowest.toFixed(1)} ms`).toBeLessThan(HEALTH_BUDGET_MS);
  return { result, slowestHealthMs: slowest, healthChecks: checks };
}
