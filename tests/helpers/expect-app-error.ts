// Awaits a promise that must reject with an AppError of the given code, and returns the error.
import { expect } from "vitest";
import { AppError } from "../../src/errors/app-error.ts";

export async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected AppError ${code}`).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}
