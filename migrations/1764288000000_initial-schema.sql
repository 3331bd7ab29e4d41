-- Up Migration
-- Metadata of gloria-search: models, datasets, studies, images, reports, their links, the
-- per-(item, model) embedding state, ingestion jobs and API keys. Vectors and local features live in
-- their own stores; this schema records what was written where.

CREATE TYPE item_status AS ENUM ('PENDING', 'READY', 'FAILED');
CREATE TYPE job_status AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

CREATE TABLE models (
  id          text PRIMARY KEY,                 -- name@version#checksum[0:12]
  name        text NOT NULL,
  version     text NOT NULL,
  checksum    text NOT NULL,
  dim         integer NOT NULL CHECK (dim > 0),
  grid_h      integer NOT NULL CHECK (grid_h > 0),
  grid_w      integer NOT NULL CHECK (grid_w > 0),
  manifest    jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (name, version, checksum)
);

CREATE TABLE datasets (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE,
  description text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE studies (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id   uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  external_id  text NOT NULL,                   -- StudyInstanceUID or the study folder name
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dataset_id, external_id)
);

CREATE TABLE images (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id     uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  study_id       uuid REFERENCES studies (id) ON DELETE SET NULL,
  content_hash   text NOT NULL,                 -- sha256 of the file bytes
  source_path    text,
  byte_size      bigint NOT NULL CHECK (byte_size >= 0),
  format         text NOT NULL,                 -- png | jpeg | tiff | dicom
  width          integer CHECK (width > 0),
  height         integer CHECK (height > 0),
  view_position  text,
  modality       text,
  series_uid     text,
  sop_uid        text,
  labels         jsonb NOT NULL DEFAULT '{}'::jsonb,  -- class name -> 1 | 0 | -1
  findings       jsonb NOT NULL DEFAULT '[]'::jsonb,  -- [{class, severity, location}]
  status         item_status NOT NULL DEFAULT 'PENDING',
  error          text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dataset_id, content_hash)
);
CREATE INDEX images_study_idx ON images (study_id);
CREATE INDEX images_status_idx ON images (status);

CREATE TABLE reports (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id    uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  study_id      uuid REFERENCES studies (id) ON DELETE SET NULL,
  content_hash  text NOT NULL,                  -- sha256 of the UTF-8 text
  text          text NOT NULL CHECK (length(btrim(text)) > 0),
  source_path   text,
  labels        jsonb NOT NULL DEFAULT '{}'::jsonb,
  findings      jsonb NOT NULL DEFAULT '[]'::jsonb,
  status        item_status NOT NULL DEFAULT 'PENDING',
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (dataset_id, content_hash)
);
CREATE INDEX reports_study_idx ON reports (study_id);
CREATE INDEX reports_status_idx ON reports (status);

CREATE TABLE image_reports (
  image_id   uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  report_id  uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  PRIMARY KEY (image_id, report_id)
);
CREATE INDEX image_reports_report_idx ON image_reports (report_id);

-- One row per (item, model): which stores hold the item's vectors for that model.
CREATE TABLE image_embeddings (
  image_id        uuid NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  model_id        text NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  status          item_status NOT NULL DEFAULT 'PENDING',
  vector_written  boolean NOT NULL DEFAULT false,
  local_written   boolean NOT NULL DEFAULT false,
  error           text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (image_id, model_id)
);
CREATE INDEX image_embeddings_model_status_idx ON image_embeddings (model_id, status);

CREATE TABLE report_embeddings (
  report_id       uuid NOT NULL REFERENCES reports (id) ON DELETE CASCADE,
  model_id        text NOT NULL REFERENCES models (id) ON DELETE CASCADE,
  status          item_status NOT NULL DEFAULT 'PENDING',
  vector_written  boolean NOT NULL DEFAULT false,
  local_written   boolean NOT NULL DEFAULT false,
  error           text,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (report_id, model_id)
);
CREATE INDEX report_embeddings_model_status_idx ON report_embeddings (model_id, status);

CREATE TABLE ingest_jobs (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  dataset_id   uuid REFERENCES datasets (id) ON DELETE SET NULL,
  model_id     text REFERENCES models (id) ON DELETE SET NULL,
  source       jsonb NOT NULL,                  -- what was asked: kind, path, options
  status       job_status NOT NULL DEFAULT 'QUEUED',
  total        integer NOT NULL DEFAULT 0 CHECK (total >= 0),
  ingested     integer NOT NULL DEFAULT 0 CHECK (ingested >= 0),
  skipped      integer NOT NULL DEFAULT 0 CHECK (skipped >= 0),
  failed       integer NOT NULL DEFAULT 0 CHECK (failed >= 0),
  error        text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_at   timestamptz,
  finished_at  timestamptz
);
CREATE INDEX ingest_jobs_status_idx ON ingest_jobs (status);

CREATE TABLE ingest_job_errors (
  id          bigserial PRIMARY KEY,
  job_id      uuid NOT NULL REFERENCES ingest_jobs (id) ON DELETE CASCADE,
  item        text NOT NULL,                    -- the path or upload name that failed
  code        text NOT NULL,                    -- an AppError code
  message     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ingest_job_errors_job_idx ON ingest_job_errors (job_id);

CREATE TABLE api_keys (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name          text NOT NULL,
  prefix        text NOT NULL,                  -- the first characters of the key, shown to admins
  key_hash      text NOT NULL UNIQUE,           -- sha256 of the whole key; the key itself is never stored
  scopes        text[] NOT NULL CHECK (cardinality(scopes) > 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_used_at  timestamptz,
  revoked_at    timestamptz
);

-- Down Migration
DROP TABLE api_keys;
DROP TABLE ingest_job_errors;
DROP TABLE ingest_jobs;
DROP TABLE report_embeddings;
DROP TABLE image_embeddings;
DROP TABLE image_reports;
DROP TABLE reports;
DROP TABLE images;
DROP TABLE studies;
DROP TABLE datasets;
DROP TABLE models;
DROP TYPE job_status;
DROP TYPE item_status;
