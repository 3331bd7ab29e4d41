// Resolvers of evaluations: admin scope, input mapping, one service call each; figures are
// flattened under their stable dotted names (the linear probe's as linearProbe.<fraction>.…).
import type { Resolvers } from "../generated/graphql.ts";
import type { RequestContext } from "../server/context.ts";
import { requireScope } from "../services/auth.service.ts";
import { NO_FIGURE, type Figure } from "../services/evaluation/evaluation.figures.ts";
import { comparisonMarkdown, evaluationMarkdown } from "../services/evaluation/evaluation.markdown.ts";
import { figuresOf } from "../services/evaluation/evaluation.records.ts";
import { servedModel } from "./served-model.ts";

/** The evaluation service of the named loaded model (default: the default model); admin scope. */
function evaluationOf(ctx: RequestContext, model?: string | null) {
  requireScope(ctx.principal, "admin");
  return servedModel(ctx, model).evaluation;
}

const figure = (name: string, f: Figure | null) => (f ? { name, value: f.value, ci95: f.ci95 } : null);

export const evaluationResolvers: Resolvers = {
  Query: {
    evaluate: (_p, { input }, ctx) => evaluationOf(ctx, input.model).evaluate(input, ctx.signal),
    evaluation: (_p, { id }, ctx) => evaluationOf(ctx).get(id),
    evaluations: (_p, { first }, ctx) => evaluationOf(ctx).list(first),
    compareEvaluations: async (_p, { a, b }, ctx) => evaluationOf(ctx).compare(a, b),
  },
  Evaluation: {
    settings: (r) => ({ ...r.reproducibility, mode: r.reproducibility.scoring }),
    figures: (r) => figuresOf(r).map((f) => figure(f.name, f.figure)!),
    figure: (r, { name }) => {
      const found = figuresOf(r).find((f) => f.name === name);
      return found ? figure(found.name, found.figure) : null;
    },
    multiLabel: (r) => {
      const m = r.zeroShot.multiLabel;
      if (!m) return null;
      const perClass = m.perClass.map((c) => ({ ...c, auroc: figure(`zeroShot.multiLabel.auroc.${c.className}`, c.auroc)! }));
      return { mode: m.scoring, images: m.images, meanAuroc: figure("zeroShot.multiLabel.meanAuroc", m.meanAuroc)!, perClass };
    },
    linearProbe: (r) => {
      const probe = r.linearProbe;
      if (!probe) return null;
      const zeroShotMean = figure("zeroShot.multiLabel.meanAuroc", probe.zeroShot.meanAuroc)!;
      const zeroShotAuroc = new Map(probe.zeroShot.perClass.map((c) => [c.className, c.auroc]));
      const points = Object.entries(probe.points)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([fraction, p]) => ({
          fraction: Number(fraction),
          trainedOn: p.trainedOn,
          meanAuroc: figure(`linearProbe.${fraction}.meanAuroc`, p.meanAuroc)!,
          zeroShotMeanAuroc: zeroShotMean,
          perClass: p.perClass.map((c) => ({
            className: c.className,
            auroc: figure(`linearProbe.${fraction}.auroc.${c.className}`, c.auroc)!,
            zeroShotAuroc: figure(`zeroShot.multiLabel.auroc.${c.className}`, zeroShotAuroc.get(c.className) ?? NO_FIGURE)!,
            positives: c.positives,
            negatives: c.negatives,
          })),
          untrained: p.untrained,
        }));
      return {
        trainImages: probe.trainImages,
        trainLimit: probe.trainLimit ?? null,
        trainFailures: probe.failures,
        features: probe.features,
        l2: probe.l2,
        zeroShotMeanAuroc: zeroShotMean,
        points,
      };
    },
    segmentation: (r) => {
      const m = r.segmentation;
      if (!m) return null;
      return {
        ...m,
        dice: figure("segmentation.dice", m.dice)!,
        positiveDice: figure("segmentation.positiveDice", m.positiveDice)!,
        perClass: m.perClass.map((c) => ({
          ...c,
          dice: figure(`segmentation.dice.${c.className}`, c.dice)!,
          positiveDice: figure(`segmentation.positiveDice.${c.className}`, c.positiveDice)!,
        })),
      };
    },
    published: (r) => r.published.map((p) => ({ ...p, note: p.note ?? null })),
    markdown: (r) => evaluationMarkdown(r),
    json: (r) => JSON.stringify(r),
  },
  EvaluationComparison: {
    a: (c) => c.records.a,
    b: (c) => c.records.b,
    differences: (c) => c.differences.map((d) => ({ field: d.field, a: JSON.stringify(d.a), b: JSON.stringify(d.b) })),
    figures: (c) => c.figures.map((f) => ({ name: f.name, a: figure(f.name, f.a), b: figure(f.name, f.b), delta: f.delta, overlapping: f.overlapping })),
    markdown: (c) => comparisonMarkdown(c),
  },
};
