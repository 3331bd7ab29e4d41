// The operations the explorer sends, typed from the schema by `npm run codegen` (web/src/gql).
import { graphql } from "../gql/index.ts";

export const ModelsQuery = graphql(`
  query ExplorerModels {
    models {
      id
      name
      loaded
      default
      grid
      coverage {
        dataset
        images {
          total
          ready
        }
      }
    }
  }
`);

export const SearchImagesQuery = graphql(`
  query ExplorerSearchImages(
    $text: String
    $query: ExampleQueryInput
    $first: Int!
    $after: String
    $minScore: Float
    $groupBy: GroupBy
    $filter: ImageFilter
    $rerank: RerankInput
    $model: ID
  ) {
    searchImages(
      text: $text
      query: $query
      first: $first
      after: $after
      minScore: $minScore
      groupBy: $groupBy
      filter: $filter
      rerank: $rerank
      model: $model
    ) {
      rank
      cursor
      group
      score
      globalScore
      localScore
      image {
        id
        dataset
        viewPosition
        findings
        thumbnail(size: 256)
      }
    }
  }
`);

export const AttentionQuery = graphql(`
  query ExplorerAttention($image: ImageInput!, $imageId: ID!, $text: String!, $model: ID) {
    attention(image: $image, text: $text, mode: WORDS, model: $model) {
      grid
      localScore
      words {
        word
        weight
        heatmap
      }
    }
    preview: image(id: $imageId, model: $model) {
      id
      thumbnail(size: 512)
    }
  }
`);

export const ImageQuery = graphql(`
  query ExplorerImage($id: ID!, $model: ID) {
    image(id: $id, model: $model) {
      id
      dataset
      viewPosition
      findings
      thumbnail(size: 512)
    }
  }
`);

export const ImageToReportsQuery = graphql(`
  query ExplorerImageToReports($image: ImageInput!, $first: Int!, $similar: Int!, $model: ID) {
    searchReports(image: $image, first: $first, rerank: { enabled: true, candidates: 50 }, model: $model) {
      rank
      score
      globalScore
      localScore
      report {
        id
        dataset
        text
        findings
      }
    }
    similarImages(image: $image, first: $similar, model: $model) {
      rank
      score
      image {
        id
        findings
        viewPosition
        thumbnail(size: 160)
      }
    }
    classify(images: [$image], model: $model) {
      predicted
      normalization
      scores {
        className
        score
        rawScore
      }
    }
  }
`);

export const EvaluationsQuery = graphql(`
  query ExplorerEvaluations {
    evaluations(first: 20) {
      id
      createdAt
      model
      settings {
        promptSet
        normalization
        mode
        rerankCandidates
        limit
        bootstrapIterations
      }
      counts {
        rows
        images
        reports
      }
      figures {
        name
        value
        ci95
      }
      warnings
    }
  }
`);

export const EvaluateQuery = graphql(`
  query ExplorerEvaluate($input: EvaluateInput!) {
    evaluate(input: $input) {
      id
    }
  }
`);
