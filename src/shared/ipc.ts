/**
 * The one IPC contract (STYLE.md §1): three type maps, from which channel names, the main side's helpers,
 * the preload api and the renderer's `window.api` type are all derived. A renamed field breaks the build.
 * Plain data only: no electron, node:* or DOM types here.
 */
import type { CoreInfo, CoreStateName, HistoryRow } from './types.ts';
import type { ReportQuery, ReportResult, TimeseriesQuery, TimeseriesResult } from './timeseries.ts';
import type { ProcessCommandName, ProcessList, ProcessLogLine, ProcessRow } from './processes.ts';
import type { SessionsFull, SessionsUpdate } from './sessions-wire.ts';

/** Facts about the running app shown in the UI. */
export interface AppInfo {
  version: string;
  mode: 'electron' | 'headless';
  /** Listeners of the local core, e.g. { api: 'http://127.0.0.1:8787', rtmp: 'rtmp://127.0.0.1:1935' }. */
  listeners: Record<string, string>;
}

export interface HistoryQuery {
  core?: string[];
  collectors?: string[];
}

// ---- dashboard (UI service, src/main/ui/) ----

/** The key of the merged (all cores) series in MetricsHistory. */
export const MERGED_CORE = '*';

/** One per-second series of one collector of one core, aligned with MetricsHistory.atMs (null: no sample then). */
export interface MetricsSeries {
  core: string;
  collector: string;
  rxBitsPerSec: (number | null)[];
  txBitsPerSec: (number | null)[];
  activeSessions: (number | null)[];
  /** Of `activeSessions`, the app's own FFmpeg processes' sessions (CollectorTotals.processSessions): not people. */
  processSessions: (number | null)[];
  /** Of `rxBitsPerSec`/`txBitsPerSec`, those processes' sessions' (CollectorTotals.processRxBitsPerSec): no edge traffic. */
  processRxBitsPerSec: (number | null)[];
  processTxBitsPerSec: (number | null)[];
}

/** The last 10 minutes of per-second totals, kept in main so a reopened window still has its charts. */
export interface MetricsHistory {
  stepMs: number;
  /** Sample times, oldest first. */
  atMs: number[];
  series: MetricsSeries[];
}

/** One session's recent rx/tx as averages over `bucketMs`, oldest first (src/main/ui/session-series.ts). */
export interface SessionSeries {
  bucketMs: number;
  /** Time of each point (the end of its bucket). */
  atMs: number[];
  rxBitsPerSec: number[];
  txBitsPerSec: number[];
}

/** A remote Core as configured (never carries a password or token). */
export interface RemoteCoreConfig {
  id: string;
  name: string;
  /** Base URL without credentials. */
  url: string;
  username: string;
  /** True when a password is stored (the password itself never crosses to the page). */
  hasPassword: boolean;
  pollIntervalMs: number;
  enabled: boolean;
}

/** What the page sends to add, edit or test a remote Core. `password` undefined keeps the stored one. */
export interface RemoteCoreInput {
  name: string;
  url: string;
  username?: string;
  password?: string;
  pollIntervalMs?: number;
  enabled?: boolean;
}

/** Outcome of a one-off connection test of a remote Core. */
export interface CoreTestResult {
  ok: boolean;
  state: CoreStateName;
  coreId?: string;
  name?: string;
  version?: string;
  rttMs?: number;
  error?: string;
}

/**
 * A node that a clustered remote Core lists (`GET /api/v3/cluster`), offered to add as a Core of its own with the
 * same credentials. An empty list means the Core does not run as a cluster (or lists no node with a Core API address).
 */
export interface ClusterNodeInfo {
  /** The node's id in the cluster. */
  id: string;
  name: string;
  /** The node's Core API base URL. */
  url: string;
  /** The id of the configured Core at that address, when it is in the list already. */
  addedAs?: string;
}

/** How byte and bit rates are shown: decimal (kB, Mbit/s: 1000) or binary (KiB, Mibit/s: 1024). */
export type UnitSystem = 'decimal' | 'binary';

/**
 * The settings the Settings view edits: every one by key (VIEW_KEYS in settings-schema.ts), in the one form the view
 * reads and sends, the text its flag takes. Secrets are write-only (see `secretsSet`).
 */
