/**
 * (3) The hardening decisions of main/electron/security.ts as pure functions,
 * against hostile input: navigation and window.open guards, the external-link
 * check, the network filter, permissions, the IPC sender check, the CSP.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  buildCsp,
  hardenSession,
  hardenWebContents,
  ipcSenderAllowed,
  isAppPageUrl,
  isSafeExternalUrl,
  navigationVerdict,
  permissionVerdict,
  requestVerdict,
  secureWebPreferences,
  windowOpenVerdict,
  withCsp,
  type AppOrigins,
} from '../../main/electron/security.ts';

const APP = 'http://127.0.0.1:8761';
const origins: AppOrigins = { pages: [APP] };

/** URLs that must never count as the app, nor open anywhere. */
const HOSTILE = [
  'file:///etc/passwd',
  'file://127.0.0.1:8761/etc/passwd',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'blob:http://127.0.0.1:8761/5f1c',
  'http://evil.example/',
  'https://evil.example/',
  'http://127.0.0.1:8762/', // another port
  'http://127.0.0.1/', // default port
  'https://127.0.0.1:8761/', // another scheme
  'ws://127.0.0.1:8761/api/live/1/main', // not a page
  'http://localhost:8761/', // another host name for the same socket
  'http://127.0.0.1:8761@evil.example/', // userinfo trick: the host is evil.example
  'http://user:pass@127.0.0.1:8761/', // userinfo on our own origin
  'http://evil.example#@127.0.0.1:8761/',
  'http://evil.example\\@127.0.0.1:8761/',
  'http://127.0.0.1:8761.evil.example/',
  'http://127.0.0.1.nip.io:8761/',
  'http://0x7f.0.0.1:8761/', // parses to 127.0.0.1: still refused, not literally our origin? see below
  'http://[::1]:8761/',
  'http://127.0.0.1:8761\n.evil.example/',
  ' http://127.0.0.1:8761/',
  'http://127.0.0.1:8761/\t',
  'chrome://settings',
  'devtools://devtools/bundled/inspector.html',
  'keepwatch-media://recording/1',
  '',
  'not a url',
];

describe('app page URLs', () => {
  it('accepts the app origin and its paths', () => {
    expect(isAppPageUrl(`${APP}/`, origins)).toBe(true);
    expect(isAppPageUrl(`${APP}/#/timeline?camera=2`, origins)).toBe(true);
    expect(isAppPageUrl('HTTP://127.0.0.1:8761/', origins)).toBe(true); // scheme case is normalised
  });

  it.each(HOSTILE.filter((u) => u !== 'http://0x7f.0.0.1:8761/'))('refuses %j', (url) => {
    expect(isAppPageUrl(url, origins)).toBe(false);
  });

  it('an IPv4 spelled in hex is the same host once parsed (the URL standard), and is the only such equivalence', () => {
    // WHATWG URL canonicalises 0x7f.0.0.1 to 127.0.0.1: it is our own socket, not an escape.
    expect(isAppPageUrl('http://0x7f.0.0.1:8761/', origins)).toBe(true);
    expect(isAppPageUrl('http://2130706433:8761/', origins)).toBe(true);
  });

  it('refuses non-strings', () => {
    for (const v of [null, undefined, 42, {}, ['http://127.0.0.1:8761/']]) expect(isAppPageUrl(v, origins)).toBe(false);
  });
});

describe('navigation, redirects and window.open', () => {
  it('allows navigation within the app only', () => {
    expect(navigationVerdict(`${APP}/cameras`, origins)).toEqual({ action: 'allow' });
    for (const url of HOSTILE.filter((u) => !u.includes('0x7f'))) {
      expect(navigationVerdict(url, origins).action, url).toBe('deny');
    }
  });

  it('never opens a new window, and hands only vetted https links to the system browser', () => {
    expect(windowOpenVerdict('https://github.com/keepwatch/keepwatch')).toEqual({ action: 'deny', openExternally: true });
    expect(windowOpenVerdict(`${APP}/`)).toEqual({ action: 'deny', openExternally: false });
    for (const url of HOSTILE) expect(windowOpenVerdict(url), url).toEqual({ action: 'deny', openExternally: false });
    expect(navigationVerdict('https://ffmpeg.org/download.html', origins)).toEqual({ action: 'deny', openExternally: true });
  });
});

