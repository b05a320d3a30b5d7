import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PALETTE } from '../charts/register.ts';
import { Chips } from '../components/Chips.tsx';
import { ColumnChooser } from '../components/ColumnChooser.tsx';
import { ExportButton } from '../components/ExportButton.tsx';
import { LineChart } from '../components/LineChart.tsx';
import { formatBitrate, formatBytes, formatCount, formatDuration } from '../format/units.ts';
import { useApp, useAppStore } from '../store/hooks.ts';
import type { SessionsWindow } from '../store/store.ts';
import { sessionKey, sessionState, type SessionSortKey } from '../store/session-view.ts';
import { CoreSelect } from '../components/CoreSelect.tsx';
import {
  COLUMN_PREFS_KEY,
  fitColumns,
  parseColumnPrefs,
  splitExtra,
  type ColumnPrefs,
  type ColumnSpec,
  type FittedColumns,
  type SessionColumnKey,
} from '../store/session-columns.ts';
import { FULL_TEXT, ROW_HEIGHT_PX, SessionTableBody, type SessionTableContext } from './sessions-table.ts';

const ALL_CORES = [['', 'All cores']] as const;
/** The sticky header's height (styles.css `.thead`); rows start below it. */
const HEADER_HEIGHT_PX = 31;

/** The details drawer's width: `.table-wrap > .details` in styles.css, min(380px, 45%) of the table. */
function detailsDrawerWidthPx(tableWidthPx: number): number {
  return Math.min(380, tableWidthPx * 0.45) + 8;
}

function readColumnPrefs(): ColumnPrefs {
  try {
    return parseColumnPrefs(localStorage.getItem(COLUMN_PREFS_KEY));
  } catch {
    return parseColumnPrefs(null);
  }
}

