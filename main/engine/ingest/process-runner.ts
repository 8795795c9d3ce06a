/**
 * The injected process runner: recorders spawn ffmpeg through it, so tests can
 * substitute a fake process that replays a recorded stream. Always an argument
 * array, never a shell.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessRunner {
  spawn(command: string, args: readonly string[]): ChildProcess;
}

export const nodeProcessRunner: ProcessRunner = {
  spawn(command, args) {
    return spawn(command, [...args], { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
  },
};