describe('external links', () => {
  it('allows plain https to a listed host', () => {
    expect(isSafeExternalUrl('https://github.com/')).toBe(true);
    expect(isSafeExternalUrl('https://GitHub.com/a/b?c=d#e')).toBe(true);
    expect(isSafeExternalUrl('https://github.com:443/')).toBe(true); // the default port, normalised away
  });

  it.each([
    ['http (not https)', 'http://github.com/'],
    ['another port', 'https://github.com:8443/'],
    ['userinfo', 'https://user@github.com/'],
    ['userinfo hiding the host', 'https://github.com@evil.example/'],
    ['userinfo with password', 'https://github.com:x@evil.example/'],
    ['suffix trick', 'https://github.com.evil.example/'],
    ['prefix trick', 'https://evilgithub.com/'],
    ['subdomain', 'https://gist.github.com/'],
    ['trailing dot', 'https://github.com./'],
    ['IDN look-alike (Cyrillic і)', 'https://gіthub.com/'],
    ['IDN look-alike (dotless ı)', 'https://gıthub.com/'],
    ['punycode', 'https://xn--gthub-2ua.com/'],
    ['fullwidth letters', 'https://ｇｉｔｈｕｂ.com/'],
    ['newline inside the host', 'https://git\nhub.com/'],
    ['tab inside the host', 'https://git\thub.com/'],
    ['leading space', ' https://github.com/'],
    ['javascript', 'javascript://github.com/%0aalert(1)'],
    ['file', 'file://github.com/etc/passwd'],
    ['data', 'data:text/html,https://github.com/'],
    ['backslash host', 'https:\\\\evil.example\\github.com'],
    ['IP literal', 'https://140.82.112.3/'],
    ['empty', ''],
  ])('refuses %s', (_why, url) => {
    expect(isSafeExternalUrl(url)).toBe(false);
  });
});

describe('network filter: only the app origin', () => {
  it('allows the app, its live WebSocket and local schemes', () => {
    for (const url of [`${APP}/`, `${APP}/assets/index.js`, `${APP}/api/recordings/1/media`, 'ws://127.0.0.1:8761/api/live/1/sub', 'data:image/png;base64,AA==', 'blob:http://127.0.0.1:8761/1f', 'devtools://devtools/bundled/x.js']) {
      expect(requestVerdict(url, origins), url).toBe('allow');
    }
  });

  it.each([
    'https://fonts.googleapis.com/css?family=Inter',
    'https://update.electronjs.org/keepwatch/linux/0.1.0',
    'https://o0.ingest.sentry.io/api/1/store/',
    'http://127.0.0.1:8762/', // another local service
    'http://localhost:8761/',
    'ws://127.0.0.1:9/',
    'wss://127.0.0.1:8761/',
    'http://192.168.1.20/cgi-bin/snapshot.cgi', // a camera: only the engine talks to cameras
    'file:///etc/passwd',
    'ftp://127.0.0.1:8761/',
    'chrome-extension://abc/x.js',
    'http://127.0.0.1:8761@evil.example/',
    'not a url',
  ])('cancels %s', (url) => {
    expect(requestVerdict(url, origins)).toBe('cancel');
  });

  it('with no origin known yet, cancels every web request', () => {
    expect(requestVerdict(`${APP}/`, { pages: [] })).toBe('cancel');
  });
});

describe('permissions: denied by default', () => {
  const main = { url: `${APP}/`, isMainFrame: true };
  it('grants only full-screen and copying text, only to the app main frame', () => {
    expect(permissionVerdict('fullscreen', main, origins)).toBe(true);
    expect(permissionVerdict('clipboard-sanitized-write', main, origins)).toBe(true);
    expect(permissionVerdict('clipboard-sanitized-write', { url: 'https://evil.example/', isMainFrame: true }, origins)).toBe(false);
    expect(permissionVerdict('fullscreen', { url: `${APP}/`, isMainFrame: false }, origins)).toBe(false);
    expect(permissionVerdict('fullscreen', { url: 'https://evil.example/', isMainFrame: true }, origins)).toBe(false);
    expect(permissionVerdict('fullscreen', { url: null, isMainFrame: true }, origins)).toBe(false);
    expect(permissionVerdict('fullscreen', { url: 'http://127.0.0.1:8761@evil.example/', isMainFrame: true }, origins)).toBe(false);
  });

  it.each(['media', 'geolocation', 'notifications', 'clipboard-read', 'deprecated-sync-clipboard-read', 'openExternal', 'hid', 'usb', 'serial', 'midi', 'midiSysex', 'display-capture', 'pointerLock', 'keyboardLock', 'fileSystem', 'local-fonts', 'storage-access', 'idle-detection', 'window-management', 'unknown', ''])(
    'denies %j even to the app',
    (permission) => {
      expect(permissionVerdict(permission, main, origins)).toBe(false);
    },
  );
});

