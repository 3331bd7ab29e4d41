/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type EvaluateInput = {
  /** Bootstrap resamples per 95% interval (0: none; at most 10000). */
  bootstrapIterations?: number | null | undefined;
  /** Use only the first N rows (at most 5000, the default). */
  limit?: number | null | undefined;
  /** A CheXpert-style manifest (Path, Report, the five class columns, optional Findings) on the server, inside INGEST_ROOTS. */
  manifest: string;
  /** Headline word columns; both are always measured. */
  mode?: LocalMode | null | undefined;
  /** The loaded model to evaluate (default: the default model). */
  model?: string | null | undefined;
  /** Headline zero-shot normalisation (default REFERENCE when the model has statistics, else BATCH). */
  normalization?: ZeroShotNormalization | null | undefined;
  /** First-stage candidates re-scored by the local similarity (at most 1000). */
  rerankCandidates?: number | null | undefined;
  /** Seed of the bootstrap resampling. */
  seed?: number | null | undefined;
  /** Use only the first N rows of the training manifest (at most 4000, the default); only with trainManifest. */
  trainLimit?: number | null | undefined;
  /** A CheXpert-style training manifest on the server, inside INGEST_ROOTS: adds linearProbe, heads fitted on its images' global embeddings at 1%, 10% and 100% of its rows (always encoded, never taken from the stores). */
  trainManifest?: string | null | undefined;
  /** Take the stored features of images already ingested for the model (same file bytes); encode the rest. */
  useStoredFeatures?: boolean | null | undefined;
};

/**
 * A query made of examples: weighted texts and positive / negative example images (at most 8 texts
 * and 8 images of each kind). Re-ranking scores the texts with GLoRIA's local similarity, positive
 * texts minus negative ones; a query of images alone is not re-ranked. See docs/search.md.
 */
export type ExampleQueryInput = {
  negative?: Array<ImageInput> | null | undefined;
  positive?: Array<ImageInput> | null | undefined;
  strategy?: ExampleStrategy | null | undefined;
  texts?: Array<WeightedTextInput> | null | undefined;
};

/** How an example query's examples make the first stage. */
export type ExampleStrategy =
  /** One search for a⁺ + (a⁺ − a⁻), the weighted means of the positive and the negative examples' embeddings. */
  | 'AVERAGE'
  /** Each positive searched on its own; a candidate scores its best cosine with a positive, and ranks under every other when a negative is nearer. */
  | 'BEST_SCORE';

/** How search hits are grouped. */
export type GroupBy =
  /** One group per study: its best hit, then up to perGroup − 1 of its other hits (other views, other reports). A hit without a study is a group of its own. */
  | 'STUDY';

export type ImageFilter = {
  /** Dataset names. */
  datasets?: Array<string> | null | undefined;
  /** Items with at least one of these finding classes. */
  findings?: Array<string> | null | undefined;
  /** Items with every one of these finding classes. */
  findingsAll?: Array<string> | null | undefined;
  /** Items with none of these finding classes. */
  findingsNone?: Array<string> | null | undefined;
  /** Items ingested at or after this ISO 8601 date or date-time. */
  ingestedAfter?: string | null | undefined;
  /** Items ingested before this ISO 8601 date or date-time. */
  ingestedBefore?: string | null | undefined;
  /** Items whose stored labels meet every condition (e.g. Edema UNCERTAIN, Cardiomegaly NEGATIVE or NOT_MENTIONED). */
  labels?: Array<LabelCondition> | null | undefined;
  /**
   * Images linked to at least one report whose text matches this Postgres full-text query, in web-search
   * syntax: words, "quoted phrases", `or`, `-word` (docs/text-search.md). A query with no word full-text
   * search can match (stop words alone) is BAD_USER_INPUT.
   */
  mustMention?: string | null | undefined;
  studies?: Array<string> | null | undefined;
  viewPositions?: Array<string> | null | undefined;
};

/**
 * An image to search with or classify: exactly one of a stored image's id, the file's bytes in
 * base64, or an uploaded file (PNG, JPEG, TIFF or DICOM).
 */
export type ImageInput = {
  base64?: string | null | undefined;
  id?: string | null | undefined;
  upload?: File | null | undefined;
};

/** The class's stored label is one of the values. */
export type LabelCondition = {
  className: string;
  values: Array<LabelValue>;
};

/** A CheXpert label value: 1, 0 and −1 in a manifest's class column, or the class left empty. */
export type LabelValue =
  | 'NEGATIVE'
  | 'NOT_MENTIONED'
  | 'POSITIVE'
  | 'UNCERTAIN';

/** Which word columns the local similarity uses. */
export type LocalMode =
  /** The published code's slicing: as many columns as the text has characters (words, [SEP], zero columns). */
  | 'REFERENCE'
  /** The words only. */
  | 'WORDS';

export type RerankInput = {
  /** First-stage candidates re-scored with local similarity, 1 to 1000. */
  candidates?: number | null | undefined;
  enabled?: boolean | null | undefined;
  mode?: LocalMode | null | undefined;
};

