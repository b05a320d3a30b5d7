import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type {
  AlertList,
  AppInfo,
  AppSettings,
  AppSettingsPatch,
  CoreTestResult,
  ExportProgress,
  ExportRequest,
  MetricsHistory,
  RendererApi,
  RemoteCoreConfig,
  RemoteCoreInput,
  SessionSeries,
  UnitSystem,
} from '../../../shared/ipc.ts';
import type { CollectorTotals, CoreInfo, HistoryRow, SessionRow, Snapshot } from '../../../shared/types.ts';
import { streamSessions } from '../../../shared/streams.ts';
import { NO_STREAMS_QUERY, StreamsModel, type StreamsFilter, type StreamsFrame, type StreamsQuery } from './streams-view.ts';
import { MetricsModel } from './metrics.ts';
import { sessionKey, visibleSessions, type SessionSort, type SessionSortKey } from './session-view.ts';
import { NO_SESSION_FILTER, type SessionFilter } from '../../../shared/session-filter.ts';
import type { EngineClient } from './sessions-client.ts';
import { countByCollector, type SessionsFrame, type SessionsQuery, type StreamRef } from './sessions-engine.ts';

/**
 * One vanilla zustand store built from slices (STYLE.md §7). It is created at start-up (not on import) and filled by
 * `connect(api, store)`, so a test builds one with a fake api. Actions that talk to main use `api` from the state.
 */

export type ViewName = 'streams' | 'overview' | 'sessions' | 'history' | 'alerts' | 'cores' | 'processes' | 'settings';
export const VIEWS: readonly ViewName[] = ['streams', 'overview', 'sessions', 'history', 'alerts', 'cores', 'processes', 'settings'];

/** Points kept for the selected session's own chart. */
export const SELECTED_SERIES_POINTS = 300;

export interface AppSlice {
  api: RendererApi | null;
  appInfo: AppInfo | null;
  view: ViewName;
  /** True when the server answered 401: the page shows the login form. */
  authRequired: boolean;
  /** The last failure of a call, shown in the status bar. */
  lastError: string | null;
  setView(view: ViewName): void;
  setAuthRequired(required: boolean): void;
  reportError(error: unknown): void;
}

export interface LiveSlice {
  /** Time of the last applied snapshot (0 before the first). */
  atMs: number;
  /** Local receive time of the last snapshot, to spot a stalled stream. */
  receivedAtMs: number;
  /** Every session; empty in a store fed by the sessions worker (it holds them, and answers with what is shown). */
  sessions: SessionRow[];
  /** The stream whose page is open in the Streams view (its sessions are kept in `streamSessions`); null when none is. */
  openStream: StreamRef | null;
  /** The sessions of `openStream` (streams.ts `streamSessions`), as of the last update; empty without one. */
  streamSessions: SessionRow[];
  /** A stream's page opened (`stream`) or closed (null). */
  setOpenStream(stream: StreamRef | null): void;
  collectors: CollectorTotals[];
  cores: CoreInfo[];
  /**
   * What the page shows of the streams (grouped from the sessions by main, src/shared/streams.ts): the Streams view's
   * filter, the rows in view, the open stream's page, and whether the alert editor lists the streams' keys.
   */
  streamsQuery: StreamsQuery;
  /**
   * The answer (streams-view.ts): made by the sessions worker, which decodes the stream rows and keeps every
   * stream's series, or without one by the store from its own (`StreamsModel`). The page holds no other stream row.
   */
  streamsFrame: StreamsFrame;
  /** The Streams view's filter changed. */
  setStreamsFilter(filter: StreamsFilter): void;
  /** A stream's page opened (`id`, `streamId`) or closed (null) in the Streams view. */
  openStreamPage(id: string | null): void;
  /** The Streams table's rows in view changed: `[start, end)` in its filtered order. */
  setStreamsWindow(start: number, end: number): void;
  /** The alert editor lists the streams' keys while it is shown (`frame.keys`). */
  listStreamKeys(on: boolean): void;
  /** Bumped whenever `metrics` changes (the model itself is mutable). */
  metricsVersion: number;
  metrics: MetricsModel;
  /**
   * Applies snapshots received since the last frame, oldest first: metrics take every one, the live view the last.
   * With the sessions worker, the snapshots carry no sessions and `frame` is the table's state after the last one.
   * `recorded`: `recordSnapshot` already took them (and whether the metrics changed).
   */
  applySnapshots(snapshots: readonly Snapshot[], frame?: SessionsFrame, recorded?: { metricsAppended: boolean }): void;
  /**
   * Adds a snapshot to the metrics and, without the sessions worker, the streams' series (mutable models; the
   * version bumps when it is applied).
   * `connect` does it as each push arrives, so that the frame that shows it only renders. True when the metrics took it.
   */
  recordSnapshot(snapshot: Snapshot): boolean;
  /** The sessions worker that filters and sorts the sessions (set by `connect`); null: the page does it. */
  engine: EngineClient | null;
  /** Shows a frame of the sessions worker (unless the store already shows a newer one). */
  applySessionsFrame(frame: SessionsFrame): void;
  loadMetrics(history: MetricsHistory): void;
  coreName(id: string): string;
}

