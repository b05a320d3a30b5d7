import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { CoreInfo, SessionRow } from '../../../shared/types.ts';
import { VIEWER_PROTOCOLS, type StreamRow, type ViewerProtocol } from '../../../shared/streams.ts';
import { streamRoles } from '../../../shared/stream-groups.ts';
import { ownProcessOf } from '../../../shared/processes.ts';
import { LOCAL_CORE_ID } from '../../../shared/types.ts';
import { Chips } from '../components/Chips.tsx';
import { CoreSelect } from '../components/CoreSelect.tsx';
import { useMissingCores, useTotalsNote } from '../components/MissingCores.tsx';
import { formatBitrate, formatCount } from '../format/units.ts';
import { useApp, useAppStore } from '../store/hooks.ts';
import { sameCoreNames } from '../store/store.ts';
import { PALETTE } from '../charts/register.ts';
import { TimeRangePicker } from '../components/TimeRangePicker.tsx';
import { HistoryCharts } from '../components/HistoryCharts.tsx';
import { LIVE_RANGE, type TimeRange } from '../timeseries/range.ts';
import { LineChart } from '../components/LineChart.tsx';
import type { StreamSeries } from '../store/stream-series.ts';
import { PROTOCOL_LABELS, StreamTableBody, streamRowsWriter } from './streams-table.ts';

const ALL = '*';
/** How often the rows' clock is read (it moves only once pushes stop, `streamRowsWriter`). */
const WALL_CLOCK_MS = 1000;

/**
 * The ancestor the streams table scrolls in (the main area): the nearest one that overflows vertically, else the
 * outermost that may scroll (the table's own wrapper only scrolls sideways: it grows with the table).
 */
function scrollParent(el: HTMLElement | null): HTMLElement | null {
  let outermost: HTMLElement | null = null;
  for (let e = el?.parentElement ?? null; e; e = e.parentElement) {
    const overflow = getComputedStyle(e).overflowY;
    if (overflow !== 'auto' && overflow !== 'scroll') continue;
    if (e.scrollHeight > e.clientHeight) return e;
    outermost = e;
  }
  return outermost;
}

/**
 * The streams table's body (streams-table.ts): made when the table appears, attached to the area it scrolls in, and
 * written from the store, not by React (as the Sessions table's body; `streamRowsWriter` says when). So neither an
 * update nor a filter click renders the view: React renders the toolbar when the filter changes and the table when
 * its row count does.
 */
function useStreamTableBody(): React.RefObject<HTMLTableSectionElement | null> {
  const store = useAppStore();
  const bodyRef = useRef<HTMLTableSectionElement>(null);
  useLayoutEffect(() => {
    const tbody = bodyRef.current;
    if (!tbody) return;
    const body = new StreamTableBody(
      tbody,
      (id) => store.getState().openStreamPage(id),
      (first, end) => store.getState().setStreamsWindow(first, end),
    );
    body.attach(scrollParent(tbody));
    const write = streamRowsWriter((count, start, rows, ctx) => body.update(count, start, rows, ctx));
    write(store.getState());
    const unsubscribe = store.subscribe(write);
    // The rows' clock follows the wall clock once pushes stop.
    const clock = setInterval(() => write(store.getState()), WALL_CLOCK_MS);
    return () => {
      unsubscribe();
      clearInterval(clock);
      body.dispose();
    };
  }, [store]);
  return bodyRef;
}

