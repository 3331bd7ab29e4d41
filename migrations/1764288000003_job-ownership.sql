-- Up Migration
-- Jobs you can trust. An inline job names the process that runs it (owner: host/pid/instance), so
-- a server starting after a crash can fail the jobs a dead process left RUNNING without touching a
-- live server's. Queued jobs have no owner: the queue (pg-boss) retries their batches.
-- Each queued batch is counted once, whatever the retries: the result of each of its encoder
-- batches (parts) is kept by (batch, part), and the job's counters move only when that row is
-- first written, so a retry after partial progress counts only the parts not counted yet.

ALTER TABLE ingest_jobs ADD COLUMN owner text;
ALTER TABLE ingest_jobs ADD COLUMN queued boolean NOT NULL DEFAULT false;
-- ingestJobs pages newest first.
CREATE INDEX ingest_jobs_created_idx ON ingest_jobs (created_at DESC, id DESC);

CREATE TABLE ingest_job_batches (
  job_id      uuid NOT NULL REFERENCES ingest_jobs (id) ON DELETE CASCADE,
  batch       integer NOT NULL CHECK (batch >= 0),
  part        integer NOT NULL CHECK (part >= 0),
  ingested    integer NOT NULL CHECK (ingested >= 0),
  skipped     integer NOT NULL CHECK (skipped >= 0),
  failed      integer NOT NULL CHECK (failed >= 0),
  counted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, batch, part)
);

-- Down Migration
DROP TABLE ingest_job_batches;
DROP INDEX ingest_jobs_created_idx;
ALTER TABLE ingest_jobs DROP COLUMN queued;
ALTER TABLE ingest_jobs DROP COLUMN owner;
