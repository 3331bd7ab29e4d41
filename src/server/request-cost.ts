// The price of a GraphQL request, computed from what it asks for before any resolver runs: hits,
// re-ranked candidates, attention maps and heatmaps, images to decode, texts to encode, classes ×
// prompts, uploads, evaluation rows (a linear probe's training rows included). A request whose price
// is over MAX_REQUEST_COST is refused with BAD_USER_INPUT naming the limit, so no work starts. Prices
// are in work units, roughly the cost of one step relative to the others; the table is in
// docs/security.md.
import type { ApolloServerPlugin } from "@apollo/server";
import { createRequire } from "node:module";
import {
  GraphQLError,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { AppError } from "../errors/app-error.ts";
import { EVALUATION_LIMITS, SEGMENTATION_LIMITS } from "../services/limits.ts";
import { cursorPosition, poolSize } from "../services/search.paging.ts";
import { textSearchCandidates } from "../services/text-search.service.ts";
import type { RequestContext } from "./context.ts";

/**
 * Coercion checks the schema's types by identity, so it must come from the graphql module that built
 * the schema: Apollo Server's, which Node loads by `require`. (A test runner that resolves `import
 * "graphql"` to the package's separate ESM build would otherwise hand it types from another copy.)
 */
const { getArgumentValues, getVariableValues } = createRequire(import.meta.url)("graphql") as typeof import("graphql");

/** What each step costs, in work units. */
export const PRICES = {
  /** Any root field: a resolver call and its store reads. */
  field: 1,
  /** A text put through the text encoder (a query, one prompt). */
  text: 5,
  /** An image sent as bytes: decoded, preprocessed and put through the image encoder. */
  imageBytes: 50,
  /** An image given by id: its stored features read. */
  imageStored: 2,
  /** Each hit asked for (`first`, × perGroup when grouping): a vector-store result and its record. */
  hit: 0.2,
  /** Each 100 first-stage hits (or part) read to reach a page: deeper pages and grouping read more than they show. */
  pool100: 2,
  /** Each first-stage candidate re-scored by GLoRIA's local similarity. */
  candidate: 0.5,
  /** Each report candidate (report re-ranking reads its word features). */
  reportCandidate: 1,
  /** A hit's attention maps (one per word, from the re-ranking pass). */
  attention: 1,
  /** One heatmap PNG (an overlay render and a PNG encode), per word of each hit that asks for it. */
  heatmap: 10,
  /** One image scored against one prompt (classify). */
  imagePrompt: 1,
  /** One evaluation row (read, encoded unless stored). */
  evaluationRow: 1,
  /** Each 100 bootstrap resamples of an evaluation. */
  bootstrap100: 1,
  /** One uploaded item ingested inline. */
  ingestItem: 50,
  /** A server-side source ingested (a job; its items are bounded by the source, not the request). */
  ingestSource: 100,
  /** An image preview (Image.thumbnail), per image and per aliased copy: a stored JPEG read, shrunk and encoded. */
  thumbnail: 2,
  /** Each MiB of base64 image data in the request's variables. */
  base64MiB: 10,
  /**
   * A full-text query over the reports: every matching report is ranked (ts_rank_cd) before the best
   * are kept, so it grows with the catalogue (about 0.4 s for a broad query over 100,000 reports).
   */
  fullText: 100,
  /**
   * A classifier training (trainClassifier): up to CLASSIFIER_LIMITS.trainImages stored vectors read,
   * one Newton fit per class and 1,000 bootstrap resamples per validation figure (about 6 s on 2,000
   * phantom images, docs/classifiers.md).
   */
  classifierTraining: 200,
  /**
   * A ranking's scan of stored pooled features (rankImages with a POOLED head reads every stored one
   * of the model in its datasets, at most CLASSIFIER_LIMITS.maxPooledScan). The price cannot see the
   * head's kind without a database read, so every ranking carries it.
   */
  pooledScan: 50,
  /**
   * An image segmented (segment, ImageHit.segmentation): a file read or decoded, stretched, and put
   * through segmentation.onnx, a U-Net on the image encoder's trunk, so at least an encoder-sized run.
   */
  segmentation: 50,
  /**
   * One mask PNG (SegmentationClass.mask): the map stretched to at most HEATMAP_MAX_SIDE and a PNG
   * encode, per class, counted for SEGMENTATION_LIMITS.pricedClasses classes.
   */
  mask: 2,
} as const;

/** Words a text will have in attention maps, counted as the tokenizer's word pieces are joined back. */
export function estimateWords(text: string): number {
  return Math.max(1, (text.match(/[\p{L}\p{N}]+/gu) ?? []).length);
}

type Args = Record<string, unknown>;

/** The fields a selection set asks for, through fragments, as (name → nodes). */
function selectedFields(
  set: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  out = new Map<string, FieldNode[]>(),
): Map<string, FieldNode[]> {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD) out.set(selection.name.value, [...(out.get(selection.name.value) ?? []), selection]);
    else if (selection.kind === Kind.INLINE_FRAGMENT) selectedFields(selection.selectionSet, fragments, out);
    else selectedFields(fragments[selection.name.value]?.selectionSet, fragments, out);
  }
  return out;
}

