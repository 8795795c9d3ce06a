/**
 * Every hardening decision of the desktop app, in one place.
 *
 * Each decision is a PURE exported function (URL in, verdict out), tested in
 * tests/desktop/security.test.ts without Electron. The `harden*` functions at
 * the bottom only wire those verdicts onto Electron objects; they import
 * Electron's *types* only, so this file loads in plain Node.
 *
 * The renderer is served by the engine's own loopback server
 * (http://127.0.0.1:PORT, see docs/desktop.md), so "the app's origin" is that
 * exact origin, plus its ws:// twin for live view; in development also the
 * Vite dev server's origin.
 */
import type { Session, Shell, WebContents, WebPreferences } from 'electron';


/** The only external hosts a link may open in the system browser. */
export const EXTERNAL_HOSTS: readonly string[] = ['github.com', 'ffmpeg.org'];

/** The origins the app's own pages come from, e.g. ["http://127.0.0.1:8761"]. */
export interface AppOrigins {
  pages: readonly string[];
}

// ---------------------------------------------------------------------------
// webPreferences
// ---------------------------------------------------------------------------

/**
 * The one set of webPreferences every window uses. `spellcheck` is off
 * because Chromium's spellchecker downloads dictionaries from Google.
 */
export function secureWebPreferences(preload: string, opts: { devTools: boolean }): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    devTools: opts.devTools,
  };
}

// ---------------------------------------------------------------------------
// URLs and origins
// ---------------------------------------------------------------------------

// WHATWG URL parsing silently drops tabs and newlines ("https://git\nhub.com"
// becomes github.com); a URL that needs that repair is refused instead.
const CONTROL_OR_SPACE = /[\s\u0000-\u001f\u007f-\u009f]/;

/** Parses an absolute URL, refusing control characters, spaces and userinfo (user:pass@). */
export function parseStrictUrl(raw: unknown): URL | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 4096 || CONTROL_OR_SPACE.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  return url;
}

/** The canonical origin of an http(s)/ws(s) URL ("http://127.0.0.1:8761"), or null. */
export function originOf(raw: unknown): string | null {
  const url = parseStrictUrl(raw);
  if (!url || !['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return null;
  return `${url.protocol}//${url.host}`;
}

/** http://h:p → ws://h:p (the live-view WebSocket of the same server). */
export function websocketTwin(origin: string): string {
  return origin.replace(/^http:/, 'ws:').replace(/^https:/, 'wss:');
}

/** True when `raw` is a page of the app: exactly one of its http(s) origins. */
export function isAppPageUrl(raw: unknown, origins: AppOrigins): boolean {
  const url = parseStrictUrl(raw);
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false;
  return origins.pages.includes(`${url.protocol}//${url.host}`);
}

/**
 * An external link may open in the system browser only when it is plain
 * https on the default port to one of a few named hosts. Exact host match
 * on the ASCII text: IDN look-alikes and fullwidth letters are refused before
 * parsing, "github.com." keeps its dot and "github.com.evil.net" is another
 * host, so all fail.
 */
export function isSafeExternalUrl(raw: unknown, allowedHosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  // Our own links are plain ASCII; anything else (IDN, fullwidth letters that
  // IDNA would fold into another name) is not worth the ambiguity.
  if (typeof raw !== 'string' || !/^[\x21-\x7e]+$/.test(raw)) return false;
  const url = parseStrictUrl(raw);
  if (!url || url.protocol !== 'https:' || url.port !== '') return false;
  return allowedHosts.includes(url.hostname);
}

// ---------------------------------------------------------------------------
// Navigation, new windows, webviews
// ---------------------------------------------------------------------------

export type NavigationVerdict = { action: 'allow' } | { action: 'deny'; openExternally: boolean };

/**
 * will-navigate / will-frame-navigate / will-redirect: the window may only
 * ever show the app's own pages. Anything else is stopped; a vetted external
 * https link is handed to the system browser instead.
 */
export function navigationVerdict(raw: unknown, origins: AppOrigins): NavigationVerdict {
  if (isAppPageUrl(raw, origins)) return { action: 'allow' };
  return { action: 'deny', openExternally: isSafeExternalUrl(raw) };
}

/** window.open / target=_blank: never a new Electron window. */
export function windowOpenVerdict(raw: unknown): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: isSafeExternalUrl(raw) };
}

