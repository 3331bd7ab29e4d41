// Multi-label zero-shot: each class judged on its own, present or absent, by its positive prompts
// against its negative ones (as CheXzero does with its "X" / "no X" pairs). The score of a side is
// the max over its prompts of the combined GLoRIA score — the same raw score single-label
// classification takes — and the probability that the class is present is the softmax of the two
// sides at temperature MULTILABEL_TEMPERATURE: 1 / (1 + exp(−(positive − negative) / T)).
import type { ClassPrompts } from "./zero-shot.prompts.ts";

/**
 * Combined scores lie in [−3, 3] and a positive prompt typically beats its negation by tenths, so
 * T = 0.1 keeps probabilities away from 0 and 1 for such gaps. AUROC does not depend on T.
 */
export const MULTILABEL_TEMPERATURE = 0.1;

/** Present when the probability is at least this. */
export const PRESENT_AT = 0.5;

/** Negative prompts of the five CheXpert classes, written like the positive prompt set's sentences. */
export const CHEXPERT_NEGATIVE_PROMPTS: Readonly<Record<string, readonly string[]>> = {
  Atelectasis: ["no atelectasis", "no evidence of atelectasis", "the lungs are well expanded without atelectasis"],
  Cardiomegaly: ["no cardiomegaly", "the heart size is normal", "the cardiac silhouette is within normal limits"],
  Consolidation: ["no consolidation", "no focal consolidation", "no airspace consolidation"],
  Edema: ["no edema", "no pulmonary edema", "no evidence of pulmonary edema"],
  "Pleural Effusion": ["no pleural effusion", "no effusion", "the costophrenic angles are sharp without pleural effusion"],
};

/** The negative prompts of a class: given ones, the CheXpert defaults for those classes, else generic negations of its name. */
export function negativePromptsOf(name: string, given?: readonly string[]): readonly string[] {
  if (given && given.length > 0) return given;
  const known = CHEXPERT_NEGATIVE_PROMPTS[name];
  if (known) return known;
  const lower = name.trim().toLowerCase();
  return [`no ${lower}`, `no evidence of ${lower}`];
}

/** The name a class's negative side is scored under (it never clashes with a class name a user can give: it holds a NUL). */
export function negativeName(name: string): string {
  return `${name}\u0000negative`;
}

/** The classes to score for multi-label: each class, then its negative side as a class of its own. */
export function multilabelClasses(classes: readonly (ClassPrompts & { negativePrompts?: readonly string[] })[]): ClassPrompts[] {
  return [
    ...classes.map((c) => ({ name: c.name, prompts: c.prompts })),
    ...classes.map((c) => ({ name: negativeName(c.name), prompts: negativePromptsOf(c.name, c.negativePrompts) })),
  ];
}

/** The probability that the class is present from its two sides' raw scores. */
export function presentProbability(positive: number, negative: number, temperature = MULTILABEL_TEMPERATURE): number {
  return 1 / (1 + Math.exp(-(positive - negative) / temperature));
}