/** The user-agent family of a session's `extra` (`[masked ip] UA`): what kind of player watches. */
export function playerFamily(extra: string): string {
  const ua = extra.replace(/^\[[^\]]*\]\s*/, '');
  if (ua === '') return 'unknown';
  for (const [re, name] of [
    [/Edg\//, 'Edge'],
    [/Firefox\//, 'Firefox'],
    [/Chrome\//, 'Chrome'],
    [/Safari\//, 'Safari'],
    [/VLC/i, 'VLC'],
    [/Lavf|ffmpeg|ffprobe/i, 'FFmpeg'],
    [/AppleCoreMedia|iPhone|iPad/, 'Apple player'],
    [/ExoPlayer|Android/, 'Android player'],
  ] as const) {
    if (re.test(ua)) return name;
  }
  return ua.split(/[\s/]/)[0] || 'unknown';
}

function countBy<T>(items: readonly T[], key: (t: T) => string): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

function CopyField({ label, value, testId }: { label: string; value: string; testId: string }): React.JSX.Element {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-field">
      <span className="muted">{label}</span>
      <code data-testid={testId}>{value}</code>
      <button
        type="button"
        onClick={() => {
          void navigator.clipboard?.writeText(value).then(() => setCopied(true), () => setCopied(false));
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

/** Play and publish addresses of a stream on the local core, from the listeners this app bound. */
function localUrls(listeners: Record<string, string>, key: string): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  if (listeners.rtmp) {
    out.push(['RTMP publish / play', `${listeners.rtmp}/live/${key}`, 'url-rtmp']);
  }
  if (listeners.srt) {
    out.push(['SRT publish', `${listeners.srt}?streamid=${key},mode:publish`, 'url-srt-publish']);
    out.push(['SRT play', `${listeners.srt}?streamid=${key}`, 'url-srt-play']);
  }
  if (listeners.api) out.push(['HLS play', `${listeners.api}/memfs/${key}.m3u8`, 'url-hls']);
  return out;
}

function EmptyState({ listeners }: { listeners: Record<string, string> }): React.JSX.Element {
  const rtmp = listeners.rtmp;
  return (
    <div className="panel empty-state" data-testid="streams-empty">
      <h2>No streams yet</h2>
      <p>Publish to this computer and the stream shows up here within a second, with everyone who watches it.</p>
      {rtmp ? (
        <>
          <h3>OBS</h3>
          <p className="muted">Settings → Stream: Service “Custom…”, then</p>
          <CopyField label="Server" value={`${rtmp}/live`} testId="obs-server" />
          <CopyField label="Stream key" value="cam" testId="obs-key" />
          <h3>ffmpeg</h3>
          <CopyField
            label="Test stream"
            value={`ffmpeg -re -f lavfi -i testsrc=size=1280x720:rate=25 -f lavfi -i sine -c:v libx264 -preset veryfast -g 50 -c:a aac -f flv ${rtmp}/live/cam`}
            testId="ffmpeg-line"
          />
        </>
      ) : (
        <p className="muted">The RTMP server is off (--rtmp off); publish over SRT or HLS instead.</p>
      )}
      {listeners.srt && <CopyField label="SRT" value={`ffmpeg -re -f lavfi -i testsrc -c:v libx264 -f mpegts '${listeners.srt}?streamid=cam,mode:publish'`} testId="srt-line" />}
    </div>
  );
}

/** Who a publisher is on the stream page: its peer, or the app's own process that brings the stream in. */
function publisherName(s: SessionRow): string {
  const process = ownProcessOf(s.extra);
  return process !== null ? `the process ${process}` : s.peer;
}

function StreamPage({ row, series, coreName, local, listeners, onClose }: { row: StreamRow; series: StreamSeries | undefined; coreName: string; local: boolean; listeners: Record<string, string>; onClose: () => void }): React.JSX.Element {
  const [units, api, reportError, mine, setOpenStream] = useApp(useShallow((s) => [s.units, s.api, s.reportError, s.streamSessions, s.setOpenStream]));
  // The store keeps this stream's sessions (the sessions worker lists them; the page holds no other session).
  const keysText = row.keys.join('\u0000');
  useEffect(() => {
    setOpenStream({ core: row.core, keys: keysText === '' ? [] : keysText.split('\u0000') });
    return () => setOpenStream(null);
  }, [row.core, keysText, setOpenStream]);
  const disconnect = async (s: SessionRow, publisher: boolean): Promise<void> => {
    if (publisher && !window.confirm(`Disconnect the publisher of ${row.key} (${s.peer})? Everyone watching loses the stream.`)) return;
    try {
      await api?.invoke('sessions:disconnect', s.collector, s.id);
    } catch (e) {
      reportError(e);
    }
  };
  // Each session's role by the streams' rule (the app's own processes are neither, except an ingest nobody else makes).
  const roles = streamRoles(mine);
  const publishers = mine.filter((_, i) => roles[i] === 'publisher');
  const viewers = mine.filter((_, i) => roles[i] === 'viewer');
  // Live 10 minutes by default; longer ranges from the time-series history (stored under the key rule's key).
  const [range, setRange] = useState<TimeRange>(LIVE_RANGE);
  return (
    <div className="panel stream-page" data-testid="stream-page">
      <div className="panel-head">
        <h2>
          {row.key} <small className="muted">on {coreName}</small>
        </h2>
        <span className="spacer" />
        <button type="button" onClick={onClose} data-testid="stream-page-close">
          Close
        </button>
      </div>
      <div className="stream-facts">
        <div>
          <span className="muted">Publisher</span>
          <b>{publishers.length === 0 ? 'none' : publishers.map((p) => `${PROTOCOL_LABELS[p.collector] ?? p.collector} from ${publisherName(p)}`).join(', ')}</b>
        </div>
        <div>
          <span className="muted">Ingest</span>
          <b data-testid="stream-page-ingest">{formatBitrate(row.ingestBitsPerSec, units)}</b>
        </div>
        <div>
          <span className="muted">Viewers</span>
          <b>{VIEWER_PROTOCOLS.map((p) => `${row.viewers[p]} ${p}`).join(' · ')}</b>
        </div>
        <div>
          <span className="muted">Egress</span>
          <b data-testid="stream-page-egress">{formatBitrate(row.egressBitsPerSec, units)}</b>
        </div>
      </div>
      <TimeRangePicker value={range} onChange={setRange} idPrefix="stream-range" />
      {range.key !== 'live' && <HistoryCharts core={row.core} stream={row.keys} range={range} onRangeChange={setRange} idPrefix="stream-history" />}
      {range.key === 'live' && series && series.atMs.length > 1 && (
        <div className="charts">
          <figure>
            <figcaption>Viewers by protocol, last 10 minutes</figcaption>
            <LineChart
              xSecondsAgo={series.atMs.map((t) => (t - series.atMs[series.atMs.length - 1]!) / 1000)}
              series={VIEWER_PROTOCOLS.map((p, i) => ({ label: p.toUpperCase(), color: PALETTE[i % PALETTE.length]!, values: series[p] }))}
              formatY={(v) => formatCount(Math.round(v))}
              scale="count"
              windowSeconds={600}
              testId="stream-chart-viewers"
              ariaLabel="viewers of this stream by protocol over the last 10 minutes"
            />
          </figure>
          <figure>
            <figcaption>Publisher ingest, last 10 minutes</figcaption>
            <LineChart
              xSecondsAgo={series.atMs.map((t) => (t - series.atMs[series.atMs.length - 1]!) / 1000)}
              series={[{ label: 'ingest', color: PALETTE[3 % PALETTE.length]!, values: series.ingestBitsPerSec }]}
              formatY={(v) => formatBitrate(v, units)}
              scale={units}
              smoothPoints={5}
              windowSeconds={600}
              testId="stream-chart-ingest"
              ariaLabel="the publisher's ingest bitrate over the last 10 minutes"
            />
          </figure>
        </div>
      )}
      <div className="breakdowns">
        <div>
          <h3>Referrers</h3>
          <ul data-testid="stream-referrers">
            {countBy(viewers.filter((v) => v.collector === 'hls'), (v) => v.peer).map(([k, n]) => (
              <li key={k}>
                {k} <b>{n}</b>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h3>Players</h3>
          <ul data-testid="stream-players">
            {countBy(viewers, (v) => (v.collector === 'hls' ? playerFamily(v.extra) : v.collector.toUpperCase() + ' client')).map(([k, n]) => (
              <li key={k}>
                {k} <b>{n}</b>
              </li>
            ))}
          </ul>
        </div>
      </div>
      {local && (
        <div className="urls" data-testid="stream-urls">
          <h3>Addresses</h3>
          {localUrls(listeners, row.key).map(([label, url, id]) => (
            <CopyField key={id} label={label} value={url} testId={id} />
          ))}
        </div>
      )}
      <h3>Sessions ({mine.length})</h3>
      <div className="plain-table-wrap">
        <table className="plain-table" data-testid="stream-sessions">
          <thead>
            <tr>
              <th>Collector</th>
              <th>Role</th>
              <th>Remote</th>
              <th>Player</th>
              <th className="num">rx</th>
              <th className="num">tx</th>
              {local && <th />}
            </tr>
          </thead>
          <tbody>
            {mine.map((s, i) => (
              <tr key={`${s.collector}:${s.id}`}>
                <td>{s.collector}</td>
                <td>{roles[i]}</td>
                <td>{s.peer}</td>
                <td title={s.extra}>{s.collector === 'hls' ? playerFamily(s.extra) : ''}</td>
                <td className="num">{formatBitrate(s.rxBitsPerSec, units)}</td>
                <td className="num">{formatBitrate(s.txBitsPerSec, units)}</td>
                {local && (
                  <td>
                    {(s.collector === 'rtmp' || s.collector === 'srt') && (
                      <button type="button" data-testid={`disconnect-${s.collector}-${s.id}`} onClick={() => void disconnect(s, roles[i] === 'publisher')}>
                        Disconnect
                      </button>
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * The first screen: one row per stream across protocols and cores, sorted by viewers. A stream's page shows its
 * publisher, viewers per protocol, referrer and player breakdowns, and for the local core the play/publish addresses.
 * Its parts subscribe to what each shows, so an update or a filter click renders none but the part that changed (the
 * rows are written by the table's body, `useStreamTableBody`).
 */
export function Streams(): React.JSX.Element {
  // The store has only what this view shows (streams-view.ts): the rows in view, their sparklines, the open page.
  const hasStreams = useApp((s) => s.streamsFrame.total > 0);
  const appInfo = useApp((s) => s.appInfo);
  const listeners = appInfo?.listeners ?? NO_LISTENERS;
  if (!hasStreams) {
    return (
      <section className="view streams" data-testid="view-streams">
        <EmptyState listeners={listeners} />
      </section>
    );
  }
  return (
    <section className="view streams" data-testid="view-streams">
      <MissingCores />
      <StreamsToolbar />
      <StreamsTable />
      <OpenStreamPage listeners={listeners} />
    </section>
  );
}

const NO_LISTENERS: Record<string, string> = {};

/** The remote cores whose numbers are not current (useMissingCores): ticking while shown. */
function MissingCores(): React.JSX.Element | null {
  const missing = useMissingCores();
  return missing.length > 0 ? <MissingCoresBanner missing={missing} /> : null;
}

function MissingCoresBanner({ missing }: { missing: readonly CoreInfo[] }): React.JSX.Element {
  // The header's note (what its totals hold), and what the rows show.
  const { text } = useTotalsNote(missing);
  return (
    <div className="banner banner-warn" role="status" data-testid="streams-banner">
      {text} Its streams show their last known numbers.
    </div>
  );
}

/** The filter: re-rendered when it changes or a core's name does, not on every update. */
function StreamsToolbar(): React.JSX.Element {
  const filter = useApp((s) => s.streamsQuery.filter);
  const setFilter = useApp((s) => s.setStreamsFilter);
  // The cores change with every push (their round trip, their last answer), their names seldom: the list shown is
  // kept while the names stay (the select reads ids and names only).
  const shownCores = useRef<readonly CoreInfo[]>([]);
  const cores = useApp((s) => (sameCoreNames(shownCores.current, s.cores) ? shownCores.current : (shownCores.current = s.cores)));
  const { protocols, text } = filter;
  const setProtocols = (next: ViewerProtocol[]): void => setFilter({ ...filter, protocols: next });
  return (
    <div className="toolbar">
      <CoreSelect label="Core" value={filter.core ?? ALL} onChange={(c) => setFilter({ ...filter, core: c === ALL ? null : c })} choices={[[ALL, 'All cores']]} cores={cores} testId="streams-core" />
      <Chips
        options={PROTOCOL_CHIPS}
        selected={protocols}
        onToggle={(p) => setProtocols(protocols.includes(p as ViewerProtocol) ? protocols.filter((x) => x !== p) : [...protocols, p as ViewerProtocol])}
        onAll={() => setProtocols([])}
        testIdPrefix="streams-protocol"
      />
      <label className="field">
        <span>Stream</span>
        <input type="search" value={text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} placeholder="exact name" data-testid="streams-search" />
      </label>
    </div>
  );
}

const PROTOCOL_CHIPS = VIEWER_PROTOCOLS.map((p) => ({ value: p, label: p.toUpperCase() }));

/** The table: React renders its header and an empty body, again only when the row count or the Core column change. */
function StreamsTable(): React.JSX.Element {
  const [count, multiCore] = useApp(useShallow((s) => [s.streamsFrame.count, s.cores.length > 1]));
  const bodyRef = useStreamTableBody();
  return (
    <div className="plain-table-wrap">
      <table className="plain-table streams-table" data-testid="streams-table" aria-rowcount={count + 1}>
        <thead>
          <tr>
            {/* Widths: the cells are painted (no DOM text to size them), styles.css `.streams-table .col-…`. */}
            <th>Stream</th>
            {multiCore && <th className="col-core">Core</th>}
            <th className="col-state">State</th>
            <th className="col-ingest">Ingest</th>
            <th className="num col-viewers">Viewers</th>
            {VIEWER_PROTOCOLS.map((p) => (
              <th key={p} className="num col-protocol">
                {p.toUpperCase()}
              </th>
            ))}
            <th className="num col-rate">Egress</th>
            <th className="num col-peak">Peak today</th>
            <th className="col-spark">Last 10 min</th>
          </tr>
        </thead>
        {/* Rows are written by StreamTableBody (streams-table.ts), not by React. */}
        <tbody ref={bodyRef} />
      </table>
      {count === 0 && <p className="empty">No stream matches the filter.</p>}
    </div>
  );
}

/** The open stream's page, from the frame that answers for it (an older frame's page is not shown). */
function OpenStreamPage({ listeners }: { listeners: Record<string, string> }): React.JSX.Element | null {
  const [open, page, coreName, setOpen] = useApp(useShallow((s) => [s.streamsQuery.page, s.streamsFrame.page, s.coreName, s.openStreamPage]));
  const row = open !== null && page?.id === open ? page.row : null;
  if (!row) return null;
  return <StreamPage row={row} series={page?.series ?? undefined} coreName={coreName(row.core)} local={row.core === LOCAL_CORE_ID} listeners={listeners} onClose={() => setOpen(null)} />;
}