/** Whether `field` selects the path of sub-fields (e.g. attention → heatmap). */
function selects(field: FieldNode, names: readonly string[], fragments: Record<string, FragmentDefinitionNode>): boolean {
  if (names.length === 0) return true;
  const [first, ...rest] = names;
  return (selectedFields(field.selectionSet, fragments).get(first!) ?? []).some((node) => selects(node, rest, fragments));
}

/** The fields of some merged selection sets by response key (alias or name), through fragments. */
function responseKeys(
  sets: ReadonlyArray<SelectionSetNode | undefined>,
  fragments: Record<string, FragmentDefinitionNode>,
  out = new Map<string, FieldNode[]>(),
): Map<string, FieldNode[]> {
  for (const set of sets) {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        out.set(key, [...(out.get(key) ?? []), selection]);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) responseKeys([selection.selectionSet], fragments, out);
      else responseKeys([fragments[selection.name.value]?.selectionSet], fragments, out);
    }
  }
  return out;
}

/**
 * How many previews each image under `fields` gets: every distinct response path that ends in
 * `thumbnail` is resolved (and shrunk) on its own, so aliases asking for several sizes each count,
 * while the same field repeated through fragments is merged by GraphQL and counts once.
 */
function previewsPerImage(fields: readonly FieldNode[], fragments: Record<string, FragmentDefinitionNode>): number {
  let count = 0;
  for (const nodes of responseKeys(
    fields.map((f) => f.selectionSet),
    fragments,
  ).values()) {
    count += nodes[0]!.name.value === "thumbnail" ? 1 : previewsPerImage(nodes, fragments);
  }
  return count;
}

/** Images a root field may return previews of: its hits or page, one for `image`; a report's images counted as four. */
function previewedImages(name: string, args: Args, first: number): number {
  const perGroup = args.groupBy === "STUDY" && typeof args.perGroup === "number" ? args.perGroup : 1;
  if (name === "image") return 1;
  if (name === "report") return 4;
  if (name === "searchReports" || name === "searchReportsByText" || name === "reports") return first * perGroup * 4;
  return first * perGroup;
}

/**
 * What the hits' `segmentation` fields cost per hit: one segmentation of the image however many
 * aliases ask for it (a request segments each image once), and each alias's masks when it selects them.
 */
function hitSegmentationPrice(field: FieldNode, fragments: Record<string, FragmentDefinitionNode>): number {
  const keys = [...responseKeys([field.selectionSet], fragments).values()].filter((nodes) => nodes[0]!.name.value === "segmentation");
  if (keys.length === 0) return 0;
  const masks = keys.filter((nodes) => nodes.some((node) => selects(node, ["classes", "mask"], fragments))).length;
  return PRICES.segmentation + masks * SEGMENTATION_LIMITS.pricedClasses * PRICES.mask;
}

