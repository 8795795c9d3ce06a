/** A benchmark result row, shared by every bench module. */
export interface BenchRow {
  group: string;
  name: string;
  value: number;
  unit: string;
  /** Human target, e.g. "≤ 10 ms". */
  target?: string;
  pass?: boolean;
  note?: string;
}

export function printTable(rows: BenchRow[]): void {
  const cols = ['group', 'name', 'value', 'unit', 'target', 'pass'] as const;
  const cells = rows.map((r) => [r.group, r.name, formatValue(r.value), r.unit, r.target ?? '', r.pass === undefined ? '' : r.pass ? 'ok' : 'MISS']);
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  process.stdout.write(line([...cols]) + '\n' + widths.map((w) => '-'.repeat(w)).join('  ') + '\n');
  for (const row of cells) process.stdout.write(line(row) + '\n');
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}
