// Resolvers of segmentation (src/schema/segment.graphql): read scope, map the image, call the segment
// service, present. A request's segmentations share one session per model (segment.service.ts), which
// bounds how many images it segments and segments each once.
import type { Resolvers } from "../generated/graphql.ts";
import { requireScope } from "../services/auth.service.ts";
import type { SegmentationSession } from "../services/segment.service.ts";
import type { RequestContext } from "../server/context.ts";
import { dataUrl, defaulted, imageRef } from "./presenters.ts";
import { modelOfRecord, servedModel } from "./served-model.ts";

const sessions = new WeakMap<RequestContext, Map<string, SegmentationSession>>();

/** The request's segmentation session for a loaded model (default: the default model). */
function sessionOf(ctx: RequestContext, model?: string | null): SegmentationSession {
  const served = servedModel(ctx, model);
  let byModel = sessions.get(ctx);
  if (!byModel) sessions.set(ctx, (byModel = new Map()));
  let session = byModel.get(served.id);
  if (!session) byModel.set(served.id, (session = served.segment.session(ctx.signal)));
  return session;
}

export const segmentResolvers: Resolvers = {
  Query: {
    segment: async (_p, args, ctx) => {
      requireScope(ctx.principal, "read");
      const { segment } = servedModel(ctx, args.model);
      const threshold = defaulted(args.threshold, "threshold");
      const image = await imageRef(args.image, segment.maxImageBytes);
      return sessionOf(ctx, args.model).segment(image, threshold);
    },
  },
  ImageHit: {
    // The model the hit was found by: its record was read for it (search.resolvers.ts hitsOf).
    segmentation: (hit, args, ctx) => {
      requireScope(ctx.principal, "read");
      return sessionOf(ctx, modelOfRecord(hit.image)).stored(hit.image, defaulted(args.threshold, "threshold"));
    },
  },
  SegmentationClass: {
    mask: async (c) => dataUrl(await c.mask())!,
  },
};
