// The operations the explorer sends, typed from the schema by `npm run codegen` (web/src/gql).
import { graphql } from "../gql/index.ts";

export const ModelsQuery = graphql(`
  query ExplorerModels {
    models {
      id
      name
      loaded
      grid
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
  ) {
    searchImages(text: $text, query: $query, first: $first, after: $after, minScore: $minScore, groupBy: $groupBy, filter: $filter, rerank: $rerank) {
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
  query ExplorerAttention($image: ImageInput!, $imageId: ID!, $text: String!) {
    attention(image: $image, text: $text, mode: WORDS) {
      grid
      localScore
      words {
        word
        weight
        heatmap
      }
    }
    preview: image(id: $imageId) {
      id
      thumbnail(size: 512)
    }
  }
`);

export const ImageQuery = graphql(`
  query ExplorerImage($id: ID!) {
    image(id: $id) {
      id
      dataset
      viewPosition
      findings
      thumbnail(size: 512)
    }
  }
`);

export const ImageToReportsQuery = graphql(`
  query ExplorerImageToReports($image: ImageInput!, $first: Int!, $similar: Int!) {
    searchReports(image: $image, first: $first, rerank: { enabled: true, candidates: 50 }) {
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
    similarImages(image: $image, first: $similar) {
      rank
      score
      image {
        id
        findings
        viewPosition
        thumbnail(size: 160)
      }
    }
    classify(images: [$image]) {
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
