import type { RendererApi } from '../../../shared/ipc.ts';
import { SessionsDecoder, type SessionsFull, type SessionsUpdate } from '../../../shared/sessions-wire.ts';
import type { Snapshot } from '../../../shared/types.ts';
import type { AppStore, CsvDownloader } from './store.ts';

export interface ConnectOptions {
  /** Schedules the batched apply; default requestAnimationFrame (tests pass a manual scheduler). */
  schedule?: (callback: () => void) => void;
  /** Snapshots kept while no frame runs (a hidden window); the oldest are dropped beyond it. */
  maxQueued?: number;
  /** CSV exports as browser downloads (the HTTP api); without it exports go through `export:save` (Electron). */
  downloader?: CsvDownloader;
}

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
  let scheduled = false;
  let closed = false;

  store.setState({ api, downloader: options.downloader ?? null });

  const flush = (): void => {
    scheduled = false;
    if (closed) return;
    const batch = queue;
    queue = [];
    store.getState().applySnapshots(batch);
  };

  const enqueue = (snapshot: Snapshot): void => {
    queue.push(snapshot);
    if (queue.length > maxQueued) queue.splice(0, queue.length - maxQueued);
    if (!scheduled) {
      scheduled = true;
      schedule(flush);
    }
  };

  const decoder = new SessionsDecoder();
  /** True while a whole snapshot is on its way (the first load, or a resync). */
  let fetchingFull = true;
  let held: SessionsUpdate[] = [];
  const receive = (update: SessionsUpdate): void => {
    if (fetchingFull) {
      held.push(update);
      if (held.length > MAX_HELD_PUSHES) held.splice(0, held.length - MAX_HELD_PUSHES);
      return;
    }
    const out = decoder.apply(update);
    if (out.ok) enqueue(out.snapshot);
    else if (out.reason === 'gap') {
      held = [update];
      void resync();
    }
  };
  /** Applies a whole snapshot at once (after what was queued before it), then the pushes held meanwhile. */
  const applyFull = (full: SessionsFull): void => {
    fetchingFull = false;
    const out = decoder.apply(full);
    if (out.ok) {
      enqueue(out.snapshot);
      flush();
    }
    const pending = held;
    held = [];
    for (const update of pending) receive(update);
  };
  const resync = async (): Promise<void> => {
    fetchingFull = true;
    try {
      const full = await api.invoke('sessions:snapshot');
      if (!closed) applyFull(full);
    } catch (error) {
      // The next push tries again.
      fetchingFull = false;
      held = [];
      if (!closed) store.getState().reportError(error);
    }
  };

  const offUpdate = api.on('sessions:update', receive);
  const offSettings = api.on('settings:changed', (settings) => store.getState().setSettings(settings));
  const offAlerts = api.on('alerts:update', (list) => store.getState().setAlerts(list));
  const offExport = api.on('export:progress', (progress) => store.getState().applyExportProgress(progress));

  const reload = async (): Promise<void> => {
    const state = store.getState();
    fetchingFull = true;
    try {
      const [appInfo, snapshot, history] = await Promise.all([
        api.invoke('app:info'),
        api.invoke('sessions:snapshot'),
        api.invoke('metrics:history'),
      ]);
      if (closed) return;
      store.setState({ appInfo, authRequired: false, lastError: null });
      state.loadMetrics(history);
      applyFull(snapshot);
    } catch (error) {
      fetchingFull = false;
      held = [];
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
    },
  };
}
