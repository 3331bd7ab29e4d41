// The one error type of the service: a code from a closed list, a message safe to show a client,
// and whether the failure was expected (bad input) or a fault of ours. Adapters translate vendor
// errors into AppError at their boundary; only the GraphQL/HTTP formatters read it.

export const ERROR_CODES = [
  "BAD_USER_INPUT",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "UNSUPPORTED_MEDIA_TYPE",
  "PAYLOAD_TOO_LARGE",
  "MODEL_UNAVAILABLE",
  "STORE_UNAVAILABLE",
  "CONFLICT",
  "RATE_LIMITED",
  "TIMEOUT",
  "INTERNAL_SERVER_ERROR",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  MODEL_UNAVAILABLE: 503,
  STORE_UNAVAILABLE: 503,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  TIMEOUT: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * What a client is told for each code when the message was written for operators. Faults of ours
 * (a store, the model, a timeout, a bug) always get these: their messages carry file paths, store
 * URLs and vendor errors. Other codes keep their message, which describes the caller's input,
 * unless the error was raised as unexpected (then it too was written for operators).
 */
const CLOSED_MESSAGES: Record<ErrorCode, string> = {
  BAD_USER_INPUT: "The request is invalid",
  UNAUTHENTICATED: "An API key is required: send Authorization: Bearer <key>",
  FORBIDDEN: "Forbidden",
  NOT_FOUND: "Not found",
  UNSUPPORTED_MEDIA_TYPE: "The input could not be decoded or its media type is not supported",
  PAYLOAD_TOO_LARGE: "The request is too large",
  MODEL_UNAVAILABLE: "The model is unavailable; see /readyz",
  STORE_UNAVAILABLE: "A data store is unavailable; try again later",
  CONFLICT: "The request conflicts with the stored data",
  RATE_LIMITED: "Too many requests; retry after the time in Retry-After",
  TIMEOUT: "The request took too long and was cancelled",
  INTERNAL_SERVER_ERROR: "Internal server error",
};

const ALWAYS_CLOSED = new Set<ErrorCode>(["MODEL_UNAVAILABLE", "STORE_UNAVAILABLE", "TIMEOUT", "INTERNAL_SERVER_ERROR"]);

export interface AppErrorOptions {
  /** Expected errors are the caller's doing and are logged at info; unexpected ones at error. */
  expected?: boolean;
  cause?: unknown;
  /** Extra fields that are safe to show a client (e.g. which variable or field was wrong). */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly expected: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.expected = options.expected ?? (code !== "INTERNAL_SERVER_ERROR" && code !== "STORE_UNAVAILABLE" && code !== "MODEL_UNAVAILABLE");
    this.details = options.details;
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  /** Whether clients get the code's closed message (and no details) instead of this message. */
  get closed(): boolean {
    return ALWAYS_CLOSED.has(this.code) || !this.expected;
  }

  /** The message a client may see (the full one goes to the log). */
  get publicMessage(): string {
    return this.closed ? CLOSED_MESSAGES[this.code] : this.message;
  }

  /** The details a client may see: none when the message is closed. */
  get publicDetails(): Record<string, unknown> | undefined {
    return this.closed ? undefined : this.details;
  }
}

/** The message clients get for a code when nothing more specific is safe to say. */
export function closedMessage(code: ErrorCode): string {
  return CLOSED_MESSAGES[code];
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError("INTERNAL_SERVER_ERROR", "Internal server error", { expected: false, cause: error });
}
