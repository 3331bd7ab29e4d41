// Zero-shot classification (src/schema/classify.graphql): each image scored against every class's
// prompt ensemble with GLoRIA's combined global + local score, normalised across classes
// (gloria-numerics §5). Images are resolved by the search service: stored ones from their stored
// features, uploads decoded and encoded once.
import { AppError } from "../errors/app-error.ts";
import type { GloriaModel, ZeroShotResult } from "../model/gloria.model.ts";
import type { ImageFeatures, SlicingMode } from "../model/model.port.ts";
import type { ZeroShotNormalization } from "../model/zero-shot/zero-shot.normalize.ts";
import { multilabelClasses, negativeName, PRESENT_AT, presentProbability } from "../model/zero-shot/zero-shot.multilabel.ts";
import { findPromptSet, type ClassPrompts } from "../model/zero-shot/zero-shot.prompts.ts";
import { checkNotCancelled } from "./cancellation.ts";
import { LIMITS } from "./limits.ts";
import type { ImageRef, ResolvedImage } from "./search.service.ts";

export type LabelMode = "SINGLE" | "MULTI";

/** A class with its prompts and, for MULTI, its negative prompts (defaults: zero-shot.multilabel.ts). */
export type ClassWithNegatives = ClassPrompts & { negativePrompts?: readonly string[] };

/** One image's multi-label answer: per class, the probability that it is present, and the verdict. */
export interface MultiLabelImage {
  probability: Record<string, number>;
  present: Record<string, boolean>;
}

export interface ClassifyDeps {
  model: GloriaModel;
  /** Resolves stored images and uploads to features (SearchService.resolveImage). */
  images: { resolveImage(ref: ImageRef): Promise<ResolvedImage> };
}

export class ClassifyService {
  constructor(private readonly deps: ClassifyDeps) {}

  /**
   * Zero-shot classification of up to LIMITS.maxClassifyImages images. SINGLE (GLoRIA's): one class
   * per image, scores normalised across classes. MULTI: each class present or not, by its positive
   * prompts against its negative ones (zero-shot.multilabel.ts); `multi` holds each image's
   * probabilities and verdicts, `scores` the probabilities, `raw` the positive sides.
   */
  async classify(input: {
    images: ImageRef[];
    classes?: ClassWithNegatives[];
    normalization?: ZeroShotNormalization;
    mode?: SlicingMode;
    labelMode?: LabelMode;
    signal?: AbortSignal;
  }): Promise<ZeroShotResult & { multi?: MultiLabelImage[] }> {
    if (input.images.length === 0) throw new AppError("BAD_USER_INPUT", "classify needs at least one image");
    if (input.images.length > LIMITS.maxClassifyImages)
      throw new AppError("BAD_USER_INPUT", `classify takes at most ${LIMITS.maxClassifyImages} images per call`);
    const multi = input.labelMode === "MULTI";
    for (const c of input.classes ?? []) {
      if (!c.name.trim() || c.prompts.length === 0 || c.prompts.some((p) => !p.trim())) {
        throw new AppError("BAD_USER_INPUT", `Class '${c.name}' needs a name and non-empty prompts`);
      }
      if (c.negativePrompts !== undefined) {
        if (!multi) throw new AppError("BAD_USER_INPUT", "negativePrompts are for labelMode: MULTI", { details: { field: "negativePrompts" } });
        if (c.negativePrompts.length === 0 || c.negativePrompts.some((p) => !p.trim())) {
          throw new AppError("BAD_USER_INPUT", `Class '${c.name}' needs non-empty negativePrompts (or none, for the defaults)`, {
            details: { field: "negativePrompts" },
          });
        }
      }
    }
    if (multi && input.normalization !== undefined && input.normalization !== "NONE") {
      throw new AppError("BAD_USER_INPUT", "labelMode: MULTI judges each class alone; its scores are not normalised across classes", {
        details: { field: "normalization" },
      });
    }
    const resolved = [];
    for (const ref of input.images) {
      checkNotCancelled(input.signal);
      resolved.push(await this.deps.images.resolveImage(ref));
    }
    checkNotCancelled(input.signal);
    const features = resolved.map((r) => r.features);
    if (multi) return this.#multiLabel(features, input.classes, input.mode);
    const normalization = input.normalization ?? this.#defaultNormalization(input.classes, input.images.length);
    return this.deps.model.classify(features, { normalization, classes: input.classes, mode: input.mode });
  }

  /** Both sides of every class scored in one run (raw, NONE), then each class's probability from its two sides. */
  async #multiLabel(
    features: ImageFeatures[],
    given: ClassWithNegatives[] | undefined,
    mode: SlicingMode | undefined,
  ): Promise<ZeroShotResult & { multi: MultiLabelImage[] }> {
    const classes: ClassWithNegatives[] = given ?? [...(findPromptSet(this.deps.model.manifest.zeroShot.promptSet)?.classes ?? [])];
    if (classes.length === 0) throw new AppError("BAD_USER_INPUT", "The model has no prompt set; give classes");
    const scored = await this.deps.model.classify(features, { normalization: "NONE", classes: multilabelClasses(classes), mode });
    const names = classes.map((c) => c.name);
    const multi: MultiLabelImage[] = scored.images.map((image) => {
      const probability = Object.fromEntries(names.map((n) => [n, presentProbability(image.raw[n]!, image.raw[negativeName(n)]!)]));
      return { probability, present: Object.fromEntries(names.map((n) => [n, probability[n]! >= PRESENT_AT])) };
    });
    return {
      ...scored,
      classes: names,
      normalization: "NONE",
      images: scored.images.map((image, i) => {
        const probability = multi[i]!.probability;
        const best = names.reduce((a, b) => (probability[b]! > probability[a]! ? b : a));
        return { scores: probability, raw: Object.fromEntries(names.map((n) => [n, image.raw[n]!])), predicted: best };
      }),
      multi,
    };
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
