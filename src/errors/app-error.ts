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
  INTERNAL_SERVER_ERROR: 500,
};

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
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError("INTERNAL_SERVER_ERROR", "Internal server error", { expected: false, cause: error });
}
