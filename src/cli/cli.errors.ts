// How the CLI reports failures: configuration problems all at once, typed errors by their message,
// anything else as an internal error. Returns the exit code.
import { ConfigError } from "../config/config.ts";
import { AppError } from "../errors/app-error.ts";

export const EXIT_FAILURE = 1;
export const EXIT_CONFIG = 2;

export function reportCliError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (error instanceof ConfigError) {
    stderr.write(`gloria: ${error.message}\n`);
    return EXIT_CONFIG;
  }
  if (error instanceof AppError) {
    stderr.write(`gloria: ${error.code}: ${error.message}\n`);
    return EXIT_FAILURE;
  }
  const err = error as Error;
  stderr.write(`gloria: INTERNAL_SERVER_ERROR: ${err?.message ?? String(error)}\n${err?.stack ?? ""}\n`);
  return EXIT_FAILURE;
}
