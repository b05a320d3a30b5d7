import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AuthClient } from './api/http-api.ts';
import { formatBitrate, formatCount, formatDuration } from './format/units.ts';
import { TotalsIncomplete } from './components/MissingCores.tsx';
import { addToTotals, type Totals as TotalsSum } from '../../shared/totals.ts';
import { useApp, useAppStore, useNow } from './store/hooks.ts';
import { VIEWS, type ViewName } from './store/store.ts';
import { Alerts } from './views/Alerts.tsx';
import { Cores } from './views/Cores.tsx';
import { History } from './views/History.tsx';
import { Login } from './views/Login.tsx';
import { Overview } from './views/Overview.tsx';
import { Processes } from './views/Processes.tsx';
import { Sessions } from './views/Sessions.tsx';
import { Streams } from './views/Streams.tsx';
import { Settings } from './views/Settings.tsx';

const LABELS: Record<ViewName, string> = {
  streams: 'Streams',
  overview: 'Overview',
  sessions: 'Sessions',
  history: 'History',
  alerts: 'Alerts',
  cores: 'Cores',
  processes: 'Processes',
  settings: 'Settings',
};
const STALE_AFTER_MS = 5000;

/** Inputs that take no typed text: a digit pressed on them switches the view (a focused radio button must not eat it). */
const NON_TEXT_INPUTS = new Set(['radio', 'checkbox', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']);

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  if (el.tagName === 'INPUT') return !NON_TEXT_INPUTS.has((el as HTMLInputElement).type);
  return el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable;
}

/** The view in the URL hash (#sessions), so a reload keeps the place. */
function viewFromHash(): ViewName | null {
  const v = location.hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(v) ? (v as ViewName) : null;
}

export function App({ auth, onLoggedIn }: { auth?: AuthClient; onLoggedIn?: () => void }): React.JSX.Element {
  const store = useAppStore();
  const [view, setView, authRequired] = useApp(useShallow((s) => [s.view, s.setView, s.authRequired]));

  useEffect(() => {
    const fromHash = viewFromHash();
    if (fromHash) setView(fromHash);
    const onHash = (): void => {
      const v = viewFromHash();
      if (v) setView(v);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, [setView]);
  useEffect(() => {
    if (viewFromHash() !== view) history.replaceState(null, '', `#${view}`);
  }, [view]);

  // Keyboard: `/` focuses the search of the view (the sessions search from elsewhere); 1-8 switch views (a digit per view of VIEWS, in the nav order).
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (e.key === '/') {
        e.preventDefault();
        const input = document.querySelector<HTMLInputElement>('[data-search]');
        if (!input) {
          store.getState().setView('sessions');
          requestAnimationFrame(() => document.querySelector<HTMLInputElement>('[data-search]')?.focus());
          return;
        }
        input.focus();
        input.select();
      } else if (/^[1-9]$/.test(e.key) && Number(e.key) <= VIEWS.length) {
        store.getState().setView(VIEWS[Number(e.key) - 1]!);
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [store]);

  if (auth && authRequired) return <Login auth={auth} onLoggedIn={() => onLoggedIn?.()} />;

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">Core Sessions</div>
        <nav className="nav" aria-label="Views">
          {VIEWS.map((v, i) => (
            <a key={v} href={`#${v}`} aria-current={view === v ? 'page' : undefined} data-testid={`nav-${v}`} title={`${LABELS[v]} (${i + 1})`}>
              {LABELS[v]}
              {v === 'alerts' && <AlertBadge />}
            </a>
          ))}
        </nav>
        <Totals />
        {auth?.state() === 'logged-in' && (
          <button type="button" className="link" onClick={() => auth.logout()}>
            Log out
          </button>
        )}
      </header>
      <main className="main">
        {view === 'streams' && <Streams />}
        {view === 'overview' && <Overview />}
        {view === 'sessions' && <Sessions />}
        {view === 'history' && <History />}
        {view === 'alerts' && <Alerts />}
        {view === 'cores' && <Cores />}
        {view === 'processes' && <Processes />}
        {view === 'settings' && <Settings />}
      </main>
      <StatusBar />
    </div>
  );
}

/** The number of active alerts next to the nav link (nothing when none). */
function AlertBadge(): React.JSX.Element | null {
  const active = useApp((s) => s.alerts.active.length);
  if (active === 0) return null;
  return (
    <span className="badge badge-bad nav-badge" data-testid="alerts-badge" aria-label={`${active} active alerts`}>
      {active}
    </span>
  );
}

/** What the header's rx/tx count (the totals rule, src/shared/totals.ts). */
const TRAFFIC_NOTE =
  "Traffic at the core's edge: HLS, HLS ingest, RTMP, SRT, and FFmpeg processes' inputs and outputs elsewhere. Not the HTTP aggregate (it holds the HLS bytes again), nor this app's own FFmpeg processes' connections to this core's own servers (a restream's hop: the publishers and viewers count those bytes).";

function Totals(): React.JSX.Element {
  const [collectors, units] = useApp(useShallow((s) => [s.collectors, s.units]));
  // Once per update, not in the selector (which runs on every change of the store, e.g. each key typed in a search).
  const { activeSessions: sessions, rxBitsPerSec: rx, txBitsPerSec: tx } = useMemo(() => {
    // People and traffic counted once (src/shared/totals.ts): not the http aggregate, not an ffmpeg run, not the
    // sessions of the app's own FFmpeg processes (each collector's `processSessions`).
    const t: TotalsSum = { activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
    for (const c of collectors) addToTotals(t, c);
    return t;
  }, [collectors]);
  return (
    <div className="totals" data-testid="totals">
      <span title="Viewers and publishers (HLS, HLS ingest, RTMP, SRT). HTTP requests, FFmpeg runs and this app's own FFmpeg processes' connections (their RTMP and SRT plays and publishes, their HLS uploads) are not counted here.">
        <b>{formatCount(sessions)}</b> {sessions === 1 ? 'user' : 'users'}
      </span>
      <span title={TRAFFIC_NOTE}>
        rx <b>{formatBitrate(rx, units)}</b>
      </span>
      <span title={TRAFFIC_NOTE}>
        tx <b>{formatBitrate(tx, units)}</b>
      </span>
      <TotalsIncomplete />
    </div>
  );
}

function StatusBar(): React.JSX.Element {
  const [receivedAtMs, lastError, appInfo] = useApp(useShallow((s) => [s.receivedAtMs, s.lastError, s.appInfo]));
  const now = useNow();
  const live = receivedAtMs > 0 && now - receivedAtMs < STALE_AFTER_MS;
  const stale = receivedAtMs > 0 && !live;
  // A stale page dims its numbers (styles.css `body.stale`), so nobody reads old figures as live ones.
  useEffect(() => {
    document.body.classList.toggle('stale', stale);
  }, [stale]);
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span className={live ? 'dot dot-live' : 'dot dot-stale'} />
      <span data-testid="connection">
        {receivedAtMs === 0
          ? 'connecting…'
          : live
            ? 'live'
            : `stale since ${new Date(receivedAtMs).toLocaleTimeString()} (${formatDuration(now - receivedAtMs)}): no updates from the server, reconnecting…`}
      </span>
      {lastError && <span className="error-text">{lastError}</span>}
      <span className="spacer" />
      {appInfo && <span className="muted">v{appInfo.version}</span>}
    </footer>
  );
}