function imagePrice(image: unknown): number {
  const input = (image ?? {}) as { id?: unknown; base64?: unknown; upload?: unknown };
  if (typeof input.base64 === "string") return PRICES.imageBytes + base64Price(input.base64);
  if (input.upload) return PRICES.imageBytes;
  return PRICES.imageStored;
}

function base64Price(data: string): number {
  return Math.ceil(data.length / (1024 * 1024)) * PRICES.base64MiB;
}

function rerankPrice(args: Args, perCandidate: number): number {
  const rerank = args.rerank as { enabled?: boolean; candidates?: number } | undefined | null;
  if (!rerank || rerank.enabled === false) return 0;
  return (typeof rerank.candidates === "number" ? rerank.candidates : 0) * perCandidate;
}

/** Hits shown and first-stage hits read by a search page (search.paging.ts). */
function hitsPrice(args: Args, first: number): number {
  const groupBy = args.groupBy === "STUDY" ? ("STUDY" as const) : null;
  const perGroup = groupBy && typeof args.perGroup === "number" ? args.perGroup : 1;
  const after = typeof args.after === "string" ? args.after : null;
  const pool = poolSize({ first, groupBy, perGroup }, cursorPosition(after));
  return first * perGroup * PRICES.hit + Math.ceil(pool / 100) * PRICES.pool100;
}

/** The price of one root field with its (coerced) arguments and selection, previews included. */
export function priceField(name: string, args: Args, field: FieldNode, fragments: Record<string, FragmentDefinitionNode>): number {
  // Arguments arrive coerced with the schema's defaults applied: a field without `first` shows no page.
  const first = typeof args.first === "number" ? args.first : 0;
  const perImage = previewsPerImage([field], fragments);
  const previews = perImage > 0 ? previewedImages(name, args, first) * perImage * PRICES.thumbnail : 0;
  return previews + mentionPrice(args) + priceWork(name, args, field, fragments, first);
}

/** An image filter's `mustMention`: a full-text query over the reports, like searchReportsByText's. */
function mentionPrice(args: Args): number {
  const filter = args.filter as { mustMention?: unknown } | null | undefined;
  return typeof filter?.mustMention === "string" ? PRICES.fullText : 0;
}