/** A text of an example query, with its weight: negative weights are texts to move away from. */
export type WeightedTextInput = {
  text: string;
  /** Non-zero; the first stage weighs the texts' embeddings by it, the second their local scores. */
  weight?: number | null | undefined;
};

/** How zero-shot scores are normalised across classes. */
export type ZeroShotNormalization =
  /** Z-scores of each class across the images of this call (the published code's behaviour for several images). */
  | 'BATCH'
  /** Raw scores, as the published code gives for a single image. */
  | 'NONE'
  /** Z-scores against per-class statistics stored with the model, so one image gets a stable answer. */
  | 'REFERENCE';

export type ExplorerModelsQueryVariables = Exact<{ [key: string]: never; }>;


export type ExplorerModelsQuery = { models: Array<{ id: string, name: string, loaded: boolean, default: boolean, grid: Array<number>, coverage: Array<{ dataset: string, images: { total: number, ready: number } }> }> };

export type ExplorerSearchImagesQueryVariables = Exact<{
  text?: string | null | undefined;
  query?: ExampleQueryInput | null | undefined;
  first: number;
  after?: string | null | undefined;
  minScore?: number | null | undefined;
  groupBy?: GroupBy | null | undefined;
  filter?: ImageFilter | null | undefined;
  rerank?: RerankInput | null | undefined;
  model?: string | null | undefined;
}>;


export type ExplorerSearchImagesQuery = { searchImages: Array<{ rank: number, cursor: string, group: string | null, score: number, globalScore: number, localScore: number | null, image: { id: string, dataset: string, viewPosition: string | null, findings: Array<string>, thumbnail: string | null } }> };

export type ExplorerAttentionQueryVariables = Exact<{
  image: ImageInput;
  imageId: string;
  text: string;
  model?: string | null | undefined;
}>;


export type ExplorerAttentionQuery = { attention: { grid: Array<number>, localScore: number, words: Array<{ word: string, weight: number, heatmap: string | null }> }, preview: { id: string, thumbnail: string | null } | null };

export type ExplorerImageQueryVariables = Exact<{
  id: string;
  model?: string | null | undefined;
}>;


export type ExplorerImageQuery = { image: { id: string, dataset: string, viewPosition: string | null, findings: Array<string>, thumbnail: string | null } | null };

export type ExplorerImageToReportsQueryVariables = Exact<{
  image: ImageInput;
  first: number;
  similar: number;
  model?: string | null | undefined;
}>;


export type ExplorerImageToReportsQuery = { searchReports: Array<{ rank: number, score: number, globalScore: number, localScore: number | null, report: { id: string, dataset: string, text: string, findings: Array<string> } }>, similarImages: Array<{ rank: number, score: number, image: { id: string, findings: Array<string>, viewPosition: string | null, thumbnail: string | null } }>, classify: Array<{ predicted: string | null, normalization: ZeroShotNormalization, scores: Array<{ className: string, score: number | null, rawScore: number }> }> };

export type ExplorerEvaluationsQueryVariables = Exact<{ [key: string]: never; }>;


export type ExplorerEvaluationsQuery = { evaluations: Array<{ id: string, createdAt: string, model: string, warnings: Array<string>, settings: { promptSet: string, normalization: ZeroShotNormalization, mode: LocalMode, rerankCandidates: number, limit: number | null, bootstrapIterations: number }, counts: { rows: number, images: number, reports: number }, figures: Array<{ name: string, value: number | null, ci95: Array<number> | null }> }> };

export type ExplorerEvaluateQueryVariables = Exact<{
  input: EvaluateInput;
}>;


export type ExplorerEvaluateQuery = { evaluate: { id: string } };


