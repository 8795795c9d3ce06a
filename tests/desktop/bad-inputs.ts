/**
 * Malformed input for every operation of the contract, with what the error
 * message must say. tests/desktop/contract-rejects.test.ts fails when an
 * operation has no entry here: a new operation needs its hostile cases too.
 */
const DAY = 24 * 3600 * 1000;
const T0 = 1_700_000_000_000;

export interface BadInput {
  why: string;
  input: unknown;
  /** The human message must match this (field name and reason). */
  says: RegExp;
}

const noInput: BadInput[] = [
  { why: 'unknown field', input: { camera: 1 }, says: /unknown field\(s\) "camera"/ },
  { why: 'a string', input: 'all', says: /expected object/ },
  { why: 'null', input: null, says: /expected object/ },
  { why: 'an array', input: [], says: /expected object/ },
];

const idRef = (field = 'id'): BadInput[] => [
  { why: 'missing id', input: {}, says: new RegExp(`${field}: id must be a positive integer`) },
  { why: 'path traversal as id', input: { [field]: '../../etc/passwd' }, says: new RegExp(`${field}: id must be a positive integer`) },
  { why: 'zero', input: { [field]: 0 }, says: new RegExp(`${field}: id must be a positive integer`) },
  { why: 'negative', input: { [field]: -3 }, says: new RegExp(`${field}: id must be a positive integer`) },
  { why: 'fraction', input: { [field]: 1.5 }, says: new RegExp(`${field}: id must be a positive integer`) },
  { why: 'exponent string', input: { [field]: '1e3' }, says: new RegExp(`${field}: id must be a positive integer`) },
  { why: 'beyond safe integers', input: { [field]: 2 ** 60 }, says: new RegExp(`${field}: id is too large`) },
  { why: 'extra field', input: { [field]: 1, path: '/etc/passwd' }, says: /unknown field\(s\) "path"/ },
  { why: 'not an object', input: 7, says: /expected object/ },
];

const range = (extra: Record<string, unknown>, maxSpanText: RegExp): BadInput[] => [
  { why: 'reversed range', input: { ...extra, from: T0 + 1000, to: T0 }, says: /from: "from" must be before "to"/ },
  { why: 'empty range', input: { ...extra, from: T0, to: T0 }, says: /from: "from" must be before "to"/ },
  { why: 'span too long', input: { ...extra, from: T0, to: T0 + 500 * DAY }, says: maxSpanText },
  { why: 'time before 1970', input: { ...extra, from: -5, to: T0 }, says: /from: time must not be before 1970/ },
  { why: 'time not a number', input: { ...extra, from: 'yesterday', to: T0 }, says: /from: time must be UTC milliseconds/ },
  { why: 'fractional time', input: { ...extra, from: T0 + 0.5, to: T0 + 10 }, says: /from: time must be whole UTC milliseconds/ },
  { why: 'unknown field', input: { ...extra, from: T0, to: T0 + 1000, file: '/etc/passwd' }, says: /unknown field\(s\) "file"/ },
];

const cameraList: BadInput[] = [
  { why: 'no cameras', input: { cameras: [], from: T0, to: T0 + 1000 }, says: /cameras: name at least one camera/ },
  { why: 'camera named twice', input: { cameras: [1, 1], from: T0, to: T0 + 1000 }, says: /cameras: a camera is named twice/ },
  { why: 'too many cameras', input: { cameras: Array.from({ length: 17 }, (_, i) => i + 1), from: T0, to: T0 + 1000 }, says: /cameras: at most 16 cameras/ },
  { why: 'traversal in the list', input: { cameras: '1,../2', from: T0, to: T0 + 1000 }, says: /cameras\.1: id must be a positive integer/ },
];

