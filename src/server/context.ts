// What every GraphQL resolver receives: the request's id and logger, and the services. Built per
// request by the HTTP layer; resolvers reach the system only through it.
import type { Logger } from "../logging/logger.ts";
import type { Principal } from "../services/auth.service.ts";
import type { Services } from "../services/services.ts";
import type { Loaders } from "./loaders.ts";

export interface RequestContext {
  requestId: string;
  logger: Logger;
  services: Services;
  /** The caller's API key, or null when none was sent (resolvers call requireScope). */
  principal: Principal | null;
  /** Per-request batch loaders; absent when the catalogue is unavailable (no model loaded). */
  loaders: Loaders | null;
  /**
   * Aborts when the request has run for REQUEST_TIMEOUT_SECONDS (reason: an AppError TIMEOUT, already
   * answered to the client) or when the client disconnects (reason: an AbortError). Long work checks
   * it between steps and stops; nobody is waiting for its result any more.
   */
  signal: AbortSignal;
}
