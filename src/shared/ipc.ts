/**
 * The one IPC contract (STYLE.md §1): three type maps, from which channel names, the main side's helpers,
 * the preload api and the renderer's `window.api` type are all derived. A renamed field breaks the build.
 * Plain data only: no electron, node:* or DOM types here.
 */
import type { CoreInfo, CoreStateName, HistoryRow, Snapshot } from './types.ts';

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
  sessions: (number | null)[];
}

/** The last 10 minutes of per-second totals, kept in main so a reopened window still has its charts. */
export interface MetricsHistory {
  stepMs: number;
  /** Sample times, oldest first. */
  atMs: number[];
  series: MetricsSeries[];
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

/** How byte and bit rates are shown: decimal (kB, Mbit/s: 1000) or binary (KiB, Mibit/s: 1024). */
export type UnitSystem = 'decimal' | 'binary';

/** The settings the Settings view edits. Secrets are write-only (see AppSettingsPatch). */
export interface AppSettings {
  /** Default poll interval of remote Cores. */
  pollIntervalMs: number;
  /** The local API listener, e.g. `127.0.0.1:8787`. */
  apiAddress: string;
  apiAuthEnabled: boolean;
  apiUsername: string;
  apiHasPassword: boolean;
  /** CIDRs whose traffic is not collected (sessions.ip_ignorelist). */
  ipIgnoreList: string[];
  sessionTimeoutMs: number;
  inactiveTimeoutMs: number;
  maxSessions: number;
  maxBitrateMbit: number;
  units: UnitSystem;
  /** Settings that only take effect after a restart, named as keys of this type. */
  restartRequired?: string[];
}

/** A partial update; `apiPassword` sets a new password (never read back). */
export type AppSettingsPatch = Partial<Omit<AppSettings, 'apiHasPassword' | 'restartRequired'>> & { apiPassword?: string };

/** Calls that return a value: `invoke` in the renderer, `handle` in main. */
export interface InvokeMap {
  'app:info': { args: []; result: AppInfo };
  'sessions:snapshot': { args: []; result: Snapshot };
  'history:list': { args: [HistoryQuery]; result: HistoryRow[] };
  'cores:list': { args: []; result: CoreInfo[] };
  /** The last 10 minutes of per-second rx/tx/sessions per core and collector. */
  'metrics:history': { args: []; result: MetricsHistory };
  'cores:configs': { args: []; result: RemoteCoreConfig[] };
  'cores:add': { args: [RemoteCoreInput]; result: RemoteCoreConfig };
  'cores:update': { args: [id: string, input: RemoteCoreInput]; result: RemoteCoreConfig };
  'cores:remove': { args: [id: string]; result: void };
  /** Tests a connection; with `id` the stored password of that Core is used when input.password is undefined. */
  'cores:test': { args: [input: RemoteCoreInput, id?: string]; result: CoreTestResult };
  'settings:get': { args: []; result: AppSettings };
  'settings:update': { args: [AppSettingsPatch]; result: AppSettings };
}

/** Messages from the renderer that expect no answer. */
export interface SendMap {
  /** The page is ready for pushes; main flushes what it queued (STYLE.md §4). */
  'app:ready': [];
}

/** Pushes from main to the page: payload only, never the Electron event. */
export interface PushMap {
  'sessions:update': Snapshot;
  'settings:changed': AppSettings;
}

export type InvokeChannel = keyof InvokeMap;
export type SendChannel = keyof SendMap;
export type PushChannel = keyof PushMap;

/** An answer across the boundary keeps errors whole (STYLE.md §5). */
export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } };

/** The api object the renderer sees as `window.api`, derived from the maps. */
export type RendererApi = {
  invoke<C extends InvokeChannel>(channel: C, ...args: InvokeMap[C]['args']): Promise<InvokeMap[C]['result']>;
  send<C extends SendChannel>(channel: C, ...args: SendMap[C]): void;
  /** Subscribes to a push; returns the unsubscribe function. */
  on<C extends PushChannel>(channel: C, callback: (payload: PushMap[C]) => void): () => void;
};

/** Channel lists, for validation on both sides. Keep in step with the maps (the `satisfies` checks do). */
export const INVOKE_CHANNELS = [
  'app:info',
  'sessions:snapshot',
  'history:list',
  'cores:list',
  'metrics:history',
  'cores:configs',
  'cores:add',
  'cores:update',
  'cores:remove',
  'cores:test',
  'settings:get',
  'settings:update',
] as const satisfies readonly InvokeChannel[];
export const SEND_CHANNELS = ['app:ready'] as const satisfies readonly SendChannel[];
export const PUSH_CHANNELS = ['sessions:update', 'settings:changed'] as const satisfies readonly PushChannel[];

/** Main-side implementations of every invoke channel, electron-free (the shell and the web bridge both serve them). */
export type InvokeHandlers = {
  [C in InvokeChannel]: (...args: InvokeMap[C]['args']) => Promise<InvokeMap[C]['result']>;
};

/** Compile-time completeness: each list must name every channel of its map (a missing one fails `tsc`). */
type AllListed<Missing extends never> = Missing;
export type InvokeChannelsListed = AllListed<Exclude<InvokeChannel, (typeof INVOKE_CHANNELS)[number]>>;
export type SendChannelsListed = AllListed<Exclude<SendChannel, (typeof SEND_CHANNELS)[number]>>;
export type PushChannelsListed = AllListed<Exclude<PushChannel, (typeof PUSH_CHANNELS)[number]>>;