export interface AppSettings {
  /**
   * Each setting as what runs now, or what was saved for the next start: text as the flag takes it (`127.0.0.1:1935`,
   * `off`, `100`, a list comma-separated), booleans as booleans. A secret is always ''.
   */
  values: Record<string, string | boolean>;
  /** The secrets among them that have a value (the value itself is never sent). */
  secretsSet: string[];
  /**
   * Settings a flag, the `--config` file or an environment variable set at this start, by key, with what set it
   * (`--rtmp`): they win over the saved value, which applies on a start without them.
   */
  setAtStart: Record<string, string>;
  /** Settings (keys of `values`) that only take effect after a restart. */
  restartRequired?: string[];
  /**
   * Set for a web page without the API login (headless with auth off: anyone who reaches the port): the secrets this
   * page may replace but not remove, and why (src/main/ui/page-guards.ts, docs/security.md). Absent for the desktop
   * app and a page that proved the login, which may remove them.
   */
  keptSecrets?: { keys: string[]; reason: string };
  /**
   * Set for the same page: the settings it may see but not change (the limits on what clients can make the server
   * hold, the API login, the FFmpeg binary, the disk folder), and why. The view shows them read-only with the reason.
   */
  ownerOnly?: { keys: string[]; reason: string };
}

/** A change: only the settings the form changed, by key (VIEW_KEYS). */
export interface AppSettingsPatch {
  /**
   * As text the flag would take or a boolean; parsed with the flags' parsers. A string setting set to '' goes back to
   * its default; a secret set to '' is removed.
   */
  values: Record<string, string | boolean>;
}

// ---- desktop (Electron shell: alerts, CSV export; src/main/shell, src/main/alerts, src/main/export) ----

export type AlertKind = 'egress-above' | 'sessions-above' | 'users-above' | 'core-unreachable' | 'publisher-gone' | 'ingest-below-median' | 'publisher-reconnects';

/** One alert, raised by a rule for one subject (a core, a core's collector, or a core's reference). */
export interface AlertItem {
  /** Stable per rule and subject, e.g. `egress|studio|hls`. */
  key: string;
  ruleId: string;
  kind: AlertKind;
  core: string;
  collector?: string;
  reference?: string;
  /** Human text, e.g. "studio hls egress 120.3 Mbit/s > 100 Mbit/s". */
  message: string;
  raisedAtMs: number;
  /** Set once cleared (only in `recent`). */
  clearedAtMs?: number;
  /** Set when the user acknowledged it (it stays listed until it clears). */
  acknowledgedAtMs?: number;
  /** Set while its rule or its stream is muted: listed, but no desktop notification and no webhook until then. */
  mutedUntilMs?: number;
}

/** What a mute silences: every alert of one rule, or every alert about one stream (stream key) of one core. */
export type AlertMuteTarget = { ruleId: string } | { core: string; stream: string };

/** A mute in force until `untilMs` (Unix ms). */
export type AlertMute = AlertMuteTarget & { untilMs: number };

/**
 * One alert rule as the editor and `alerts.json` hold it (src/main/alerts/rules.ts has the kinds' fields and checks
 * them): `id`, `kind`, optional `core`, `raiseAfterMs`, `clearAfterMs`, and the kind's thresholds.
 */
export interface AlertRuleData {
  id: string;
  kind: AlertKind;
  core?: string;
  collector?: string;
  /** Only this stream key (classifySession's, before aliases); stream rules only. */
  stream?: string;
  /** false: kept in the file and the editor, not evaluated (default true). */
  enabled?: boolean;
  raiseAfterMs?: number;
  clearAfterMs?: number;
  raiseBitsPerSec?: number;
  clearBitsPerSec?: number;
  raiseAbove?: number;
  clearAtOrBelow?: number;
  belowPercent?: number;
  medianWindowMs?: number;
  moreThan?: number;
  withinMs?: number;
}

/** The alert editor's content: the rules, the webhook, and the file they are saved in. */
export interface AlertConfigView {
  /** `alerts.json` in the data directory ('' when the editor cannot save). */
  path: string;
  rules: AlertRuleData[];
  /** Raised and cleared alerts are POSTed here as JSON ('' = no webhook). */
  webhookUrl: string;
}

/** The outcome of a webhook delivery (the editor's "Send test"). */
export type WebhookResult = { ok: true; status: number; attempts: number } | { ok: false; error: string; attempts: number };

/** The window's alert list: what is raised now, and the most recently cleared (newest first, bounded). */
export interface AlertList {
  active: AlertItem[];
  recent: AlertItem[];
  /** Mutes in force now. */
  mutes: AlertMute[];
}

/** A CSV export the page asks for (the same filters as the sessions table; history uses core and collectors). */
export interface ExportRequest {
  kind: 'sessions' | 'history';
  collectors?: string[];
  core?: string[];
  text?: string;
}

/** Outcome of a save-dialog export; `null` from `export:save` means the user cancelled the dialog. */
export interface ExportResult {
  id: string;
  path: string;
  rows: number;
}

/** Progress of a running export (pushed about every 64 KiB of CSV, and once when done or failed). */
export interface ExportProgress {
  id: string;
  kind: ExportRequest['kind'];
  rowsWritten: number;
  done: boolean;
  error?: string;
}

/**
 * Invoke channels the Electron shell answers itself (save dialogs, the login item), not the UI service: headless mode
 * exports through `GET /api/export/*.csv` instead.
 */
