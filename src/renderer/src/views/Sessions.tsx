import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useShallow } from 'zustand/react/shallow';
import type { UnitSystem } from '../../../shared/ipc.ts';
import type { SessionRow } from '../../../shared/types.ts';
import { PALETTE } from '../charts/register.ts';
import { Chips } from '../components/Chips.tsx';
import { ColumnChooser } from '../components/ColumnChooser.tsx';
import { ExportButton } from '../components/ExportButton.tsx';
import { LineChart } from '../components/LineChart.tsx';
import { formatBitrate, formatBytes, formatCount, formatDuration } from '../format/units.ts';
import { useApp, useAppStore } from '../store/hooks.ts';
import { sessionKey, sessionState, type SessionSortKey } from '../store/session-view.ts';
import { CoreSelect } from '../components/CoreSelect.tsx';
import {
  COLUMN_PREFS_KEY,
  fitColumns,
  formatExtra,
  formatLocal,
  parseColumnPrefs,
  splitExtra,
  type ColumnPrefs,
  type ColumnSpec,
  type FittedColumns,
  type SessionColumnKey,
} from '../store/session-columns.ts';

export const ROW_HEIGHT_PX = 30;
/** Rows rendered beyond each edge of the viewport while the table scrolls, and while it stands still. */
const OVERSCAN_ROWS = 4;
const OVERSCAN_ROWS_AT_REST = 1;

const ALL_CORES = [['', 'All cores']] as const;
/** The sticky header's height (styles.css `.thead`); rows start below it. */
const HEADER_HEIGHT_PX = 31;

type CellContext = { units: UnitSystem; atMs: number; coreName: (id: string) => string };

/** The text of each column's cell (layout facts: src/renderer/src/store/session-columns.ts). */
const CELLS: Record<SessionColumnKey, (r: SessionRow, c: CellContext) => string> = {
  collector: (r) => r.collector,
  core: (r, c) => c.coreName(r.core),
  id: (r) => r.id,
  reference: (r) => r.reference,
  location: (r) => formatLocal(r.location, r.reference),
  peer: (r) => r.peer,
  extra: (r) => formatExtra(r.extra),
  rxBitsPerSec: (r, c) => formatBitrate(r.rxBitsPerSec, c.units),
  txBitsPerSec: (r, c) => formatBitrate(r.txBitsPerSec, c.units),
  rxBytes: (r, c) => formatBytes(r.rxBytes, c.units),
  txBytes: (r, c) => formatBytes(r.txBytes, c.units),
  duration: (r, c) => formatDuration(c.atMs - r.createdAtMs),
};

/** Full text of the cells whose display is shortened (the tooltip shows Core's text). */
const FULL_TEXT: Partial<Record<SessionColumnKey, (r: SessionRow) => string>> = {
  location: (r) => r.location,
  extra: (r) => r.extra,
};

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

/** A cell's tooltip (its full text, for text cut by the ellipsis), set when the pointer reaches it rather than on
 * every update: 7 attributes per row, rewritten every second, would cost more than the text itself. The full text of
 * a shortened cell is looked up then too (from the row's session), not kept in an attribute per cell. */
function showCellTitle(e: React.PointerEvent, rows: readonly SessionRow[]): void {
  const cell = (e.target as Element).closest?.('.td');
  if (!(cell instanceof HTMLElement) || cell.classList.contains('num')) return;
  const full = FULL_TEXT[cell.dataset.col as SessionColumnKey];
  const key = full ? cell.parentElement?.dataset.key : undefined;
  const row = key === undefined ? undefined : rows.find((r) => sessionKey(r) === key);
  cell.title = row && full ? full(row) : (cell.textContent ?? '');
}

