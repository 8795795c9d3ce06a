-- Keepwatch schema, migration 4: SHA-256 of recorded segment files.
--
-- Every export lists the SHA-256 of the segment files it was cut from. The
-- hash is taken once, in the background soon after a segment is indexed
-- (or during the first export that needs it), and kept here, so an export
-- reads each source once and hashes only what it writes. A hash taken close
-- to recording time is also the better evidence: if a recording file is ever
-- altered afterwards, its hash no longer matches the one exports quote.
--
-- A row is trusted only while the file still has the size and modification
-- time it had when it was hashed; otherwise the export hashes it again.

CREATE TABLE segment_hashes (
  segment_id    INTEGER PRIMARY KEY REFERENCES segments (id) ON DELETE CASCADE,
  -- Lower-case hex SHA-256 of the whole file.
  sha256        TEXT    NOT NULL CHECK (length(sha256) = 64),
  bytes         INTEGER NOT NULL,
  mtime_ms      INTEGER NOT NULL,
  -- When the hash was taken (UTC ms).
  hashed_at     INTEGER NOT NULL
);
