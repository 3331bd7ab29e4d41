// Which loaded model a request is answered by: the one its `model:` argument names, else the default
// (the first of GLORIA_MODEL_DIRS). Records read through a model's services are remembered with that
// model, so their fields (status, linked reports and images) are read as the same model sees them.
import { AppError } from "../errors/app-error.ts";
import type { RequestContext } from "../server/context.ts";
import type { Loaders } from "../server/loaders.ts";
import type { ModelServices } from "../services/services.ts";

/** The model each record returned by a non-default model was read for. */
const readFor = new WeakMap<object, string>();

/** The services of the named loaded model, or of the default; NOT_FOUND names the loaded ones. */
export function servedModel(ctx: RequestContext, model?: string | null): ModelServices & { id: string } {
  const byModel = ctx.services.models;
  const first = byModel?.entries().next().value;
  if (!byModel || !first) throw new AppError("MODEL_UNAVAILABLE", "No model is loaded; see /readyz");
  if (!model) return { id: first[0], ...first[1] };
  const found = byModel.get(model);
  if (!found)
    throw new AppError("NOT_FOUND", `Model ${model} is not loaded; this server serves ${[...byModel.keys()].join(", ")}`, { details: { field: "model" } });
  return { id: model, ...found };
}

/** The request's loaders as the model sees the catalogue. */
export function loadersOf(ctx: RequestContext, modelId?: string): Loaders {
  if (!ctx.loaders) throw new AppError("MODEL_UNAVAILABLE", "No model is loaded; see /readyz");
  return ctx.loaders.of(modelId);
}

/** Marks records as read for `modelId` (their nested fields are then resolved for it); returns them. */
export function readWith<T extends object>(records: T[], modelId: string): T[] {
  for (const record of records) readFor.set(record, modelId);
  return records;
}

/** The model a record was read for (undefined: the default model). */
export function modelOfRecord(record: object): string | undefined {
  return readFor.get(record);
}