export interface SelectedSeries {
  atMs: number[];
  rx: number[];
  tx: number[];
}

export interface SessionsSlice {
  filter: SessionFilter;
  sort: SessionSort;
  /** The filtered, sorted rows the table shows (recomputed on updates and filter/sort changes). */
  visible: SessionRow[];
  /** True while `visible` lags the sessions, filter or sort (a `lazyVisible` store outside the Sessions view). */
  visibleStale: boolean;
  /**
   * What the table shows: the row count, and the rows from `start` (the whole of `visible` when the page filters and
   * sorts; the rows in view and a margin around them from the sessions worker, which leaves `visible` empty).
   */
  sessionsWindow: SessionsWindow;
  /** Per collector, its sessions under the Core filter (the chips; computed while the Sessions view is shown). */
  collectorCounts: [collector: string, sessions: number][];
  /** Where a keyboard move put the selection in the table's order, and a count of such moves (the table scrolls to it). */
  selectedIndex: number;
  selectionMoves: number;
  /** The rows in view changed (the table's scroll): `[start, end)` in the table's order. */
  setSessionsWindow(start: number, end: number): void;
  selectedKey: string | null;
  /** The selected session as last seen (kept when it ends, so its details stay readable). */
  selected: SessionRow | null;
  selectedEnded: boolean;
  selectedSeries: SelectedSeries;
  toggleCollector(collector: string): void;
  setCollectors(collectors: string[]): void;
  setCoreFilter(core: string): void;
  setText(text: string): void;
  /** Same key flips the direction; a new key starts descending for numbers, ascending for text. */
  sortBy(key: SessionSortKey): void;
  /** Selects a session by key (`row`: the session, when the caller has it at hand). */
  select(key: string | null, row?: SessionRow): void;
  /** Moves the selection by `delta` rows in the visible order (arrow keys). */
  moveSelection(delta: number): void;
}

/** The table's rows in view (see `sessionsWindow`). */
export interface SessionsWindow {
  total: number;
  count: number;
  start: number;
  rows: SessionRow[];
}

export interface HistorySlice {
  history: HistoryRow[];
  historyLoadedAtMs: number;
  loadHistory(): Promise<void>;
}

export interface CoresSlice {
  coreConfigs: RemoteCoreConfig[];
  /** False when main has no AppControl (the channels answer `unsupported`). */
  manageable: boolean;
  loadCoreConfigs(): Promise<void>;
  addCore(input: RemoteCoreInput): Promise<RemoteCoreConfig>;
  updateCore(id: string, input: RemoteCoreInput): Promise<RemoteCoreConfig>;
  removeCore(id: string): Promise<void>;
  testCore(input: RemoteCoreInput, id?: string): Promise<CoreTestResult>;
}

export interface SettingsSlice {
  settings: AppSettings | null;
  units: UnitSystem;
  loadSettings(): Promise<void>;
  updateSettings(patch: AppSettingsPatch): Promise<AppSettings>;
  setSettings(settings: AppSettings): void;
  setUnits(units: UnitSystem): void;
}

export interface AlertsSlice {
  alerts: AlertList;
  /** False when main serves no alert list (the channel answers `unsupported`): the view says so. */
  alertsSupported: boolean;
  loadAlerts(): Promise<void>;
  setAlerts(list: AlertList): void;
}

/**
 * A CSV download in the browser (headless mode): the HTTP api fetches `GET /api/export/<kind>.csv` with the page's
 * token and saves it; `onBytes` reports the bytes received so far. Absent in Electron, where `export:save` opens a
 * save dialog in main and reports rows through `export:progress` pushes.
 */
export interface CsvDownloader {
  download(request: ExportRequest, onBytes: (bytes: number) => void): Promise<{ fileName: string; bytes: number }>;
}

export type ExportKind = ExportRequest['kind'];

