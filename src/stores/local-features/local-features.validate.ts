// Shape and range checks for local features before they are stored or returned. Pure.
import { AppError } from "../../errors/app-error.ts";
import type { ImageRegionFeatures, Keyed, ReportWordFeatures } from "./local-feature-store.port.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Float32 values from here up round to ±Inf in float16. */
const HALF_OVERFLOW = 65520;

const bad = (message: string) => new AppError("BAD_USER_INPUT", message);

export function checkItemId(id: string): string {
  if (typeof id !== "string" || !UUID.test(id)) throw bad(`A local-feature item id must be a UUID (got ${JSON.stringify(String(id)).slice(0, 60)})`);
  return id.toLowerCase();
}

export function checkModelId(modelId: string): void {
  if (typeof modelId !== "string" || modelId.trim() === "") throw bad("Local features need a model id");
}

function positiveInt(n: number, what: string): void {
  if (!Number.isInteger(n) || n <= 0) throw bad(`${what} must be a positive integer (got ${n})`);
}

function checkValues(values: Float32Array, expected: number, what: string): void {
  if (!(values instanceof Float32Array)) throw bad(`${what} must be a Float32Array`);
  if (values.length !== expected) throw bad(`${what} has ${values.length} values; its shape needs ${expected}`);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(Math.abs(v) < HALF_OVERFLOW)) throw bad(`${what} holds ${v} at ${i}, which float16 cannot keep (finite, |x| < ${HALF_OVERFLOW})`);
  }
}

export function checkImageRegions(f: ImageRegionFeatures, id: string): void {
  if (!f || typeof f !== "object") throw bad(`Region features of ${id} are missing`);
  positiveInt(f.dim, `dim of ${id}`);
  if (!Array.isArray(f.grid) || f.grid.length !== 2) throw bad(`grid of ${id} must be [h, w]`);
  positiveInt(f.grid[0], `grid height of ${id}`);
  positiveInt(f.grid[1], `grid width of ${id}`);
  checkValues(f.regions, f.dim * f.grid[0] * f.grid[1], `Region features of ${id}`);
}

export function checkReportWords(f: ReportWordFeatures, id: string): void {
  if (!f || typeof f !== "object") throw bad(`Word features of ${id} are missing`);
  positiveInt(f.dim, `dim of ${id}`);
  if (!Array.isArray(f.words) || f.words.some((w) => typeof w !== "string")) throw bad(`words of ${id} must be a list of strings`);
  checkValues(f.slots, (f.words.length + 2) * f.dim, `Word slots of ${id} ([CLS], ${f.words.length} words, [SEP])`);
}

/** Checks every item, lower-cases ids, and keeps the last item of a repeated id. */
export function checkBatch<T>(items: readonly Keyed<T>[], check: (f: T, id: string) => void): Keyed<T>[] {
  if (!Array.isArray(items)) throw bad("Local features come as a list of { id, features }");
  const byId = new Map<string, Keyed<T>>();
  for (const item of items) {
    const id = checkItemId(item?.id);
    check(item.features, id);
    byId.set(id, { id, features: item.features });
  }
  return [...byId.values()];
}