/** The user's column choice (remembered in localStorage) fitted to the table's width, refitted on resize. */
function useColumns(
  scrollRef: React.RefObject<HTMLDivElement | null>,
  coreCount: number,
  drawerOpen: boolean,
  sortKey: SessionSortKey,
): [FittedColumns, ColumnPrefs, (p: ColumnPrefs) => void] {
  const [prefs, setPrefsState] = useState(readColumnPrefs);
  const [widthPx, setWidthPx] = useState(1400);
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    setWidthPx(el.clientWidth);
    const ro = new ResizeObserver(() => setWidthPx(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, [scrollRef]);
  const setPrefs = (p: ColumnPrefs): void => {
    setPrefsState(p);
    try {
      localStorage.setItem(COLUMN_PREFS_KEY, JSON.stringify(p));
    } catch {
      // Storage full or off: the choice lasts until the page reloads.
    }
  };
  // The details drawer covers the table's right side: the columns fit what stays uncovered, so rates stay readable.
  const fitted = useMemo(
    () => fitColumns(prefs, widthPx, { coreCount, reservedPx: drawerOpen ? detailsDrawerWidthPx(widthPx) : 0, sortKey }),
    [prefs, widthPx, coreCount, drawerOpen, sortKey],
  );
  return [fitted, prefs, setPrefs];
}

/**
 * The tooltip of a cell whose text shortens Core's (`FULL_TEXT`): that text, looked up from the row's session when the
 * pointer reaches the cell rather than kept in an attribute per cell and update. Other cells have a tooltip only
 * while their painted text is cut, from the table body (sessions-table.ts). The session is the window's row at the
 * row element's place (`data-index`, table-body.ts), not a search of the window's rows.
 */
function showCellTitle(e: React.PointerEvent, w: SessionsWindow): void {
  const cell = (e.target as Element).closest?.('.td');
  if (!(cell instanceof HTMLElement)) return;
  const full = FULL_TEXT[cell.dataset.col as SessionColumnKey];
  const rowEl = cell.parentElement;
  if (!full || !rowEl) return;
  const row = w.rows[Number(rowEl.dataset.index) - w.start];
  if (!row || sessionKey(row) !== rowEl.dataset.key) return;
  const title = full(row);
  if (cell.title !== title) cell.title = title;
}

/**
 * The table body (sessions-table.ts): made with the view, given each update straight from the store (no React render
 * per update), and the columns when they change. Returns the row group's ref and the body (for scrolling a row into
 * view).
 */
function useSessionTableBody(
  scrollRef: React.RefObject<HTMLDivElement | null>,
  columns: FittedColumns,
): [React.RefObject<HTMLDivElement | null>, React.RefObject<SessionTableBody | null>] {
  const store = useAppStore();
  const groupRef = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<SessionTableBody | null>(null);
  useLayoutEffect(() => {
    const group = groupRef.current;
    if (!group) return;
    const body = new SessionTableBody(group, {
      stickyTopPx: HEADER_HEIGHT_PX,
      onWindow: (first, end) => store.getState().setSessionsWindow(first, end),
      onClick: (r) => {
        const key = sessionKey(r);
        const s = store.getState();
        s.select(key === s.selectedKey ? null : key, r);
      },
    });
    bodyRef.current = body;
    body.attach(scrollRef.current);
    return () => {
      body.dispose();
      bodyRef.current = null;
    };
  }, [store, scrollRef]);
  useLayoutEffect(() => {
    const body = bodyRef.current;
    if (!body) return;
    body.setColumns(columns.shown, columns.template);
    // The rows as the store has them now, and at every change of what they show.
    let last: SessionTableContext | null = null;
    let lastWin: unknown = null;
    const write = (s: ReturnType<typeof store.getState>): void => {
      const w = s.sessionsWindow;
      if (last && lastWin === w && last.units === s.units && last.atMs === s.atMs && last.coreName === s.coreName && last.selectedKey === s.selectedKey) return;
      last = { units: s.units, atMs: s.atMs, coreName: s.coreName, selectedKey: s.selectedKey };
      lastWin = w;
      body.update(w.count, w.start, w.rows, last);
    };
    write(store.getState());
    return store.subscribe(write);
  }, [store, columns]);
  return [groupRef, bodyRef];
}

export function Sessions(): React.JSX.Element {
  const store = useAppStore();
  // Re-rendered when the row count, the sort or the selection change; the rows themselves are written by
  // SessionTableBody at every update, without React.
  const [count, total] = useApp(useShallow((s) => [s.sessionsWindow.count, s.sessionsWindow.total]));
  const [sort, selectedKey] = useApp(useShallow((s) => [s.sort, s.selectedKey]));
  const [sortBy, select, moveSelection] = useApp(useShallow((s) => [s.sortBy, s.select, s.moveSelection]));
  const [selectedIndex, selectionMoves] = useApp(useShallow((s) => [s.selectedIndex, s.selectionMoves]));
  const scrollRef = useRef<HTMLDivElement>(null);
  const coreCount = useApp((s) => s.cores.length);
  const [columns, prefs, setPrefs] = useColumns(scrollRef, coreCount, selectedKey !== null, sort.key);
  const gridStyle = useMemo(() => ({ gridTemplateColumns: columns.template }), [columns.template]);
  const [groupRef, bodyRef] = useSessionTableBody(scrollRef, columns);

  const onKeyDown = (e: React.KeyboardEvent): void => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 300) / ROW_HEIGHT_PX) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page, Home: -Infinity, End: Infinity };
    const delta = moves[e.key];
    if (delta === undefined) {
      if (e.key === 'Escape' && selectedKey !== null) {
        select(null);
        e.preventDefault();
      }
      return;
    }
    e.preventDefault();
    moveSelection(Number.isFinite(delta) ? delta : delta > 0 ? 1e9 : -1e9);
  };
  // A keyboard move brings the selected row into view (once the move is known: the worker answers it).
  useEffect(() => {
    if (selectionMoves > 0 && selectedIndex >= 0) bodyRef.current?.scrollToIndex(selectedIndex);
  }, [selectionMoves]);

  return (
    <section className={selectedKey === null ? 'view sessions' : 'view sessions with-details'} data-testid="view-sessions">
      <Toolbar scrollRef={scrollRef} shown={count} total={total} />
      <ColumnChooser columns={columns} prefs={prefs} setPrefs={setPrefs} />

      <div className="table-wrap">
        {/* aria-rowcount counts the header row (aria-rowindex 1) and every row, rendered or not. */}
        <div className="table" role="table" aria-label="Active sessions" aria-rowcount={count + 1}>
          {/* One scroll container holds the sticky header and the rows, so both scroll sideways together. */}
          <div
            className="tbody"
            ref={scrollRef}
            tabIndex={0}
            onKeyDown={onKeyDown}
            onPointerOver={(e) => showCellTitle(e, store.getState().sessionsWindow)}
            data-testid="sessions-table"
            aria-label="Sessions, arrow keys move"
          >
            <Header columns={columns.shown} gridStyle={gridStyle} sortKey={sort.key} sortDir={sort.dir} sortBy={sortBy} />
            {/* Rows are written by SessionTableBody (sessions-table.ts), not by React. */}
            <div className="tbody-inner" role="rowgroup" ref={groupRef} />
            {count === 0 && <p className="empty">{total === 0 ? 'No active sessions.' : 'No session matches the filter.'}</p>}
          </div>
        </div>
        {selectedKey !== null && <Details />}
      </div>
    </section>
  );
}

