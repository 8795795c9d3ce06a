-- Keepwatch schema, migration 7: people — accounts, per-camera grants,
-- sessions, personal API tokens and the audit log (docs/users.md).
--
-- Ids use AUTOINCREMENT (migration 5): a removed user's, session's or
-- token's id is never handed out again, so a revoked id can never come back
-- naming someone else. Secrets (session cookies, API tokens) are never
-- stored: only their SHA-256, enough to recognise one, useless to present
-- one. Passwords are stored only as self-describing scrypt hashes.

-- Users. ---------------------------------------------------------------------
CREATE TABLE users (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  -- Letters, digits and . _ - @ (checked by the contract). "Anna" and "anna"
  -- are one user: NOCASE folds ASCII here, and the user service also compares
  -- Unicode names lower-cased before it writes.
  username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
  -- admin: everything, including users and settings; viewer: only what
  -- camera_grants gives it.
  role          TEXT    NOT NULL CHECK (role IN ('admin', 'viewer')),
  -- 1 for the first account only: always an admin, never removed or demoted.
  owner         INTEGER NOT NULL DEFAULT 0 CHECK (owner IN (0, 1)),
  -- "scrypt$N$r$p$salt$hash" (main/engine/users/passwords.ts). NULL: no
  -- password yet (the desktop owner, or the headless owner before first-run
  -- setup); such a user cannot log in.
  password_hash TEXT,
  created_at    INTEGER NOT NULL,
  last_login_at INTEGER,
  password_changed_at INTEGER,
  CHECK (owner = 0 OR role = 'admin')
);
-- There is exactly one owner.
CREATE UNIQUE INDEX users_one_owner ON users (owner) WHERE owner = 1;

-- The owner exists from the first run, with id 1 and no password.
INSERT INTO users (id, username, role, owner, password_hash, created_at)
  VALUES (1, 'owner', 'admin', 1, NULL, CAST(unixepoch('subsec') * 1000 AS INTEGER));

-- Camera grants. ---------------------------------------------------------------
-- What a viewer may do with one camera (an admin's rows are kept but ignored:
-- it may do everything). Gone with the user and with the camera.
CREATE TABLE camera_grants (
  user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  camera_id     INTEGER NOT NULL REFERENCES cameras (id) ON DELETE CASCADE,
  -- Bitmask of rights: 1 live, 2 playback (timeline, recordings, thumbnails,
  -- events), 4 export, 8 ptz. Never 0: no right = no row.
  rights        INTEGER NOT NULL CHECK (rights BETWEEN 1 AND 15),
  PRIMARY KEY (user_id, camera_id)
) WITHOUT ROWID;
-- A camera's removal finds its grants without a scan.
CREATE INDEX camera_grants_by_camera ON camera_grants (camera_id);

-- Sessions (the kw_session cookie). -------------------------------------------
CREATE TABLE sessions (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- SHA-256 of the cookie's secret; the secret itself is never stored.
  secret_hash   BLOB    NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  -- Last request seen (written at most once a minute); idle expiry counts from it.
  last_seen_at  INTEGER NOT NULL,
  -- Absolute expiry: the session ends then however active it is.
  expires_at    INTEGER NOT NULL,
  -- The client's address and User-Agent at login, for the owner to recognise it.
  address       TEXT    NOT NULL DEFAULT '',
  user_agent    TEXT    NOT NULL DEFAULT '',
  CHECK (expires_at >= created_at)
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Personal API tokens (Authorization: Bearer kwt_...). ------------------------
CREATE TABLE api_tokens (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name          TEXT    NOT NULL,
  -- SHA-256 of the token; the token is shown once and never stored.
  secret_hash   BLOB    NOT NULL UNIQUE,
  created_at    INTEGER NOT NULL,
  -- Written at most once a minute; NULL until first used.
  last_used_at  INTEGER
);
CREATE INDEX api_tokens_by_user ON api_tokens (user_id);

-- Audit log. -----------------------------------------------------------------
-- Who did what, kept locally and pruned with retention. No foreign keys on
-- purpose: an entry outlives the user and the camera it names (the user's
-- name at the time is copied into `username`).
CREATE TABLE audit (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  at            INTEGER NOT NULL,
  -- One of AUDIT_ACTIONS (preload/contract/users.ts).
  action        TEXT    NOT NULL,
  -- Who did it; NULL when nobody was signed in. For a failed login, the
  -- account that was tried (when it exists).
  user_id       INTEGER,
  username      TEXT,
  camera_id     INTEGER,
  -- The client's address ("local" for the desktop app).
  address       TEXT    NOT NULL DEFAULT '',
  -- What else matters: the footage's range, the changed fields, the attempted name.
  detail        TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_time ON audit (at);
CREATE INDEX audit_by_user ON audit (user_id, at);
CREATE INDEX audit_by_camera ON audit (camera_id, at);
