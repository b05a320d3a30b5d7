import { useShallow } from 'zustand/react/shallow';
import type { AlertItem, AlertKind, AlertMute, AlertMuteTarget } from '../../../shared/ipc.ts';
import { formatAgo, formatDuration } from '../format/units.ts';
import { useApp, useNow } from '../store/hooks.ts';
import { AlertEditor, MUTE_FOR_MS } from '../components/AlertEditor.tsx';

const KIND_LABELS: Record<AlertKind, string> = {
  'egress-above': 'Egress above',
  'sessions-above': 'Sessions above',
  'users-above': 'Users above',
  'core-unreachable': 'Core unreachable',
  'publisher-gone': 'Publisher gone',
  'ingest-below-median': 'Ingest dropped',
  'publisher-reconnects': 'Publisher reconnects',
};

/** The subject of an alert below its core: a collector, a reference, or both. */
function subject(a: AlertItem): string {
  if (a.collector && a.reference) return `${a.collector} · ${a.reference}`;
  return a.collector ?? a.reference ?? '—';
}

function time(atMs: number): string {
  return new Date(atMs).toLocaleString();
}

/** What a mute silences, in words. */
function muteSubject(m: AlertMute, coreName: (id: string) => string): string {
  return 'ruleId' in m ? `rule ${m.ruleId}` : `stream ${m.stream} on ${coreName(m.core)}`;
}

/** Alerts raised by main's rules (alerts.json): what is raised now, and the most recently cleared. */
export function Alerts(): React.JSX.Element {
  const [alerts, supported, coreName, api] = useApp(useShallow((s) => [s.alerts, s.alertsSupported, s.coreName, s.api]));
  const now = useNow();
  const mute = api ? (target: AlertMuteTarget, forMs: number): void => void api.invoke('alerts:mute', target, forMs).catch(() => undefined) : undefined;

  if (!supported) {
    return (
      <section className="view alerts" data-testid="view-alerts">
        <p className="empty">Alerts are not available here.</p>
      </section>
    );
  }

  return (
    <section className="view alerts" data-testid="view-alerts">
      <div className="panel">
        <div className="panel-head">
          <h2>Active</h2>
          <span className={alerts.active.length > 0 ? 'badge badge-bad' : 'badge badge-good'} data-testid="alerts-active-count">
            {alerts.active.length}
          </span>
        </div>
        <AlertTable
          items={alerts.active}
          coreName={coreName}
          now={now}
          testId="alerts-active"
          empty="No active alerts."
          onAcknowledge={api ? (key) => void api.invoke('alerts:acknowledge', key).catch(() => undefined) : undefined}
          onMute={mute}
        />
        {alerts.mutes.length > 0 && (
          <ul className="alert-mutes" data-testid="alert-mutes">
            {alerts.mutes.map((m) => (
              <li key={JSON.stringify(m)} data-testid="alert-mute">
                Muted: {muteSubject(m, coreName)} until <span title={time(m.untilMs)}>{new Date(m.untilMs).toLocaleTimeString()}</span>{' '}
                <button type="button" className="link" onClick={() => mute?.(m, 0)} data-testid="alert-unmute">
                  Unmute
                </button>
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="panel">
        <div className="panel-head">
          <h2>Recently cleared</h2>
        </div>
        <AlertTable items={alerts.recent} coreName={coreName} now={now} testId="alerts-recent" empty="Nothing cleared recently." cleared />
      </div>
      <AlertEditor />
    </section>
  );
}

function AlertTable(props: {
  items: AlertItem[];
  coreName: (id: string) => string;
  now: number;
  testId: string;
  empty: string;
  cleared?: boolean;
  /** Active alerts only: marks one as seen (it stays listed until it clears). */
  onAcknowledge?: (key: string) => void;
  /** Active alerts only: mutes the alert's rule or its stream for an hour. */
  onMute?: (target: AlertMuteTarget, forMs: number) => void;
}): React.JSX.Element {
  const { items, coreName, now, testId, empty, cleared, onAcknowledge, onMute } = props;
  return (
    <div className="plain-table-wrap">
      <table className="plain-table" data-testid={testId}>
        <thead>
          <tr>
            <th>Kind</th>
            <th>Core</th>
            <th>Collector / reference</th>
            <th>Message</th>
            <th>Raised</th>
            <th>{cleared ? 'Cleared' : 'For'}</th>
            {onAcknowledge && <th>Seen</th>}
          </tr>
        </thead>
        <tbody>
          {items.map((a) => (
            <tr key={`${a.key}\u0001${a.raisedAtMs}`} data-testid="alert-row" data-kind={a.kind} data-key={a.key}>
              <td>
                <span className={cleared ? 'badge badge-good' : 'badge badge-bad'}>{KIND_LABELS[a.kind] ?? a.kind}</span>
              </td>
              <td title={a.core}>{coreName(a.core)}</td>
              <td>{subject(a)}</td>
              <td className="alert-message" title={a.message}>
                {a.message}
              </td>
              <td title={time(a.raisedAtMs)}>{formatAgo(a.raisedAtMs, now)}</td>
              <td title={a.clearedAtMs !== undefined ? time(a.clearedAtMs) : undefined}>
                {a.clearedAtMs !== undefined ? formatAgo(a.clearedAtMs, now) : formatDuration(now - a.raisedAtMs)}
              </td>
              {onAcknowledge && (
                <td>
                  <div className="alert-seen">
                    {a.acknowledgedAtMs !== undefined ? (
                      <span className="muted" data-testid="alert-acknowledged" title={time(a.acknowledgedAtMs)}>
                        acknowledged {formatAgo(a.acknowledgedAtMs, now)}
                      </span>
                    ) : (
                      <button type="button" onClick={() => onAcknowledge(a.key)} data-testid="alert-acknowledge">
                        Acknowledge
                      </button>
                    )}
                    {a.mutedUntilMs !== undefined ? (
                      <span className="muted" data-testid="alert-muted" title={time(a.mutedUntilMs)}>
                        muted until {new Date(a.mutedUntilMs).toLocaleTimeString()}
                      </span>
                    ) : (
                      onMute && (
                        <>
                          <button type="button" className="link" onClick={() => onMute({ ruleId: a.ruleId }, MUTE_FOR_MS)} data-testid="alert-mute-rule" title="No notification and no webhook from this rule for an hour">
                            Mute rule 1 h
                          </button>
                          {a.reference !== undefined && (
                            <button
                              type="button"
                              className="link"
                              onClick={() => onMute({ core: a.core, stream: a.reference! }, MUTE_FOR_MS)}
                              data-testid="alert-mute-stream"
                              title="No notification and no webhook about this stream for an hour"
                            >
                              Mute stream 1 h
                            </button>
                          )}
                        </>
                      )
                    )}
                  </div>
                </td>
              )}
            </tr>
          ))}
          {items.length === 0 && (
            <tr>
              <td colSpan={onAcknowledge ? 7 : 6} className="empty">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