// ---------------------------------------------------------------------------
// Network: the renderer's session reaches only the app's own origin
// ---------------------------------------------------------------------------

/**
 * Schemes that never leave the machine and that Chromium needs: inline
 * data, blobs (MSE), DevTools' own pages, and recordings by id.
 */
const LOCAL_SCHEMES = new Set(['data:', 'blob:', 'devtools:']);

/**
 * webRequest.onBeforeRequest: every request not to the app's own origin (or
 * its ws:// twin) is cancelled. No remote content, no telemetry, no update
 * checks, no file: reads.
 */
export function requestVerdict(raw: unknown, origins: AppOrigins): 'allow' | 'cancel' {
  const url = parseStrictUrl(raw);
  if (!url) return 'cancel';
  if (LOCAL_SCHEMES.has(url.protocol)) return 'allow';
  const origin = `${url.protocol}//${url.host}`;
  const allowed = origins.pages.flatMap((o) => [o, websocketTwin(o)]);
  return allowed.includes(origin) ? 'allow' : 'cancel';
}

// ---------------------------------------------------------------------------
// Permissions
// ---------------------------------------------------------------------------

/**
 * The only permissions the UI uses: full-screen for the live grid, and
 * writing (sanitised) text to the clipboard, e.g. an export's manifest hash.
 */
const GRANTABLE = new Set(['fullscreen', 'clipboard-sanitized-write']);

/**
 * Permission requests and checks: denied by default. The app's own main
 * frame may go full-screen and copy text; nothing gets camera, microphone,
 * geolocation, notifications (main raises those), clipboard reading, USB,
 * HID, serial, MIDI...
 */
export function permissionVerdict(
  permission: string,
  requester: { url: string | null | undefined; isMainFrame: boolean },
  origins: AppOrigins,
): boolean {
  if (!GRANTABLE.has(permission)) return false;
  if (!requester.isMainFrame) return false;
  const origin = originOf(requester.url);
  return origin !== null && origins.pages.includes(origin);
}

// ---------------------------------------------------------------------------
// IPC sender check
// ---------------------------------------------------------------------------

export interface IpcSender {
  /** The sending frame's URL; null when the frame is gone. */
  frameUrl: string | null;
  /** True when the sending frame is its window's main frame. */
  isMainFrame: boolean;
  webContentsId: number;
}

/**
 * Checked before anything else in every ipcMain handler: the message comes
 * from one of our windows, from its main frame, showing the app's origin.
 */
export function ipcSenderAllowed(sender: IpcSender, expected: { origins: AppOrigins; webContentsIds: ReadonlySet<number> }): boolean {
  if (!expected.webContentsIds.has(sender.webContentsId)) return false;
  if (!sender.isMainFrame || !sender.frameUrl) return false;
  return isAppPageUrl(sender.frameUrl, expected.origins);
}

// ---------------------------------------------------------------------------
// Content-Security-Policy
// ---------------------------------------------------------------------------

export interface CspOptions {
  /** The app's own origin, e.g. http://127.0.0.1:8761 ('self'). */
  appOrigin: string;
  /** Development only: Vite's dev server needs an inline preamble and its HMR socket. */
  dev?: { origin: string } | null;
}

// An origin with nothing a CSP parser could read as another token.
const CSP_ORIGIN = /^(https?|wss?):\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/;

