/**
 * The injected process runner: recorders spawn ffmpeg through it, so tests can
 * substitute a fake process. Always an argument array, never a shell.
 * stdio: 0 ignored, 1 and 2 piped, plus `extraPipes` more pipes (fd 3, 4, ...)
 * for ffmpeg outputs such as `-segment_list pipe:3`.
 *
 * ffmpeg ignores SIGPIPE and write errors on its side pipes, so it would keep
 * recording as an orphan if the engine died. On Linux every child is started
 * through `setpriv --pdeathsig KILL`, so the kernel kills it with its parent;
 * start-up also sweeps any survivor (see orphans.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

export interface SpawnOptions {
  extraPipes?: number;
}

export interface ProcessRunner {
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
}

const SETPRIV = '/usr/bin/setpriv';

function hasSetpriv(): boolean {
  if (process.platform !== 'linux') return false;
  try {
    accessSync(SETPRIV, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const dieWithParent = hasSetpriv();

export const nodeProcessRunner: ProcessRunner = {
  spawn(command, args, options = {}) {
    const extra = Array.from({ length: options.extraPipes ?? 0 }, () => 'pipe' as const);
    const [cmd, argv] = dieWithParent ? [SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args]] : [command, [...args]];
    return spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe', ...extra], shell: false, windowsHide: true });
  },
};
