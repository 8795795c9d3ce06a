/**
 * Where the footage stands: how much is kept, against the budget and the
 * recordings volume, and — honestly — how much went before its age limit.
 */
import type { StorageStatus } from '../../../../preload/api.ts';
import { formatBytes } from '../../forms/format.ts';
import { earlyDeletionSentence } from './storage-sentences.ts';

export function StoragePanel({ storage }: { storage: StorageStatus }): React.JSX.Element {
  const { usedBytes, budgetBytes, freeBytes, totalBytes, freeFloorBytes } = storage;
  return (
    <section className="kws-card kws-storage" aria-labelledby="kws-storage-title">
      <div className="kws-card__head">
        <h2 id="kws-storage-title" className="kws-card__title">
          Storage
        </h2>
        <StorageHealth storage={storage} />
      </div>

      <dl className="kws-stats">
        <Stat label="Footage" value={formatBytes(usedBytes)} sub={budgetUse(usedBytes, budgetBytes)} />
        <Stat label="Budget" value={budgetBytes === null ? 'None' : formatBytes(budgetBytes)} sub={budgetBytes === null ? 'limited by the floor only' : 'cap on all footage'} />
        <Stat label="Free on volume" value={formatBytes(freeBytes)} sub={`of ${formatBytes(totalBytes)}`} />
        <Stat label="Free-space floor" value={formatBytes(freeFloorBytes)} sub={freeFloorBytes > 0 ? 'always kept free' : 'off'} />
      </dl>

      <VolumeBar storage={storage} />
      {budgetBytes !== null && <BudgetBar used={usedBytes} budget={budgetBytes} />}

      <p className={`kws-early${storage.earlyDeletions.segments > 0 ? ' kws-early--some' : ''}`} data-testid="early-deletions">
        {earlyDeletionSentence(storage)}
      </p>
    </section>
  );
}

function StorageHealth({ storage }: { storage: StorageStatus }): React.JSX.Element {
  const ok = storage.problem === null;
  return (
    <span className={`kws-health kws-health--${ok ? 'ok' : 'warn'}`}>
      <span className="kws-health__dot" aria-hidden="true" />
      {ok ? 'Healthy' : 'Needs attention'}
    </span>
  );
}

function Stat({ label, value, sub }: { label: string; value: string; sub: string }): React.JSX.Element {
  return (
    <div className="kws-stat">
      <dt>{label}</dt>
      <dd>
        <span className="kws-stat__value">{value}</span>
        <span className="kws-stat__sub">{sub}</span>
      </dd>
    </div>
  );
}

/** The recordings volume end to end: footage, everything else, free space, with the floor marked at its end. */
function VolumeBar({ storage }: { storage: StorageStatus }): React.JSX.Element {
  const { usedBytes, freeBytes, totalBytes, freeFloorBytes, budgetBytes } = storage;
  const total = Math.max(totalBytes, usedBytes + freeBytes, 1);
  const other = Math.max(0, total - usedBytes - freeBytes);
  const pct = (n: number) => `${Math.min(100, Math.max(0, (n / total) * 100))}%`;
  const floor = Math.min(freeFloorBytes, total);
  return (
    <div className="kws-bar-block">
      <div className="kws-bar-label">
        <span>Recordings volume</span>
        <span className="kws-muted">{formatBytes(totalBytes)}</span>
      </div>
      <div
        className="kws-bar"
        role="img"
        aria-label={`Recordings volume: footage ${formatBytes(usedBytes)}, other files ${formatBytes(other)}, free ${formatBytes(freeBytes)} of ${formatBytes(totalBytes)}`}
      >
        <span className="kws-bar__seg kws-bar__seg--footage" style={{ width: pct(usedBytes) }} />
        <span className="kws-bar__seg kws-bar__seg--other" style={{ width: pct(other) }} />
        {floor > 0 && <span className="kws-bar__floor" style={{ width: pct(floor) }} title={`Free-space floor: ${formatBytes(floor)}`} />}
        {budgetBytes !== null && budgetBytes < total && <span className="kws-bar__marker" style={{ left: pct(budgetBytes) }} title={`Budget: ${formatBytes(budgetBytes)}`} />}
      </div>
      <ul className="kws-legend">
        <li><span className="kws-swatch kws-swatch--footage" />Footage {formatBytes(usedBytes)}</li>
        <li><span className="kws-swatch kws-swatch--other" />Other files {formatBytes(other)}</li>
        <li><span className="kws-swatch kws-swatch--free" />Free {formatBytes(freeBytes)}</li>
        {floor > 0 && <li><span className="kws-swatch kws-swatch--floor" />Floor {formatBytes(floor)}</li>}
        {budgetBytes !== null && budgetBytes < total && <li><span className="kws-swatch kws-swatch--marker" />Budget</li>}
      </ul>
    </div>
  );
}

function BudgetBar({ used, budget }: { used: number; budget: number }): React.JSX.Element {
  const ratio = used / budget;
  return (
    <div className="kws-bar-block">
      <div className="kws-bar-label">
        <span>Footage against budget</span>
        <span className="kws-muted">
          {formatBytes(used)} of {formatBytes(budget)}
        </span>
      </div>
      <div
        className={`kws-bar kws-bar--thin${ratio >= 0.97 ? ' kws-bar--full' : ''}`}
        role="progressbar"
        aria-label="Footage against budget"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(Math.min(ratio, 1) * 100)}
      >
        <span className="kws-bar__seg kws-bar__seg--footage" style={{ width: `${Math.min(100, ratio * 100)}%` }} />
      </div>
    </div>
  );
}

/** "62% of budget", "<1% of budget", "3.2 GB over budget". */
function budgetUse(used: number, budget: number | null): string {
  if (budget === null) return 'no budget set';
  if (used > budget) return `${formatBytes(used - budget)} over budget`;
  const p = (used / budget) * 100;
  return `${p < 1 && p > 0 ? '<1' : Math.round(p)}% of budget`;
}