function cspOrigin(value: string, what: string): string {
  if (typeof value !== 'string' || !CSP_ORIGIN.test(value) || originOf(value) !== value) {
    throw new Error(`CSP: ${what} must be a bare origin like http://127.0.0.1:8761, not ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The app's CSP: its own origin only; media also from blobs (MSE) and the
 * recordings scheme; no eval, no objects, no frames, no forms, no <base>.
 * Set as a response header on every page of the app (hardenSession), on top
 * of the <meta> policy in renderer/index.html; both apply.
 */
export function buildCsp(opts: CspOptions): string {
  const self = cspOrigin(opts.appOrigin, 'appOrigin');
  const dev = opts.dev ? cspOrigin(opts.dev.origin, 'dev origin') : null;
  const connect = ["'self'", self, websocketTwin(self)];
  const script = ["'self'"];
  if (dev) {
    connect.push(dev, websocketTwin(dev));
    script.push(dev, "'unsafe-inline'");
  }
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    ['script-src', script],
    // React's style={{...}} props become style attributes.
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:', 'blob:']],
    ['font-src', ["'self'"]],
    ['media-src', ["'self'", 'blob:']],
    ['connect-src', [...new Set(connect)]],
    ['worker-src', ["'self'", 'blob:']],
    ['manifest-src', ["'self'"]],
    ['object-src', ["'none'"]],
    ['frame-src', ["'none'"]],
    ['child-src', ["'none'"]],
    ['frame-ancestors', ["'none'"]],
    ['base-uri', ["'none'"]],
    ['form-action', ["'none'"]],
  ];
  return directives.map(([name, sources]) => `${name} ${sources.join(' ')}`).join('; ');
}

/** Response headers with any existing CSP (any letter case) replaced by `csp`. */
export function withCsp(headers: Record<string, string[]> | undefined, csp: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  out['Content-Security-Policy'] = [csp];
  return out;
}

// ---------------------------------------------------------------------------
// Wiring (Electron objects in, verdicts above applied)
// ---------------------------------------------------------------------------

export interface HardeningContext {
  origins: AppOrigins;
  csp: string;
  shell: Pick<Shell, 'openExternal'>;
  log?: (message: string) => void;
}

function openExternally(ctx: HardeningContext, raw: string): void {
  // Re-serialised from the parsed URL, so what opens is what was checked.
  const url = parseStrictUrl(raw);
  if (url && isSafeExternalUrl(url.href)) void ctx.shell.openExternal(url.href);
}

/** Permissions, network filter and CSP header for the renderer's session. */
export function hardenSession(session: Session, ctx: HardeningContext): void {
  session.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const granted = permissionVerdict(permission, { url: details.requestingUrl, isMainFrame: details.isMainFrame }, ctx.origins);
    if (!granted) ctx.log?.(`permission ${permission} denied for ${details.requestingUrl}`);
    callback(granted);
  });
  session.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    permissionVerdict(permission, { url: details.requestingUrl ?? requestingOrigin, isMainFrame: details.isMainFrame }, ctx.origins),
  );
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest({ urls: ['<all_urls>'] }, (details, callback) => {
    const verdict = requestVerdict(details.url, ctx.origins);
    if (verdict === 'cancel') ctx.log?.(`blocked request to ${originOf(details.url) ?? details.url.slice(0, 40)}`);
    callback({ cancel: verdict === 'cancel' });
  });
  session.webRequest.onHeadersReceived({ urls: ['<all_urls>'] }, (details, callback) => {
    const isPage = details.resourceType === 'mainFrame' || details.resourceType === 'subFrame';
    if (isPage && isAppPageUrl(details.url, ctx.origins)) {
      callback({ responseHeaders: withCsp(details.responseHeaders, ctx.csp) });
    } else callback({});
  });
}

/** Navigation, redirects, new windows and webviews, for one webContents. */
export function hardenWebContents(contents: WebContents, ctx: HardeningContext): void {
  const guard = (event: { preventDefault(): void }, url: string) => {
    const verdict = navigationVerdict(url, ctx.origins);
    if (verdict.action === 'allow') return;
    event.preventDefault();
    ctx.log?.(`navigation to ${originOf(url) ?? 'a non-web URL'} blocked`);
    if (verdict.openExternally) openExternally(ctx, url);
  };
  contents.on('will-navigate', (event, url) => guard(event, url));
  contents.on('will-frame-navigate', (event) => guard(event, event.url));
  contents.on('will-redirect', (event, url) => guard(event, url));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (windowOpenVerdict(url).openExternally) openExternally(ctx, url);
    return { action: 'deny' };
  });
}