export interface ShellInvokeMap {
  /** Opens a save dialog and writes the CSV; resolves when written (progress arrives as `export:progress`). */
  'export:save': { args: [ExportRequest]; result: ExportResult | null };
  /** Whether the app starts at login (hidden in the tray); the OS's login item, read back. */
  'autostart:get': { args: []; result: boolean };
  /** Turns start-at-login on or off; answers the state read back from the OS. */
  'autostart:set': { args: [openAtLogin: boolean]; result: boolean };
}
export type ShellInvokeChannel = keyof ShellInvokeMap;

/** Calls that return a value: `invoke` in the renderer, `handle` in main. */
export interface InvokeMap extends ShellInvokeMap {
  'app:info': { args: []; result: AppInfo };
  /** The live state as of the last `sessions:update`, whole (a page starts from it and resyncs with it). */
  'sessions:snapshot': { args: []; result: SessionsFull };
  'history:list': { args: [HistoryQuery]; result: HistoryRow[] };
  'cores:list': { args: []; result: CoreInfo[] };
  /** The last 10 minutes of per-second rx/tx/sessions per core and collector. */
  'metrics:history': { args: []; result: MetricsHistory };
  /** One session's last 10 minutes as 10 s averages (the details chart's backfill). */
  'sessions:series': { args: [core: string, collector: string, id: string]; result: SessionSeries };
  'cores:configs': { args: []; result: RemoteCoreConfig[] };
  'cores:add': { args: [RemoteCoreInput]; result: RemoteCoreConfig };
  'cores:update': { args: [id: string, input: RemoteCoreInput]; result: RemoteCoreConfig };
  'cores:remove': { args: [id: string]; result: void };
  /** Tests a connection; with `id` the stored password of that Core is used when input.password is undefined. */
  'cores:test': { args: [input: RemoteCoreInput, id?: string]; result: CoreTestResult };
  /** The nodes of a remote Core's cluster (empty when it is not a cluster). */
  'cores:cluster-nodes': { args: [id: string]; result: ClusterNodeInfo[] };
  /** Adds the cluster's nodes not added yet (all, or those with the given node ids) with the Core's credentials. */
  /** `toOtherHosts`: the user agreed that nodes on other hosts than the Core receive its credentials. */
  'cores:add-cluster-nodes': { args: [id: string, nodeIds?: string[], toOtherHosts?: boolean]; result: RemoteCoreConfig[] };
  'settings:get': { args: []; result: AppSettings };
  'settings:update': { args: [AppSettingsPatch]; result: AppSettings };
  /** One series of the time-series history (src/main/timeseries/), as `GET /api/timeseries`. */
  'timeseries:query': { args: [TimeseriesQuery]; result: TimeseriesResult };
  /** The traffic report per day or month, per stream and core, as `GET /api/reports/daily`. */
  'reports:daily': { args: [ReportQuery]; result: ReportResult };
  /** The same report as CSV text (the page saves it as a file). */
  'reports:csv': { args: [ReportQuery]; result: string };
  /** Closes one session of the local core (RTMP or SRT connection); false when it is gone already. */
  'sessions:disconnect': { args: [collector: string, id: string]; result: boolean };
  /** The local core's FFmpeg processes and the FFmpeg binary's status (src/main/processes). */
  'processes:list': { args: []; result: ProcessList };
  /** Creates a process from Core's process JSON (text); a refused configuration is an error with the reason. */
  'processes:create': { args: [configJson: string]; result: ProcessRow };
  /**
   * Replaces a process's configuration (Core's `PUT /api/v3/process/{id}`), checked as a new one; the id may change to
   * an unused one. What it was told (start or stop) carries over: a running process restarts with the new one.
   */
  'processes:update': { args: [id: string, configJson: string]; result: ProcessRow };
  'processes:command': { args: [id: string, command: ProcessCommandName]; result: void };
  'processes:delete': { args: [id: string]; result: void };
  'processes:log': { args: [id: string]; result: ProcessLogLine[] };
  /** What is raised now and what cleared recently (src/main/alerts, served by the UI service in both modes). */
  'alerts:list': { args: []; result: AlertList };
  /** The alert rules and webhook for the editor. */
  'alerts:config': { args: []; result: AlertConfigView };
  /** Saves and applies the editor's rules and webhook; a refused rule is an `invalid-argument` error naming it. */
  'alerts:save-config': { args: [input: { rules: AlertRuleData[]; webhookUrl: string }]; result: AlertConfigView };
  /** Acknowledges an active alert by key; false when it is no longer active. */
  'alerts:acknowledge': { args: [key: string]; result: boolean };
  /** Mutes a rule or a stream for `forMs` from now (main's clock); 0 lifts the mute. Answers the new list. */
  'alerts:mute': { args: [target: AlertMuteTarget, forMs: number]; result: AlertList };
  /** POSTs a test payload to the URL (with the real retries) and says how it went. */
  'alerts:test-webhook': { args: [url: string]; result: WebhookResult };
}

