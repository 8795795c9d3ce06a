/**
 * Stray recorders: one camera stream must never be recorded by two ffmpeg
 * processes. The runner makes ffmpeg die with the engine on every OS
 * (process-runner.ts), but a kill path can still be missing (no `setpriv`,
 * an engine stopped between spawn and wrap, a debugger), and a survivor
 * would keep writing into the same folder as the restarted engine's recorder.
 *
 * So the engine writes down every recorder it starts — pid, the process's
 * start time as the OS reports it, and the command's name — in
 * DATA/recorders.json, and at start-up, before reconciling the folder and
 * before starting any recorder, it ends every listed process that is still
 * the very same process (same pid, same start time, same command). A pid
 * the OS has since given to another program has another start time and is
 * left alone.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../log.ts';
import type { ProcessRunner } from './process-runner.ts';
import { pidAlive } from '../storage/data-lock.ts';

export interface RecordedProcess {
  pid: number;
  /** The OS's start time of that pid (opaque text), so a reused pid is never mistaken for ours. */
  started: string;
  /** The command's file name (ffmpeg, setpriv's target, the watchdog's sh). */
  command: string;
}

/** How the start time of a pid is read on this OS; null when the process does not exist. */
export interface StartTimeReader {
  sync(pid: number): string | null;
  async(pid: number): Promise<string | null>;
}

/** Linux: field 22 of /proc/<pid>/stat (clock ticks since boot) plus the boot id. */
function linuxStartTime(stat: string, bootId: string): string | null {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[19]; // field 22 overall; the first two (pid, comm) were cut off
  return ticks && /^\d+$/.test(ticks) ? `${bootId}:${ticks}` : null;
}

function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'boot';
  }
}

/** `ps -o lstart=` on macOS and the BSDs; PowerShell on Windows. Both only at start-up or after a spawn. */
function commandFor(pid: number): { file: string; args: string[] } {
  if (process.platform === 'win32') {
    return {
      file: 'powershell.exe',
      args: ['-NoProfile', '-NonInteractive', '-Command', `(Get-Process -Id ${pid} -ErrorAction Stop).StartTime.ToFileTimeUtc()`],
    };
  }
  return { file: 'ps', args: ['-o', 'lstart=', '-p', String(pid)] };
}

export function systemStartTimes(): StartTimeReader {
  if (process.platform === 'linux') {
    const bootId = readBootId();
    return {
      sync(pid) {
        try {
          return linuxStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'), bootId);
        } catch {
          return null;
        }
      },
      async async(pid) {
        try {
          return linuxStartTime(await readFile(`/proc/${pid}/stat`, 'utf8'), bootId);
        } catch {
          return null;
        }
      },
    };
  }
  return {
    sync(pid) {
      const { file, args } = commandFor(pid);
      const out = spawnSync(file, args, { encoding: 'utf8', windowsHide: true, timeout: 5000 });
      const text = out.status === 0 ? out.stdout.trim() : '';
      return text || null;
    },
    async(pid) {
      const { file, args } = commandFor(pid);
      return new Promise((resolve) => {
        const child = spawn(file, args, { windowsHide: true, stdio: ['ignore', 'pipe', 'ignore'] });
        let text = '';
        child.stdout.on('data', (c: Buffer) => (text += c.toString()));
        child.on('error', () => resolve(null));
        child.on('close', (code) => resolve(code === 0 && text.trim() ? text.trim() : null));
      });
    },
  };
}


/** Blocks the thread briefly: only used at start-up, before anything else runs. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class RecorderProcesses {
  private readonly live = new Map<number, RecordedProcess>();
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    private readonly file: string,
    private readonly log: Logger,
    private readonly startTimes: StartTimeReader = systemStartTimes(),
  ) {}

  /**
   * Ends every recorder a previous engine of this data folder left running.
   * Call once at start-up, before any recorder starts. Returns their pids.
   */
  sweep(graceMs = 2000): number[] {
    let listed: RecordedProcess[] = [];
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { processes?: unknown };
      if (Array.isArray(parsed.processes)) listed = parsed.processes.filter(isRecordedProcess);
    } catch {
      return []; // no file (first start, clean stop) or unreadable: nothing is known to be ours
    }
    const strays = listed.filter((p) => p.pid !== process.pid && this.startTimes.sync(p.pid) === p.started && this.commandMatches(p));
    for (const p of strays) {
      this.log.warn(`a recorder (pid ${p.pid}, ${p.command}) survived the previous engine: ending it before recording starts`);
      try {
        process.kill(p.pid, 'SIGTERM');
      } catch {
        // gone meanwhile
      }
    }
    const deadline = Date.now() + graceMs;
    while (strays.some((p) => pidAlive(p.pid)) && Date.now() < deadline) pause(50);
    for (const p of strays) {
      if (!pidAlive(p.pid)) continue;
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    while (strays.some((p) => pidAlive(p.pid) && this.startTimes.sync(p.pid) === p.started) && Date.now() < deadline + 2000) pause(20);
    this.dirty = true;
    void this.persist();
    return strays.map((p) => p.pid);
  }

  /** A runner that writes down every process it starts, until it exits. */
  track(runner: ProcessRunner): ProcessRunner {
    return {
      spawn: (command, args, options) => {
        const child = runner.spawn(command, args, options);
        this.follow(child, command);
        return child;
      },
    };
  }

  /** Resolves when the list on disk matches the processes running now. */
  async flush(): Promise<void> {
    await this.persist();
  }

  get running(): RecordedProcess[] {
    return [...this.live.values()];
  }

  private follow(child: ChildProcess, command: string): void {
    const pid = child.pid;
    if (!pid) return;
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (this.live.delete(pid)) this.changed();
    });
    void this.startTimes.async(pid).then((started) => {
      if (!started || exited) return;
      this.live.set(pid, { pid, started, command: basename(command) });
      this.changed();
    });
  }

  private commandMatches(p: RecordedProcess): boolean {
    if (process.platform !== 'linux') return true; // the start time alone identifies it there
    try {
      const argv = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').split('\0');
      return argv.some((a) => basename(a) === p.command);
    } catch {
      return false;
    }
  }

  private changed(): void {
    this.dirty = true;
    void this.persist();
  }

  /** One write at a time, always of the latest list; never blocks the event loop. */
  private persist(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const tmp = `${this.file}.tmp`;
      try {
        await writeFile(tmp, JSON.stringify({ version: 1, processes: this.running }) + '\n', { mode: 0o600 });
        await rename(tmp, this.file);
      } catch (err) {
        this.log.warn(`could not write the recorder list ${this.file}: ${(err as Error).message}`);
      }
    });
    return this.writing;
  }
}

function isRecordedProcess(v: unknown): v is RecordedProcess {
  const p = v as RecordedProcess;
  return (
    typeof p === 'object' && p !== null &&
    Number.isSafeInteger(p.pid) && p.pid > 1 &&
    typeof p.started === 'string' && p.started.length > 0 &&
    typeof p.command === 'string' && p.command.length > 0
  );
}