/** The last export of one kind, as the export control shows it. */
export interface ExportStatus {
  state: 'running' | 'done' | 'cancelled' | 'error';
  /** Rows written (Electron, from `export:progress`). */
  rows?: number;
  /** Bytes received (browser download). */
  bytes?: number;
  /** Where it went: the saved path (Electron) or the file name (browser). */
  target?: string;
  error?: string;
}

export interface ExportSlice {
  downloader: CsvDownloader | null;
  exports: Partial<Record<ExportKind, ExportStatus>>;
  /** Starts an export (one per kind at a time; a second request while one runs is ignored). */
  exportCsv(request: ExportRequest): Promise<void>;
  applyExportProgress(progress: ExportProgress): void;
}

export type AppState = AppSlice & LiveSlice & SessionsSlice & HistorySlice & CoresSlice & SettingsSlice & AlertsSlice & ExportSlice;
export type AppStore = StoreApi<AppState>;
type Slice<T> = StateCreator<AppState, [], [], T>;

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function needApi(get: () => AppState): RendererApi {
  const api = get().api;
  if (!api) throw new Error('not connected');
  return api;
}

const createAppSlice: Slice<AppSlice> = (set, get, store) => ({
  api: null,
  appInfo: null,
  view: 'streams',
  authRequired: false,
  lastError: null,
  // A lazy store left `visible` behind while another view was shown: it is brought up to date as the view opens.
  // With the sessions worker, it learns which view is open (it filters and sorts only for the Sessions view).
  setView: (view) => {
    const state = get();
    const patch: Partial<AppState> = { view };
    const open = view === 'streams';
    // The Streams view's filter and open page last while it is shown (as its own state did before).
    if (open !== state.streamsQuery.open) {
      const q = state.streamsQuery;
      patch.streamsQuery = { ...q, open, ...(open ? {} : { filter: NO_STREAMS_QUERY.filter, page: null, start: 0, end: FIRST_STREAM_ROWS }), tag: q.tag + 1 };
      if (!state.engine) patch.streamsFrame = streamsModel(store).frame(patch.streamsQuery);
    }
    set((view === 'sessions' && state.visibleStale) || state.engine ? recompute(state, patch, store) : patch);
  },
  setAuthRequired: (authRequired) => set({ authRequired }),
  reportError: (error) => {
    if (errorCode(error) === 'unauthorized') set({ authRequired: true });
    else set({ lastError: errorText(error) });
  },
});

/** Search text cache per session; cleared when it outgrows the live rows (sessions that ended). */
const haystackCaches = new WeakMap<object, Map<string, string>>();

/** Stores made with `lazyVisible` (see createAppStore). */
const lazyStores = new WeakSet<object>();

/** Rows asked of the sessions worker beyond each edge of the rows in view, so that a scroll finds them already there. */
const WINDOW_MARGIN_ROWS = 40;

/** The Streams rows asked for as the view opens, before its table says which rows are in view. */
const FIRST_STREAM_ROWS = 80;

/**
 * True when the rows the page has (`have`: `rows` from `start`, of `count`) cover `[start, end)` with a margin left
 * on each side (or reach the list's edge there): the worker need not be asked for other rows.
 */
function windowCovers(have: { start: number; rows: readonly unknown[]; count: number }, start: number, end: number): boolean {
  const last = have.start + have.rows.length;
  const edge = WINDOW_MARGIN_ROWS / 4;
  return start >= have.start && end <= last && (start - have.start >= edge || have.start === 0) && (last - end >= edge || last >= have.count);
}

/** The streams' rows and series a store keeps itself (without the sessions worker; streams-view.ts). */
const streamsModels = new WeakMap<object, StreamsModel>();

function streamsModel(store: object): StreamsModel {
  let m = streamsModels.get(store);
  if (!m) streamsModels.set(store, (m = new StreamsModel()));
  return m;
}

/** The sessions worker's query for what `patch` changes (only those parts: each of them makes it filter and sort again). */
function engineQuery(state: AppState, patch: Partial<AppState>): Partial<SessionsQuery> {
  const q: Partial<SessionsQuery> = {};
  if (patch.view !== undefined) q.open = patch.view === 'sessions';
  if (patch.openStream !== undefined) q.stream = patch.openStream;
  if (patch.filter !== undefined) q.filter = patch.filter;
  if (patch.sort !== undefined) q.sort = patch.sort;
  // Only when a name changed: the cores change with every push (their round trip, their last success), and each
  // `coreNames` makes the worker filter and sort every session again and answer with one more frame.
  if (patch.cores !== undefined && !sameCoreNames(state.cores, patch.cores)) q.coreNames = patch.cores.map((c) => [c.id, c.name] as const);
  if (patch.selectedKey !== undefined) q.selectedKey = patch.selectedKey;
  if (patch.streamsQuery !== undefined) q.streams = patch.streamsQuery;
  return q;
}

