/**
 * How many days each camera keeps right now, next to the limit it was given,
 * and how long it keeps footage around events (detection or camera events)
 * when that is set longer than the rest.
 * When a camera has existed longer than its age limit and still keeps less,
 * the storage limits are cutting it short, and the table says so.
 */
import type { Camera } from '../../../../preload/api.ts';
import { formatBytes, formatDayLimit, formatMoment, formatSpanDays } from '../../forms/format.ts';

const DAY_MS = 24 * 3600 * 1000;

export function DaysKeptTable({ cameras, now }: { cameras: Camera[]; now: number }): React.JSX.Element {
  return (
    <section className="kws-card" aria-labelledby="kws-days-title">
      <div className="kws-card__head">
        <h2 id="kws-days-title" className="kws-card__title">
          Days kept per camera
        </h2>
      </div>
      {cameras.length === 0 ? (
        <p className="kws-muted kws-card__empty">No cameras yet. Add one on the Cameras page.</p>
      ) : (
        <div className="kws-table-wrap">
          <table className="kws-table">
            <thead>
              <tr>
                <th scope="col">Camera</th>
                <th scope="col" className="kws-num">Footage</th>
                <th scope="col">Oldest</th>
                <th scope="col" className="kws-num">Keeps</th>
                <th scope="col">Age limit</th>
                <th scope="col" title="How long footage around motion, objects and camera events is kept">
                  Events
                </th>
              </tr>
            </thead>
            <tbody>
              {cameras.map((c) => (
                <tr key={c.id} data-camera-id={c.id}>
                  <th scope="row">{c.name}</th>
                  <td className="kws-num">{formatBytes(c.storage.bytes)}</td>
                  <td className="kws-muted">{c.storage.oldestStart === null ? '—' : formatMoment(c.storage.oldestStart, now)}</td>
                  <td className="kws-num kws-strong">{c.storage.segments === 0 ? '—' : formatSpanDays(c.storage.daysKept)}</td>
                  <td>
                    {c.retention.maxAgeDays === null ? <span className="kws-muted">none</span> : formatDayLimit(c.retention.maxAgeDays)}
                    {limitedByStorage(c, now) && <span className="kws-pill kws-pill--warn">cut short by storage</span>}
                  </td>
                  <td>
                    {c.retention.eventsMaxAgeDays ? (
                      <>
                        {formatDayLimit(c.retention.eventsMaxAgeDays)}
                        {c.storage.eventDaysKept ? <span className="kws-muted"> · keeps {formatSpanDays(c.storage.eventDaysKept)}</span> : null}
                      </>
                    ) : (
                      <span className="kws-muted">same</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function limitedByStorage(c: Camera, now: number): boolean {
  const limit = c.retention.maxAgeDays;
  if (limit === null || c.storage.segments === 0) return false;
  const age = (now - c.createdAt) / DAY_MS;
  return age > limit && c.storage.daysKept < limit * 0.95;
}
