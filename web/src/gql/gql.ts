/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ExplorerModels {\n    models {\n      id\n      name\n      loaded\n      default\n      grid\n      coverage {\n        dataset\n        images {\n          total\n          ready\n        }\n      }\n    }\n  }\n": typeof types.ExplorerModelsDocument,
    "\n  query ExplorerSearchImages(\n    $text: String\n    $query: ExampleQueryInput\n    $first: Int!\n    $after: String\n    $minScore: Float\n    $groupBy: GroupBy\n    $filter: ImageFilter\n    $rerank: RerankInput\n    $model: ID\n  ) {\n    searchImages(\n      text: $text\n      query: $query\n      first: $first\n      after: $after\n      minScore: $minScore\n      groupBy: $groupBy\n      filter: $filter\n      rerank: $rerank\n      model: $model\n    ) {\n      rank\n      cursor\n      group\n      score\n      globalScore\n      localScore\n      image {\n        id\n        dataset\n        viewPosition\n        findings\n        thumbnail(size: 256)\n      }\n    }\n  }\n": typeof types.ExplorerSearchImagesDocument,
    "\n  query ExplorerAttention($image: ImageInput!, $imageId: ID!, $text: String!, $model: ID) {\n    attention(image: $image, text: $text, mode: WORDS, model: $model) {\n      grid\n      localScore\n      words {\n        word\n        weight\n        heatmap\n      }\n    }\n    preview: image(id: $imageId, model: $model) {\n      id\n      thumbnail(size: 512)\n    }\n  }\n": typeof types.ExplorerAttentionDocument,
    "\n  query ExplorerImage($id: ID!, $model: ID) {\n    image(id: $id, model: $model) {\n      id\n      dataset\n      viewPosition\n      findings\n      thumbnail(size: 512)\n    }\n  }\n": typeof types.ExplorerImageDocument,
    "\n  query ExplorerImageToReports($image: ImageInput!, $first: Int!, $similar: Int!, $model: ID) {\n    searchReports(image: $image, first: $first, rerank: { enabled: true, candidates: 50 }, model: $model) {\n      rank\n      score\n      globalScore\n      localScore\n      report {\n        id\n        dataset\n        text\n        findings\n      }\n    }\n    similarImages(image: $image, first: $similar, model: $model) {\n      rank\n      score\n      image {\n        id\n        findings\n        viewPosition\n        thumbnail(size: 160)\n      }\n    }\n    classify(images: [$image], model: $model) {\n      predicted\n      normalization\n      scores {\n        className\n        score\n        rawScore\n      }\n    }\n  }\n": typeof types.ExplorerImageToReportsDocument,
    "\n  query ExplorerEvaluations {\n    evaluations(first: 20) {\n      id\n      createdAt\n      model\n      settings {\n        promptSet\n        normalization\n        mode\n        rerankCandidates\n        limit\n        bootstrapIterations\n      }\n      counts {\n        rows\n        images\n        reports\n      }\n      figures {\n        name\n        value\n        ci95\n      }\n      warnings\n    }\n  }\n": typeof types.ExplorerEvaluationsDocument,
    "\n  query ExplorerEvaluate($input: EvaluateInput!) {\n    evaluate(input: $input) {\n      id\n    }\n  }\n": typeof types.ExplorerEvaluateDocument,
};
const documents: Documents = {
    "\n  query ExplorerModels {\n    models {\n      id\n      name\n      loaded\n      default\n      grid\n      coverage {\n        dataset\n        images {\n          total\n          ready\n        }\n      }\n    }\n  }\n": types.ExplorerModelsDocument,
    "\n  query ExplorerSearchImages(\n    $text: String\n    $query: ExampleQueryInput\n    $first: Int!\n    $after: String\n    $minScore: Float\n    $groupBy: GroupBy\n    $filter: ImageFilter\n    $rerank: RerankInput\n    $model: ID\n  ) {\n    searchImages(\n      text: $text\n      query: $query\n      first: $first\n      after: $after\n      minScore: $minScore\n      groupBy: $groupBy\n      filter: $filter\n      rerank: $rerank\n      model: $model\n    ) {\n      rank\n      cursor\n      group\n      score\n      globalScore\n      localScore\n      image {\n        id\n        dataset\n        viewPosition\n        findings\n        thumbnail(size: 256)\n      }\n    }\n  }\n": types.ExplorerSearchImagesDocument,
    "\n  query ExplorerAttention($image: ImageInput!, $imageId: ID!, $text: String!, $model: ID) {\n    attention(image: $image, text: $text, mode: WORDS, model: $model) {\n      grid\n      localScore\n      words {\n        word\n        weight\n        heatmap\n      }\n    }\n    preview: image(id: $imageId, model: $model) {\n      id\n      thumbnail(size: 512)\n    }\n  }\n": types.ExplorerAttentionDocument,
    "\n  query ExplorerImage($id: ID!, $model: ID) {\n    image(id: $id, model: $model) {\n      id\n      dataset\n      viewPosition\n      findings\n      thumbnail(size: 512)\n    }\n  }\n": types.ExplorerImageDocument,
    "\n  query ExplorerImageToReports($image: ImageInput!, $first: Int!, $similar: Int!, $model: ID) {\n    searchReports(image: $image, first: $first, rerank: { enabled: true, candidates: 50 }, model: $model) {\n      rank\n      score\n      globalScore\n      localScore\n      report {\n        id\n        dataset\n        text\n        findings\n      }\n    }\n    similarImages(image: $image, first: $similar, model: $model) {\n      rank\n      score\n      image {\n        id\n        findings\n        viewPosition\n        thumbnail(size: 160)\n      }\n    }\n    classify(images: [$image], model: $model) {\n      predicted\n      normalization\n      scores {\n        className\n        score\n        rawScore\n      }\n    }\n  }\n": types.ExplorerImageToReportsDocument,
    "\n  query ExplorerEvaluations {\n    evaluations(first: 20) {\n      id\n      createdAt\n      model\n      settings {\n        promptSet\n        normalization\n        mode\n        rerankCandidates\n        limit\n        bootstrapIterations\n      }\n      counts {\n        rows\n        images\n        reports\n      }\n      figures {\n        name\n        value\n        ci95\n      }\n      warnings\n    }\n  }\n": types.ExplorerEvaluationsDocument,
    "\n  query ExplorerEvaluate($input: EvaluateInput!) {\n    evaluate(input: $input) {\n      id\n    }\n  }\n": types.ExplorerEvaluateDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExplorerModels {\n    models {\n      id\n      name\n      loaded\n      default\n      grid\n      coverage {\n        dataset\n        images {\n          total\n          ready\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExplorerModels {\n    models {\n      id\n      name\n      loaded\n      default\n      grid\n      coverage {\n        dataset\n        images {\n          total\n          ready\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExplorerSearchImages(\n    $text: String\n    $query: ExampleQueryInput\n    $first: Int!\n    $after: String\n    $minScore: Float\n    $groupBy: GroupBy\n    $filter: ImageFilter\n    $rerank: RerankInput\n    $model: ID\n  ) {\n    searchImages(\n      text: $text\n      query: $query\n      first: $first\n      after: $after\n      minScore: $minScore\n      groupBy: $groupBy\n      filter: $filter\n      rerank: $rerank\n      model: $model\n    ) {\n      rank\n      cursor\n      group\n      score\n      globalScore\n      localScore\n      image {\n        id\n        dataset\n        viewPosition\n        findings\n        thumbnail(size: 256)\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExplorerSearchImages(\n    $text: String\n    $query: ExampleQueryInput\n    $first: Int!\n    $after: String\n    $minScore: Float\n    $groupBy: GroupBy\n    $filter: ImageFilter\n    $rerank: RerankInput\n    $model: ID\n  ) {\n    searchImages(\n      text: $text\n      query: $query\n      first: $first\n      after: $after\n      minScore: $minScore\n      groupBy: $groupBy\n      filter: $filter\n      rerank: $rerank\n      model: $model\n    ) {\n      rank\n      cursor\n      group\n      score\n      globalScore\n      localScore\n      image {\n        id\n        dataset\n        viewPosition\n        findings\n        thumbnail(size: 256)\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExplorerAttention($image: ImageInput!, $imageId: ID!, $text: String!, $model: ID) {\n    attention(image: $image, text: $text, mode: WORDS, model: $model) {\n      grid\n      localScore\n      words {\n        word\n        weight\n        heatmap\n      }\n    }\n    preview: image(id: $imageId, model: $model) {\n      id\n      thumbnail(size: 512)\n    }\n  }\n"): (typeof documents)["\n  query ExplorerAttention($image: ImageInput!, $imageId: ID!, $text: String!, $model: ID) {\n    attention(image: $image, text: $text, mode: WORDS, model: $model) {\n      grid\n      localScore\n      words {\n        word\n        weight\n        heatmap\n      }\n    }\n    preview: image(id: $imageId, model: $model) {\n      id\n      thumbnail(size: 512)\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExplorerImage($id: ID!, $model: ID) {\n    image(id: $id, model: $model) {\n      id\n      dataset\n      viewPosition\n      findings\n      thumbnail(size: 512)\n    }\n  }\n"): (typeof documents)["\n  query ExplorerImage($id: ID!, $model: ID) {\n    image(id: $id, model: $model) {\n      id\n      dataset\n      viewPosition\n      findings\n      thumbnail(size: 512)\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExplorerImageToReports($image: ImageInput!, $first: Int!, $similar: Int!, $model: ID) {\n    searchReports(image: $image, first: $first, rerank: { enabled: true, candidates: 50 }, model: $model) {\n      rank\n      score\n      globalScore\n      localScore\n      report {\n        id\n        dataset\n        text\n        findings\n      }\n    }\n    similarImages(image: $image, first: $similar, model: $model) {\n      rank\n      score\n      image {\n        id\n        findings\n        viewPosition\n        thumbnail(size: 160)\n      }\n    }\n    classify(images: [$image], model: $model) {\n      predicted\n      normalization\n      scores {\n        className\n        score\n        rawScore\n      }\n    }\n  }\n"): (typeof documents)["\n  query ExplorerImageToReports($image: ImageInput!, $first: Int!, $similar: Int!, $model: ID) {\n    searchReports(image: $image, first: $first, rerank: { enabled: true, candidates: 50 }, model: $model) {\n      rank\n      score\n      globalScore\n      localScore\n      report {\n        id\n        dataset\n        text\n        findings\n      }\n    }\n    similarImages(image: $image, first: $similar, model: $model) {\n      rank\n      score\n      image {\n        id\n        findings\n        viewPosition\n        thumbnail(size: 160)\n      }\n    }\n    classify(images: [$image], model: $model) {\n      predicted\n      normalization\n      scores {\n        className\n        score\n        rawScore\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExplorerEvaluations {\n    evaluations(first: 20) {\n      id\n      createdAt\n      model\n      settings {\n        promptSet\n        normalization\n        mode\n        rerankCandidates\n        limit\n        bootstrapIterations\n      }\n      counts {\n        rows\n        images\n        reports\n      }\n      figures {\n        name\n        value\n        ci95\n      }\n      warnings\n    }\n  }\n"): (typeof documents)["\n  query ExplorerEvaluations {\n    evaluations(first: 20) {\n      id\n      createdAt\n      model\n      settings {\n        promptSet\n        normalization\n        mode\n        rerankCandidates\n        limit\n        bootstrapIterations\n      }\n      counts {\n        rows\n        images\n        reports\n      }\n      figures {\n        name\n        value\n        ci95\n      }\n      warnings\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ExplorerEvaluate($input: EvaluateInput!) {\n    evaluate(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  query ExplorerEvaluate($input: EvaluateInput!) {\n    evaluate(input: $input) {\n      id\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;