export const ExplorerModelsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ExplorerModels"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"models"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"loaded"}},{"kind":"Field","name":{"kind":"Name","value":"default"}},{"kind":"Field","name":{"kind":"Name","value":"grid"}},{"kind":"Field","name":{"kind":"Name","value":"coverage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"dataset"}},{"kind":"Field","name":{"kind":"Name","value":"images"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"total"}},{"kind":"Field","name":{"kind":"Name","value":"ready"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ExplorerModelsQuery, ExplorerModelsQueryVariables>;
export const ExplorerSearchImagesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ExplorerSearchImages"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"text"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"query"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ExampleQueryInput"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"minScore"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Float"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"groupBy"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"GroupBy"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ImageFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"rerank"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"RerankInput"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"model"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"searchImages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"text"},"value":{"kind":"Variable","name":{"kind":"Name","value":"text"}}},{"kind":"Argument","name":{"kind":"Name","value":"query"},"value":{"kind":"Variable","name":{"kind":"Name","value":"query"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"minScore"},"value":{"kind":"Variable","name":{"kind":"Name","value":"minScore"}}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"Variable","name":{"kind":"Name","value":"groupBy"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"rerank"},"value":{"kind":"Variable","name":{"kind":"Name","value":"rerank"}}},{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"group"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"globalScore"}},{"kind":"Field","name":{"kind":"Name","value":"localScore"}},{"kind":"Field","name":{"kind":"Name","value":"image"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"dataset"}},{"kind":"Field","name":{"kind":"Name","value":"viewPosition"}},{"kind":"Field","name":{"kind":"Name","value":"findings"}},{"kind":"Field","name":{"kind":"Name","value":"thumbnail"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"size"},"value":{"kind":"IntValue","value":"256"}}]}]}}]}}]}}]} as unknown as DocumentNode<ExplorerSearchImagesQuery, ExplorerSearchImagesQueryVariables>;
export const ExplorerAttentionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ExplorerAttention"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"image"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ImageInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"imageId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"text"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"model"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"attention"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"image"},"value":{"kind":"Variable","name":{"kind":"Name","value":"image"}}},{"kind":"Argument","name":{"kind":"Name","value":"text"},"value":{"kind":"Variable","name":{"kind":"Name","value":"text"}}},{"kind":"Argument","name":{"kind":"Name","value":"mode"},"value":{"kind":"EnumValue","value":"WORDS"}},{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"grid"}},{"kind":"Field","name":{"kind":"Name","value":"localScore"}},{"kind":"Field","name":{"kind":"Name","value":"words"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"word"}},{"kind":"Field","name":{"kind":"Name","value":"weight"}},{"kind":"Field","name":{"kind":"Name","value":"heatmap"}}]}}]}},{"kind":"Field","alias":{"kind":"Name","value":"preview"},"name":{"kind":"Name","value":"image"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"imageId"}}},{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"thumbnail"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"size"},"value":{"kind":"IntValue","value":"512"}}]}]}}]}}]} as unknown as DocumentNode<ExplorerAttentionQuery, ExplorerAttentionQueryVariables>;
export const ExplorerImageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ExplorerImage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"model"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"image"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}},{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"dataset"}},{"kind":"Field","name":{"kind":"Name","value":"viewPosition"}},{"kind":"Field","name":{"kind":"Name","value":"findings"}},{"kind":"Field","name":{"kind":"Name","value":"thumbnail"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"size"},"value":{"kind":"IntValue","value":"512"}}]}]}}]}}]} as unknown as DocumentNode<ExplorerImageQuery, ExplorerImageQueryVariables>;
export const ExplorerImageToReportsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ExplorerImageToReports"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"image"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ImageInput"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"similar"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"model"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"searchReports"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"image"},"value":{"kind":"Variable","name":{"kind":"Name","value":"image"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"rerank"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"enabled"},"value":{"kind":"BooleanValue","value":true}},{"kind":"ObjectField","name":{"kind":"Name","value":"candidates"},"value":{"kind":"IntValue","value":"50"}}]}},{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"globalScore"}},{"kind":"Field","name":{"kind":"Name","value":"localScore"}},{"kind":"Field","name":{"kind":"Name","value":"report"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"dataset"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"findings"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"similarImages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"image"},"value":{"kind":"Variable","name":{"kind":"Name","value":"image"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"similar"}}},{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rank"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"image"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"findings"}},{"kind":"Field","name":{"kind":"Name","value":"viewPosition"}},{"kind":"Field","name":{"kind":"Name","value":"thumbnail"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"size"},"value":{"kind":"IntValue","value":"160"}}]}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"classify"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"images"},"value":{"kind":"ListValue","values":[{"kind":"Variable","name":{"kind":"Name","value":"image"}}]}},{"kind":"Argument","name":{"kind":"Name","value":"model"},"value":{"kind":"Variable","name":{"kind":"Name","value":"model"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"predicted"}},{"kind":"Field","name":{"kind":"Name","value":"normalization"}},{"kind":"Field","name":{"kind":"Name","value":"scores"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"className"}},{"kind":"Field","name":{"kind":"Name","value":"score"}},{"kind":"Field","name":{"kind":"Name","value":"rawScore"}}]}}]}}]}}]} as unknown as DocumentNode<ExplorerImageToReportsQuery, ExplorerImageToReportsQueryVariables>;
export const ExplorerEvaluationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ExplorerEvaluations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"evaluations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"model"}},{"kind":"Field","name":{"kind":"Name","value":"settings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"promptSet"}},{"kind":"Field","name":{"kind":"Name","value":"normalization"}},{"kind":"Field","name":{"kind":"Name","value":"mode"}},{"kind":"Field","name":{"kind":"Name","value":"rerankCandidates"}},{"kind":"Field","name":{"kind":"Name","value":"limit"}},{"kind":"Field","name":{"kind":"Name","value":"bootstrapIterations"}}]}},{"kind":"Field","name":{"kind":"Name","value":"counts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"}},{"kind":"Field","name":{"kind":"Name","value":"images"}},{"kind":"Field","name":{"kind":"Name","value":"reports"}}]}},{"kind":"Field","name":{"kind":"Name","value":"figures"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}},{"kind":"Field","name":{"kind":"Name","value":"ci95"}}]}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}}]}}]}}]} as unknown as DocumentNode<ExplorerEvaluationsQuery, ExplorerEvaluationsQueryVariables>;
export const ExplorerEvaluateDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ExplorerEvaluate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"EvaluateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"evaluate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}}]} as unknown as DocumentNode<ExplorerEvaluateQuery, ExplorerEvaluateQueryVariables>;