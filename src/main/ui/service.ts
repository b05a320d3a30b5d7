import type { AppInfo, InvokeHandlers, PushChannel, PushMap } from '../../shared/ipc.ts';
import type { SessionSource } from '../source.ts';
import { StreamModel, type StreamRow } from '../../shared/streams.ts';
import { SessionsEncoder } from '../../shared/sessions-wire.ts';
import type { Snapshot } from '../../shared/types.ts';
import type { AlertService } from '../alerts/service.ts';
import { checkWebhookUrl } from '../alerts/config.ts';
import { checkMuteTarget } from '../alerts/state.ts';
import type { HistoryForUi } from '../timeseries/backend.ts';
import { UiError, type AppControl } from './app-control.ts';
import { MetricsHistoryBuffer, METRICS_WINDOW_SAMPLES } from './metrics-history.ts';
import { SessionSeriesBuffer } from './session-series.ts';
import { NO_PROCESS_HANDLERS, type ProcessInvokeHandlers } from '../processes/ui-handlers.ts';
import { expectArgCount, parseAlertConfigInput, parseCoreInput, parseHistoryQuery, parseId, parseNodeIds, parseSettingsPatch, parseWebhookUrl } from './validate.ts';

/** A push to every open page: the Electron shell forwards it over IPC, the web bridge over server-sent events. */
export type UiPush = { [C in PushChannel]: { channel: C; payload: PushMap[C] } }[PushChannel];

export interface UiServiceOptions {
  source: SessionSource;
  appInfo: AppInfo | (() => AppInfo);
  /** Cores and settings management; without it those channels answer `unsupported`. */
  control?: AppControl;
  /**
   * The alerts: with them, `alerts:*` are answered and `alerts:update` pushed to every page (headless and Electron
   * alike); without them those channels answer `unsupported`.
   */
  alerts?: Pick<AlertService, 'list' | 'onChange'> & Partial<Pick<AlertService, 'config' | 'saveConfig' | 'acknowledge' | 'mute' | 'testWebhook'>>;
  /** The time-series history (src/main/timeseries/); without it those channels answer `unsupported`. */
  timeseries?: HistoryForUi;
  /** The local core's FFmpeg processes (`processes:*`); without them those channels answer `unsupported`. */
  processes?: ProcessInvokeHandlers;
  /** Samples of metrics history kept (one per source update, i.e. per second); default 600 = 10 minutes. */
  metricsSamples?: number;
  /** Groups each update's sessions into streams (pushed with the snapshot); default: a model without aliases. */
  streams?: StreamModel;
  /** Closes a local-core session (RTMP/SRT); without it `sessions:disconnect` answers `unsupported`. */
  disconnect?: (collector: string, id: string) => boolean;
}

export interface UiService {
  /** One implementation per invoke channel; every argument is validated here (the page is not trusted). */
  handlers: InvokeHandlers;
  /** Subscribes to pushes; returns the unsubscribe function. */
  onPush(callback: (push: UiPush) => void): () => void;
  dispose(): void;
}

/**
 * The electron-free main-side half of the dashboard: answers the page's questions and streams the live snapshot.
 * It records per-second metrics from the moment it is created, independent of any window being open.
 */
