// Pure mappings from service results to GraphQL shapes, and GraphQL inputs to service inputs.
import { AppError } from "../errors/app-error.ts";
import type { RerankInput } from "../generated/graphql.ts";
import type { ZeroShotResult } from "../model/gloria.model.ts";
import type { ImageRef, RerankOptions } from "../services/search.service.ts";
import { readUpload, type FileUpload } from "../server/uploads.ts";
import type { Finding, JobRecord } from "../stores/metadata/metadata-store.port.ts";

/** Base64 and uploaded images are read here; anything else than exactly one source is the caller's error. */
export async function imageRef(
  input: { id?: string | null; base64?: string | null; upload?: Promise<FileUpload> | null },
  maxBytes: number,
): Promise<ImageRef> {
  const given = [input.id, input.base64, input.upload].filter((v) => v !== null && v !== undefined);
  if (given.length !== 1) throw new AppError("BAD_USER_INPUT", "ImageInput needs exactly one of id, base64 or upload");
  if (input.id) return { id: input.id };
  if (input.upload) return { bytes: await readUpload(input.upload, maxBytes) };
  const text = input.base64!.replace(/^data:[^,]*,/, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length === 0) throw new AppError("BAD_USER_INPUT", "ImageInput.base64 is not base64");
  if ((text.length * 3) / 4 > maxBytes) throw new AppError("PAYLOAD_TOO_LARGE", `The image is larger than ${maxBytes} bytes`);
  return { bytes: new Uint8Array(Buffer.from(text, "base64")) };
}

/**
 * A field whose default the SDL declares: GraphQL fills the default in when the field is left out, so
 * only an explicit null is missing here, and it is refused rather than given a second default.
 */
export function defaulted<T>(value: T | null | undefined, field: string): T {
  if (value === null || value === undefined) throw new AppError("BAD_USER_INPUT", `${field} may be left out but not null`, { details: { field } });
  return value;
}

export function rerankOptions(input: RerankInput | null | undefined): RerankOptions | undefined {
  if (!input) return undefined;
  return {
    enabled: defaulted(input.enabled, "rerank.enabled"),
    candidates: defaulted(input.candidates, "rerank.candidates"),
    mode: defaulted(input.mode, "rerank.mode"),
  };
}

export function findingNames(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.class))];
}

export function dataUrl(png: Buffer | null): string | null {
  return png ? `data:image/png;base64,${png.toString("base64")}` : null;
}

export function classifications(result: ZeroShotResult & { multi?: Array<{ probability: Record<string, number>; present: Record<string, boolean> }> }) {
  return result.images.map((image, i) => ({
    scores: result.classes.map((name) => ({
      className: name,
      score: image.scores[name] ?? null,
      rawScore: image.raw[name]!,
      probability: result.multi?.[i]?.probability[name] ?? null,
      present: result.multi?.[i]?.present[name] ?? null,
    })),
    predicted: image.predicted,
    prompts: result.promptSet,
    normalization: result.normalization,
  }));
}

export function jobTimes(job: JobRecord) {
  return {
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
