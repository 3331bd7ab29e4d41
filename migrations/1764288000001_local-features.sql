-- Up Migration
-- Local features of stored items per model, for GLoRIA's word-region re-ranking (gloria-numerics §4.2):
-- image region features and report word slots as little-endian float16 blobs, half the size of
-- float32. Written when local features are stored rather than recomputed; a row goes with its
-- image, report or model.

CREATE TABLE image_region_features (
  model_id    text NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  image_id    uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  dim         integer NOT NULL CHECK (dim > 0),
  grid_h      integer NOT NULL CHECK (grid_h > 0),
  grid_w      integer NOT NULL CHECK (grid_w > 0),
  regions     bytea NOT NULL,                   -- [dim, grid_h·grid_w] channels-first, region r = y·grid_w + x
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, image_id),
  CHECK (octet_length(regions) = 2 * dim * grid_h * grid_w)
);
CREATE INDEX image_region_features_image_idx ON image_region_features (image_id);

CREATE TABLE report_word_features (
  model_id    text NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  report_id   uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  dim         integer NOT NULL CHECK (dim > 0),
  words       text[] NOT NULL,                  -- the n aggregated words (gloria-numerics §3.4)
  slots       bytea NOT NULL,                   -- [n + 2, dim] row-major: [CLS], the n words, [SEP]
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (model_id, report_id),
  CHECK (octet_length(slots) = 2 * dim * (cardinality(words) + 2))
);
CREATE INDEX report_word_features_report_idx ON report_word_features (report_id);

-- Half floats do not compress: store the blobs out of line without trying.
ALTER TABLE image_region_features ALTER COLUMN regions SET STORAGE EXTERNAL;
ALTER TABLE report_word_features ALTER COLUMN slots SET STORAGE EXTERNAL;

-- Down Migration
DROP TABLE report_word_features;
DROP TABLE image_region_features;
