/**
 * The injected process runner: recorders spawn ffmpeg through it, so tests can
 * substitute a fake process. Always an argument array, never a shell.
 * stdio: 0 ignored (or a pipe carrying `stdin`, then closed), 1 and 2 piped,
 * plus `extraPipes` more pipes (fd 3, 4, ...) for ffmpeg outputs such as
 * `-segment_list pipe:3`.
 *
 * One camera stream must never be recorded by two ffmpeg processes, so a
 * recorder has to die with the engine that started it. ffmpeg ignores
 * SIGPIPE and write errors on its side pipes, so it would keep recording as an
 * orphan. How it dies with us depends on the OS (`ParentDeath`):
 *  - `pdeathsig` (Linux): started through `setpriv --pdeathsig KILL`, the
 *    kernel kills it when the engine's thread exits.
 *  - `job` (Windows): libuv puts every child that is not `detached` into a job
 *    object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE; Windows kills the job's
 *    processes when the engine's handle to it closes. We never spawn detached.
 *  - `watchdog` (macOS and other POSIX systems): a small `/bin/sh` script
 *    (fixed text, the command is passed as "$@", never interpolated) starts
 *    ffmpeg and blocks reading a pipe whose other end only the engine holds;
 *    when the engine dies, the pipe reaches end-of-file and the script kills
 *    ffmpeg. Signals the engine sends are passed on.
 * Whatever the OS, the engine also records its recorders' pids with their
 * start times and ends any survivor at start-up (recorder-processes.ts).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import type { Writable } from 'node:stream';

export interface SpawnOptions {
  extraPipes?: number;
  /**
   * Written to the child's stdin, which is then closed. ffmpeg reads its
   * input list there, so a camera's credentials never appear in its argument
   * list (which every local account can read).
   */
  stdin?: string;
  /**
   * Keep stdin open as a pipe the caller writes to (a decoder or transcoder
   * fed with live fragments). Ignored when `stdin` is given.
   */
  stdinPipe?: boolean;
}

export interface ProcessRunner {
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
}

export type ParentDeath = 'pdeathsig' | 'job' | 'watchdog' | 'none';

const SETPRIV = '/usr/bin/setpriv';
const SH = '/bin/sh';
/** The watchdog's pipe: a fixed descriptor well above ffmpeg's own pipes (0–4). */
const WATCHDOG_FD = 9;

/**
 * The watchdog script. $0 is a label, "$@" the command. Background jobs of a
 * non-interactive shell get /dev/null as stdin, so the real stdin is kept on
 * fd 8 first. ffmpeg never sees the watchdog pipe (9<&-).
 */
const WATCHDOG_SCRIPT = [
  'exec 8<&0',
  '"$@" 0<&8 8<&- 9<&- &',
  'child=$!',
  'exec 0</dev/null 8<&-',
  'trap \'kill -TERM "$child" 2>/dev/null\' TERM',
  'trap \'kill -INT "$child" 2>/dev/null\' INT HUP',
  '{ read -r _ <&9; kill -KILL "$child" 2>/dev/null; } &',
  'watcher=$!',
  'exec 9<&-',
  'while :; do wait "$child"; code=$?; kill -0 "$child" 2>/dev/null || break; done',
  'kill "$watcher" 2>/dev/null',
  'exit "$code"',
].join('\n');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** What this OS offers to make a child die with the engine. */
export function defaultParentDeath(platform: NodeJS.Platform = process.platform): ParentDeath {
  if (platform === 'win32') return 'job';
  if (platform === 'linux' && executable(SETPRIV)) return 'pdeathsig';
  return executable(SH) ? 'watchdog' : 'none';
}

/** The command line actually started for `command args` under a parent-death strategy (pure, tested). */
export function wrapCommand(mode: ParentDeath, command: string, args: readonly string[]): { file: string; argv: string[] } {
  switch (mode) {
    case 'pdeathsig':
      return { file: SETPRIV, argv: ['--pdeathsig', 'KILL', '--', command, ...args] };
    case 'watchdog':
      return { file: SH, argv: ['-c', WATCHDOG_SCRIPT, 'keepwatch-watchdog', command, ...args] };
    default:
      return { file: command, argv: [...args] };
  }
}

export function stdioFor(mode: ParentDeath, options: SpawnOptions): StdioOptions {
  const stdio: ('pipe' | 'ignore')[] = [options.stdin !== undefined || options.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  for (let i = 0; i < (options.extraPipes ?? 0); i++) stdio.push('pipe');
  if (mode === 'watchdog') {
    while (stdio.length < WATCHDOG_FD) stdio.push('ignore');
    stdio.push('pipe');
  }
  return stdio;
}

export function createProcessRunner(opts: { parentDeath?: ParentDeath } = {}): ProcessRunner & { readonly parentDeath: ParentDeath } {
  const mode = opts.parentDeath ?? defaultParentDeath();
  return {
    parentDeath: mode,
    spawn(command, args, options = {}) {
      const { file, argv } = wrapCommand(mode, command, args);
      // Never `detached`: on Windows that would take the child out of libuv's kill-on-close job.
      const child = spawn(file, argv, { stdio: stdioFor(mode, options), shell: false, windowsHide: true, detached: false });
      if (options.stdin !== undefined && child.stdin) {
        child.stdin.on('error', () => undefined); // the child may exit before reading it all
        child.stdin.end(options.stdin);
      }
      if (mode === 'watchdog') {
        const watchdog = (child.stdio as unknown as (Writable | null | undefined)[])[WATCHDOG_FD];
        watchdog?.on('error', () => undefined);
        // When the child is gone, close our end too (the script has exited already).
        child.once('exit', () => watchdog?.destroy());
      }
      return child;
    },
  };
}

export const nodeProcessRunner = createProcessRunner();

/** Hands bytes to a fed process (a decoder, a transcoder) unless its stdin is gone; never throws. */
export function writeStdin(proc: ChildProcess | null, bytes: Buffer): void {
  const stdin = proc?.stdin;
  if (stdin && !stdin.destroyed && stdin.writable) stdin.write(bytes);
}

/** Ends a fed process at once: its stdin closed, the process killed. */
export function killFed(proc: ChildProcess | null): void {
  if (!proc) return;
  proc.stdin?.destroy();
  proc.kill('SIGKILL');
}
