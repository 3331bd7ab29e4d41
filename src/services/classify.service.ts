// Zero-shot classification (src/schema/classify.graphql): each image scored against every class's
// prompt ensemble with GLoRIA's combined global + local score, normalised across classes
// (gloria-numerics §5). Images are resolved by the search service: stored ones from their stored
// features, uploads decoded and encoded once.
import { AppError } from "../errors/app-error.ts";
import type { GloriaModel, ZeroShotResult } from "../model/gloria.model.ts";
import type { SlicingMode } from "../model/model.ports.ts";
import type { ZeroShotNormalization } from "../model/zero-shot/zero-shot.normalize.ts";
import { findPromptSet, type ClassPrompts } from "../model/zero-shot/zero-shot.prompts.ts";
import { checkNotCancelled } from "./cancellation.ts";
import { LIMITS } from "./limits.ts";
import type { ImageRef, ResolvedImage } from "./search.service.ts";

export interface ClassifyDeps {
  model: GloriaModel;
  /** Resolves stored images and uploads to features (SearchService.resolveImage). */
  images: { resolveImage(ref: ImageRef): Promise<ResolvedImage> };
}

export class ClassifyService {
  constructor(private readonly deps: ClassifyDeps) {}

  /** Zero-shot classification of up to LIMITS.maxClassifyImages images. */
  async classify(input: { images: ImageRef[]; classes?: ClassPrompts[]; normalization?: ZeroShotNormalization; mode?: SlicingMode; signal?: AbortSignal }): Promise<ZeroShotResult> {
    if (input.images.length === 0) throw new AppError("BAD_USER_INPUT", "classify needs at least one image");
    if (input.images.length > LIMITS.maxClassifyImages) throw new AppError("BAD_USER_INPUT", `classify takes at most ${LIMITS.maxClassifyImages} images per call`);
    for (const c of input.classes ?? []) {
      if (!c.name.trim() || c.prompts.length === 0 || c.prompts.some((p) => !p.trim())) {
        throw new AppError("BAD_USER_INPUT", `Class '${c.name}' needs a name and non-empty prompts`);
      }
    }
    const resolved = [];
    for (const ref of input.images) {
      checkNotCancelled(input.signal);
      resolved.push(await this.deps.images.resolveImage(ref));
    }
    checkNotCancelled(input.signal);
    const normalization = input.normalization ?? this.#defaultNormalization(input.classes, input.images.length);
    return this.deps.model.classify(resolved.map((r) => r.features), { normalization, classes: input.classes, mode: input.mode });
  }

  /**
   * REFERENCE when the model has statistics for every class (its own prompt set), else BATCH
   * z-scores across several images, else NONE: each default gives an answer, where REFERENCE for
   * custom classes would refuse.
   */
  #defaultNormalization(classes: ClassPrompts[] | undefined, images: number): ZeroShotNormalization {
    const { zeroShot } = this.deps.model.manifest;
    const names = classes ? classes.map((c) => c.name) : (findPromptSet(zeroShot.promptSet)?.classes.map((c) => c.name) ?? []);
    if (names.length > 0 && names.every((n) => zeroShot.reference?.[n])) return "REFERENCE";
    return images > 1 ? "BATCH" : "NONE";
  }

}