const onvifLogin: BadInput[] = [
  { why: 'a file: address', input: { xaddr: 'file:///etc/passwd', username: 'u', password: 'p' }, says: /xaddr: ONVIF addresses are http:\/\/ or https:\/\/, not file:/ },
  { why: 'a javascript: address', input: { xaddr: 'javascript:alert(1)', username: 'u', password: 'p' }, says: /xaddr: not a valid address/ },
  { why: 'a javascript:// address', input: { xaddr: 'javascript://%0aalert(1)', username: 'u', password: 'p' }, says: /xaddr: ONVIF addresses are http:\/\/ or https:\/\/, not javascript:/ },
  { why: 'spaces smuggled into the address', input: { xaddr: 'http://10.0.0.5/ -i x', username: 'u', password: 'p' }, says: /xaddr: the address must not contain spaces or control characters/ },
  { why: 'an empty address', input: { xaddr: '  ', username: 'u', password: 'p' }, says: /xaddr: the ONVIF address is empty/ },
  { why: 'no username', input: { xaddr: 'http://10.0.0.5/', password: 'p' }, says: /username: .*expected string/ },
  { why: 'password too long', input: { xaddr: 'http://10.0.0.5/', username: 'u', password: 'p'.repeat(300) }, says: /password: password is too long/ },
  { why: 'unknown field', input: { xaddr: 'http://10.0.0.5/', username: 'u', password: 'p', url: 'rtsp://x' }, says: /unknown field\(s\) "url"/ },
];

