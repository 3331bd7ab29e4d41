// A request's work stops between steps once nobody waits for it: its signal aborts when
// REQUEST_TIMEOUT_SECONDS pass or the client disconnects (src/server/context.ts).
import { AppError } from "../errors/app-error.ts";

/** Throws TIMEOUT when `signal` has aborted; the rest of the work is not done. */
export function checkNotCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AppError("TIMEOUT", "The request was cancelled before it finished");
}
