-- Keepwatch schema, migration 5: an id never names two things.
--
-- Until now `cameras`, `streams`, `runs`, `segments` and `events` used
-- `INTEGER PRIMARY KEY` without AUTOINCREMENT, so SQLite handed the largest
-- id out again after the newest row was deleted: remove the newest camera,
-- add another, and the new camera had the old one's id — its live feed, its
-- recordings and its thumbnails answered to URLs and caches that meant the
-- deleted camera. With AUTOINCREMENT, SQLite keeps the largest id ever used
-- in `sqlite_sequence` and never goes below it, even after deletes.
--
-- SQLite cannot add AUTOINCREMENT to an existing table, so each table is
-- rebuilt (the "12-step" procedure of https://sqlite.org/lang_altertable.html):
-- create the new table, copy every row with its id, drop the old one, rename.
-- The migration runner turns foreign keys off around this migration (dropping
-- a parent table with foreign keys on would cascade-delete its children) and
-- runs `PRAGMA foreign_key_check` before it commits.
--
-- Thumbnail ids are `<segment id>-<slot>`, so they inherit the guarantee
-- from segments. Export ids come from `export_ids` below.

-- Cameras. --------------------------------------------------------------------
CREATE TABLE cameras_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  name          TEXT    NOT NULL,
  -- 0 = the user switched recording off; the camera stays configured.
  enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  -- rtsp: URL typed in; onvif: onboarded through ONVIF; test-pattern: built-in
  -- demo source (only the engine itself can create these, never the API).
  source        TEXT    NOT NULL CHECK (source IN ('rtsp', 'onvif', 'test-pattern')),
  -- Encrypted JSON {"username","password"} (see secrets/), NULL when the camera
  -- needs none. Never returned by the API, never logged.
  credentials   BLOB,
  -- Per-camera age limit for footage; NULL = keep until space is needed.
  max_age_ms    INTEGER CHECK (max_age_ms IS NULL OR max_age_ms > 0),
  created_at    INTEGER NOT NULL
);
INSERT INTO cameras_new (id, name, enabled, source, credentials, max_age_ms, created_at)
  SELECT id, name, enabled, source, credentials, max_age_ms, created_at FROM cameras;
DROP TABLE cameras;
ALTER TABLE cameras_new RENAME TO cameras;

-- Streams. --------------------------------------------------------------------
CREATE TABLE streams_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  camera_id     INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  kind          TEXT    NOT NULL CHECK (kind IN ('main', 'sub')),
  -- URL without credentials (they live in cameras.credentials).
  url           TEXT    NOT NULL,
  -- What the last connection reported; NULL until the stream was first seen.
  codec         TEXT,
  width         INTEGER,
  height        INTEGER,
  audio_codec   TEXT,
  UNIQUE (camera_id, kind)
);
INSERT INTO streams_new (id, camera_id, kind, url, codec, width, height, audio_codec)
  SELECT id, camera_id, kind, url, codec, width, height, audio_codec FROM streams;
DROP TABLE streams;
ALTER TABLE streams_new RENAME TO streams;

-- Runs. -----------------------------------------------------------------------
CREATE TABLE runs_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id     INTEGER NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
  started_at    INTEGER NOT NULL,
  -- NULL while the run is live (or when the engine died during it).
  ended_at      INTEGER,
  -- Why it ended, credentials redacted.
  end_reason    TEXT
);
INSERT INTO runs_new (id, stream_id, started_at, ended_at, end_reason)
  SELECT id, stream_id, started_at, ended_at, end_reason FROM runs;
DROP TABLE runs;
ALTER TABLE runs_new RENAME TO runs;

-- Segments (see 001 for the columns). ----------------------------------------
CREATE TABLE segments_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  camera_id     INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  stream_id     INTEGER NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
  run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq           INTEGER NOT NULL,
  start_ms      INTEGER NOT NULL,
  end_ms        INTEGER NOT NULL,
  bytes         INTEGER NOT NULL CHECK (bytes >= 0),
  codec         TEXT,
  width         INTEGER,
  height        INTEGER,
  -- Path relative to the recordings root: c<camera>/<yyyy-mm-dd>/r<run>-<seq>.mp4
  -- (the date is the run's start day, UTC).
  file          TEXT    NOT NULL UNIQUE,
  recovered     INTEGER NOT NULL DEFAULT 0 CHECK (recovered IN (0, 1)),
  CHECK (end_ms >= start_ms)
);
INSERT INTO segments_new (id, camera_id, stream_id, run_id, seq, start_ms, end_ms, bytes, codec, width, height, file, recovered)
  SELECT id, camera_id, stream_id, run_id, seq, start_ms, end_ms, bytes, codec, width, height, file, recovered FROM segments;
