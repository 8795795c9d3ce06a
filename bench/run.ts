/**
 * `npm run bench [-- --quick] [-- --only ingest,index,live,timeline,credentials,peer,...]`
 * Runs the benchmarks, prints one table and writes a JSON report to
 * bench/reports/bench-<time>.json. Targets live here, never in unit tests.
 */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { printTable, type BenchRow } from './report.ts';
import { benchIngest } from './ingest.ts';
import { benchIndex } from './index-bench.ts';
import { VERSION } from '../main/engine/version.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args[args.indexOf('--only') + 1];
const only = args.includes('--only') && onlyArg ? new Set(onlyArg.split(',')) : null;
const want = (name: string) => !only || only.has(name);

type Bench = () => Promise<BenchRow[]>;

/** Benches contributed by other parts (live view, timeline) when present. */
async function optional(file: string, exportName: string): Promise<Bench | null> {
  const url = new URL(file, import.meta.url);
  if (!existsSync(fileURLToPath(url))) return null;
  const mod = (await import(url.href)) as Record<string, (o: { quick: boolean }) => Promise<BenchRow[]>>;
  const fn = mod[exportName];
  return fn ? () => fn({ quick }) : null;
}

async function main(): Promise<void> {
  const benches: [string, Bench | null][] = [
    ['index', () => benchIndex()],
    ['ingest', () => benchIngest(quick ? { counts: [1, 4], seconds: 20, shippedAt: [4], repeats: 2 } : { counts: [1, 4, 8, 16], seconds: 60, shippedAt: [4, 16] })],
    ['live', await optional('./live.ts', 'benchLive')],
    ['timeline', await optional('./timeline.ts', 'benchTimeline')],
    ['detection-objects', await optional('./detection-objects.ts', 'benchDetectionObjects')],
    ['credentials', await optional('./credentials.ts', 'benchCredentials')],
    ['peer', await optional('./peer-motion.ts', 'benchPeerMotion')],
    ['detection-motion', await optional('./detection-motion.ts', 'benchDetectionMotion')],
    ['detection-latency', await optional('./detection-latency.ts', 'benchDetectionLatency')],
    ['users', await optional('./users.ts', 'benchUsers')],
  ];
  const rows: BenchRow[] = [];
  const errors: string[] = [];
  for (const [name, bench] of benches) {
    if (!bench || !want(name)) continue;
    process.stdout.write(`running ${name}...\n`);
    try {
      rows.push(...(await bench()));
    } catch (err) {
      errors.push(`${name}: ${(err as Error).stack ?? err}`);
      rows.push({ group: name, name: 'FAILED', value: NaN, unit: '', note: (err as Error).message });
    }
  }
  process.stdout.write('\n');
  printTable(rows);
  mkdirSync(new URL('./reports/', import.meta.url), { recursive: true });
  const file = new URL(`./reports/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
  const report = { version: VERSION, at: new Date().toISOString(), quick, machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, rows, errors };
  writeFileSync(file, JSON.stringify(report, null, 2));
  process.stdout.write(`\nreport: ${fileURLToPath(file)}\n`);
  for (const e of errors) process.stderr.write(`\n${e}\n`);
  process.exit(errors.length ? 1 : 0);
}

void main();
