/**
 * The injected camera opener (Moonfire's `Opener`): turns a stored stream into
 * ffmpeg input arguments. Recorders never build input URLs themselves.
 *
 *  - rtsp/onvif cameras: RTSP over TCP with a socket timeout and a protocol
 *    whitelist so the URL can never make ffmpeg open a file or another
 *    protocol. A camera with a login: its address (credentials put into the
 *    URL only here, at spawn time) is not an argument — ffmpeg reads it from
 *    its stdin as a one-entry ffconcat list, so `ps` and /proc/<pid>/cmdline
 *    show no password to the other accounts of the machine. The concat
 *    demuxer costs ffmpeg about a tenth more CPU (measured:
 *    `npm run bench -- --only credentials`, docs/security.md), so a camera
 *    without a login, which has nothing to hide, keeps the plain URL.
 *  - test-pattern cameras (the demo): ffmpeg's own lavfi generator, which a
 *    client can never select (the API accepts rtsp:// and rtsps:// only).
 */
import { rtspUrlProblem } from '../../../preload/api.ts';
import type { CameraRow, StreamRow } from '../storage/store.ts';
import { openCredentials, type SecretBox } from '../secrets/secret-box.ts';

export interface OpenedSource {
  /** ffmpeg arguments up to and including `-i <input>`. */
  inputArgs: string[];
  /** Video arguments for the output: `-c:v copy`, or an encoder for generated sources. */
  videoArgs: string[];
  /** Strings that must be redacted from anything ffmpeg prints. */
  secrets: string[];
  /** What the process must be given on stdin (see SpawnOptions.stdin); absent when nothing. */
  stdin?: string;
}

export interface OpenOptions {
  /**
   * Skip ffmpeg's frame-rate probe (`fpsprobesize 0`): the stream starts as
   * soon as its codec parameters are known, at its first keyframe. Measured
   * against the simulated cameras: first fragment after about 0.8 s instead
   * of 2.1 s (ffmpeg reads 20 frames to guess the frame rate). Used by the
   * express connection, whose failure only leaves the viewer on the recorded
   * stream; recording keeps ffmpeg's default probe, not tried on real cameras.
   */
  quickProbe?: boolean;
}

export interface CameraOpener {
  open(camera: CameraRow, stream: StreamRow, options?: OpenOptions): OpenedSource;
}

export interface RtspOptions {
  /** Socket I/O timeout: without it a dead camera hangs ffmpeg forever. */
  socketTimeoutMs: number;
}

