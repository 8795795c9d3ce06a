/**
 * CPU and memory of a process tree from /proc (Linux): user+system ticks and
 * resident memory of a pid and all its descendants.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync, type ChildProcess } from 'node:child_process';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * A process's CPU ticks: its own (utime + stime) plus those of its children
 * that already ended (cutime + cstime). Without the latter, short-lived
 * children — a thumbnail's ffmpeg, a snapshot — would never be charged: they
 * are born and gone between two samples.
 */
function stat(pid: number): { ppid: number; ticks: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]) };
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

export interface TreeSample {
  seconds: number;
  ticksByPid: Map<number, number>;
  /** Sum of PSS (bytes). */
  rss: number;
}

export function sampleTree(roots: number[]): TreeSample {
  const pids = processTree(roots);
  const ticksByPid = new Map<number, number>();
  let rss = 0;
  for (const pid of pids) {
    const s = stat(pid);
    if (s) ticksByPid.set(pid, s.ticks);
    rss += pssBytes(pid);
  }
  return { seconds: performance.now() / 1000, ticksByPid, rss };
}

/**
 * CPU used between two samples, in % of one core: what every process of the
 * tree used meanwhile, a process started in between counted from its start,
 * one that ended through its parent's count of ended children.
 */
export function cpuPercent(a: TreeSample, b: TreeSample): number {
  let ticks = 0;
  for (const [pid, t] of b.ticksByPid) ticks += t - (a.ticksByPid.get(pid) ?? 0);
  return (100 * ticks) / CLK_TCK / (b.seconds - a.seconds);
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
