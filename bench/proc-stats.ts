/**
 * CPU and memory of a process tree from /proc (Linux): time on a CPU (the
 * scheduler's nanoseconds, ticks for what ended) and proportional memory of a
 * pid and all its descendants.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * A process's CPU ticks: its own (utime + stime) and those of its children
 * that already ended (cutime + cstime). Without the latter, short-lived
 * children — a thumbnail's ffmpeg, a snapshot — would never be charged: they
 * are born and gone between two samples.
 */
function stat(pid: number): { ppid: number; own: number; ended: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), ended: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/**
 * A process's time on a CPU in nanoseconds: the sum over its live threads of
 * the scheduler's own count (`schedstat`). Ticks are 10 ms: over a 30 s
 * window, rounding on each of 17 processes moves a 6 % figure by up to 0.5
 * points — as much as the overhead being measured. Null when not available.
 */
function runtimeNs(pid: number): number | null {
  try {
    let ns = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    return Number.isFinite(ns) ? ns : null;
  } catch {
    return null;
  }
}

/**
 * Proportional set size: resident memory with shared pages (ffmpeg's
 * libraries, shared by every ffmpeg process) divided among their users, so a
 * sum over processes is the memory they really take together.
 */
function pssBytes(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pids of a process and all its descendants. */
export function processTree(roots: number[]): number[] {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const s = stat(Number(e));
    if (s) parent.set(Number(e), s.ppid);
  }
  const out = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) if (out.has(ppid) && !out.has(pid)) (out.add(pid), (grew = true));
  }
  return [...out];
}

/** A process's command line, arguments joined by spaces ('' when it is gone). */
function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

export interface TreeSample {
  seconds: number;
  /** Per pid: own ticks, ended children's ticks, own nanoseconds on a CPU (null if unknown), command line. */
  cpuByPid: Map<number, { own: number; ended: number; ns: number | null; cmd: string }>;
  /** Sum of PSS (bytes). */
  rss: number;
}

export function sampleTree(roots: number[]): TreeSample {
  const pids = processTree(roots);
  const cpuByPid: TreeSample['cpuByPid'] = new Map();
  let rss = 0;
  for (const pid of pids) {
    const s = stat(pid);
    if (s) cpuByPid.set(pid, { own: s.own, ended: s.ended, ns: runtimeNs(pid), cmd: commandLine(pid) });
    rss += pssBytes(pid);
  }
  return { seconds: performance.now() / 1000, cpuByPid, rss };
}

/**
 * CPU used between two samples, in % of one core: what every process of the
 * tree used meanwhile, a process started in between counted from its start,
 * one that ended through its parent's count of ended children.
 */
export function cpuPercent(a: TreeSample, b: TreeSample): number {
  let total = 0;
  for (const share of cpuPercentBy(a, b, () => 'all').values()) total += share;
  return total;
}

/**
 * The same, split by what each process is: `kindOf` names a process from its
 * command line; what children that ended in between used (a thumbnail's
 * ffmpeg, born and gone between the samples) goes to `endedKind`, else to
 * its parent's kind.
 */
export function cpuPercentBy(a: TreeSample, b: TreeSample, kindOf: (cmd: string) => string, endedKind?: string): Map<string, number> {
  const seconds = new Map<string, number>();
  const add = (kind: string, s: number) => seconds.set(kind, (seconds.get(kind) ?? 0) + s);
  for (const [pid, now] of b.cpuByPid) {
    const before = a.cpuByPid.get(pid);
    const kind = kindOf(before?.cmd || now.cmd);
    if (!before) {
      add(kind, now.own / CLK_TCK); // started in between: everything since its start
      add(endedKind ?? kind, now.ended / CLK_TCK);
      continue;
    }
    add(endedKind ?? kind, (now.ended - before.ended) / CLK_TCK);
    const ticks = (now.own - before.own) / CLK_TCK;
    const ns = now.ns !== null && before.ns !== null ? (now.ns - before.ns) / 1e9 : null;
    // The precise count, unless the ticks say more: a thread that ended in
    // between took its nanoseconds with it (ticks keep them).
    add(kind, ns !== null && ns >= 0 && ticks <= ns * 1.05 + 2 / CLK_TCK ? ns : ticks);
  }
  const span = b.seconds - a.seconds;
  return new Map([...seconds].map(([kind, s]) => [kind, (100 * s) / span]));
}

/** Stops a measured process: SIGTERM (a graceful stop), SIGKILL after 5 s. */
export function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    p.once('exit', () => r());
    p.kill('SIGTERM');
    setTimeout(() => p.kill('SIGKILL'), 5000).unref();
  });
}
