-- Up Migration
-- Linear-probe classifier heads (docs/classifiers.md): one logistic output per class trained on a
-- model's stored image features, versioned per (name, model) — a new training under the same name
-- and model is the next version — and gone with its model.

CREATE TABLE classifier_heads (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (btrim(name) <> ''),
  model_id    text NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  version     integer NOT NULL CHECK (version > 0),
  classes     text[] NOT NULL CHECK (cardinality(classes) > 0),
  features    text NOT NULL CHECK (features IN ('GLOBAL', 'POOLED')),
  dim         integer NOT NULL CHECK (dim > 0),
  weights     bytea NOT NULL,                   -- [classes, dim] row-major, little-endian float32
  biases      bytea NOT NULL,                   -- [classes] little-endian float32
  training    jsonb NOT NULL,                   -- seed, trainFraction, l2, dataset, counts, label rule
  validation  jsonb NOT NULL,                   -- mean and per-class AUROC with 95% intervals
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, model_id, version),
  CHECK (octet_length(weights) = 4 * dim * cardinality(classes)),
  CHECK (octet_length(biases) = 4 * cardinality(classes))
);
CREATE INDEX classifier_heads_model_idx ON classifier_heads (model_id, created_at DESC);

-- Down Migration
DROP TABLE classifier_heads;
