-- Up Migration
-- Full-text search over reports, for hybrid text → report search (docs/search.md): each report's
-- text as an English tsvector, kept by Postgres itself, and a GIN index over it.

ALTER TABLE reports ADD COLUMN text_search tsvector GENERATED ALWAYS AS (to_tsvector('english', text)) STORED;
CREATE INDEX reports_text_search_idx ON reports USING gin (text_search);

-- Down Migration
DROP INDEX reports_text_search_idx;
ALTER TABLE reports DROP COLUMN text_search;