export const BAD_INPUTS: Record<string, BadInput[]> = {
  health: noInput,
  getDiscoveryDefaults: noInput,
  discoverCameras: [
    { why: 'an interface name with a shell character', input: { interfaces: ['eth0;rm -rf /'] }, says: /interfaces\.0: interface names are 1 to 32 letters/ },
    { why: 'too many address entries', input: { addresses: Array.from({ length: 65 }, (_, i) => `10.0.0.${i}`) }, says: /addresses: at most 64 address entries/ },
    { why: 'an empty address', input: { addresses: ['  '] }, says: /addresses\.0: an address is empty/ },
    { why: 'a timeout too short', input: { timeoutMs: 10 }, says: /timeoutMs: timeoutMs must be at least 200/ },
    { why: 'a timeout too long', input: { timeoutMs: 600_000 }, says: /timeoutMs: timeoutMs must be at most 15000/ },
    { why: 'interfaces not a list', input: { interfaces: 'lo' }, says: /interfaces: .*expected array/ },
    { why: 'unknown field', input: { multicastGroup: '239.255.255.250' }, says: /unknown field\(s\) "multicastGroup"/ },
  ],
  probeOnvif: [
    ...onvifLogin,
    { why: 'an endpointRef with spaces', input: { xaddr: 'http://10.0.0.5/', username: 'u', password: 'p', endpointRef: 'urn:uuid:a b' }, says: /endpointRef: endpointRef must be printable characters without spaces/ },
  ],
  getOnvifCamera: [
    ...idRef(),
    { why: 'refresh not a boolean', input: { id: 1, refresh: 'always' }, says: /refresh: .*expected boolean/ },
  ],
  setOnvifProfiles: [
    { why: 'missing id', input: { mainProfile: 'p1', subProfile: null }, says: /id: id must be a positive integer/ },
    { why: 'empty main profile', input: { id: 1, mainProfile: '', subProfile: null }, says: /mainProfile: token is empty/ },
    { why: 'token with control characters', input: { id: 1, mainProfile: 'p1\u0000', subProfile: null }, says: /mainProfile: token must be printable/ },
    { why: 'token too long', input: { id: 1, mainProfile: 'p'.repeat(65), subProfile: null }, says: /mainProfile: token is longer than 64 characters/ },
    { why: 'sub profile left out', input: { id: 1, mainProfile: 'p1' }, says: /subProfile: .*expected string/ },
    { why: 'unknown field', input: { id: 1, mainProfile: 'p1', subProfile: null, streamUri: 'file:///x' }, says: /unknown field\(s\) "streamUri"/ },
  ],
  getSnapshot: idRef(),
  listPtzPresets: idRef(),
  ptz: [
    { why: 'unknown action', input: { id: 1, action: 'self-destruct' }, says: /action: .*'move' \| 'stop' \| 'zoom' \| 'home' \| 'preset'/ },
    { why: 'no action', input: { id: 1 }, says: /action: / },
    { why: 'pan speed beyond 1', input: { id: 1, action: 'move', pan: 5 }, says: /pan: speeds are between -1 and 1/ },
    { why: 'a move that never stops', input: { id: 1, action: 'move', pan: 0.5, timeoutSeconds: 3600 }, says: /timeoutSeconds: a move lasts at most 60 s/ },
    { why: 'goto without a token', input: { id: 1, action: 'preset', preset: 'goto' }, says: /token: goto and remove need the preset "token"/ },
    { why: 'unknown preset verb', input: { id: 1, action: 'preset', preset: 'rename', token: 'a' }, says: /preset: .*"goto"\|"set"\|"remove"/ },
    { why: 'traversal as id', input: { id: '../1', action: 'home' }, says: /id: id must be a positive integer/ },
    { why: 'extra field on home', input: { id: 1, action: 'home', speed: 1 }, says: /unknown field\(s\) "speed"/ },
  ],
  listEvents: [
    ...range({ camera: 1 }, /to: time range is longer than 400 days/),
    { why: 'traversal as camera', input: { camera: '../1', from: T0, to: T0 + 1000 }, says: /camera: id must be a positive integer/ },
    { why: 'limit too large', input: { from: T0, to: T0 + 1000, limit: 100_000 }, says: /limit: .*<=5000/ },
    { why: 'unknown kind', input: { from: T0, to: T0 + 1000, kind: 'earthquake' }, says: /kind: .*"motion"\|"object"\|"tamper"\|"onvif"/ },
    { why: 'unknown label', input: { from: T0, to: T0 + 1000, label: 'horse' }, says: /label: .*"person"/ },
  ],
  getStatus: noInput,
  listCameras: noInput,
  getSettings: noInput,
  listExports: noInput,
  getCamera: idRef(),
  removeCamera: idRef(),
  getRecordingIndex: idRef(),
  getExport: idRef(),
  cancelExport: idRef(),
  verifyExport: idRef(),
  addCamera: [
    { why: 'no name', input: { mainUrl: 'rtsp://10.0.0.2/s' }, says: /name: .*expected string/ },
    { why: 'blank name', input: { name: '   ', mainUrl: 'rtsp://10.0.0.2/s' }, says: /name: name is empty/ },
    { why: 'name too long', input: { name: 'x'.repeat(101), mainUrl: 'rtsp://10.0.0.2/s' }, says: /name: name is longer than 100 characters/ },
    { why: 'file: URL', input: { name: 'a', mainUrl: 'file:///etc/passwd' }, says: /mainUrl: only rtsp:\/\/ and rtsps:\/\/ URLs are accepted, not file:/ },
    { why: 'concat: URL', input: { name: 'a', mainUrl: 'concat:/a|/b' }, says: /mainUrl: only rtsp:\/\/ and rtsps:\/\/ URLs are accepted/ },
    { why: 'pipe: URL', input: { name: 'a', mainUrl: 'pipe:0' }, says: /mainUrl: only rtsp:\/\/ and rtsps:\/\/ URLs are accepted/ },
    { why: 'http URL', input: { name: 'a', mainUrl: 'http://10.0.0.2/' }, says: /mainUrl: only rtsp:\/\/ and rtsps:\/\/ URLs are accepted, not http:/ },
    { why: 'option injection', input: { name: 'a', mainUrl: '-i /etc/passwd' }, says: /mainUrl: URL must not start with "-"/ },
    { why: 'space smuggling an option', input: { name: 'a', mainUrl: 'rtsp://h/s -f null' }, says: /mainUrl: URL must not contain spaces or control characters/ },
    { why: 'newline in URL', input: { name: 'a', mainUrl: 'rtsp://h/s\n-i x' }, says: /mainUrl: URL must not contain spaces or control characters/ },
    { why: 'bad sub URL', input: { name: 'a', mainUrl: 'rtsp://h/s', subUrl: 'file:/x' }, says: /subUrl: only rtsp:\/\/ and rtsps:\/\/ URLs are accepted/ },
    { why: 'password too long', input: { name: 'a', mainUrl: 'rtsp://h/s', password: 'p'.repeat(300) }, says: /password: password is too long/ },
    { why: 'retention of -1 days', input: { name: 'a', mainUrl: 'rtsp://h/s', retention: { maxAgeDays: -1 } }, says: /retention\.maxAgeDays: maxAgeDays must be positive/ },
    { why: 'unknown field', input: { name: 'a', mainUrl: 'rtsp://h/s', source: 'test-pattern' }, says: /unknown field\(s\) "source"/ },
    { why: 'not an object', input: 'rtsp://h/s', says: /expected object/ },
    { why: 'both RTSP and ONVIF', input: { name: 'a', mainUrl: 'rtsp://h/s', onvif: { xaddr: 'http://h/', username: '', password: '' } }, says: /either "mainUrl".*or "onvif"/ },
    { why: 'ONVIF address with file:', input: { onvif: { xaddr: 'file:///etc/passwd', username: 'u', password: 'p' } }, says: /onvif\.xaddr: ONVIF addresses are http:\/\/ or https:\/\/, not file:/ },
    { why: 'ONVIF credentials in the address', input: { onvif: { xaddr: 'http://admin:pw@10.0.0.5/onvif/device_service', username: 'u', password: 'p' } }, says: /onvif\.xaddr: put the username and password in their own fields/ },
    { why: 'ONVIF profile token with a newline', input: { onvif: { xaddr: 'http://10.0.0.5/', username: 'u', password: 'p', mainProfile: 'a\nb' } }, says: /onvif\.mainProfile: token must be printable/ },
    { why: 'ONVIF without a password field', input: { onvif: { xaddr: 'http://10.0.0.5/', username: 'u' } }, says: /onvif\.password: .*expected string/ },
  ],
  updateCamera: [
    ...idRef(),
    { why: 'file: URL', input: { id: 1, mainUrl: 'file:///etc/shadow' }, says: /mainUrl: only rtsp:\/\/ and rtsps:\/\/ URLs are accepted/ },
    { why: 'enabled not boolean', input: { id: 1, enabled: 'yes' }, says: /enabled: .*expected boolean/ },
    { why: 'blank name', input: { id: 1, name: '' }, says: /name: name is empty/ },
  ],
  listRecordings: [
    ...range({ camera: 1 }, /to: time range is longer than 400 days/),
    { why: 'traversal as camera', input: { camera: '../../etc/passwd', from: T0, to: T0 + 1000 }, says: /camera: id must be a positive integer/ },
    { why: 'no camera', input: { from: T0, to: T0 + 1000 }, says: /camera: id must be a positive integer/ },
  ],
  updateSettings: [
    { why: 'segment too short', input: { segmentSeconds: 1 }, says: /segmentSeconds: .*>=2/ },
    { why: 'segment too long', input: { segmentSeconds: 601 }, says: /segmentSeconds: .*<=600/ },
    { why: 'negative floor', input: { freeSpaceFloorBytes: -1 }, says: /freeSpaceFloorBytes: .*>=0/ },
    { why: 'zero budget', input: { diskBudgetBytes: 0 }, says: /diskBudgetBytes: .*>0/ },
    { why: 'budget as text', input: { diskBudgetBytes: '10GB' }, says: /diskBudgetBytes: .*expected number/ },
    { why: 'unknown setting', input: { recordingsDir: '/tmp' }, says: /unknown field\(s\) "recordingsDir"/ },
  ],
  getTimeline: [
    ...range({ cameras: [1] }, /to: time range is longer than 400 days/),
    ...cameraList,
    { why: 'too many thumbnails', input: { cameras: [1], from: T0, to: T0 + 1000, thumbnails: 501 }, says: /thumbnails: .*<=500/ },
  ],
  findAdjacent: [
    { why: 'unknown direction', input: { cameras: [1], at: T0, direction: 'sideways', what: 'event' }, says: /direction: .*"next"\|"previous"/ },
    { why: 'unknown target', input: { cameras: [1], at: T0, direction: 'next', what: 'thumbnail' }, says: /what: .*"event"\|"footage"/ },
    { why: 'no time', input: { cameras: [1], direction: 'next', what: 'event' }, says: /at: time must be UTC milliseconds/ },
    { why: 'no cameras', input: { cameras: [], at: T0, direction: 'next', what: 'event' }, says: /cameras: name at least one camera/ },
    { why: 'unknown field', input: { cameras: [1], at: T0, direction: 'next', what: 'event', limit: 5 }, says: /unknown field\(s\) "limit"/ },
  ],
  // Detection, review and alerts (preload/contract/detection.ts).
  getDetection: idRef(),
  getReviewItem: idRef(),
  getAlertSettings: noInput,
  setDetection: [
    ...idRef().map((c) => (c.input !== null && typeof c.input === 'object' && !Array.isArray(c.input) ? { ...c, input: { ...c.input, enabled: true } } : c)),
    { why: 'fps too high', input: { id: 1, fps: 60 }, says: /fps: fps is 1 to 15/ },
    { why: 'unknown label', input: { id: 1, labels: ['unicorn'] }, says: /labels\.0: / },
    { why: 'a polygon of two points', input: { id: 1, masks: [[[0, 0], [1, 1]]] }, says: /masks\.0: a polygon needs at least 3 points/ },
    { why: 'a point outside the picture', input: { id: 1, zones: [{ id: 'a', name: 'A', polygon: [[0, 0], [2, 0], [0, 1]] }] }, says: /zones\.0\.polygon\.1\.0: coordinates are between 0 and 1/ },
    { why: 'a zone id with a slash', input: { id: 1, zones: [{ id: '../x', name: 'A', polygon: [[0, 0], [1, 0], [0, 1]] }] }, says: /zones\.0\.id: zone ids are 1 to 40 lowercase letters/ },
    { why: 'two zones with one id', input: { id: 1, zones: [{ id: 'a', name: 'A', polygon: [[0, 0], [1, 0], [0, 1]] }, { id: 'a', name: 'B', polygon: [[0, 0], [1, 0], [0, 1]] }] }, says: /zones: two zones have the same id/ },
    { why: 'too many zones', input: { id: 1, zones: Array.from({ length: 17 }, (_, i) => ({ id: `z${i}`, name: 'Z', polygon: [[0, 0], [1, 0], [0, 1]] })) }, says: /zones: at most 16 zones/ },
    { why: 'minimum duration too long', input: { id: 1, minDurationMs: 60_000 }, says: /minDurationMs: minDurationMs is at most 30000/ },
    { why: 'unknown field', input: { id: 1, script: 'x' }, says: /unknown field\(s\) "script"/ },
  ],
  listReview: [
    ...range({}, /to: time range is longer than 400 days/),
    { why: 'unknown severity', input: { from: T0, to: T0 + 1000, severity: 'panic' }, says: /severity: .*"alert"\|"detection"/ },
    { why: 'reviewed not a boolean', input: { from: T0, to: T0 + 1000, reviewed: 'maybe' }, says: /reviewed: .*expected boolean/ },
    { why: 'traversal as camera', input: { camera: '../1', from: T0, to: T0 + 1000 }, says: /camera: id must be a positive integer/ },
  ],
  setReviewed: [
    ...idRef(),
    { why: 'reviewed as text', input: { id: 1, reviewed: 'yes' }, says: /reviewed: .*expected boolean/ },
  ],
  updateAlertSettings: [
    { why: 'a broker URL of another scheme', input: { mqtt: { url: 'http://broker:1883' } }, says: /mqtt\.url: only mqtt:\/\/ and mqtts:\/\/ URLs are accepted/ },
    { why: 'credentials in the URL', input: { mqtt: { url: 'mqtt://u:p@broker:1883' } }, says: /mqtt\.url: give the username and password as fields/ },
    { why: 'a CA that is not PEM', input: { mqtt: { ca: 'hello' } }, says: /mqtt\.ca: the CA must be a PEM certificate/ },
    { why: 'a topic prefix with wildcards', input: { mqtt: { topicPrefix: 'a/#' } }, says: /mqtt\.topicPrefix: topic prefixes are words/ },
    { why: 'unknown field', input: { smtp: {} }, says: /unknown field\(s\) "smtp"/ },
  ],
  createExport: [
    ...range({ cameras: [1] }, /to: time range is longer than 31 days/),
    ...cameraList,
    { why: 'unknown mode', input: { cameras: [1], from: T0, to: T0 + 1000, mode: 'transcode' }, says: /mode: .*"copy"\|"exact"/ },
    { why: 'an output path', input: { cameras: [1], from: T0, to: T0 + 1000, outputDir: '/tmp/x' }, says: /unknown field\(s\) "outputDir"/ },
  ],
  listZones: idRef(),
  // Users (preload/contract/users.ts)
  getSetup: noInput,
  completeSetup: [
    { why: 'no code', input: { username: 'owner', password: 'long enough pass' }, says: /code: .*expected string/ },
    { why: 'short password', input: { code: 'ABCD', username: 'owner', password: 'short' }, says: /password: a password needs at least 10 characters/ },
    { why: 'username with a slash', input: { code: 'ABCD', username: '../owner', password: 'long enough pass' }, says: /username: a username may contain letters, digits/ },
  ],
  login: [
    { why: 'no password', input: { username: 'anna' }, says: /password: .*expected string/ },
    { why: 'a huge password', input: { username: 'anna', password: 'x'.repeat(300) }, says: /password: password is longer than 256 characters/ },
    { why: 'unknown field', input: { username: 'anna', password: 'x', remember: true }, says: /unknown field\(s\) "remember"/ },
  ],
  logout: noInput,
  getMe: noInput,
  changePassword: [
    { why: 'short new password', input: { currentPassword: 'old one here', newPassword: 'short' }, says: /newPassword: a password needs at least 10 characters/ },
    { why: 'missing current', input: { newPassword: 'a long new password' }, says: /currentPassword: .*expected string/ },
  ],
  listUsers: noInput,
  createUser: [
    { why: 'empty username', input: { username: ' ', password: 'long enough pass' }, says: /username: username is empty/ },
    { why: 'unknown role', input: { username: 'anna', password: 'long enough pass', role: 'root' }, says: /role: .*"admin"\|"viewer"/ },
    { why: 'unknown right', input: { username: 'anna', password: 'long enough pass', cameras: [{ id: 1, rights: ['delete'] }] }, says: /cameras\.0/ },
    { why: 'camera id as path', input: { username: 'anna', password: 'long enough pass', cameras: ['../1'] }, says: /cameras\.0/ },
  ],
  updateUser: [...idRef(), { why: 'short password', input: { id: 2, password: 'short' }, says: /password: a password needs at least 10 characters/ }],
  removeUser: idRef(),
  listSessions: [{ why: 'user not an id', input: { user: 'me' }, says: /user: id must be a positive integer/ }],
  revokeSession: idRef(),
  createToken: [
    { why: 'no name', input: {}, says: /name: .*expected string/ },
    { why: 'a long name', input: { name: 'n'.repeat(200) }, says: /name: name is longer than 100 characters/ },
  ],
  listTokens: [{ why: 'user not an id', input: { user: 'me' }, says: /user: id must be a positive integer/ }],
  revokeToken: idRef(),
  listAudit: [
    { why: 'reversed range', input: { from: T0 + 1000, to: T0 }, says: /from: "from" must be before "to"/ },
    { why: 'unknown action', input: { from: T0, to: T0 + 1000, action: 'reboot' }, says: /action: / },
    { why: 'user not an id', input: { from: T0, to: T0 + 1000, user: 'x' }, says: /user: id must be a positive integer/ },
  ],
  // LAN (preload/contract/lan.ts)
  getLan: noInput,
  updateLan: [
    { why: 'port out of range', input: { httpsPort: 70000 }, says: /httpsPort: port must be 1–65535/ },
    { why: 'a host name with a space', input: { names: ['my nvr'] }, says: /names\.0: not a valid host name/ },
    { why: 'unknown field', input: { relay: true }, says: /unknown field\(s\) "relay"/ },
  ],
};