describe('IPC sender check', () => {
  const expected = { origins, webContentsIds: new Set([3]) };
  it('accepts our window, main frame, app origin', () => {
    expect(ipcSenderAllowed({ frameUrl: `${APP}/`, isMainFrame: true, webContentsId: 3 }, expected)).toBe(true);
  });

  it.each([
    ['a subframe', { frameUrl: `${APP}/`, isMainFrame: false, webContentsId: 3 }],
    ['a destroyed frame', { frameUrl: null, isMainFrame: true, webContentsId: 3 }],
    ['another webContents', { frameUrl: `${APP}/`, isMainFrame: true, webContentsId: 4 }],
    ['a navigated-away frame', { frameUrl: 'https://evil.example/', isMainFrame: true, webContentsId: 3 }],
    ['a file: page', { frameUrl: 'file:///tmp/x.html', isMainFrame: true, webContentsId: 3 }],
    ['a data: page', { frameUrl: 'data:text/html,x', isMainFrame: true, webContentsId: 3 }],
    ['about:blank', { frameUrl: 'about:blank', isMainFrame: true, webContentsId: 3 }],
    ['another port', { frameUrl: 'http://127.0.0.1:8762/', isMainFrame: true, webContentsId: 3 }],
    ['userinfo trick', { frameUrl: 'http://127.0.0.1:8761@evil.example/', isMainFrame: true, webContentsId: 3 }],
    ['localhost alias', { frameUrl: 'http://localhost:8761/', isMainFrame: true, webContentsId: 3 }],
  ])('refuses %s', (_why, sender) => {
    expect(ipcSenderAllowed(sender, expected)).toBe(false);
  });
});

describe('CSP builder', () => {
  it('builds a strict policy around the app origin', () => {
    const csp = buildCsp({ appOrigin: APP });
    expect(csp).toMatchInlineSnapshot(
      `"default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; media-src 'self' blob:; connect-src 'self' http://127.0.0.1:8761 ws://127.0.0.1:8761; worker-src 'self' blob:; manifest-src 'self'; object-src 'none'; frame-src 'none'; child-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"`,
    );
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives['script-src']).toEqual(["'self'"]); // no inline, no eval, no remote
    expect(csp).not.toMatch(/unsafe-eval|\*|https:|wss?: |http: /);
  });

  it('adds the Vite dev server (and inline scripts) only in development', () => {
    const csp = buildCsp({ appOrigin: 'http://localhost:5173', dev: { origin: 'http://localhost:5173' } });
    expect(csp).toContain("script-src 'self' http://localhost:5173 'unsafe-inline'");
    expect(csp).toContain('connect-src \'self\' http://localhost:5173 ws://localhost:5173;');
    expect(buildCsp({ appOrigin: APP })).toContain("script-src 'self';");
  });

  it.each([
    "http://127.0.0.1:8761; script-src 'unsafe-eval'",
    'http://127.0.0.1:8761 https://evil.example',
    "'unsafe-inline'",
    '*',
    'http:',
    'http://*.example',
    'http://127.0.0.1:8761/',
    'http://127.0.0.1:8761/path',
    'http://user@127.0.0.1:8761',
    'HTTP://127.0.0.1:8761',
    'http://127.0.0.1:80',
    'javascript:alert(1)',
    'data:',
    'http://127.0.0.1:8761,https://evil.example',
    'http://127.0.0.1:8761\n',
    '',
  ])('refuses a hostile origin %j', (bad) => {
    expect(() => buildCsp({ appOrigin: bad })).toThrow(/CSP/);
    expect(() => buildCsp({ appOrigin: APP, dev: { origin: bad } })).toThrow(/CSP/);
  });

  it('replaces any CSP header the server sent, whatever its case', () => {
    const headers = withCsp({ 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'], 'CONTENT-SECURITY-POLICY': ['x'] }, "default-src 'none'");
    expect(headers).toEqual({ 'Content-Type': ['text/html'], 'Content-Security-Policy': ["default-src 'none'"] });
  });
});

describe('webPreferences', () => {
  it('is isolated, sandboxed, without Node, webviews or spellchecker downloads', () => {
    expect(secureWebPreferences('/app/preload.cjs', { devTools: false })).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
      devTools: false,
    });
  });
});

