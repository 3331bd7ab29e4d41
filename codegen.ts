// GraphQL Code Generator: resolver and schema types from the SDL in src/schema. The output is
// committed; tests/unit/codegen.test.ts fails when it is stale.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "src/schema/*.graphql",
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript", "typescript-resolvers"],
      config: {
        contextType: "../server/context.ts#RequestContext",
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { ID: "string", Upload: 'Promise<import("../server/uploads.ts").FileUpload>' },
        mappers: {
          Health: "../services/health.service.ts#HealthReport",
          Image: "../stores/metadata/metadata-store.port.ts#ImageRecord",
          Report: "../stores/metadata/metadata-store.port.ts#ReportRecord",
          Finding: "../stores/metadata/metadata-store.port.ts#Finding as FindingRecord",
          ImageHit: "../services/search.service.ts#ImageHitResult",
          ReportHit: "../services/search.service.ts#ReportHitResult",
          WordAttention: "../services/search.service.ts#AttentionWord",
          Segmentation: "../services/segment.service.ts#SegmentationResult",
          SegmentationClass: "../services/segment.service.ts#SegmentedClass",
          IngestJob: "../stores/metadata/metadata-store.port.ts#JobRecord",
          Model: "../services/catalog.service.ts#ModelSummary",
          ModelStatus: "../server/loaders.ts#ModelStatusView",
          ApiKey: "../stores/metadata/api-key-store.port.ts#ApiKeyRecord",
          Evaluation: "../services/evaluation/evaluation.records.ts#EvaluationRecord",
          EvaluationComparison: "../services/evaluation/evaluation.service.ts#ComparedEvaluations",
        },
      },
    },
    // The explorer's operations (graphql(`…`) in web/src), typed for the urql client.
    "web/src/gql/": {
      preset: "client",
      documents: ["web/src/**/*.ts", "web/src/**/*.tsx", "!web/src/gql/**"],
      presetConfig: { fragmentMasking: false },
      config: { useTypeImports: true, enumsAsTypes: true, strictScalars: true, scalars: { ID: "string", Upload: "File" } },
    },
  },
  hooks: {},
};

export default config;
