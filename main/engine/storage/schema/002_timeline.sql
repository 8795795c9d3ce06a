-- Keepwatch schema, migration 2: the timeline.
--
-- The timeline of a week of 16 cameras has to answer in milliseconds, far too
-- fast to merge 160 000 segment rows per query. So the store keeps the merged
-- answer itself: `footage_spans` holds, per camera, the maximal stretches of
-- time that have footage (contiguous segments merged; a hole longer than the
-- join tolerance below starts a new span). The storage module updates it in
-- the same transaction as every segment insert and delete, so it is never out
-- of step with `segments`.

CREATE TABLE footage_spans (
  id            INTEGER PRIMARY KEY,
  camera_id     INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  -- [start_ms, end_ms): UTC ms, from the first segment's start to the last one's end.
  start_ms      INTEGER NOT NULL,
  end_ms        INTEGER NOT NULL,
  CHECK (end_ms >= start_ms)
);
-- "Spans of camera C that end after T": the only lookup the timeline needs.
CREATE INDEX footage_spans_by_camera_end ON footage_spans (camera_id, end_ms);

-- Fill it from the footage already indexed (gaps-and-islands). Two segments
-- belong to the same span when the later one starts at most 1000 ms after the
-- end of everything before it (JOIN_TOLERANCE_MS in storage/footage-spans.ts).
INSERT INTO footage_spans (camera_id, start_ms, end_ms)
SELECT camera_id, MIN(start_ms), MAX(end_ms)
FROM (
  SELECT camera_id, start_ms, end_ms,
         SUM(starts_span) OVER (PARTITION BY camera_id ORDER BY start_ms, id ROWS UNBOUNDED PRECEDING) AS span_no
  FROM (
    SELECT id, camera_id, start_ms, end_ms,
           CASE
             WHEN start_ms - MAX(end_ms) OVER (PARTITION BY camera_id ORDER BY start_ms, id
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) <= 1000 THEN 0
             ELSE 1 -- the first segment of a camera (NULL comparison) or one after a hole
           END AS starts_span
    FROM segments
  )
)
GROUP BY camera_id, span_no;

-- Keyframe thumbnails, stored beside their segment's file
-- (c<camera>/<day>/r<run>-<seq>.t<slot>.jpg). Slot k is the first keyframe at
-- or after k * 10 s into the segment. A row exists only once its JPEG is on disk
-- and fsynced; the row goes (and the file is queued in `garbage`) in the same
-- transaction that deletes its segment. A JPEG without a row (a crash between
-- the rename and the insert) is swept at start-up.
CREATE TABLE thumbnails (
  segment_id    INTEGER NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
  slot          INTEGER NOT NULL CHECK (slot >= 0),
  -- Media time of the keyframe within its segment, ms.
  offset_ms     INTEGER NOT NULL,
  -- Relative to the recordings root, like segments.file.
  file          TEXT    NOT NULL UNIQUE,
  bytes         INTEGER NOT NULL,
  PRIMARY KEY (segment_id, slot)
);
