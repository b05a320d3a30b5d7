import type { RendererApi } from '../../../shared/ipc.ts';
import { SessionsDecoder, type SessionsFull, type SessionsUpdate } from '../../../shared/sessions-wire.ts';
import type { Snapshot } from '../../../shared/types.ts';
import type { EngineClient } from './sessions-client.ts';
import type { EnginePushOutcome, PushRef, SessionsFrame } from './sessions-engine.ts';
import type { AppStore, CsvDownloader } from './store.ts';

export interface ConnectOptions {
  /** Schedules the batched apply; default requestAnimationFrame (tests pass a manual scheduler). */
  schedule?: (callback: () => void) => void;
  /** Snapshots kept while no frame runs (a hidden window); the oldest are dropped beyond it. */
  maxQueued?: number;
  /** CSV exports as browser downloads (the HTTP api); without it exports go through `export:save` (Electron). */
  downloader?: CsvDownloader;
  /**
   * The sessions engine in a Web Worker (sessions-client.ts): pushes go to it, and the store gets the table's rows in
   * view from it instead of filtering and sorting every session itself. Without it, the page does all that.
   */
  engine?: EngineClient;
  /**
   * `sessions:update` pushes the engine's worker read itself (the HTTP api's event stream, worker-events.ts), as
   * references the page hands back to the engine in its order; used only with `engine` (without it, `api.on`).
   */
  workerPushes?: (callback: (update: PushRef) => void) => () => void;
  /**
   * Fetches `sessions:snapshot` and resolves with the bytes of its answer (an `IpcResult`'s JSON; the HTTP api), which
   * the engine parses (3-4 MB at 10 000 sessions); used only with `engine`.
   */
  rawSnapshot?: () => Promise<ArrayBuffer>;
}

/** A `sessions:update` as it arrives: parsed (the HTTP api), its JSON text (Electron), or the worker's reference. */
type Push = SessionsUpdate | string | PushRef;

/** A push decoded: the page's snapshot, and with the sessions engine the table's frame after it. */
type Decoded = { ok: true; snapshot: Snapshot; frame?: SessionsFrame } | { ok: false; reason: 'stale' | 'gap' };

export interface Connection {
  /** Fetches the initial state again (after a login, or when the page becomes visible). */
  reload(): Promise<void>;
  disconnect(): void;
}

/** Pushes held while a whole snapshot is on its way (beyond it the oldest are dropped: they would be resynced). */
const MAX_HELD_PUSHES = 30;

/**
 * Wires the api into the store: the initial state by invoke, then pushes. Snapshots are batched per animation
 * frame (STYLE.md §7): however many arrive between two frames, the page renders once, and the metrics still get
 * every sample. Called at start-up by main.tsx, and by tests with a fake api.
 *
 * `sessions:update` brings deltas (src/shared/sessions-wire.ts): each is applied to the decoder's state as it arrives
 * (rows that did not change keep their identity); one that does not follow the state (a gap, another epoch) makes
 * the page fetch the whole state again (`sessions:snapshot`), holding the pushes that arrive meanwhile.
 */