function recompute(state: AppState, patch: Partial<AppState>, store: object): Partial<AppState> {
  const s = { ...state, ...patch };
  if (s.engine) {
    const q = engineQuery(state, patch);
    if (Object.keys(q).length > 0) s.engine.query(q, (frame) => (store as AppStore).getState().applySessionsFrame(frame));
    return patch;
  }
  // Only the Sessions view shows `visible`: elsewhere the filter and sort of every row (3-5 ms per update at 10 000
  // sessions) wait until it opens.
  if (s.view !== 'sessions' && lazyStores.has(store)) return { ...patch, visibleStale: true };
  let hay = haystackCaches.get(store);
  if (!hay) haystackCaches.set(store, (hay = new Map()));
  const visible = visibleSessions(s.sessions, s.filter, s.sort, s.coreName, hay);
  return {
    ...patch,
    visible,
    visibleStale: false,
    sessionsWindow: { total: s.sessions.length, count: visible.length, start: 0, rows: visible },
    collectorCounts: countByCollector(s.sessions, s.collectors, s.filter),
  };
}

/** The store's part of a sessions worker's frame (the selection as last seen when it left the list). */
function framePatch(state: AppState, frame: SessionsFrame, atMs: number): Partial<AppState> {
  const patch: Partial<AppState> = {
    // The same counts as shown are the same arrays: every frame (each answer to a filter click or a scroll) would
    // otherwise render the Sessions toolbar again.
    sessionsWindow: { total: frame.total, count: frame.count, start: frame.start, rows: frame.rows },
    collectorCounts: samePairs(state.collectorCounts, frame.collectorCounts) ? state.collectorCounts : frame.collectorCounts,
  };
  // A frame made before the worker learnt of another stream page carries the old stream's sessions: not shown.
  if (sameStream(frame.stream, state.openStream)) patch.streamSessions = frame.streamSessions ?? EMPTY_ROWS;
  // The same for the streams: an answer made for a view, filter or stream page already left is not shown.
  if (frame.streams.tag === state.streamsQuery.tag) patch.streamsFrame = frame.streams;
  if (state.selectedKey !== null) {
    const row = frame.selected;
    patch.selected = row ?? state.selected;
    patch.selectedEnded = row === null;
    if (row) patch.selectedSeries = extendSeries(state.selectedSeries, atMs, row);
  }
  return patch;
}

const EMPTY_ROWS: SessionRow[] = [];

/** The newest sessions-worker frame each store shows (older ones, answered before a newer query, are dropped). */
const frameVersions = new WeakMap<object, number>();

/** True (and remembered) when `frame` is newer than what the store shows. */
function newerFrame(store: object, frame: SessionsFrame): boolean {
  if (frame.version <= (frameVersions.get(store) ?? 0)) return false;
  frameVersions.set(store, frame.version);
  return true;
}