/** Messages from the renderer that expect no answer. */
export interface SendMap {
  /** The page is ready for pushes; main flushes what it queued (STYLE.md §4). */
  'app:ready': [];
}

/** Pushes from main to the page: payload only, never the Electron event. */
export interface PushMap {
  /** A whole snapshot, then per second what changed (src/shared/sessions-wire.ts); the page gets it as `PushWire` says. */
  'sessions:update': SessionsUpdate;
  'settings:changed': AppSettings;
  /** The alert list changed (an alert was raised or cleared). */
  'alerts:update': AlertList;
  'export:progress': ExportProgress;
}

export type InvokeChannel = keyof InvokeMap;
export type SendChannel = keyof SendMap;
export type PushChannel = keyof PushMap;

/** An answer across the boundary keeps errors whole (STYLE.md §5). */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/**
 * A push as the page receives it. Electron sends `sessions:update` as its JSON text (main/shell/ipc.ts `wirePayload`):
 * a string crosses IPC, the context bridge and the page's post to the sessions worker as one copy each, where the
 * object was walked at every step; the HTTP api hands on the parsed object.
 */
export type PushWire<C extends PushChannel> = C extends 'sessions:update' ? PushMap[C] | string : PushMap[C];

/** The api object the renderer sees as `window.api`, derived from the maps. */
export type RendererApi = {
  invoke<C extends InvokeChannel>(channel: C, ...args: InvokeMap[C]['args']): Promise<InvokeMap[C]['result']>;
  send<C extends SendChannel>(channel: C, ...args: SendMap[C]): void;
  /** Subscribes to a push; returns the unsubscribe function. */
  on<C extends PushChannel>(channel: C, callback: (payload: PushWire<C>) => void): () => void;
};

/** Channel lists, for validation on both sides. Keep in step with the maps (the `satisfies` checks do). */
export const INVOKE_CHANNELS = [
  'app:info',
  'sessions:snapshot',
  'history:list',
  'cores:list',
  'metrics:history',
  'sessions:series',
  'cores:configs',
  'cores:add',
  'cores:update',
  'cores:remove',
  'cores:test',
  'cores:cluster-nodes',
  'cores:add-cluster-nodes',
  'settings:get',
  'settings:update',
  'timeseries:query',
  'reports:daily',
  'reports:csv',
  'sessions:disconnect',
  'processes:list',
  'processes:create',
  'processes:update',
  'processes:command',
  'processes:delete',
  'processes:log',
  'alerts:config',
  'alerts:save-config',
  'alerts:acknowledge',
  'alerts:mute',
  'alerts:test-webhook',
  'alerts:list',
  'export:save',
  'autostart:get',
  'autostart:set',
] as const satisfies readonly InvokeChannel[];
export const SHELL_INVOKE_CHANNELS = ['export:save', 'autostart:get', 'autostart:set'] as const satisfies readonly ShellInvokeChannel[];
export const SEND_CHANNELS = ['app:ready'] as const satisfies readonly SendChannel[];
export const PUSH_CHANNELS = ['sessions:update', 'settings:changed', 'alerts:update', 'export:progress'] as const satisfies readonly PushChannel[];

/**
 * Main-side implementations of every invoke channel, electron-free (the shell and the web bridge both serve them).
 * The shell's own channels are optional here: the Electron shell always adds them (ShellInvokeHandlers); elsewhere a
 * missing one answers an error.
 */
export type InvokeHandlers = {
  [C in Exclude<InvokeChannel, ShellInvokeChannel>]: (...args: InvokeMap[C]['args']) => Promise<InvokeMap[C]['result']>;
} & Partial<ShellInvokeHandlers>;
/** The shell's own invoke channels (src/main/shell). */
export type ShellInvokeHandlers = {
  [C in ShellInvokeChannel]: (...args: InvokeMap[C]['args']) => Promise<InvokeMap[C]['result']>;
};

/** Compile-time completeness: each list must name every channel of its map (a missing one fails `tsc`). */
type AllListed<Missing extends never> = Missing;
export type InvokeChannelsListed = AllListed<Exclude<InvokeChannel, (typeof INVOKE_CHANNELS)[number]>>;
export type SendChannelsListed = AllListed<Exclude<SendChannel, (typeof SEND_CHANNELS)[number]>>;
export type ShellInvokeChannelsListed = AllListed<Exclude<ShellInvokeChannel, (typeof SHELL_INVOKE_CHANNELS)[number]>>;
export type PushChannelsListed = AllListed<Exclude<PushChannel, (typeof PUSH_CHANNELS)[number]>>;