export function Sessions(): React.JSX.Element {
  const store = useAppStore();
  // The rows in view (and a margin) with their place in the table; the sessions worker sends no more than that.
  const win = useApp((s) => s.sessionsWindow);
  const { count, total } = win;
  const [sort, units, atMs, coreName, selectedKey] = useApp(useShallow((s) => [s.sort, s.units, s.atMs, s.coreName, s.selectedKey]));
  const [sortBy, select, moveSelection, setSessionsWindow] = useApp(useShallow((s) => [s.sortBy, s.select, s.moveSelection, s.setSessionsWindow]));
  const [selectedIndex, selectionMoves] = useApp(useShallow((s) => [s.selectedIndex, s.selectionMoves]));
  const scrollRef = useRef<HTMLDivElement>(null);
  const scrollingRef = useRef(false);
  const coreCount = useApp((s) => s.cores.length);
  const [columns, prefs, setPrefs] = useColumns(scrollRef, coreCount, selectedKey !== null, sort.key);
  const gridStyle = useMemo(() => ({ gridTemplateColumns: columns.template }), [columns.template]);

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT_PX,
    // Rows are rendered in the scroll event (flushSync), so a few spare rows are enough while scrolling; each one
    // costs layout and paint on every update, so at rest (where updates land) one is kept beyond each edge.
    overscan: scrollingRef.current ? OVERSCAN_ROWS : OVERSCAN_ROWS_AT_REST,
    onChange: (v) => void (scrollingRef.current = v.isScrolling),
    scrollMargin: HEADER_HEIGHT_PX,
    scrollPaddingStart: HEADER_HEIGHT_PX,
    // Index keys: rows all have one height, so the virtualizer's measurements only change with the row count
    // (a per-session key function would rebuild 10 000 measurements on every update). React keys rows by position.
  });

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
    if (selectionMoves > 0 && selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectionMoves]);

  const ctx = { units, atMs, coreName };
  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const endIndex = (items[items.length - 1]?.index ?? -1) + 1;
  useEffect(() => setSessionsWindow(firstIndex, endIndex), [setSessionsWindow, firstIndex, endIndex, count]);

  return (
    <section className={selectedKey === null ? 'view sessions' : 'view sessions with-details'} data-testid="view-sessions">
      <Toolbar scrollRef={scrollRef} shown={count} total={total} />
      <ColumnChooser columns={columns} prefs={prefs} setPrefs={setPrefs} />

      <div className="table-wrap">
        <div className="table" role="table" aria-label="Active sessions" aria-rowcount={count}>
          {/* One scroll container holds the sticky header and the rows, so both scroll sideways together. */}
          <div
            className="tbody"
            ref={scrollRef}
            tabIndex={0}
            onKeyDown={onKeyDown}
            onPointerOver={(e) => showCellTitle(e, store.getState().sessionsWindow.rows)}
            data-testid="sessions-table"
            aria-label="Sessions, arrow keys move"
          >
            <Header columns={columns.shown} gridStyle={gridStyle} sortKey={sort.key} sortDir={sort.dir} sortBy={sortBy} />
            <div className="tbody-inner" style={{ height: virtualizer.getTotalSize() }}>
              {items.map((item) => {
                const r = win.rows[item.index - win.start];
                // Scrolled past what the worker sent: an empty row until its rows arrive (a frame or two).
                if (!r) return <div key={item.index} role="row" aria-rowindex={item.index + 1} className="sessions-grid tr" style={{ transform: `translateY(${item.start - HEADER_HEIGHT_PX}px)` }} />;
                const key = sessionKey(r);
                return (
                  <div
                    // Keyed by position, not by session: the same few row elements are reused and only their text
                    // changes when the order changes every second (no DOM churn, much less layout).
                    key={item.index}
                    role="row"
                    // Its connection closed (kept until Core's session timeout): ending; no traffic either way: idle.
                    className={`sessions-grid tr${key === selectedKey ? ' selected' : ''}${sessionState(r) === 'live' ? '' : ` ${sessionState(r)}`}`}
                    aria-selected={key === selectedKey}
                    aria-rowindex={item.index + 1}
                    data-testid="session-row"
                    data-key={key}
                    style={{ transform: `translateY(${item.start - HEADER_HEIGHT_PX}px)`, gridTemplateColumns: columns.template }}
                    onClick={() => select(key === selectedKey ? null : key, r)}
                  >
                    {columns.shown.map((c) => (
                      <div role="cell" key={c.key} data-col={c.key} className={c.numeric ? 'td num' : 'td'}>
                        {CELLS[c.key](r, ctx)}
                      </div>
                    ))}
                  </div>
                );
              })}
            </div>
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
    <div className="sessions-grid thead" role="row" style={gridStyle}>
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