const createLiveSlice: Slice<LiveSlice> = (set, get, store) => {
  /** A new streams query (`tagged`: a new tag, as for anything but the window): asked of the worker, or answered here. */
  const setStreamsQuery = (next: StreamsQuery, tagged = true): void => {
    const q = tagged ? { ...next, tag: get().streamsQuery.tag + 1 } : next;
    const engine = get().engine;
    if (!engine) return set({ streamsQuery: q, streamsFrame: streamsModel(store).frame(q) });
    set({ streamsQuery: q });
    engine.query({ streams: q }, (frame) => get().applySessionsFrame(frame));
  };
  return {
  atMs: 0,
  receivedAtMs: 0,
  sessions: [],
  openStream: null,
  streamSessions: [],
  setOpenStream: (stream) => {
    const state = get();
    if (sameStream(state.openStream, stream)) return;
    // With the worker: recompute asks it (engineQuery), and its next frame brings the stream's sessions.
    if (state.engine) return set(recompute(state, { openStream: stream, streamSessions: EMPTY_ROWS }, store));
    set({ openStream: stream, streamSessions: stream ? streamSessions(stream, state.sessions) : EMPTY_ROWS });
  },
  collectors: [],
  cores: [],
  streamsQuery: { ...NO_STREAMS_QUERY, open: true, end: FIRST_STREAM_ROWS }, // the first view is the Streams view
  streamsFrame: streamsModel(store).frame(NO_STREAMS_QUERY),
  // The window stays: the table tells the rows it renders again when the row count changes.
  setStreamsFilter: (filter) => setStreamsQuery({ ...get().streamsQuery, filter }),
  openStreamPage: (page) => setStreamsQuery({ ...get().streamsQuery, page }),
  setStreamsWindow: (start, end) => {
    if (windowCovers(get().streamsFrame, start, end)) return;
    setStreamsQuery({ ...get().streamsQuery, start: Math.max(0, start - WINDOW_MARGIN_ROWS), end: end + WINDOW_MARGIN_ROWS }, false);
  },
  listStreamKeys: (keys) => {
    if (get().streamsQuery.keys !== keys) setStreamsQuery({ ...get().streamsQuery, keys });
  },
  metricsVersion: 0,
  metrics: new MetricsModel(),
  engine: null,
  applySessionsFrame: (frame) => {
    if (newerFrame(store, frame)) set(framePatch(get(), frame, get().atMs));
  },
  recordSnapshot: (s) => {
    const { metrics, engine } = get();
    const appended = metrics.append(s);
    // With the worker, the snapshots carry no stream rows: it keeps the series.
    if (!engine && s.streams) streamsModel(store).append(s.atMs, s.streams);
    return appended;
  },
  applySnapshots: (snapshots, frame, recorded) => {
    if (snapshots.length === 0) return;
    const state = get();
    let appended = recorded?.metricsAppended ?? false;
    if (!recorded) for (const s of snapshots) appended = state.recordSnapshot(s) || appended;
    const last = snapshots[snapshots.length - 1]!;
    if (last.atMs < state.atMs) {
      if (appended) set({ metricsVersion: state.metricsVersion + 1 });
      return;
    }
    const patch: Partial<AppState> = {
      atMs: last.atMs,
      receivedAtMs: Date.now(),
      collectors: last.collectors,
      cores: sameCores(state.cores, last.cores) ? state.cores : last.cores,
      metricsVersion: appended ? state.metricsVersion + 1 : state.metricsVersion,
    };
    if (!sameCoreNames(state.cores, patch.cores!)) haystackCaches.get(store)?.clear();
    if (state.engine) {
      // The sessions worker holds the sessions: its frame brings the rows in view, the counts, the selection and the
      // open stream's sessions.
      if (frame && newerFrame(store, frame)) Object.assign(patch, framePatch(state, frame, last.atMs));
      return set(recompute(state, patch, store));
    }
    patch.sessions = last.sessions;
    patch.streamsFrame = streamsModel(store).frame(state.streamsQuery);
    if (state.openStream) patch.streamSessions = streamSessions(state.openStream, last.sessions);
    if (state.selectedKey !== null) {
      const row = last.sessions.find((r) => sessionKey(r) === state.selectedKey) ?? null;
      patch.selected = row ?? state.selected;
      patch.selectedEnded = row === null;
      if (row) patch.selectedSeries = extendSeries(state.selectedSeries, last.atMs, row);
    }
    set(recompute(state, patch, store));
  },
  loadMetrics: (history) => {
    const { metrics, metricsVersion } = get();
    // A push may have arrived before the history: keep the samples newer than the history's last one.
    const newer = metrics.atMs.length;
    const tail = newer > 0 ? captureTail(metrics, history.atMs[history.atMs.length - 1] ?? 0) : [];
    metrics.load(history);
    for (const s of tail) metrics.append(s);
    set({ metricsVersion: metricsVersion + 1 });
  },
  coreName: (id) => get().cores.find((c) => c.id === id)?.name ?? id,
  };
};

function sameStream(a: StreamRef | null, b: StreamRef | null): boolean {
  if (a === null || b === null) return a === b;
  return a.core === b.core && a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i]);
}

/** The same (name, count) pairs in the same order (a frame's process and collector counts). */
function samePairs(a: readonly (readonly [string, number])[], b: readonly (readonly [string, number])[]): boolean {
  return a === b || (a.length === b.length && a.every(([k, n], i) => k === b[i]![0] && n === b[i]![1]));
}

/** The same cores by id and name, in order (what the filter's haystacks and the sort by core read of them). */
export function sameCoreNames(a: readonly CoreInfo[], b: readonly CoreInfo[]): boolean {
  return a === b || (a.length === b.length && a.every((c, i) => c.id === b[i]!.id && c.name === b[i]!.name));
}

function sameCores(a: CoreInfo[], b: CoreInfo[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (
      x.id !== y.id ||
      x.name !== y.name ||
      x.state !== y.state ||
      x.version !== y.version ||
      x.lastError !== y.lastError ||
      x.rttMs !== y.rttMs ||
      x.lastSuccessMs !== y.lastSuccessMs ||
      x.url !== y.url
    )
      return false;
  }
  return true;
}

