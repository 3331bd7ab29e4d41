// Pure mappings from service results to GraphQL shapes, and GraphQL inputs to service inputs.
import { AppError } from "../errors/app-error.ts";
import type { ZeroShotResult } from "../model/gloria.model.ts";
import type { ImageRef, RerankOptions } from "../services/search.service.ts";
import { readUpload, type FileUpload } from "../server/uploads.ts";
import type { Finding, JobRecord } from "../stores/metadata/metadata-store.port.ts";

/** Base64 and uploaded images are read here; anything else than exactly one source is the caller's error. */
export async function imageRef(input: { id?: string | null; base64?: string | null; upload?: Promise<FileUpload> | null }, maxBytes: number): Promise<ImageRef> {
  const given = [input.id, input.base64, input.upload].filter((v) => v !== null && v !== undefined);
  if (given.length !== 1) throw new AppError("BAD_USER_INPUT", "ImageInput needs exactly one of id, base64 or upload");
  if (input.id) return { id: input.id };
  if (input.upload) return { bytes: await readUpload(input.upload, maxBytes) };
  const text = input.base64!.replace(/^data:[^,]*,/, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length === 0) throw new AppError("BAD_USER_INPUT", "ImageInput.base64 is not base64");
  if ((text.length * 3) / 4 > maxBytes) throw new AppError("PAYLOAD_TOO_LARGE", `The image is larger than ${maxBytes} bytes`);
  return { bytes: new Uint8Array(Buffer.from(text, "base64")) };
}

export function rerankOptions(input: { enabled?: boolean | null; candidates?: number | null; mode?: "REFERENCE" | "WORDS" | null } | null | undefined): RerankOptions | undefined {
  if (!input) return undefined;
  return { enabled: input.enabled ?? true, candidates: input.candidates ?? 100, mode: input.mode ?? "REFERENCE" };
}

export function findingNames(findings: readonly Finding[]): string[] {
  return [...new Set(findings.map((f) => f.class))];
}

export function dataUrl(png: Buffer | null): string | null {
  return png ? `data:image/png;base64,${png.toString("base64")}` : null;
}

export function classifications(result: ZeroShotResult) {
  return result.images.map((image) => ({
    scores: result.classes.map((name) => ({ className: name, score: image.scores[name] ?? null, rawScore: image.raw[name]! })),
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