export function createUiService(options: UiServiceOptions): UiService {
  const { source, control } = options;
  const metrics = new MetricsHistoryBuffer(options.metricsSamples ?? METRICS_WINDOW_SAMPLES);
  const sessionSeries = new SessionSeriesBuffer();
  const listeners = new Set<(push: UiPush) => void>();

  function emit(push: UiPush): void {
    for (const cb of [...listeners]) {
      try {
        cb(push);
      } catch {
        // One broken subscriber (a closed window, a dead socket) must not stop the others.
      }
    }
  }

  const streams = options.streams ?? new StreamModel();
  // One encoder for every page: each push is a delta from the previous one (src/shared/sessions-wire.ts).
  const wire = new SessionsEncoder();
  /** The last update with its streams, and whether it was pushed (not while no page listens). */
  let latest: { snapshot: Snapshot; streams: StreamRow[]; pushed: boolean } | null = null;
  const pushLatest = (): void => {
    if (!latest) return;
    latest.pushed = true;
    emit({ channel: 'sessions:update', payload: wire.encode({ ...latest.snapshot, streams: latest.streams }) });
  };
  const offUpdate = source.onUpdate((snapshot) => {
    metrics.record(snapshot);
    sessionSeries.record(snapshot);
    // The stream model sees every update (since-when, today's peak, stale marks; /api/streams reads it too); the
    // push is built only when a page listens (docs/decisions.md, "Idle CPU").
    latest = { snapshot, streams: streams.update(snapshot), pushed: false };
    if (listeners.size === 0) return;
    pushLatest();
  });
  const offSettings = control?.onSettingsChanged?.((settings) => emit({ channel: 'settings:changed', payload: settings }));
  const { alerts } = options;
  const offAlerts = alerts?.onChange((list) => emit({ channel: 'alerts:update', payload: list }));

  function needTimeseries(): NonNullable<UiServiceOptions['timeseries']> {
    if (!options.timeseries) throw new UiError('unsupported', 'the time-series history is off (--no-timeseries)');
    return options.timeseries;
  }

  function needControl(): AppControl {
    if (!control) throw new UiError('unsupported', 'managing cores and settings is not available here');
    return control;
  }

  const handlers: InvokeHandlers = {
    ...(options.processes ?? NO_PROCESS_HANDLERS),
    'app:info': async (...args) => {
      expectArgCount(args, 0, 0);
      return typeof options.appInfo === 'function' ? options.appInfo() : options.appInfo;
    },
    'sessions:snapshot': async (...args) => {
      expectArgCount(args, 0, 0);
      // The page's base for the deltas is the state of the last push. An update that was not pushed (no page
      // listened) is pushed first, so that every page stays in sequence; before the first update, the source's now.
      if (!latest) latest = { snapshot: source.snapshot(), streams: streams.rows(), pushed: false };
      if (!latest.pushed) pushLatest();
      return wire.full();
    },
    'sessions:disconnect': async (...args) => {
      expectArgCount(args, 2, 2);
      const [collector, id] = args;
      if (typeof collector !== 'string' || typeof id !== 'string' || id === '' || id.length > 2048) throw new UiError('bad-args', 'expected a collector and a session id');
      if (!options.disconnect) throw new UiError('unsupported', 'sessions cannot be disconnected here');
      if (collector !== 'rtmp' && collector !== 'srt') throw new UiError('unsupported', `a ${collector} session cannot be disconnected (only RTMP and SRT connections)`);
      return options.disconnect(collector, id);
    },
    'history:list': async (...args) => {
      expectArgCount(args, 0, 1);
      return source.history(parseHistoryQuery(args[0]));
    },
    'cores:list': async (...args) => {
      expectArgCount(args, 0, 0);
      return source.cores();
    },
    'metrics:history': async (...args) => {
      expectArgCount(args, 0, 0);
      return metrics.toJSON();
    },
    'sessions:series': async (...args) => {
      expectArgCount(args, 3, 3);
      const [core, collector, id] = args;
      if (![core, collector, id].every((x) => typeof x === 'string' && x.length <= 2048)) throw new UiError('bad-args', 'expected a core, a collector and a session id');
      return sessionSeries.series(core, collector, id);
    },
    'cores:configs': async (...args) => {
      expectArgCount(args, 0, 0);
      return needControl().listCores();
    },
    'cores:add': async (...args) => {
      expectArgCount(args, 1, 1);
      return needControl().addCore(parseCoreInput(args[0]));
    },
    'cores:update': async (...args) => {
      expectArgCount(args, 2, 2);
      return needControl().updateCore(parseId(args[0]), parseCoreInput(args[1]));
    },
    'cores:remove': async (...args) => {
      expectArgCount(args, 1, 1);
      await needControl().removeCore(parseId(args[0]));
    },
    'cores:test': async (...args) => {
      expectArgCount(args, 1, 2);
      const input = parseCoreInput(args[0]);
      return args[1] === undefined ? needControl().testCore(input) : needControl().testCore(input, parseId(args[1]));
    },
    'cores:cluster-nodes': async (...args) => {
      expectArgCount(args, 1, 1);
      return needControl().clusterNodes(parseId(args[0]));
    },
    'cores:add-cluster-nodes': async (...args) => {
      expectArgCount(args, 1, 3);
      const id = parseId(args[0]);
      const nodeIds = parseNodeIds(args[1]);
      if (args[2] !== undefined && typeof args[2] !== 'boolean') throw new UiError('bad-args', 'toOtherHosts must be true or false');
      if (args[2] === true) return needControl().addClusterNodes(id, nodeIds, true);
      return nodeIds === undefined ? needControl().addClusterNodes(id) : needControl().addClusterNodes(id, nodeIds);
    },
    'settings:get': async (...args) => {
      expectArgCount(args, 0, 0);
      return needControl().getSettings();
    },
    'settings:update': async (...args) => {
      expectArgCount(args, 1, 1);
      const settings = await needControl().updateSettings(parseSettingsPatch(args[0]));
      // Other windows/tabs learn about it too (unless the control already announces its own changes).
      if (!control?.onSettingsChanged) emit({ channel: 'settings:changed', payload: settings });
      return settings;
    },
    'timeseries:query': async (...args) => {
      expectArgCount(args, 1, 1);
      const ts = needTimeseries();
      return ts.query(ts.parseQuery(args[0]));
    },
    'reports:daily': async (...args) => {
      expectArgCount(args, 1, 1);
      const ts = needTimeseries();
      return ts.report(ts.parseReport(args[0]));
    },
    'alerts:list': async (...args) => {
      expectArgCount(args, 0, 0);
      if (!alerts) throw new UiError('unsupported', 'alerts are not managed here');
      return alerts.list();
    },
    'alerts:config': async (...args) => {
      expectArgCount(args, 0, 0);
      return needAlertEditor().config();
    },
    'alerts:save-config': async (...args) => {
      expectArgCount(args, 1, 1);
      const input = parseAlertConfigInput(args[0]);
      return asInvalid(() => needAlertEditor().saveConfig(input));
    },
    'alerts:acknowledge': async (...args) => {
      expectArgCount(args, 1, 1);
      return needAlertEditor().acknowledge(parseId(args[0]));
    },
    'alerts:mute': async (...args) => {
      expectArgCount(args, 2, 2);
      const editor = needAlertEditor();
      const target = asInvalid(() => checkMuteTarget(args[0]));
      if (typeof args[1] !== 'number') throw new UiError('invalid-argument', 'forMs must be a number of milliseconds');
      const forMs = args[1];
      return asInvalid(() => editor.mute(target, forMs));
    },
    'alerts:test-webhook': async (...args) => {
      expectArgCount(args, 1, 1);
      const editor = needAlertEditor();
      const url = asInvalid(() => checkWebhookUrl(parseWebhookUrl(args[0])));
      if (url === '') throw new UiError('invalid-argument', 'enter the webhook URL to test');
      return editor.testWebhook(url);
    },
    'reports:csv': async (...args) => {
      expectArgCount(args, 1, 1);
      const ts = needTimeseries();
      return ts.reportCsv(ts.parseReport(args[0]));
    },
  };

  function needAlertEditor(): Required<NonNullable<UiServiceOptions['alerts']>> {
    if (!alerts?.config || !alerts.saveConfig || !alerts.acknowledge || !alerts.mute || !alerts.testWebhook) throw new UiError('unsupported', 'alerts are not managed here');
    return alerts as Required<NonNullable<UiServiceOptions['alerts']>>;
  }
  /** A RangeError from the rules' or the URL's checks is the user's to fix: say it as such. */
  const asInvalid = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof RangeError) throw new UiError('invalid-argument', err.message);
      throw err;
    }
  };

  return {
    handlers,
    onPush(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    dispose() {
      offUpdate();
      offSettings?.();
      offAlerts?.();
      listeners.clear();
    },
  };
}