describe('wiring onto Electron objects (fakes)', () => {
  function fakeContents() {
    const listeners: Record<string, (...args: unknown[]) => void> = {};
    let openHandler: ((d: { url: string }) => { action: string }) | null = null;
    return {
      listeners,
      open: (url: string) => openHandler!({ url }),
      contents: {
        on: (event: string, l: (...args: unknown[]) => void) => (listeners[event] = l),
        setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h),
      },
    };
  }

  it('blocks navigation, redirects, webviews and new windows; opens vetted links externally', () => {
    const openExternal = vi.fn(async () => undefined);
    const f = fakeContents();
    hardenWebContents(f.contents as never, { origins, csp: '', shell: { openExternal } });
    const event = () => ({ preventDefault: vi.fn() });

    const inside = event();
    f.listeners['will-navigate'](inside, `${APP}/timeline`);
    expect(inside.preventDefault).not.toHaveBeenCalled();

    const evil = event();
    f.listeners['will-navigate'](evil, 'https://evil.example/');
    expect(evil.preventDefault).toHaveBeenCalled();

    const frame = { ...event(), url: 'file:///etc/passwd' };
    f.listeners['will-frame-navigate'](frame);
    expect(frame.preventDefault).toHaveBeenCalled();

    const redirect = event();
    f.listeners['will-redirect'](redirect, 'http://127.0.0.1:9999/');
    expect(redirect.preventDefault).toHaveBeenCalled();

    const webview = event();
    f.listeners['will-attach-webview'](webview);
    expect(webview.preventDefault).toHaveBeenCalled();

    expect(f.open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(f.open(`${APP}/`)).toEqual({ action: 'deny' });
    expect(openExternal).not.toHaveBeenCalled();
    expect(f.open('https://github.com/keepwatch')).toEqual({ action: 'deny' });
    expect(openExternal).toHaveBeenCalledWith('https://github.com/keepwatch');

    const link = event();
    f.listeners['will-navigate'](link, 'https://ffmpeg.org/download.html');
    expect(link.preventDefault).toHaveBeenCalled();
    expect(openExternal).toHaveBeenLastCalledWith('https://ffmpeg.org/download.html');
  });

  it('installs permission handlers, the network filter and the CSP header on the session', () => {
    const h: Record<string, (...args: never[]) => unknown> = {};
    const session = {
      setPermissionRequestHandler: (fn: never) => (h.request = fn),
      setPermissionCheckHandler: (fn: never) => (h.check = fn),
      setDevicePermissionHandler: (fn: never) => (h.device = fn),
      webRequest: {
        onBeforeRequest: (_f: unknown, fn: never) => (h.before = fn),
        onHeadersReceived: (_f: unknown, fn: never) => (h.headers = fn),
      },
    };
    const ctx = { origins: { pages: [] as string[] }, csp: "default-src 'none'", shell: { openExternal: vi.fn() } };
    hardenSession(session as never, ctx);

    const answers: unknown[] = [];
    const call = (name: string, ...args: unknown[]) => (h[name] as (...a: unknown[]) => unknown)(...args);
    call('before', { url: `${APP}/` }, (r: unknown) => answers.push(r));
    // The origin becomes known once the engine listens: the handlers read it live.
    ctx.origins.pages.push(APP);
    call('before', { url: `${APP}/` }, (r: unknown) => answers.push(r));
    call('before', { url: 'https://telemetry.example/' }, (r: unknown) => answers.push(r));
    expect(answers).toEqual([{ cancel: true }, { cancel: false }, { cancel: true }]);

    const granted: boolean[] = [];
    call('request', {}, 'media', (g: boolean) => granted.push(g), { requestingUrl: `${APP}/`, isMainFrame: true });
    call('request', {}, 'fullscreen', (g: boolean) => granted.push(g), { requestingUrl: `${APP}/`, isMainFrame: true });
    expect(granted).toEqual([false, true]);
    expect(call('check', null, 'geolocation', APP, { requestingUrl: `${APP}/`, isMainFrame: true })).toBe(false);
    expect(call('device', {})).toBe(false);

    const headerAnswers: unknown[] = [];
    call('headers', { url: `${APP}/`, resourceType: 'mainFrame', responseHeaders: { 'Content-Security-Policy': ['default-src *'] } }, (r: unknown) => headerAnswers.push(r));
    call('headers', { url: `${APP}/api/cameras`, resourceType: 'xhr', responseHeaders: {} }, (r: unknown) => headerAnswers.push(r));
    expect(headerAnswers).toEqual([{ responseHeaders: { 'Content-Security-Policy': ["default-src 'none'"] } }, {}]);
  });
});