DROP TABLE segments;
ALTER TABLE segments_new RENAME TO segments;
CREATE INDEX segments_by_camera_time ON segments (camera_id, start_ms);
CREATE INDEX segments_by_time ON segments (start_ms);
CREATE UNIQUE INDEX segments_by_run_seq ON segments (run_id, seq);

-- Events (see 003 for the columns). ------------------------------------------
CREATE TABLE events_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  camera_id     INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  kind          TEXT    NOT NULL,
  start_ms      INTEGER NOT NULL,
  end_ms        INTEGER,
  source        TEXT    NOT NULL DEFAULT '',
  topic         TEXT    NOT NULL DEFAULT '',
  CHECK (end_ms IS NULL OR end_ms >= start_ms)
);
INSERT INTO events_new (id, camera_id, kind, start_ms, end_ms, source, topic)
  SELECT id, camera_id, kind, start_ms, end_ms, source, topic FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_by_camera_start ON events (camera_id, start_ms);
CREATE INDEX events_open ON events (camera_id, kind, source) WHERE end_ms IS NULL;

-- Early deletions: now tied to their camera and gone with it (before, a
-- reused camera id inherited another camera's history). Rows of cameras
-- already deleted are dropped; their ids still count for the sequence below.
CREATE TABLE early_deletions_new (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms         INTEGER NOT NULL,
  camera_id     INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  segments      INTEGER NOT NULL,
  bytes         INTEGER NOT NULL,
  -- Oldest footage start that went, and why ('budget' or 'free-space').
  oldest_ms     INTEGER NOT NULL,
  reason        TEXT    NOT NULL
);
CREATE TEMP TABLE early_deletions_old_ids AS SELECT camera_id FROM early_deletions;
INSERT INTO early_deletions_new (id, at_ms, camera_id, segments, bytes, oldest_ms, reason)
  SELECT id, at_ms, camera_id, segments, bytes, oldest_ms, reason FROM early_deletions
  WHERE camera_id IN (SELECT id FROM cameras);

DROP TABLE early_deletions;
ALTER TABLE early_deletions_new RENAME TO early_deletions;

-- Ids handed out before this migration whose rows are gone already (the
-- newest camera deleted, then Keepwatch upgraded) must not come back either.
-- The copies above set each sequence to the largest surviving id; raise it
-- past every id that anything still remembers:
--   * cameras: early deletions kept no foreign key, and the `garbage` queue
--     still names the folders c<camera>/ of footage waiting to be unlinked;
--   * streams, runs, segments, events: nothing remembers deleted ones, so the
--     sequence jumps 100 000 ahead. Ids that were deleted at the top of a
--     table are only those written after the last surviving row (a camera
--     removed while it was the only one recording): far fewer than that.
INSERT INTO sqlite_sequence (name, seq)
  SELECT t.name, 0 FROM (SELECT 'cameras' AS name UNION ALL SELECT 'streams' UNION ALL SELECT 'runs'
                         UNION ALL SELECT 'segments' UNION ALL SELECT 'events') AS t
  WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence s WHERE s.name = t.name);
UPDATE sqlite_sequence
  SET seq = MAX(
    seq,
    COALESCE((SELECT MAX(camera_id) FROM early_deletions_old_ids), 0),
    COALESCE((SELECT MAX(CAST(substr(file, 2, instr(file, '/') - 2) AS INTEGER)) FROM garbage WHERE file GLOB 'c[0-9]*/*'), 0)
  )
  WHERE name = 'cameras';
UPDATE sqlite_sequence SET seq = seq + 100000 WHERE name IN ('streams', 'runs', 'segments', 'events');
DROP TABLE early_deletions_old_ids;

-- Export ids. Exports live as folders named by id under DATA/exports; one row
-- per export ever created, so a deleted export's id is never handed out again.
-- The export service also raises the sequence to the largest folder it finds.
CREATE TABLE export_ids (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at    INTEGER NOT NULL
);