/** The column headers: re-rendered when the sort changes, not on every update. */
const Header = memo(function Header({
  columns,
  gridStyle,
  sortKey,
  sortDir,
  sortBy,
}: {
  columns: readonly ColumnSpec[];
  gridStyle: React.CSSProperties;
  sortKey: SessionSortKey;
  sortDir: 'asc' | 'desc';
  sortBy: (key: SessionSortKey) => void;
}): React.JSX.Element {
  return (
    <div className="sessions-grid thead" role="row" aria-rowindex={1} style={gridStyle}>
      {columns.map((c) => (
        <button
          type="button"
          role="columnheader"
          key={c.key}
          className={c.numeric ? 'th num' : 'th'}
          aria-sort={sortKey === c.key ? (sortDir === 'asc' ? 'ascending' : 'descending') : 'none'}
          data-testid={`sort-${c.key}`}
          onClick={() => sortBy(c.key)}
        >
          {c.label}
          <span className="sort-mark">{sortKey === c.key ? (sortDir === 'asc' ? '▲' : '▼') : ''}</span>
        </button>
      ))}
    </div>
  );
});

type ChipOption = { value: string; label: string; count: number };

/** The same options as last time when nothing changed, so the chips are not re-rendered every second. */
function useStableOptions(next: ChipOption[]): ChipOption[] {
  const ref = useRef(next);
  const prev = ref.current;
  if (prev.length !== next.length || prev.some((o, i) => o.value !== next[i]!.value || o.count !== next[i]!.count)) ref.current = next;
  return ref.current;
}

/** Filters, search, count and export: re-rendered when they or the per-collector counts change. */
const Toolbar = memo(function Toolbar({
  scrollRef,
  shown,
  total,
}: {
  scrollRef: React.RefObject<HTMLDivElement | null>;
  shown: number;
  total: number;
}): React.JSX.Element {
  const store = useAppStore();
  const counts = useApp((s) => s.collectorCounts);
  const cores = useApp((s) => s.cores);
  const filter = useApp((s) => s.filter);
  const [toggleCollector, setCollectors, setCoreFilter, setText, moveSelection] = useApp(
    useShallow((s) => [s.toggleCollector, s.setCollectors, s.setCoreFilter, s.setText, s.moveSelection]),
  );

  // Counted under the Core filter, as the table shows them (by the store or the sessions worker: countByCollector).
  const collectorCounts = useStableOptions(useMemo(() => counts.map(([value, count]) => ({ value, label: value, count })), [counts]));
  const onAll = useMemo(() => () => setCollectors([]), [setCollectors]);

  return (
    <div className="toolbar">
      <MemoChips options={collectorCounts} selected={filter.collectors} onToggle={toggleCollector} onAll={onAll} testIdPrefix="collector-chip" />
      <CoreSelect label="Core" value={filter.core[0] ?? ''} onChange={setCoreFilter} choices={ALL_CORES} cores={cores} testId="core-filter" />
      <input
        type="search"
        className="search"
        placeholder="Search  ( / )"
        aria-label="Search sessions"
        data-search=""
        data-testid="session-search"
        value={filter.text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            setText('');
            e.currentTarget.blur();
          } else if (e.key === 'ArrowDown') {
            e.preventDefault();
            scrollRef.current?.focus();
            moveSelection(1);
          }
        }}
      />
      <span className="count" data-testid="sessions-count">
        {formatCount(shown)} of {formatCount(total)} sessions
      </span>
      <ExportButton
        title="Export the sessions the table shows (collector, core and search filters applied) as CSV"
        request={() => {
          const f = store.getState().filter;
          return { kind: 'sessions', collectors: [...f.collectors], core: [...f.core], text: f.text };
        }}
      />
    </div>
  );
});

