-- Keepwatch schema, migration 1.
--
-- Conventions:
--   * Every time is a UTC integer in milliseconds since the epoch (*_ms / *_at).
--   * File paths are stored relative to the recordings root, never absolute, so
--     the folder can be moved; only the storage module turns them into paths.
--   * Crash rule: a segment file is complete and fsynced on disk before its row
--     is inserted; a file is deleted only after its row has moved to `garbage`.

-- One row per camera the user added.
CREATE TABLE cameras (
  id            INTEGER PRIMARY KEY,
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

-- The streams of a camera: 'main' (recorded, full resolution) and an optional
-- 'sub' (low resolution, for the live grid).
CREATE TABLE streams (
  id            INTEGER PRIMARY KEY,
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

-- A run is one continuous ffmpeg session on one stream. Its segments are
-- contiguous in time; a new run starts after every reconnect, so the gap between
-- two runs is an outage.
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  stream_id     INTEGER NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
  started_at    INTEGER NOT NULL,
  -- NULL while the run is live (or when the engine died during it).
  ended_at      INTEGER,
  -- Why it ended, credentials redacted.
  end_reason    TEXT
);

-- One row per recorded segment file (~60 s of fragmented MP4).
CREATE TABLE segments (
  id            INTEGER PRIMARY KEY,
  -- Denormalised from streams so the timeline query needs one index.
  camera_id     INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  stream_id     INTEGER NOT NULL REFERENCES streams (id) ON DELETE CASCADE,
  run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  -- Position of the segment within its run (1, 2, ...).
  seq           INTEGER NOT NULL,
  start_ms      INTEGER NOT NULL,
  end_ms        INTEGER NOT NULL,
  bytes         INTEGER NOT NULL CHECK (bytes >= 0),
  codec         TEXT,
  width         INTEGER,
  height        INTEGER,
  -- Path relative to the recordings root: c<camera>/<yyyy-mm-dd>/r<run>-<seq>.mp4
  file          TEXT    NOT NULL UNIQUE,
  -- 1 = found unindexed after a crash and cut at its last complete fragment.
  recovered     INTEGER NOT NULL DEFAULT 0 CHECK (recovered IN (0, 1)),
  CHECK (end_ms >= start_ms)
);
-- Timeline and playback: one camera's segments by time.
CREATE INDEX segments_by_camera_time ON segments (camera_id, start_ms);
-- Retention: the globally oldest segments first.
CREATE INDEX segments_by_time ON segments (start_ms);
CREATE UNIQUE INDEX segments_by_run_seq ON segments (run_id, seq);

-- Files whose rows are gone but which may still be on disk. A file is unlinked
-- only after it is listed here, and its row here is removed only after the
-- unlink succeeded, so a crash between the two steps leaks nothing and never
-- leaves a row pointing at a missing file.
CREATE TABLE garbage (
  file          TEXT    PRIMARY KEY,
  queued_at     INTEGER NOT NULL
);

-- Global settings as JSON values (diskBudgetBytes, freeSpaceFloorBytes, ...).
CREATE TABLE settings (
  key           TEXT    PRIMARY KEY,
  value         TEXT    NOT NULL
);

-- Every deletion of footage before its camera's age limit (disk budget or
-- free-space floor), so the UI can say honestly what was lost and why.
CREATE TABLE early_deletions (
  id            INTEGER PRIMARY KEY,
  at_ms         INTEGER NOT NULL,
  camera_id     INTEGER NOT NULL,
  segments      INTEGER NOT NULL,
  bytes         INTEGER NOT NULL,
  -- Oldest footage start that went, and why ('budget' or 'free-space').
  oldest_ms     INTEGER NOT NULL,
  reason        TEXT    NOT NULL
);
