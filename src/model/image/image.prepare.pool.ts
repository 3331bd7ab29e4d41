// A pool of worker threads that decode and preprocess images (GLORIA_SPEC §2) so ingestion's main
// thread stays free to feed the encoder and write to the stores. Errors keep their AppError code.
import { Piscina } from "piscina";
import { AppError } from "../../errors/app-error.ts";
import type { PreparedImage, PrepareOptions } from "./image.prepare.ts";
import type { PrepareOutcome, PrepareTask } from "./image.prepare.worker.ts";

export interface PreparePool {
  prepare(bytes: Uint8Array): Promise<PreparedImage>;
  close(): Promise<void>;
}

export function createPreparePool(sizes: { resize: number; crop: number }, options: PrepareOptions, threads: number): PreparePool {
  const pool = new Piscina({
    filename: new URL("./image.prepare.worker.ts", import.meta.url).href,
    // The sources are TypeScript: workers load them through tsx, as the main thread does.
    execArgv: [...process.execArgv.filter((a) => !a.startsWith("--inspect")), "--import", "tsx"],
    minThreads: 1,
    maxThreads: threads,
    idleTimeout: 30_000,
  });
  return {
    async prepare(bytes) {
      const task: PrepareTask = { bytes, sizes, options };
      const outcome = (await pool.run(task)) as PrepareOutcome;
      if (!outcome.ok) throw new AppError(outcome.code, outcome.message, { expected: outcome.expected });
      return outcome.image;
    },
    close: () => pool.destroy(),
  };
}