/** Rebuilds minimal snapshots of the model's samples after `afterMs` (enough for `append`). */
function captureTail(model: MetricsModel, afterMs: number): Snapshot[] {
  const out: Snapshot[] = [];
  model.atMs.forEach((at, i) => {
    if (at <= afterMs) return;
    const collectors: CollectorTotals[] = [];
    for (const s of model.series.values()) {
      const activeSessions = s.sessions[i];
      if (activeSessions === null || activeSessions === undefined) continue;
      collectors.push({ core: s.core, collector: s.collector, activeSessions, processSessions: s.processes[i] ?? 0, rxBitsPerSec: s.rx[i] ?? 0, txBitsPerSec: s.tx[i] ?? 0, processRxBitsPerSec: s.processRx[i] ?? 0, processTxBitsPerSec: s.processTx[i] ?? 0, maxSessions: 0, maxTxBitsPerSec: 0 });
    }
    out.push({ atMs: at, cores: [], collectors, sessions: [] });
  });
  return out;
}

function extendSeries(series: SelectedSeries, atMs: number, row: SessionRow): SelectedSeries {
  const last = series.atMs[series.atMs.length - 1];
  if (last !== undefined && atMs <= last) return series;
  const cut = series.atMs.length >= SELECTED_SERIES_POINTS ? 1 : 0;
  return {
    atMs: [...series.atMs.slice(cut), atMs],
    rx: [...series.rx.slice(cut), row.rxBitsPerSec],
    tx: [...series.tx.slice(cut), row.txBitsPerSec],
  };
}

const EMPTY_SERIES: SelectedSeries = { atMs: [], rx: [], tx: [] };

/** Puts the points of `past` that are older than the first live point in front of the live series. */
export function prependSeries(live: SelectedSeries, past: SessionSeries): SelectedSeries {
  const first = live.atMs[0] ?? Infinity;
  let n = 0;
  while (n < past.atMs.length && past.atMs[n]! < first) n++;
  if (n === 0) return live;
  return {
    atMs: [...past.atMs.slice(0, n), ...live.atMs],
    rx: [...past.rxBitsPerSec.slice(0, n), ...live.rx],
    tx: [...past.txBitsPerSec.slice(0, n), ...live.tx],
  };
}
const TEXT_KEYS: ReadonlySet<SessionSortKey> = new Set(['collector', 'core', 'id', 'reference', 'location', 'peer', 'extra']);

/** Keyboard moves a store has asked the sessions worker for and not had answered. */
const movesInFlight = new WeakMap<object, number>();

