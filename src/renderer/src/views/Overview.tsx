import { useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { MERGED_CORE, type UnitSystem } from '../../../shared/ipc.ts';
import type { CollectorTotals } from '../../../shared/types.ts';
import { PALETTE } from '../charts/register.ts';
import { Chips } from '../components/Chips.tsx';
import { LineChart, type LineSeries } from '../components/LineChart.tsx';
import { StateBadge } from '../components/StateBadge.tsx';
import { formatBitrate, formatCount, formatPercent, formatRtt, shareOf } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';
import { CoreSelect } from '../components/CoreSelect.tsx';
import { TimeRangePicker } from '../components/TimeRangePicker.tsx';
import { HistoryCharts } from '../components/HistoryCharts.tsx';
import { LIVE_RANGE, type TimeRange } from '../timeseries/range.ts';

/** 'each' draws one line per core; MERGED_CORE adds all cores; anything else is one core's id. */
type Scope = string;

const SCOPE_CHOICES = [[MERGED_CORE, 'All cores (merged)'], ['each', 'All cores (per core)']] as const;

function totalsByCollector(collectors: readonly CollectorTotals[], scope: Scope): CollectorTotals[] {
  const out = new Map<string, CollectorTotals>();
  for (const c of collectors) {
    if (scope !== MERGED_CORE && scope !== 'each' && c.core !== scope) continue;
    const t = out.get(c.collector);
    if (!t) out.set(c.collector, { ...c, core: scope });
    else {
      t.activeSessions += c.activeSessions;
      t.processSessions += c.processSessions;
      t.processRxBitsPerSec += c.processRxBitsPerSec;
      t.processTxBitsPerSec += c.processTxBitsPerSec;
      t.rxBitsPerSec += c.rxBitsPerSec;
      t.txBitsPerSec += c.txBitsPerSec;
      // A limit of 0 means "none" in Core: a merged limit exists only if every core has one.
      t.maxSessions = t.maxSessions > 0 && c.maxSessions > 0 ? t.maxSessions + c.maxSessions : 0;
      t.maxTxBitsPerSec = t.maxTxBitsPerSec > 0 && c.maxTxBitsPerSec > 0 ? t.maxTxBitsPerSec + c.maxTxBitsPerSec : 0;
    }
  }
  return [...out.values()];
}

/** A line's newest sample as a count ('–' when it has none then). */
function formatNow(values: readonly (number | null)[]): string {
  const v = values[values.length - 1];
  return v === null || v === undefined ? '–' : formatCount(Math.round(v));
}

/** A collector worth a card: it has sessions or moves bits. */
function hasTraffic(c: CollectorTotals): boolean {
  return c.activeSessions > 0 || c.rxBitsPerSec > 0 || c.txBitsPerSec > 0;
}

function ShareBar({ percent }: { percent: number | null }): React.JSX.Element | null {
  if (percent === null) return null;
  return <progress className={percent >= 90 ? 'share hot' : 'share'} max={100} value={Math.min(100, percent)} />;
}

/**
 * Of a card's rx or tx, the part of this app's own FFmpeg processes' sessions: a local restream's hop between this
 * core's own servers, never at its edge, so the header leaves it out (src/shared/totals.ts); a line of its own under
 * the rate it is part of, so the cards less these lines add up to the header.
 */
function ProcessTrafficLine({ testId, bitsPerSec, units }: { testId: string; bitsPerSec: number; units: UnitSystem }): React.JSX.Element {
  return (
    <div
      className="card-line card-line-stacks"
      data-testid={testId}
      title="Traffic of this app's own FFmpeg processes on this core's own servers (a restream's hop from one to another): counted in this card's rate above, left out of the header's, which counts only what crosses the core's edge"
    >
      <span>of it processes'</span> <b>{formatBitrate(bitsPerSec, units)}</b>
    </div>
  );
}

export function Overview(): React.JSX.Element {
  const collectors = useApp((s) => s.collectors);
  const cores = useApp((s) => s.cores);
  const units = useApp((s) => s.units);
  const metricsVersion = useApp((s) => s.metricsVersion);
  const metrics = useApp((s) => s.metrics);
  const coreName = useApp((s) => s.coreName);
  const [setView, setCollectors, setCoreFilter] = useApp(useShallow((s) => [s.setView, s.setCollectors, s.setCoreFilter]));
  const [scope, setScope] = useState<Scope>(MERGED_CORE);
  const [chartCollectors, setChartCollectors] = useState<string[]>([]);
  // Live 10 minutes (per second, in memory) by default; longer ranges come from the time-series history.
  const [range, setRange] = useState<TimeRange>(LIVE_RANGE);

  const collectorIds = useMemo(() => [...new Set(collectors.map((c) => c.collector))], [collectors]);
  const cards = useMemo(() => totalsByCollector(collectors, scope), [collectors, scope]);
  // A card for each collector with sessions or traffic; the idle ones are named in one line below.
  const busyCards = cards.filter(hasTraffic);
  const idleCards = cards.filter((c) => !hasTraffic(c));

  // The Cores whose absence from a merged sum is an outage: listed and not paused (a removed or paused Core is not).
  const watchedKey = cores.filter((c) => c.state !== 'paused').map((c) => c.id).join('\u0000');
  const watched = useMemo(() => new Set(watchedKey.split('\u0000')), [watchedKey]);
  // Named under the live charts while the merged lines lack them (the header's mark says the same of the totals).
  // "Per core" in a history range: a line per listed Core (the ids as one text, so a push of the same cores keeps it).
  const historyCoresKey = cores.map((c) => c.id).join('\u0000');
  const historyCores = useMemo(() => historyCoresKey.split('\u0000'), [historyCoresKey]);
  const notAnswering = cores.filter((c) => c.kind === 'remote' && c.state !== 'paused' && c.state !== 'online' && c.state !== 'running');

  const chart = useMemo(() => {
    const wanted = chartCollectors.length > 0 ? new Set(chartCollectors) : null;
    const coreSet = scope === MERGED_CORE || scope === 'each' ? null : new Set([scope]);
    const { merged, byCore, missing } = metrics.sum(wanted, coreSet, watched);
    const last = metrics.atMs[metrics.atMs.length - 1] ?? 0;
    const x = metrics.atMs.map((t) => Math.round((t - last) / 1000));
    const bandwidth: LineSeries[] = [];
    const sessions: LineSeries[] = [];
    if (scope === 'each') {
      let i = 0;
      for (const [core, line] of byCore) {
        const color = PALETTE[i++ % PALETTE.length]!;
        bandwidth.push({ label: `${coreName(core)} rx`, color, values: line.rx });
        bandwidth.push({ label: `${coreName(core)} tx`, color, values: line.tx, dashed: true });
        sessions.push({ label: coreName(core), color, values: line.sessions });
      }
    } else {
      bandwidth.push({ label: 'rx', color: PALETTE[0]!, values: merged.rx });
      bandwidth.push({ label: 'tx', color: PALETTE[1]!, values: merged.tx });
      sessions.push({ label: wanted ? 'sessions' : 'users', color: PALETTE[2]!, values: merged.sessions });
    }
    // What the sessions chart reads now, in its label (a screen reader's figure, and what the e2e tests compare).
    const now = sessions.map((l) => `${scope === 'each' ? `${l.label} ` : ''}${formatNow(l.values)}`).join(', ');
    // Per core, a Core not answering is a gap in its own line; merged, its part is missing from the sum: shaded.
    const shaded = scope === 'each' ? [] : missing;
    return { x, bandwidth, sessions, now, shaded, missingSamples: shaded.filter(Boolean).length };
    // metricsVersion: the model is mutable; the version says when it changed.
  }, [metrics, metricsVersion, scope, chartCollectors, coreName, watched]);

  const openSessions = (collector: string): void => {
    setCollectors([collector]);
    setCoreFilter(scope === MERGED_CORE || scope === 'each' ? '' : scope);
    setView('sessions');
  };

  return (
    <section className="view overview" data-testid="view-overview">
      <div className="toolbar">
        <CoreSelect label="Cores" value={scope} onChange={setScope} choices={SCOPE_CHOICES} cores={cores} testId="overview-scope" />
        {idleCards.length > 0 && (
          <span className="muted" data-testid="idle-collectors">
            No sessions or traffic: {idleCards.map((c) => c.collector).join(', ')}
          </span>
        )}
        <span className="hint cards-hint">Click a card for its sessions.</span>
      </div>

      <div className="cards" data-testid="collector-cards">
        {busyCards.map((c) => {
          const sessionShare = shareOf(c.activeSessions, c.maxSessions);
          const txShare = shareOf(c.txBitsPerSec, c.maxTxBitsPerSec);
          return (
            <button
              type="button"
              key={c.collector}
              className="card"
              data-testid={`card-${c.collector}`}
              onClick={() => openSessions(c.collector)}
              title={`Show the ${c.collector} sessions`}
            >
              <span className="card-open" aria-hidden="true">
                ›
              </span>
              <div className="card-title">{c.collector}</div>
              <div className="card-big" data-testid="card-sessions">
                {formatCount(c.activeSessions)} <small>sessions</small>
              </div>
              {/* The header's users leave these out (src/shared/totals.ts): said here, so the cards add up to it. */}
              {c.processSessions > 0 && (
                <div className="card-line card-line-wraps" data-testid="card-process-sessions" title="Sessions of this app's own FFmpeg processes: not users, the header does not count them">
                  <span>of them FFmpeg processes</span> <b>{formatCount(c.processSessions)}</b>
                </div>
              )}
              <div className="card-line">
                <span>rx</span> <b>{formatBitrate(c.rxBitsPerSec, units)}</b>
              </div>
              {c.processSessions > 0 && <ProcessTrafficLine testId="card-process-rx" bitsPerSec={c.processRxBitsPerSec} units={units} />}
              <div className="card-line">
                <span>tx</span> <b>{formatBitrate(c.txBitsPerSec, units)}</b>
              </div>
              {c.processSessions > 0 && <ProcessTrafficLine testId="card-process-tx" bitsPerSec={c.processTxBitsPerSec} units={units} />}
              {/* Limits only where one is set (0 means none in Core). */}
              {sessionShare !== null && (
                <>
                  <div className="card-line" title={`max ${formatCount(c.maxSessions)} sessions`}>
                    <span>of max</span> <b>{formatPercent(sessionShare)}</b>
                  </div>
                  <ShareBar percent={sessionShare} />
                </>
              )}
              {txShare !== null && (
                <>
                  <div className="card-line" title={`max ${formatBitrate(c.maxTxBitsPerSec, units)}`}>
                    <span>of max tx</span> <b>{formatPercent(txShare)}</b>
                  </div>
                  <ShareBar percent={txShare} />
                </>
              )}
            </button>
          );
        })}
        {cards.length === 0 && <p className="empty">No collectors yet.</p>}

      </div>

      <div className="panel">
        <div className="panel-head">
          <h2>{range.key === 'live' ? 'Last 10 minutes' : 'History'}</h2>
          <TimeRangePicker value={range} onChange={setRange} />
          {range.key === 'live' && (
            <Chips
              options={collectorIds.map((c) => ({ value: c, label: c }))}
              selected={chartCollectors}
              onToggle={(c) => setChartCollectors((s) => (s.includes(c) ? s.filter((x) => x !== c) : [...s, c]))}
              onAll={() => setChartCollectors([])}
              testIdPrefix="chart-chip"
            />
          )}
        </div>
        {range.key !== 'live' && (
          <HistoryCharts
            core={scope === MERGED_CORE || scope === 'each' ? undefined : scope}
            perCore={scope === 'each' ? historyCores : undefined}
            range={range}
            onRangeChange={setRange}
          />
        )}
        {range.key === 'live' && (
          <>
            <p className="hint">
              The http collector counts every HTTP request, including HLS: leave it out to avoid counting those bytes twice.
              {chart.missingSamples > 0 && (
                <span data-testid="chart-missing-cores">
                  {` Amber: a Core was not answering${notAnswering.length > 0 ? ` (now ${notAnswering.map((c) => `${c.name}: ${c.state}`).join(', ')})` : ''}; its sessions and traffic are not in the lines there.`}
                </span>
              )}
            </p>
            <div className="charts">
              <figure>
                <figcaption>Bandwidth ({units === 'binary' ? 'binary' : 'decimal'} units)</figcaption>
                <LineChart
                  xSecondsAgo={chart.x}
                  series={chart.bandwidth}
                  formatY={(v) => formatBitrate(v, units)}
                  scale={units}
                  smoothPoints={5}
                  shaded={chart.shaded}
                  windowSeconds={600}
                  testId="chart-bandwidth"
                  ariaLabel="rx and tx bandwidth over the last 10 minutes"
                />
              </figure>
              <figure>
                {/* "All" counts people as the header does (metrics.ts `sum`), not the cards' sessions: said so. */}
                <figcaption data-testid="chart-sessions-caption">{chartCollectors.length === 0 ? 'Users (viewers and publishers, as in the header)' : 'Active sessions'}</figcaption>
                <LineChart
                  xSecondsAgo={chart.x}
                  series={chart.sessions}
                  formatY={(v) => formatCount(Math.round(v))}
                  scale="count"
                  shaded={chart.shaded}
                  windowSeconds={600}
                  testId="chart-sessions"
                  ariaLabel={`${chartCollectors.length === 0 ? 'users' : 'active sessions'} over the last 10 minutes${chart.now === '' ? '' : `, now ${chart.now}`}`}
                />
              </figure>
            </div>
          </>
        )}
      </div>

      <div className="panel">
        <h2>Cores</h2>
        <ul className="health" data-testid="core-health">
          {cores.map((c) => (
            <li key={c.id} data-testid={`health-${c.id}`}>
              <StateBadge state={c.state} />
              <b>{c.name}</b>
              <span className="muted">{c.version ?? ''}</span>
              <span className="muted">{c.kind === 'remote' ? `rtt ${formatRtt(c.rttMs)}` : 'built in'}</span>
              {c.lastError && <span className="error-text">{c.lastError}</span>}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
