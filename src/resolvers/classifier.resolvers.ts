// Resolvers of linear-probe classifiers (src/schema/classifier.graphql): scope checks, input mapping,
// one classifier-service call each, and a pure presenter of stored heads.
import type { Classifier, Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import { CLASSIFIER_LIMITS } from "../services/limits.ts";
import type { ClassifierRecord, Interval } from "../stores/metadata/classifier-store.port.ts";
import { defaulted, imageRef } from "./presenters.ts";
import { readWith, servedModel } from "./served-model.ts";

function interval(figure: Interval) {
  return { value: figure.value, ci95: figure.ci95 };
}

/** A stored head as the API shows it (weights stay server-side). */
export function presentClassifier(head: ClassifierRecord): Classifier {
  const { counts } = head.training;
  return {
    id: head.id,
    name: head.name,
    version: head.version,
    model: head.modelId,
    classes: head.classes,
    features: head.features,
    training: {
      seed: head.training.seed,
      trainFraction: head.training.trainFraction,
      l2: head.training.l2,
      dataset: head.training.dataset,
      ...counts,
      imported: head.training.imported ?? null,
    },
    validation: {
      images: head.validation.images,
      meanAuroc: interval(head.validation.meanAuroc),
      perClass: head.validation.perClass.map((c) => ({ className: c.className, auroc: interval(c.auroc), positives: c.positives, negatives: c.negatives })),
    },
    createdAt: head.createdAt.toISOString(),
  };
}

export const classifierResolvers: Resolvers = {
  Query: {
    classifiers: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      return (await servedModel(ctx, args.model).classifiers.list({ allModels: defaulted(args.allModels, "allModels") })).map(presentClassifier);
    },
    classifier: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const found = await servedModel(ctx).classifiers.find(args.id);
      return found ? presentClassifier(found) : null;
    },
    predict: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const { classifiers, search } = servedModel(ctx, args.model);
      const images = await Promise.all(args.images.map((i) => imageRef(i, search.maxImageBytes)));
      return classifiers.predict({ classifier: args.classifier, images, signal: ctx.signal });
    },
    rankImages: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const { id, catalog, classifiers } = servedModel(ctx, args.model);
      const ranked = await classifiers.rank({
        classifier: args.classifier,
        className: args.className,
        first: defaulted(args.first, "first"),
        after: args.after,
        filter: await catalog.filter(args.filter),
      });
      readWith(
        ranked.edges.map((e) => e.image),
        id,
      );
      return {
        edges: ranked.edges.map((e) => ({ cursor: e.cursor, node: e.image, probability: e.probability, rank: e.rank })),
        pageInfo: { hasNextPage: ranked.hasNextPage, endCursor: ranked.edges.at(-1)?.cursor ?? null },
      };
    },
  },
  Mutation: {
    trainClassifier: async (_p, args, ctx) => {
      requireScope(ctx.principal, "ingest");
      const { input } = args;
      const head = await servedModel(ctx, args.model).classifiers.train({
        name: input.name,
        dataset: input.dataset,
        examples: input.examples,
        classes: input.classes,
        trainFraction: defaulted(input.trainFraction, "trainFraction"),
        features: defaulted(input.features, "features"),
        seed: defaulted(input.seed, "seed"),
        l2: input.l2,
        maxImages: CLASSIFIER_LIMITS.trainImages,
        signal: ctx.signal,
      });
      return { classifier: presentClassifier(head) };
    },
    deleteClassifier: async (_p, args, ctx) => {
      requireScope(ctx.principal, "ingest");
      return { deleted: await servedModel(ctx).classifiers.delete(args.id) };
    },
  },
};