const createSessionsSlice: Slice<SessionsSlice> = (set, get, store) => {
  /** Selects `key` (`known`: its row, when the caller has it); `tell`: the sessions worker does not know yet. */
  const selectRow = (key: string | null, known: SessionRow | undefined, tell: boolean): void => {
    if (key === get().selectedKey) return;
    const engine = get().engine;
    if (key === null) {
      engine?.query({ selectedKey: null }, (frame) => get().applySessionsFrame(frame));
      return set({ selectedKey: null, selected: null, selectedEnded: false, selectedSeries: EMPTY_SERIES });
    }
    // With the sessions worker the page has only the rows in view: a click or a keyboard move names one of them.
    const row = known ?? (engine ? get().sessionsWindow.rows : get().sessions).find((r) => sessionKey(r) === key) ?? null;
    if (engine && tell) engine.query({ selectedKey: key }, (frame) => get().applySessionsFrame(frame));
    set({
      selectedKey: key,
      selected: row,
      selectedEnded: row === null,
      selectedSeries: row ? extendSeries(EMPTY_SERIES, get().atMs, row) : EMPTY_SERIES,
    });
    // The chart opens with the session's last 10 minutes (10 s averages kept by main), not empty.
    const api = get().api;
    if (row && api) {
      api.invoke('sessions:series', row.core, row.collector, row.id).then(
        (past) => {
          if (get().selectedKey === key) set({ selectedSeries: prependSeries(get().selectedSeries, past) });
        },
        () => undefined, // an older main without the channel: the chart starts empty, as before
      );
    }
  };
  return {
  filter: NO_SESSION_FILTER,
  sort: { key: 'duration', dir: 'desc' },
  visible: [],
  visibleStale: false,
  sessionsWindow: { total: 0, count: 0, start: 0, rows: [] },
  collectorCounts: [],
  selectedIndex: -1,
  selectionMoves: 0,
  setSessionsWindow: (start, end) => {
    const engine = get().engine;
    if (!engine) return; // the page's window is the whole list
    // Asked again only when the rows in view leave what the worker sent (or come near its edge).
    if (windowCovers(get().sessionsWindow, start, end)) return;
    engine.query({ start: Math.max(0, start - WINDOW_MARGIN_ROWS), end: end + WINDOW_MARGIN_ROWS }, (frame) => get().applySessionsFrame(frame));
  },
  selectedKey: null,
  selected: null,
  selectedEnded: false,
  selectedSeries: EMPTY_SERIES,
  toggleCollector: (collector) => {
    const { filter } = get();
    const collectors = filter.collectors.includes(collector)
      ? filter.collectors.filter((c) => c !== collector)
      : [...filter.collectors, collector];
    set(recompute(get(), { filter: { ...filter, collectors } }, store));
  },
  setCollectors: (collectors) => set(recompute(get(), { filter: { ...get().filter, collectors } }, store)),
  setCoreFilter: (core) => set(recompute(get(), { filter: { ...get().filter, core: core === '' ? [] : [core] } }, store)),
  setText: (text) => set(recompute(get(), { filter: { ...get().filter, text } }, store)),
  sortBy: (key) => {
    const { sort } = get();
    const next: SessionSort =
      sort.key === key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: TEXT_KEYS.has(key) ? 'asc' : 'desc' };
    set(recompute(get(), { sort: next }, store));
  },
  select: (key, known) => selectRow(key, known, true),
  moveSelection: (delta) => {
    const { visible, selectedKey, select, engine } = get();
    if (engine) {
      // A move within the rows the page has is made at once (the worker is told); others (Home, End, a selection
      // scrolled away) are made by the worker, and the moves after one of those wait for it too, to keep their order.
      const w = get().sessionsWindow;
      const at = selectedKey === null ? -1 : w.rows.findIndex((r) => sessionKey(r) === selectedKey);
      const from = at >= 0 ? w.start + at : selectedKey === null && delta > 0 ? -1 : null;
      const next = from === null ? -1 : from === -1 ? 0 : Math.min(w.count - 1, Math.max(0, from + delta));
      const r = next >= 0 ? w.rows[next - w.start] : undefined;
      if (r && (movesInFlight.get(store) ?? 0) === 0) {
        select(sessionKey(r), r);
        set({ selectedIndex: next, selectionMoves: get().selectionMoves + 1 });
        return;
      }
      movesInFlight.set(store, (movesInFlight.get(store) ?? 0) + 1);
      engine.move(delta, (moved) => {
        movesInFlight.set(store, (movesInFlight.get(store) ?? 1) - 1);
        if (!moved) return;
        selectRow(moved.key, moved.row, false);
        set({ selectedIndex: moved.index, selectionMoves: get().selectionMoves + 1 });
      });
      return;
    }
    if (visible.length === 0) return;
    const at = selectedKey === null ? -1 : visible.findIndex((r) => sessionKey(r) === selectedKey);
    const next = at === -1 ? (delta > 0 ? 0 : visible.length - 1) : Math.min(visible.length - 1, Math.max(0, at + delta));
    select(sessionKey(visible[next]!));
    set({ selectedIndex: next, selectionMoves: get().selectionMoves + 1 });
  },
  };
};

const createHistorySlice: Slice<HistorySlice> = (set, get) => ({
  history: [],
  historyLoadedAtMs: 0,
  loadHistory: async () => {
    try {
      const history = await needApi(get).invoke('history:list', {});
      set({ history, historyLoadedAtMs: Date.now() });
    } catch (error) {
      get().reportError(error);
    }
  },
});

const createCoresSlice: Slice<CoresSlice> = (set, get) => ({
  coreConfigs: [],
  manageable: true,
  loadCoreConfigs: async () => {
    try {
      set({ coreConfigs: await needApi(get).invoke('cores:configs'), manageable: true });
    } catch (error) {
      if (errorCode(error) === 'unsupported') set({ manageable: false });
      else get().reportError(error);
    }
  },
  addCore: async (input) => {
    const config = await needApi(get).invoke('cores:add', input);
    await get().loadCoreConfigs();
    return config;
  },
  updateCore: async (id, input) => {
    const config = await needApi(get).invoke('cores:update', id, input);
    await get().loadCoreConfigs();
    return config;
  },
  removeCore: async (id) => {
    await needApi(get).invoke('cores:remove', id);
    await get().loadCoreConfigs();
  },
  testCore: (input, id) => (id === undefined ? needApi(get).invoke('cores:test', input) : needApi(get).invoke('cores:test', input, id)),
});

