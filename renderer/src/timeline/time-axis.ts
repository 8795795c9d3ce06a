/**
 * Time-axis ticks and labels in the viewer's time zone. Pure (Intl only), so
 * it is unit-tested across daylight-saving changes.
 *
 * All times are UTC ms; only labels are local. Ticks sit where the *local*
 * clock shows a round value: on a spring-forward night there is no 01:00 tick
 * in London (that hour does not exist), and on a fall-back night there are
 * two, told apart by their zone abbreviation ("01:00 BST", "01:00 GMT").
 * Day ticks sit at local midnight, so a 23- or 25-hour day is drawn as such.
 */

export interface Tick {
  at: number;
  label: string;
  /** A day boundary (drawn stronger, labelled with the date). */
  major: boolean;
}

export interface AxisOptions {
  timeZone: string;
  locale?: string;
  /** Least space between labelled ticks. */
  minSpacingPx?: number;
}

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** Sub-day steps, then day steps. */
const STEPS = [
  1 * SEC, 2 * SEC, 5 * SEC, 10 * SEC, 15 * SEC, 30 * SEC,
  1 * MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN,
  1 * HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  1 * DAY, 2 * DAY, 7 * DAY, 14 * DAY,
];

export interface LocalParts {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();
function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partsFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    partsFormatters.set(timeZone, f);
  }
  return f;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

/** The wall clock in `timeZone` at UTC instant `ms`. */
export function localParts(ms: number, timeZone: string): LocalParts {
  const out: Partial<LocalParts> = {};
  for (const p of partsFormatter(timeZone).formatToParts(ms)) {
    if (p.type === 'weekday') out.weekday = WEEKDAYS[p.value] ?? 0;
    else if (p.type !== 'literal' && p.type !== 'dayPeriod' && p.type !== 'era') (out as Record<string, number>)[p.type] = Number(p.value);
  }
  if (out.hour === 24) out.hour = 0;
  return out as LocalParts;
}

/** Offset of local time from UTC at `ms` (ms; positive east of Greenwich). */
export function zoneOffset(ms: number, timeZone: string): number {
  const p = localParts(ms, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ms / SEC) * SEC;
}

/**
 * The UTC instant at which the local clock in `timeZone` shows the given wall
 * time. A time skipped by a spring-forward change maps to the instant the
 * clock jumped (the first existing moment after it); an ambiguous fall-back
 * time maps to its first occurrence.
 */
