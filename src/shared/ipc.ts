/**
 * The one IPC contract (STYLE.md §1): three type maps, from which channel names, the main side's helpers,
 * the preload api and the renderer's `window.api` type are all derived. A renamed field breaks the build.
 * Plain data only: no electron, node:* or DOM types here.
 */
import type { CoreInfo, HistoryRow, Snapshot } from './types.ts';

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

/** Calls that return a value: `invoke` in the renderer, `handle` in main. */
export interface InvokeMap {
  'app:info': { args: []; result: AppInfo };
  'sessions:snapshot': { args: []; result: Snapshot };
  'history:list': { args: [HistoryQuery]; result: HistoryRow[] };
  'cores:list': { args: []; result: CoreInfo[] };
}

/** Messages from the renderer that expect no answer. */
export interface SendMap {
  /** The page is ready for pushes; main flushes what it queued (STYLE.md §4). */
  'app:ready': [];
}

/** Pushes from main to the page: payload only, never the Electron event. */
export interface PushMap {
  'sessions:update': Snapshot;
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
export const INVOKE_CHANNELS = ['app:info', 'sessions:snapshot', 'history:list', 'cores:list'] as const satisfies readonly InvokeChannel[];
export const SEND_CHANNELS = ['app:ready'] as const satisfies readonly SendChannel[];
export const PUSH_CHANNELS = ['sessions:update'] as const satisfies readonly PushChannel[];

/** Main-side implementations of every invoke channel, electron-free (the shell and the web bridge both serve them). */
export type InvokeHandlers = {
  [C in InvokeChannel]: (...args: InvokeMap[C]['args']) => Promise<InvokeMap[C]['result']>;
};
