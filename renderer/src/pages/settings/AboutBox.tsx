/** Which Keepwatch this is, and the promise it keeps. */
import { formatAgo, formatMoment } from '../../forms/format.ts';

export function AboutBox({ version, startedAt, now }: { version: string; startedAt: number; now: number }): React.JSX.Element {
  return (
    <section className="kws-card kws-about" aria-labelledby="kws-about-title">
      <div className="kws-card__head">
        <h2 id="kws-about-title" className="kws-card__title">
          About
        </h2>
      </div>
      <dl className="kws-about__facts">
        <div>
          <dt>Version</dt>
          <dd data-testid="version">Keepwatch {version}</dd>
        </div>
        <div>
          <dt>Running since</dt>
          <dd>
            {formatMoment(startedAt, now)} <span className="kws-muted">({formatAgo(startedAt, now)})</span>
          </dd>
        </div>
      </dl>
      <p className="kws-about__promise">
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
          <path d="M8 1.5l5.5 2v4.2c0 3.2-2.3 5.9-5.5 6.8-3.2-.9-5.5-3.6-5.5-6.8V3.5z" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
          <path d="M5.5 8l1.8 1.8L10.8 6.3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <span>Nothing leaves this machine: no cloud, no telemetry.</span>
      </p>
    </section>
  );
}
