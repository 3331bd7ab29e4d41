-- Up Migration
-- A small grey copy of each image (JPEG, long side at most 512 px), made at ingestion from the pixels
-- already decoded there, so heatmaps and previews never read or decode the source file again. One
-- per image, whatever the model: the pixels do not depend on it.

CREATE TABLE image_thumbnails (
  image_id    uuid PRIMARY KEY REFERENCES images (id) ON DELETE CASCADE,
  width       integer NOT NULL CHECK (width > 0),
  height      integer NOT NULL CHECK (height > 0),
  format      text NOT NULL CHECK (format IN ('jpeg')),
  bytes       bytea NOT NULL CHECK (octet_length(bytes) > 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- JPEG does not compress further: store it out of line without trying.
ALTER TABLE image_thumbnails ALTER COLUMN bytes SET STORAGE EXTERNAL;

-- Down Migration
DROP TABLE image_thumbnails;
