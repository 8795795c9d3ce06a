-- Keepwatch schema, migration 6: detection, review items, longer retention
-- for footage with events (docs/detection.md).
--
-- Everything here is keyed by a camera and goes with it (ON DELETE CASCADE);
-- new tables use AUTOINCREMENT ids so an id is never handed out twice
-- (migration 5).

-- Events (migration 3) also hold what Keepwatch's own detection saw. --------
-- Who saw it: 'onvif' = the camera reported it (pull-point subscription);
-- 'detection' = Keepwatch's motion/object detection. Every existing row is an
-- ONVIF event.
ALTER TABLE events ADD COLUMN origin TEXT NOT NULL DEFAULT 'onvif' CHECK (origin IN ('onvif', 'detection'));
-- Object events: the label ('person', 'car', ...), the best score seen (0–1)
-- and the box of that best sighting as JSON {"x","y","w","h"} (0–1 of the
-- picture). NULL for motion and ONVIF events.
ALTER TABLE events ADD COLUMN label TEXT;
ALTER TABLE events ADD COLUMN score REAL;
ALTER TABLE events ADD COLUMN box TEXT;
-- JSON array of the zone ids the object entered during the event.
ALTER TABLE events ADD COLUMN zones TEXT NOT NULL DEFAULT '[]';
-- GET /api/events?kind=object&label=person: one camera's objects of a label by time.
CREATE INDEX events_by_camera_label ON events (camera_id, label, start_ms) WHERE label IS NOT NULL;

-- Per-camera detection settings. ---------------------------------------------
-- One row per camera that has ever had detection configured; no row = the
-- defaults (detection off). `config` is the JSON DetectionConfig of the
-- contract (preload/contract/detection.ts), validated before it is written
-- and again when read (a damaged row reads as "off").
CREATE TABLE detection_configs (
  camera_id     INTEGER PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
  config        TEXT    NOT NULL,
  updated_at    INTEGER NOT NULL
);

-- Review items. --------------------------------------------------------------
-- One period of activity of one camera: its motion, object and ONVIF events
-- merged while activity continues within a short gap. What the Review page
-- lists, what alerts are about.
CREATE TABLE review_items (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  camera_id     INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  start_ms      INTEGER NOT NULL,
  -- NULL while the activity goes on. An item left open by a crash is closed
  -- at its last event's end when detection next starts.
  end_ms        INTEGER,
  -- 'alert': an alert label (person, car, ...) entered a zone, or anywhere
  -- when the camera has no zones; else 'detection'. Only ever goes up.
  severity      TEXT    NOT NULL DEFAULT 'detection' CHECK (severity IN ('alert', 'detection')),
  -- JSON arrays: object labels seen, zone ids entered, ONVIF event kinds.
  labels        TEXT    NOT NULL DEFAULT '[]',
  zones         TEXT    NOT NULL DEFAULT '[]',
  onvif         TEXT    NOT NULL DEFAULT '[]',
  -- 1 once the user marked it reviewed.
  reviewed      INTEGER NOT NULL DEFAULT 0 CHECK (reviewed IN (0, 1)),
  reviewed_at   INTEGER,
  -- The picture: a JPEG of the frame with the best object, path relative to
  -- the recordings root (c<camera>/review/i<item>-<n>.jpg), written and
  -- fsynced before this column points at it. NULL = none (yet); motion-only
  -- and ONVIF-only items then show the recording's keyframe thumbnail.
  thumbnail     TEXT,
  -- When the thumbnail's frame was taken, and the score of the object on it
  -- (a better sighting replaces it).
  thumbnail_at  INTEGER,
  thumbnail_score REAL,
  CHECK (end_ms IS NULL OR end_ms >= start_ms)
);
-- Review page and retention: one camera's items by time, every camera's by time.
CREATE INDEX review_by_camera_start ON review_items (camera_id, start_ms);
CREATE INDEX review_by_start ON review_items (start_ms);

-- Which events make up which review item.
CREATE TABLE review_events (
  review_id     INTEGER NOT NULL REFERENCES review_items (id) ON DELETE CASCADE,
  event_id      INTEGER NOT NULL REFERENCES events (id) ON DELETE CASCADE,
  PRIMARY KEY (review_id, event_id)
) WITHOUT ROWID;
CREATE INDEX review_events_by_event ON review_events (event_id);

-- A review item's JPEG goes with its row, however the row goes (the camera
-- removed, the item pruned with its footage): its file is queued in
-- `garbage` in the same transaction and unlinked by Store.collectGarbage.
CREATE TRIGGER review_items_thumbnail_garbage AFTER DELETE ON review_items
WHEN OLD.thumbnail IS NOT NULL
BEGIN
  INSERT OR IGNORE INTO garbage (file, queued_at) VALUES (OLD.thumbnail, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;
-- A replaced thumbnail's old file goes too.
CREATE TRIGGER review_items_thumbnail_replaced AFTER UPDATE OF thumbnail ON review_items
WHEN OLD.thumbnail IS NOT NULL AND (NEW.thumbnail IS NULL OR NEW.thumbnail <> OLD.thumbnail)
BEGIN
  INSERT OR IGNORE INTO garbage (file, queued_at) VALUES (OLD.thumbnail, CAST(unixepoch('subsec') * 1000 AS INTEGER));
END;

-- Retention: "continuous N days, events M days". -------------------------------
-- Footage overlapping an event or a review item of the camera is kept until
-- this age (ms) instead of max_age_ms; NULL = like the rest of its footage.
ALTER TABLE cameras ADD COLUMN events_max_age_ms INTEGER CHECK (events_max_age_ms IS NULL OR events_max_age_ms > 0);