function priceWork(name: string, args: Args, field: FieldNode, fragments: Record<string, FragmentDefinitionNode>, first: number): number {
  switch (name) {
    case "searchImages": {
      // An example query: each text encoded and, re-ranked, scored; each image read or encoded; BEST_SCORE searches once per positive.
      const query = (args.query ?? null) as { texts?: Array<{ text?: unknown }>; positive?: unknown[]; negative?: unknown[]; strategy?: unknown } | null;
      const texts = query ? (query.texts ?? []).map((t) => String(t.text ?? "")) : [String(args.text ?? "")];
      const images = query ? [...(query.positive ?? []), ...(query.negative ?? [])] : [];
      const searches = query?.strategy === "BEST_SCORE" ? Math.max(1, (query.positive ?? []).length + texts.length) : 1;
      const words = Math.max(0, ...texts.map(estimateWords));
      const shown = first * (args.groupBy === "STUDY" && typeof args.perGroup === "number" ? args.perGroup : 1);
      const attention = selects(field, ["attention"], fragments) ? shown * PRICES.attention : 0;
      const heatmaps = selects(field, ["attention", "heatmap"], fragments) ? shown * words * PRICES.heatmap : 0;
      return (
        PRICES.field +
        texts.length * PRICES.text +
        images.reduce((n: number, image) => n + imagePrice(image), 0) +
        searches * hitsPrice(args, first) +
        Math.max(1, texts.length) * rerankPrice(args, PRICES.candidate) +
        attention +
        heatmaps +
        shown * hitSegmentationPrice(field, fragments)
      );
    }
    case "searchReports": {
      const query = (args.query ?? null) as { texts?: unknown[]; positive?: unknown[]; negative?: unknown[]; strategy?: unknown } | null;
      if (!query) return PRICES.field + imagePrice(args.image) + hitsPrice(args, first) + rerankPrice(args, PRICES.reportCandidate);
      // An example query: each image read or encoded and, re-ranked, scored against every candidate; each text encoded.
      const images = [...(query.positive ?? []), ...(query.negative ?? [])];
      const searches = query.strategy === "BEST_SCORE" ? Math.max(1, (query.positive ?? []).length + (query.texts ?? []).length) : 1;
      return (
        PRICES.field +
        (query.texts ?? []).length * PRICES.text +
        images.reduce((n: number, image) => n + imagePrice(image), 0) +
        searches * hitsPrice(args, first) +
        Math.max(1, images.length) * rerankPrice(args, PRICES.reportCandidate)
      );
    }
    case "searchReportsByText": {
      // The text encoded once; the full-text query; the hits shown; each side's candidates read (both sides take as many).
      const candidates = textSearchCandidates(first);
      return PRICES.field + PRICES.text + PRICES.fullText + first * PRICES.hit + 2 * Math.ceil(candidates / 100) * PRICES.pool100;
    }
    case "similarImages":
      return PRICES.field + imagePrice(args.image) + hitsPrice(args, first) + first * hitSegmentationPrice(field, fragments);
    case "segment": {
      // A stored image is read again from its source file and decoded like sent bytes; base64 also pays for its size.
      const image = (args.image ?? {}) as { base64?: unknown };
      const masks = selects(field, ["classes", "mask"], fragments) ? SEGMENTATION_LIMITS.pricedClasses * PRICES.mask : 0;
      return PRICES.field + PRICES.segmentation + (typeof image.base64 === "string" ? base64Price(image.base64) : 0) + masks;
    }
    case "predict":
      // Each image read or encoded; the heads are dot products.
      return PRICES.field + (Array.isArray(args.images) ? args.images : []).reduce((n: number, image) => n + imagePrice(image), 0);
    case "rankImages":
      // A vector-store search with the class's weights as the query, as deep as the page, or a POOLED head's scan.
      return PRICES.field + hitsPrice(args, first) + PRICES.pooledScan;
    case "trainClassifier":
      return PRICES.field + PRICES.classifierTraining;
    case "attention": {
      const heatmaps = selects(field, ["words", "heatmap"], fragments) ? estimateWords(String(args.text ?? "")) * PRICES.heatmap : 0;
      return PRICES.field + imagePrice(args.image) + PRICES.text + PRICES.attention + heatmaps;
    }
    case "classify": {
      const images = Array.isArray(args.images) ? args.images : [];
      const classes = Array.isArray(args.classes) ? (args.classes as Array<{ prompts?: unknown[]; negativePrompts?: unknown[] | null }>) : null;
      const multi = args.labelMode === "MULTI";
      // Without custom classes, the model's prompt set: 5 classes × 5 prompts at most (GLoRIA's CheXpert set);
      // MULTI scores each class's negative prompts too (3 per class by default).
      const negatives = (c: { negativePrompts?: unknown[] | null }) => (!multi ? 0 : Array.isArray(c.negativePrompts) ? c.negativePrompts.length : 3);
      const prompts = classes ? classes.reduce((n, c) => n + (Array.isArray(c.prompts) ? c.prompts.length : 0) + negatives(c), 0) : multi ? 25 + 15 : 25;
      return (
        PRICES.field + images.reduce((n: number, image) => n + imagePrice(image), 0) + prompts * PRICES.text + images.length * prompts * PRICES.imagePrompt
      );
    }
    case "ingest": {
      const input = (args.input ?? {}) as { path?: unknown; dicomweb?: unknown; items?: Array<{ base64?: unknown }> | null };
      const items = input.items ?? [];
      const bytes = items.reduce((n, item) => n + (typeof item.base64 === "string" ? base64Price(item.base64) : 0), 0);
      return PRICES.field + (input.path || input.dicomweb ? PRICES.ingestSource : 0) + items.length * PRICES.ingestItem + bytes;
    }
    case "reindex": {
      // Each dataset is a job over its stored items, like a server-side source.
      const input = (args.input ?? {}) as { datasets?: unknown[] | null };
      return PRICES.field + (Array.isArray(input.datasets) ? input.datasets.length : 1) * PRICES.ingestSource;
    }
    case "evaluate": {
      const input = (args.input ?? {}) as { limit?: number | null; bootstrapIterations?: number | null; trainManifest?: unknown; trainLimit?: number | null };
      // No limit means every row a request may evaluate; the resamples have their default from the schema.
      // A training manifest adds its rows (each read and encoded, like a test row) and the linear probe's
      // fits at three fractions, together about one classifier training.
      const training =
        typeof input.trainManifest === "string" ? (input.trainLimit ?? EVALUATION_LIMITS.trainRows) * PRICES.evaluationRow + PRICES.classifierTraining : 0;
      return (
        PRICES.field +
        (input.limit ?? EVALUATION_LIMITS.rows) * PRICES.evaluationRow +
        Math.ceil((input.bootstrapIterations ?? 0) / 100) * PRICES.bootstrap100 +
        training
      );
    }
    default:
      return PRICES.field + (typeof args.first === "number" ? args.first * PRICES.hit : 0);
  }
}