const createSettingsSlice: Slice<SettingsSlice> = (set, get) => {
  let unitWritesInFlight = 0;
  return {
    settings: null,
    units: 'decimal',
    loadSettings: async () => {
      try {
        get().setSettings(await needApi(get).invoke('settings:get'));
      } catch (error) {
        if (errorCode(error) !== 'unsupported') get().reportError(error);
      }
    },
    updateSettings: async (patch) => {
      const choosesUnits = patch.values.units !== undefined;
      if (choosesUnits) unitWritesInFlight++;
      let settings: AppSettings;
      try {
        settings = await needApi(get).invoke('settings:update', patch);
      } finally {
        if (choosesUnits) unitWritesInFlight--;
      }
      get().setSettings(settings);
      return settings;
    },
    // While a units choice is on its way to main, an answer or push for an earlier one must not undo the newer choice
    // on screen (two quick clicks would flip back to the first); the last answer sets them.
    setSettings: (settings) => set(unitWritesInFlight > 0 ? { settings } : { settings, units: settings.values.units === 'binary' ? 'binary' : 'decimal' }),
    setUnits: (units) => set({ units }),
  };
};

export const EMPTY_ALERTS: AlertList = { active: [], recent: [], mutes: [] };

const createAlertsSlice: Slice<AlertsSlice> = (set, get) => ({
  alerts: EMPTY_ALERTS,
  alertsSupported: true,
  loadAlerts: async () => {
    try {
      get().setAlerts(await needApi(get).invoke('alerts:list'));
    } catch (error) {
      if (errorCode(error) === 'unsupported') set({ alertsSupported: false });
      else get().reportError(error);
    }
  },
  setAlerts: (list) => set({ alerts: { active: list.active, recent: list.recent, mutes: list.mutes ?? [] }, alertsSupported: true }),
});

const createExportSlice: Slice<ExportSlice> = (set, get) => {
  const update = (kind: ExportKind, patch: Partial<ExportStatus>): void => {
    const current = get().exports[kind];
    set({ exports: { ...get().exports, [kind]: { ...(current ?? { state: 'running' }), ...patch } } });
  };
  /** Kinds whose export this page started and still awaits (their end comes from the invoke's answer). */
  const pending = new Set<ExportKind>();
  return {
    downloader: null,
    exports: {},
    exportCsv: async (request) => {
      const { kind } = request;
      if (pending.has(kind)) return;
      pending.add(kind);
      const downloader = get().downloader;
      set({ exports: { ...get().exports, [kind]: downloader ? { state: 'running', bytes: 0 } : { state: 'running', rows: 0 } } });
      try {
        if (downloader) {
          const { fileName, bytes } = await downloader.download(request, (b) => update(kind, { bytes: b }));
          update(kind, { state: 'done', bytes, target: fileName });
        } else {
          const result = await needApi(get).invoke('export:save', request);
          if (result === null) update(kind, { state: 'cancelled' });
          else update(kind, { state: 'done', rows: result.rows, target: result.path });
        }
      } catch (error) {
        update(kind, { state: 'error', error: errorText(error) });
        if (errorCode(error) === 'unauthorized') get().reportError(error);
      } finally {
        pending.delete(kind);
      }
    },
    applyExportProgress: (p) => {
      if (p.error) update(p.kind, { state: 'error', rows: p.rowsWritten, error: p.error });
      // The page's own export ends with the invoke's answer (it carries the path); one started elsewhere (the tray
      // menu's) ends here.
      else if (p.done && !pending.has(p.kind)) update(p.kind, { state: 'done', rows: p.rowsWritten, target: undefined });
      else update(p.kind, { state: 'running', rows: p.rowsWritten });
    },
  };
};

/** Options of createAppStore. */
export interface AppStoreOptions {
  /** Filter and sort the sessions (`visible`) only while the Sessions view is shown (the page does; tests see every update). */
  lazyVisible?: boolean;
}

/** A fresh store; nothing is fetched until `connect(api, store)`. */
export function createAppStore(options: AppStoreOptions = {}): AppStore {
  const store = createStore<AppState>()((...a) => ({
    ...createAppSlice(...a),
    ...createLiveSlice(...a),
    ...createSessionsSlice(...a),
    ...createHistorySlice(...a),
    ...createCoresSlice(...a),
    ...createSettingsSlice(...a),
    ...createAlertsSlice(...a),
    ...createExportSlice(...a),
  }));
  if (options.lazyVisible) lazyStores.add(store);
  return store;
}