export function connect(api: RendererApi, store: AppStore, options: ConnectOptions = {}): Connection {
  const schedule =
    options.schedule ??
    (typeof requestAnimationFrame === 'function' ? (cb: () => void) => void requestAnimationFrame(cb) : (cb: () => void) => void setTimeout(cb, 16));
  const maxQueued = options.maxQueued ?? 600;
  let queue: Snapshot[] = [];
  /** Whether the metrics took a queued snapshot (each is recorded as it arrives, not in the frame). */
  let metricsAppended = false;
  /** The sessions engine's frame after the last queued snapshot. */
  let frame: SessionsFrame | undefined;
  let scheduled = false;
  let closed = false;
  const engine = options.engine ?? null;

  store.setState({ api, downloader: options.downloader ?? null, engine });
  if (engine) {
    // The engine starts from the store's view, filter, sort and selection; later changes go as the store makes them.
    const s = store.getState();
    engine.query(
      {
        open: s.view === 'sessions',
        filter: s.filter,
        sort: s.sort,
        coreNames: s.cores.map((c) => [c.id, c.name] as const),
        selectedKey: s.selectedKey,
        stream: s.openStream,
        streams: s.streamsQuery,
      },
      (f) => store.getState().applySessionsFrame(f),
    );
  }

  const flush = (): void => {
    scheduled = false;
    if (closed) return;
    const batch = queue;
    const last = frame;
    const recorded = { metricsAppended };
    queue = [];
    frame = undefined;
    metricsAppended = false;
    store.getState().applySnapshots(batch, last, recorded);
  };

  const enqueue = (snapshot: Snapshot, withFrame?: SessionsFrame): void => {
    // The metrics and the streams' series take it now, in the push's task: the frame that shows it only renders.
    metricsAppended = store.getState().recordSnapshot(snapshot) || metricsAppended;
    queue.push(snapshot);
    if (withFrame) frame = withFrame;
    if (queue.length > maxQueued) queue.splice(0, queue.length - maxQueued);
    if (!scheduled) {
      scheduled = true;
      schedule(flush);
    }
  };

  /** The page's decoder; with the engine it decodes the pushes stripped of their sessions and streams (cores, collectors). */
  const decoder = new SessionsDecoder();
  /**
   * Decodes a push or a whole snapshot (at once in the page; with the engine, when it answers: answers come in order).
   * Bytes (`rawSnapshot`'s answer) go to the engine only.
   */
  const decode = (update: Push | ArrayBuffer, done: (out: Decoded) => void): void => {
    if (!engine) {
      // PushRefs and bytes come only with the engine; a text that is not JSON is dropped, as the engine drops it.
      let parsed: SessionsUpdate;
      try {
        parsed = typeof update === 'string' ? (JSON.parse(update) as SessionsUpdate) : (update as SessionsUpdate);
      } catch {
        return;
      }
      done(decoder.apply(parsed));
      return;
    }
    const answered = (o: EnginePushOutcome): void => {
      if (closed) return;
      if (!o.ok) {
        // A whole snapshot's answer was an error: reported as the invoke's would be; the next push tries again.
        if (o.reason === 'failed') store.getState().reportError(Object.assign(new Error(o.error.message), { code: o.error.code }));
        else if (o.reason !== 'malformed') done({ ok: false, reason: o.reason }); // a malformed push is dropped, as before
        return;
      }
      const out = decoder.apply(o.live);
      done(out.ok ? { ok: true, snapshot: out.snapshot, frame: o.frame } : out);
    };
    if (update instanceof ArrayBuffer) engine.full(update, answered);
    else engine.push(update, answered);
  };
  /** True while a whole snapshot is on its way (the first load, or a resync). */
  let fetchingFull = true;
  /** Pushes that arrived while it was on its way; `gapped`: earlier ones the engine answered with a gap meanwhile. */
  let held: Push[] = [];
  let gapped: Push[] = [];
  const hold = (list: Push[], update: Push): void => {
    list.push(update);
    if (list.length > MAX_HELD_PUSHES) list.splice(0, list.length - MAX_HELD_PUSHES);
  };
  const receive = (update: Push): void => {
    if (fetchingFull) return hold(held, update);
    decode(update, (out) => {
      if (out.ok) enqueue(out.snapshot, out.frame);
      else if (out.reason === 'gap') {
        // With the engine, pushes sent before its answer came answer with gaps too: held in their order, before
        // the ones that arrive from now on.
        if (fetchingFull) return hold(gapped, update);
        gapped = [update];
        void resync();
      }
    });
  };
  /** Applies a whole snapshot at once (after what was queued before it), then the pushes held meanwhile. */
  const applyFull = (full: SessionsFull | ArrayBuffer): void => {
    fetchingFull = false;
    decode(full, (out) => {
      if (!out.ok) return;
      enqueue(out.snapshot, out.frame);
      flush();
    });
    const pending = [...gapped, ...held];
    held = [];
    gapped = [];
    for (const update of pending) receive(update);
  };
  /** A whole snapshot: as bytes for the engine to parse where the api gives them, else parsed by the api. */
  const fetchFull = (): Promise<SessionsFull | ArrayBuffer> => (engine && options.rawSnapshot ? options.rawSnapshot() : api.invoke('sessions:snapshot'));
  const resync = async (): Promise<void> => {
    fetchingFull = true;
    try {
      const full = await fetchFull();
      if (!closed) applyFull(full);
    } catch (error) {
      // The next push tries again.
      fetchingFull = false;
      held = [];
      gapped = [];
      if (!closed) store.getState().reportError(error);
    }
  };

  const offUpdate = engine && options.workerPushes ? options.workerPushes(receive) : api.on('sessions:update', receive);
  const offSettings = api.on('settings:changed', (settings) => store.getState().setSettings(settings));
  const offAlerts = api.on('alerts:update', (list) => store.getState().setAlerts(list));
  const offExport = api.on('export:progress', (progress) => store.getState().applyExportProgress(progress));

  const reload = async (): Promise<void> => {
    const state = store.getState();
    fetchingFull = true;
    try {
      const [appInfo, snapshot, history] = await Promise.all([
        api.invoke('app:info'),
        fetchFull(),
        api.invoke('metrics:history'),
      ]);
      if (closed) return;
      store.setState({ appInfo, authRequired: false, lastError: null });
      state.loadMetrics(history);
      applyFull(snapshot);
    } catch (error) {
      fetchingFull = false;
      held = [];
      gapped = [];
      state.reportError(error);
      return;
    }
    await Promise.all([state.loadSettings(), state.loadCoreConfigs(), state.loadAlerts()]);
    api.send('app:ready');
  };
  void reload();

  return {
    reload,
    disconnect() {
      closed = true;
      offUpdate();
      offSettings();
      offAlerts();
      offExport();
      if (engine) {
        engine.close();
        store.setState({ engine: null });
      }
    },
  };
}
