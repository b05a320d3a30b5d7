import type { RendererApi } from '../../../shared/ipc.ts';
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

/**
 * Wires the api into the store: the initial state by invoke, then pushes. Snapshots are batched per animation
 * frame (STYLE.md §7): however many arrive between two frames, the page renders once, and the metrics still get
 * every sample. Called at start-up by main.tsx, and by tests with a fake api.
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

  const offUpdate = api.on('sessions:update', (snapshot) => {
    queue.push(snapshot);
    if (queue.length > maxQueued) queue.splice(0, queue.length - maxQueued);
    if (!scheduled) {
      scheduled = true;
      schedule(flush);
    }
  });
  const offSettings = api.on('settings:changed', (settings) => store.getState().setSettings(settings));
  const offAlerts = api.on('alerts:update', (list) => store.getState().setAlerts(list));
  const offExport = api.on('export:progress', (progress) => store.getState().applyExportProgress(progress));

  const reload = async (): Promise<void> => {
    const state = store.getState();
    try {
      const [appInfo, snapshot, history] = await Promise.all([
        api.invoke('app:info'),
        api.invoke('sessions:snapshot'),
        api.invoke('metrics:history'),
      ]);
      if (closed) return;
      store.setState({ appInfo, authRequired: false, lastError: null });
      state.loadMetrics(history);
      store.getState().applySnapshots([snapshot]);
    } catch (error) {
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
