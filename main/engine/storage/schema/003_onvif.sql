-- Keepwatch schema, migration 3: ONVIF cameras and their events.
--
-- A camera added through ONVIF is an ordinary camera row (source = 'onvif')
-- with its main/sub stream URLs in `streams` and its login in
-- `cameras.credentials`, like any other. What only ONVIF knows lives here:
-- where the device answers, who it says it is, which of its profiles feed the
-- main and sub streams, and what else it can do (PTZ, snapshots, events).

-- One row per ONVIF camera; it goes with its camera.
CREATE TABLE onvif_devices (
  camera_id       INTEGER PRIMARY KEY REFERENCES cameras (id) ON DELETE CASCADE,
  -- Device service address the user onboarded (http:// or https://), without
  -- credentials. Every later call (PTZ, events, re-reading profiles) goes here.
  xaddr           TEXT    NOT NULL,
  -- WS-Discovery endpoint reference (urn:uuid:...) when the camera was picked
  -- from a scan, else NULL. Never an identity on its own: "already added" also
  -- needs the host of `xaddr` to match (any host can claim any reference).
  endpoint_ref    TEXT,
  -- GetDeviceInformation, cleaned (printable, length-capped) text.
  manufacturer    TEXT    NOT NULL DEFAULT '',
  model           TEXT    NOT NULL DEFAULT '',
  firmware        TEXT    NOT NULL DEFAULT '',
  serial          TEXT    NOT NULL DEFAULT '',
  hardware_id     TEXT    NOT NULL DEFAULT '',
  -- Media profile tokens that feed streams 'main' and 'sub' (NULL: no sub).
  main_profile    TEXT    NOT NULL,
  sub_profile     TEXT,
  -- JSON array of the profiles seen at the last onboarding or refresh:
  -- [{"token","name","encoding","width","height","fps"}], for the profile picker.
  profiles        TEXT    NOT NULL DEFAULT '[]',
  -- http(s) snapshot URI on the device's host, without credentials; NULL = none.
  snapshot_uri    TEXT,
  -- Profile token to send PTZ calls with; NULL = the camera cannot move.
  ptz_profile     TEXT,
  -- 1 when the device has an events service (a pull-point subscriber runs).
  has_events      INTEGER NOT NULL DEFAULT 0 CHECK (has_events IN (0, 1)),
  -- Camera clock minus ours at the last contact, ms (informational; every
  -- session measures it again before logging in).
  clock_offset_ms INTEGER NOT NULL DEFAULT 0,
  -- 1 = the user chose to accept this camera's self-signed HTTPS certificate.
  accept_self_signed INTEGER NOT NULL DEFAULT 0 CHECK (accept_self_signed IN (0, 1)),
  updated_at      INTEGER NOT NULL
);
-- "Is this discovered device already added?": endpoint reference first, then the host.
CREATE INDEX onvif_devices_by_endpoint ON onvif_devices (endpoint_ref);

-- Camera events (motion, tamper), one row per occurrence: the camera's
-- "state: true" opens a row, the next "state: false" of the same kind and
-- source closes it. Shown on the timeline and by GET /api/events.
CREATE TABLE events (
  id            INTEGER PRIMARY KEY,
  camera_id     INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  -- 'motion' or 'tamper'.
  kind          TEXT    NOT NULL,
  -- UTC ms, on our clock (camera timestamps are corrected by its clock offset).
  start_ms      INTEGER NOT NULL,
  -- NULL while the event is open. An event left open by a crash is closed at
  -- its start when the camera's subscription is next started (end unknown).
  end_ms        INTEGER,
  -- Which part of the camera raised it, e.g. "VideoSourceConfigurationToken=vsc1,Rule=MotionRule".
  source        TEXT    NOT NULL DEFAULT '',
  -- The ONVIF topic without namespace prefixes, e.g. "RuleEngine/CellMotionDetector/Motion".
  topic         TEXT    NOT NULL DEFAULT '',
  CHECK (end_ms IS NULL OR end_ms >= start_ms)
);
-- Timeline and GET /api/events: one camera's events by time.
CREATE INDEX events_by_camera_start ON events (camera_id, start_ms);
-- Pairing: the open event of a camera, kind and source.
CREATE INDEX events_open ON events (camera_id, kind, source) WHERE end_ms IS NULL;