const MemoChips = memo(Chips);

function Details(): React.JSX.Element {
  const [row, ended, series, units, atMs, coreName, select] = useApp(
    useShallow((s) => [s.selected, s.selectedEnded, s.selectedSeries, s.units, s.atMs, s.coreName, s.select]),
  );
  const chart = useMemo(() => {
    const last = series.atMs[series.atMs.length - 1] ?? 0;
    const spanS = (last - (series.atMs[0] ?? last)) / 1000;
    return {
      windowSeconds: spanS > 300 ? 600 : spanS > 60 ? 300 : 60,
      x: series.atMs.map((t) => Math.round((t - last) / 1000)),
      lines: [
        { label: 'rx', color: PALETTE[0]!, values: series.rx },
        { label: 'tx', color: PALETTE[1]!, values: series.tx },
      ],
    };
  }, [series]);
  if (!row) {
    return (
      <aside className="details" data-testid="session-details">
        <p className="empty">This session has ended.</p>
      </aside>
    );
  }
  const extra = splitExtra(row.extra);
  const fields: [string, string][] = [
    ['Collector', row.collector],
    ['Core', coreName(row.core)],
    ['Id', row.id],
    ['Reference', row.reference || '—'],
    ['Local', row.location],
    ['Remote', row.peer],
    ['Client', extra.rest || '—'],
    ...(extra.maskedIp !== null ? [['IP', `${extra.maskedIp} (masked by Core)`] as [string, string]] : []),
    ['rx', formatBitrate(row.rxBitsPerSec, units)],
    ['tx', formatBitrate(row.txBitsPerSec, units)],
    ['rx bytes', formatBytes(row.rxBytes, units)],
    ['tx bytes', formatBytes(row.txBytes, units)],
    ['Started', new Date(row.createdAtMs).toLocaleString()],
    ['Duration', formatDuration(atMs - row.createdAtMs)],
  ];
  return (
    <aside className="details" data-testid="session-details">
      <div className="details-head">
        <h2>
          Session{ended && <span className="badge badge-wait">ended</span>}
          {!ended && sessionState(row) === 'ending' && (
            <span className="badge badge-wait" title={`The connection closed at ${new Date(row.closedAtMs ?? 0).toLocaleTimeString()}; listed until the session timeout, as Core does`}>
              ending
            </span>
          )}
          {!ended && sessionState(row) === 'idle' && (
            <span className="badge badge-wait" title="No traffic either way: idle, or ended and kept until the session timeout">
              idle
            </span>
          )}
        </h2>
        <button type="button" className="icon" aria-label="Close details" onClick={() => select(null)}>
          ×
        </button>
      </div>
      <dl>
        {fields.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd title={v}>{v}</dd>
          </div>
        ))}
      </dl>
      <figure>
        <figcaption>Bandwidth: 10 s averages before it was selected, then each second</figcaption>
        <LineChart
          xSecondsAgo={chart.x}
          series={chart.lines}
          formatY={(v) => formatBitrate(v, units)}
          scale={units}
          windowSeconds={chart.windowSeconds}
          testId="chart-session"
          ariaLabel="bandwidth of the selected session"
        />
      </figure>
    </aside>
  );
}
