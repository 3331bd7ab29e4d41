-- Up Migration
-- The pooled trunk features of each image for each model whose image graph has the `pooled` output
-- (docs/model-contract.md, "Optional parts"): GLoRIA's classifier input, 2048 values for ResNet-50,
-- kept as little-endian float16. Linear-probe heads with features POOLED train on them and score
-- with them (docs/classifiers.md). Written at ingestion; `gloria backfill-pooled` fills them in for
-- images ingested before the model had the output. Gone with the image or the model.

CREATE TABLE image_pooled_features (
  model_id    text NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  image_id    uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  dim         integer NOT NULL CHECK (dim > 0),
  features    bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, image_id),
  CHECK (octet_length(features) = 2 * dim)
);
CREATE INDEX image_pooled_features_image_idx ON image_pooled_features (image_id);

-- Down Migration
DROP TABLE image_pooled_features;
