/**
 * The injected camera opener (Moonfire's `Opener`): turns a stored stream into
 * ffmpeg input arguments. Recorders never build input URLs themselves.
 *
 *  - rtsp/onvif cameras: RTSP over TCP with a socket timeout, credentials put
 *    into the URL only here, at spawn time; a protocol whitelist so the URL can
 *    never make ffmpeg open a file or another protocol.
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
}

export interface CameraOpener {
  open(camera: CameraRow, stream: StreamRow): OpenedSource;
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

export class RtspOpener implements CameraOpener {
  constructor(
    private readonly secrets: SecretBox,
    private readonly options: RtspOptions = { socketTimeoutMs: 5000 },
  ) {}

  open(camera: CameraRow, stream: StreamRow): OpenedSource {
    // Stored URLs were validated on the way in; check again so a tampered
    // database cannot turn into an ffmpeg option or a local file read.
    const problem = rtspUrlProblem(stream.url);
    if (problem) throw new Error(`camera ${camera.id} has an unusable ${stream.kind} URL: ${problem}`);
    const creds = openCredentials(this.secrets, camera.credentials);
    const url = creds ? withCredentials(stream.url, creds.username, creds.password) : stream.url;
    return {
      inputArgs: [
        '-protocol_whitelist', 'rtsp,rtsps,rtp,srtp,udp,tcp,tls',
        '-rtsp_transport', 'tcp',
        '-timeout', String(this.options.socketTimeoutMs * 1000),
        '-i', url,
      ],
      videoArgs: ['-c:v', 'copy'],
      secrets: creds ? [creds.password, creds.username].filter((s) => s.length > 0) : [],
    };
  }
}

/** Fixed, well-separated colours for the demo's cameras. */
const DEMO_COLOURS = ['0x3a86ff', '0xe63946', '0x2a9d8f', '0xf4a261', '0x8338ec', '0xffbe0b', '0x06d6a0', '0xef476f'];

/** The demo's generated cameras: `test-pattern:<n>` (main, 1280x720) and `test-pattern:<n>/sub` (640x360). */
export class TestPatternOpener implements CameraOpener {
  open(camera: CameraRow, stream: StreamRow): OpenedSource {
    const m = /^test-pattern:(\d{1,3})(\/sub)?$/.exec(stream.url);
    if (!m) throw new Error(`camera ${camera.id} is not a test-pattern camera`);
    const n = Number(m[1]);
    const sub = Boolean(m[2]);
    const [w, h, font] = sub ? [640, 360, 18] : [1280, 720, 30];
    const colour = DEMO_COLOURS[(n - 1) % DEMO_COLOURS.length];
    const label = camera.name.replace(/[^A-Za-z0-9 _-]/g, '');
    const graph =
      `testsrc2=size=${w}x${h}:rate=25,` +
      `drawbox=x=0:y=0:w=iw:h=${font * 2}:color=${colour}@1:t=fill,` +
      `drawtext=text='${label}  %{gmtime\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S} UTC':x=${font / 2}:y=${font / 2}:fontsize=${font}:fontcolor=white`;
    return {
      inputArgs: ['-re', '-f', 'lavfi', '-i', graph],
      videoArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '50', '-pix_fmt', 'yuv420p', '-b:v', sub ? '600k' : '2000k'],
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

  open(camera: CameraRow, stream: StreamRow): OpenedSource {
    return camera.source === 'test-pattern' ? this.testPattern.open(camera, stream) : this.rtsp.open(camera, stream);
  }
}
