/**
 * Who may call what: every operation of the contract declares the right it
 * needs, and main's dispatcher (main/engine/access/) refuses what the caller
 * lacks, for both transports, before the handler runs. The raw routes
 * (../raw-routes.ts) declare theirs the same way. The type below makes a
 * forgotten operation a compile error, and tests/security/authorization
 * generates its matrix from these tables.
 *
 * A camera a caller may not see does not exist for it: the answer is the same
 * 404 as for an id that was never used, everywhere.
 */
import type { Right } from './users.ts';

/** Which resource an id names; the engine resolves it to the camera(s) it belongs to. */
export type ResourceScope = 'camera' | 'recording' | 'thumbnail' | 'export' | 'review';

/** A right on a camera, or `see`: any right at all (the camera is listed). */
export type CameraRight = Right | 'see';

export type Access =
  /** Anyone, signed in or not (health, login, first-run setup). */
  | { kind: 'public' }
  /** Any signed-in caller; what the handler returns is the caller's own (me, logout, own tokens). */
  | { kind: 'signedIn' }
  /** Admins only; a viewer gets 403. */
  | { kind: 'admin' }
  /** A signed-in caller about itself; naming another user (the optional `field`) needs admin. */
  | { kind: 'self'; field: string }
  /** The caller's own token or session (resolved by id), or any of them for an admin. */
  | { kind: 'owned'; scope: 'token' | 'session' }
  /** The resource named by input.id (a camera, or what belongs to one): `right` on its camera(s). */
  | { kind: 'resource'; scope: ResourceScope; right: CameraRight; field?: 'id' | 'camera' }
  /** Every camera of the input's `cameras` list: `right` on each. */
  | { kind: 'cameras'; right: CameraRight }
  /**
   * A list: narrowed to the cameras on which the caller has `right`; a camera
   * named in the optional filter `field` must be one of them.
   */
  | { kind: 'list'; right: CameraRight; field?: 'camera' };

const admin = { kind: 'admin' } as const;
const signedIn = { kind: 'signedIn' } as const;
const open = { kind: 'public' } as const;

/**
 * The declaration of every operation. Keep it next to the contract's
 * operation table: a new operation without a line here does not compile.
 */
export const operationAccess = {
  // Core
  health: signedIn,
  getStatus: { kind: 'list', right: 'see' },
  listCameras: { kind: 'list', right: 'see' },
  getCamera: { kind: 'resource', scope: 'camera', right: 'see' },
  addCamera: admin,
  updateCamera: admin,
  removeCamera: admin,
  listRecordings: { kind: 'resource', scope: 'camera', right: 'playback', field: 'camera' },
  getSettings: admin,
  updateSettings: admin,
  // Timeline, playback, export
  getTimeline: { kind: 'cameras', right: 'playback' },
  findAdjacent: { kind: 'cameras', right: 'playback' },
  getRecordingIndex: { kind: 'resource', scope: 'recording', right: 'playback' },
  createExport: { kind: 'cameras', right: 'export' },
  getExport: { kind: 'resource', scope: 'export', right: 'export' },
  listExports: { kind: 'list', right: 'export' },
  cancelExport: { kind: 'resource', scope: 'export', right: 'export' },
  verifyExport: { kind: 'resource', scope: 'export', right: 'export' },
  // ONVIF
  getDiscoveryDefaults: admin,
  discoverCameras: admin,
  probeOnvif: admin,
  getOnvifCamera: admin,
  setOnvifProfiles: admin,
  getSnapshot: { kind: 'resource', scope: 'camera', right: 'live' },
  ptz: { kind: 'resource', scope: 'camera', right: 'ptz' },
  listPtzPresets: { kind: 'resource', scope: 'camera', right: 'ptz' },
  listEvents: { kind: 'list', right: 'playback', field: 'camera' },
  // Detection, review, alerts
  getDetection: admin,
  listZones: { kind: 'resource', scope: 'camera', right: 'playback' },
  setDetection: admin,
  listReview: { kind: 'list', right: 'playback', field: 'camera' },
  getReviewItem: { kind: 'resource', scope: 'review', right: 'playback' },
  setReviewed: { kind: 'resource', scope: 'review', right: 'playback' },
  getAlertSettings: admin,
  updateAlertSettings: admin,
  // Users
  getSetup: open,
  completeSetup: open,
  login: open,
  logout: signedIn,
  getMe: signedIn,
  changePassword: signedIn,
  listUsers: admin,
  createUser: admin,
  updateUser: admin,
  removeUser: admin,
  listSessions: { kind: 'self', field: 'user' },
  revokeSession: { kind: 'owned', scope: 'session' },
  createToken: signedIn,
  listTokens: { kind: 'self', field: 'user' },
  revokeToken: { kind: 'owned', scope: 'token' },
  listAudit: admin,
  // LAN
  getLan: admin,
  updateLan: admin,
} as const satisfies Record<string, Access>;