export function withCredentials(url: string, username: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(username);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/**
 * A one-entry ffconcat list: the input URL and the options to open it with.
 * Values are quoted the way ffmpeg's av_get_token reads them ('…' with a
 * literal ' written as '\'' ); a URL never holds a newline (it is encoded).
 */
/** What opening a camera may use: never files, pipes or other protocols. */
export const RTSP_PROTOCOLS = 'rtsp,rtsps,rtp,srtp,udp,tcp,tls';

export function ffconcatList(url: string, options: Record<string, string>): string {
  const quote = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
  if (/[\r\n]/.test(url)) throw new Error('an input URL cannot contain a line break');
  const lines = ['ffconcat version 1.0', `file ${quote(url)}`];
  for (const [key, value] of Object.entries(options)) lines.push(`option ${key} ${quote(value)}`);
  return lines.join('\n') + '\n';
}

export class RtspOpener implements CameraOpener {
  constructor(
    private readonly secrets: SecretBox,
    private readonly options: RtspOptions = { socketTimeoutMs: 5000 },
  ) {}

  open(camera: CameraRow, stream: StreamRow, options: OpenOptions = {}): OpenedSource {
    // Stored URLs were validated on the way in; check again so a tampered
    // database cannot turn into an ffmpeg option or a local file read.
    const problem = rtspUrlProblem(stream.url);
    if (problem) throw new Error(`camera ${camera.id} has an unusable ${stream.kind} URL: ${problem}`);
    const creds = openCredentials(this.secrets, camera.credentials);
    const timeoutUs = String(this.options.socketTimeoutMs * 1000);
    const probe: Record<string, string> = options.quickProbe ? { fpsprobesize: '0' } : {};
    if (!creds) {
      return {
        inputArgs: [
          '-protocol_whitelist', RTSP_PROTOCOLS, '-rtsp_transport', 'tcp', '-timeout', timeoutUs,
          ...Object.entries(probe).flatMap(([key, value]) => [`-${key}`, value]),
          '-i', stream.url,
        ],
        videoArgs: ['-c:v', 'copy'],
        secrets: [],
      };
    }
    const url = withCredentials(stream.url, creds.username, creds.password);
    return {
      inputArgs: [
        // `pipe` is only for reading the list on stdin: the camera itself is
        // opened with the list's own, narrower whitelist (RTSP_PROTOCOLS).
        '-protocol_whitelist', `pipe,${RTSP_PROTOCOLS}`,
        '-f', 'concat', '-safe', '0',
        '-i', 'pipe:0',
      ],
      // The concat demuxer opens and probes the camera itself: the probe option goes in the list.
      stdin: ffconcatList(url, {
        protocol_whitelist: RTSP_PROTOCOLS,
        rtsp_transport: 'tcp',
        timeout: timeoutUs,
        ...probe,
      }),
      videoArgs: ['-c:v', 'copy'],
      secrets: [creds.password, creds.username, encodeURIComponent(creds.password)].filter((s) => s.length > 0),
    };
  }
}

/** Fixed, well-separated colours for the demo's cameras. */
const DEMO_COLOURS = ['0x3a86ff', '0xe63946', '0x2a9d8f', '0xf4a261', '0x8338ec', '0xffbe0b', '0x06d6a0', '0xef476f'];

/**
 * The demo's generated cameras: `test-pattern:<n>` (main, 1280x720) and
 * `test-pattern:<n>/sub` (640x360). A calm synthetic scene — a sky in the
 * camera's colour, a road with a passing car and a walking figure — and a
 * burnt-in UTC clock, so the demo shows motion, the grid shows which camera
 * is which, and a recording can be checked against the time it shows.
 */
export class TestPatternOpener implements CameraOpener {
  open(camera: CameraRow, stream: StreamRow): OpenedSource {
    const m = /^test-pattern:(\d{1,3})(\/sub)?$/.exec(stream.url);
    if (!m || Number(m[1]) < 1) throw new Error(`camera ${camera.id} is not a test-pattern camera`);
    const n = Number(m[1]);
    const sub = Boolean(m[2]);
    const [w, h, font] = sub ? [640, 360, 14] : [1280, 720, 28];
    const colour = DEMO_COLOURS[(n - 1) % DEMO_COLOURS.length];
    // Each camera's traffic runs at its own pace, so the tiles do not move in lockstep.
    const carSpeed = 120 + n * 25;
    const walkSpeed = 50 + n * 11;
    const graph = [
      `gradients=s=${w}x${h}:r=15:c0=0x0b1320:c1=${colour}:x0=0:y0=0:x1=${w}:y1=${h}:speed=0.015`,
      `drawbox=x=0:y=ih*0.62:w=iw:h=ih*0.38:color=0x1b2433@0.85:t=fill`,
      `drawbox=x='mod(t*${carSpeed}*iw/1280\\,iw+iw/6)-iw/6':y=ih*0.70:w=iw/6:h=ih/8:color=0xe9c46a@0.95:t=fill`,
      `drawbox=x='iw-mod(t*${walkSpeed}*iw/1280\\,iw+iw/32)':y=ih*0.47:w=iw/32:h=ih/6:color=0xf1faee@0.9:t=fill`,
      `drawbox=x=0:y=ih-${font * 2}:w=iw:h=${font * 2}:color=black@0.45:t=fill`,
      `drawtext=text='%{gmtime\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S} UTC':x=${font}:y=h-${Math.round(font * 1.5)}:fontsize=${font}:fontcolor=white`,
    ].join(',');
    return {
      inputArgs: ['-re', '-f', 'lavfi', '-i', graph],
      videoArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p', '-b:v', sub ? '400k' : '1500k'],
      secrets: [],
    };
  }
}

/** Picks the opener by the camera's source. */
export class SourceOpener implements CameraOpener {
  constructor(
    private readonly rtsp: CameraOpener,
    private readonly testPattern: CameraOpener = new TestPatternOpener(),
  ) {}

  open(camera: CameraRow, stream: StreamRow, options?: OpenOptions): OpenedSource {
    return camera.source === 'test-pattern' ? this.testPattern.open(camera, stream) : this.rtsp.open(camera, stream, options);
  }
}