export function zonedToUtc(year: number, month: number, day: number, hour: number, minute: number, second: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  // Try the offsets in force a day either side; keep the earliest that round-trips.
  const candidates = [wall - zoneOffset(wall - DAY, timeZone), wall - zoneOffset(wall + DAY, timeZone), wall - zoneOffset(wall, timeZone)];
  const exact = candidates.filter((t) => t + zoneOffset(t, timeZone) === wall).sort((a, b) => a - b);
  if (exact.length) return exact[0];
  // Skipped wall time: the change happened between the two candidates.
  const lo = Math.min(...candidates);
  const hi = Math.max(...candidates);
  let a = lo;
  let b = hi;
  while (b - a > SEC) {
    const mid = Math.floor((a + b) / 2 / SEC) * SEC;
    if (mid + zoneOffset(mid, timeZone) >= wall) b = mid;
    else a = mid;
  }
  return b;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** The smallest step that leaves at least `minSpacingPx` between ticks. */
export function chooseStep(from: number, to: number, widthPx: number, minSpacingPx = 90): number {
  const msPerPx = (to - from) / Math.max(1, widthPx);
  return STEPS.find((s) => s / msPerPx >= minSpacingPx) ?? STEPS[STEPS.length - 1];
}

const labelFormatters = new Map<string, Intl.DateTimeFormat>();
function labelFormatter(locale: string | undefined, timeZone: string, kind: 'hm' | 'hms' | 'day' | 'zone'): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${timeZone}|${kind}`;
  let f = labelFormatters.get(key);
  if (!f) {
    const base = { timeZone } as const;
    f = new Intl.DateTimeFormat(
      locale,
      kind === 'hm'
        ? { ...base, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : kind === 'hms'
          ? { ...base, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
          : kind === 'day'
            ? { ...base, weekday: 'short', day: 'numeric', month: 'short' }
            : { ...base, timeZoneName: 'short' },
    );
    labelFormatters.set(key, f);
  }
  return f;
}

/** The zone abbreviation at `ms` ("BST", "GMT", "GMT+1"...). */
export function zoneName(ms: number, timeZone: string, locale?: string): string {
  return labelFormatter(locale, timeZone, 'zone').formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/** Ticks for [from, to) drawn over `widthPx` pixels. */
export function axisTicks(from: number, to: number, widthPx: number, opts: AxisOptions): Tick[] {
  const { timeZone, locale } = opts;
  const step = chooseStep(from, to, widthPx, opts.minSpacingPx);
  const ticks: Tick[] = [];
  if (step < DAY) {
    // Local round times are UTC instants on a grid of gcd(step, 15 min):
    // every zone's offset is a whole number of quarter hours.
    const grid = step < MIN ? step : gcd(step, 15 * MIN);
    const stepSec = step / SEC;
    const first = Math.ceil(from / grid) * grid;
    const kind = step < MIN ? 'hms' : 'hm';
    for (let t = first; t < to; t += grid) {
      const p = localParts(t, timeZone);
      const secOfDay = p.hour * 3600 + p.minute * 60 + p.second;
      if (secOfDay % stepSec !== 0) continue;
      const major = secOfDay === 0;
      ticks.push({ at: t, major, label: major ? labelFormatter(locale, timeZone, 'day').format(t) : labelFormatter(locale, timeZone, kind).format(t) });
    }
    disambiguate(ticks, timeZone, locale);
  } else {
    const days = step / DAY;
    const start = localParts(from - DAY, timeZone);
    // Walk local calendar dates (Date.UTC only as a calendar here).
    for (let d = Date.UTC(start.year, start.month - 1, start.day); ; d += DAY) {
      const c = new Date(d);
      const t = zonedToUtc(c.getUTCFullYear(), c.getUTCMonth() + 1, c.getUTCDate(), 0, 0, 0, timeZone);
      if (t >= to) break;
      if (t < from) continue;
      const keep = days === 1 ? true : days === 2 ? (c.getUTCDate() - 1) % 2 === 0 : c.getUTCDay() === 1; // weeks start on Monday
      if (keep) ticks.push({ at: t, major: true, label: labelFormatter(locale, timeZone, 'day').format(t) });
    }
  }
  return ticks;
}

/** Two ticks with the same label (a repeated fall-back hour) get their zone abbreviation. */
function disambiguate(ticks: Tick[], timeZone: string, locale?: string): void {
  const seen = new Map<string, Tick[]>();
  for (const t of ticks) seen.set(t.label, [...(seen.get(t.label) ?? []), t]);
  for (const same of seen.values()) {
    if (same.length < 2) continue;
    for (const t of same) t.label = `${t.label} ${zoneName(t.at, timeZone, locale)}`;
  }
}

/** "Tue 24 Mar 2026, 14:02:05" in the viewer's zone (with the zone name when asked). */
export function formatMoment(ms: number, opts: { timeZone: string; locale?: string; withZone?: boolean; ms?: boolean }): string {
  const f = new Intl.DateTimeFormat(opts.locale, {
    timeZone: opts.timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    ...(opts.ms ? { fractionalSecondDigits: 3 as const } : {}),
    ...(opts.withZone ? { timeZoneName: 'short' as const } : {}),
  });
  return f.format(ms);
}

/** The value for an <input type="datetime-local" step="1"> showing `ms` in `timeZone`. */
export function toDateTimeLocalValue(ms: number, timeZone: string): string {
  const p = localParts(ms, timeZone);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}

/** Parses an <input type="datetime-local"> value as wall time in `timeZone`; null when malformed. */
export function fromDateTimeLocalValue(value: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '0'] = m;
  const t = zonedToUtc(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), timeZone);
  return t + Number(frac.padEnd(3, '0'));
}

/** The viewer's zone, as the browser reports it. */
export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}