export interface PricedRequest {
  total: number;
  /** Per root field (its alias when it has one). */
  fields: Array<{ field: string; cost: number }>;
}

/**
 * Prices an operation. Each root field's arguments are coerced by the schema as execution will coerce
 * them, defaults included, so the price reads the same values the resolvers will. Variables or
 * arguments that will not coerce leave the field at its base price: execution refuses them before
 * any work.
 */
export function priceOperation(
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  rawVariables: Record<string, unknown> | undefined,
  schema: GraphQLSchema,
): PricedRequest {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  const variables = coerced.coerced;
  const root = schema.getRootType(operation.operation);
  const fields: PricedRequest["fields"] = [];
  for (const [name, nodes] of selectedFields(operation.selectionSet, fragments)) {
    for (const node of nodes) {
      let cost: number = PRICES.field;
      const definition = root?.getFields()[name];
      if (!name.startsWith("__") && definition && variables) {
        try {
          const args = getArgumentValues(definition, node, variables);
          cost = priceField(name, args, node, fragments);
        } catch {
          cost = PRICES.field;
        }
      }
      fields.push({ field: node.alias?.value ?? name, cost: Math.round(cost * 10) / 10 });
    }
  }
  return { total: Math.round(fields.reduce((n, f) => n + f.cost, 0)), fields };
}

/** Refuses, before execution, a request priced over `maxCost`. */
export function requestCostPlugin(maxCost: number): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          const fragments = Object.fromEntries(
            document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
          );
          const priced = priceOperation(operation, fragments, request.variables, schema);
          if (priced.total > maxCost) {
            const refusal = new AppError(
              "BAD_USER_INPUT",
              `This request costs ${priced.total} work units; the limit is ${maxCost} (MAX_REQUEST_COST). Ask for fewer hits, candidates, heatmaps, images or prompts, or split the request.`,
              { details: { limit: "MAX_REQUEST_COST", max: maxCost, cost: priced.total, fields: priced.fields } },
            );
            // Raised before execution, so it has no path; the error formatter finds the AppError inside.
            throw new GraphQLError(refusal.message, { originalError: refusal, extensions: { code: refusal.code, http: { status: 400 } } });
          }
        },
      };
    },
  };
}
