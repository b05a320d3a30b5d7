/**
 * The preload (STYLE.md §4–6): the one renderer-side file that touches `ipcRenderer`. Sandboxed, so it is bundled to
 * CommonJS (out/preload/index.cjs) and requires nothing but `electron` at run time: the channel lists below are
 * values from the shared contract that the bundler inlines; everything else imported is a type.
 *
 * `window.api` (RendererApi) is built in the page's own world with `contextBridge.executeInMainWorld`, from a raw
 * bridge that answers plain `IpcResult`s. Reason: an Error crossing the context bridge arrives with its message only
 * (electron/electron#25596), so an error created here would lose its `code`; created over there it keeps it.
 * If executeInMainWorld is unavailable, `exposeInMainWorld` is the fallback and errors carry the code as
 * `[code] message` in their message.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { INVOKE_CHANNELS, PUSH_CHANNELS, SEND_CHANNELS, type IpcResult, type PushChannel, type RendererApi } from '../shared/ipc.ts';

const invokeChannels: ReadonlySet<string> = new Set(INVOKE_CHANNELS);
const sendChannels: ReadonlySet<string> = new Set(SEND_CHANNELS);
const pushChannels: ReadonlySet<string> = new Set(PUSH_CHANNELS);

/** The raw bridge: every method checks its channel against the contract's lists (the page is not trusted). */
export interface RawBridge {
  invoke(channel: string, args: unknown[]): Promise<IpcResult<unknown>>;
  send(channel: string, args: unknown[]): void;
  on(channel: string, callback: (payload: unknown) => void): () => void;
}

export const rawBridge: RawBridge = {
  async invoke(channel, args) {
    if (typeof channel !== 'string' || !invokeChannels.has(channel)) {
      return { ok: false, error: { code: 'unknown-channel', message: `unknown invoke channel ${String(channel)}` } };
    }
    try {
      return (await ipcRenderer.invoke(channel, ...(Array.isArray(args) ? args : []))) as IpcResult<unknown>;
    } catch (error) {
      // The main side always answers an IpcResult; a throw here means IPC itself failed (no handler, bad argument).
      return { ok: false, error: { code: 'ipc', message: error instanceof Error ? error.message : String(error) } };
    }
  },
  send(channel, args) {
    if (typeof channel !== 'string' || !sendChannels.has(channel)) throw new Error(`unknown send channel ${String(channel)}`);
    ipcRenderer.send(channel, ...(Array.isArray(args) ? args : []));
  },
  on(channel, callback) {
    if (typeof channel !== 'string' || !pushChannels.has(channel)) throw new Error(`unknown push channel ${String(channel)}`);
    if (typeof callback !== 'function') throw new TypeError('callback must be a function');
    // Only the payload crosses over, never the Electron event (it would expose `sender` and ipcRenderer).
    const listener = (_event: IpcRendererEvent, payload: unknown): void => callback(payload);
    ipcRenderer.on(channel as PushChannel, listener);
    return () => {
      ipcRenderer.removeListener(channel, listener);
    };
  },
};

/**
 * Runs in the page's world (serialised by Electron, so it must not use anything from this module's scope): builds
 * `window.api` over the raw bridge and throws real Errors with a `code` there.
 */
export function installApiInMainWorld(raw: RawBridge): void {
  const api = {
    invoke: async (channel: string, ...args: unknown[]): Promise<unknown> => {
      const result = await raw.invoke(channel, args);
      if (result.ok) return result.value;
      const error = new Error(result.error.message) as Error & { code: string };
      error.name = 'IpcError';
      error.code = result.error.code;
      throw error;
    },
    send: (channel: string, ...args: unknown[]): void => raw.send(channel, args),
    on: (channel: string, callback: (payload: unknown) => void): (() => void) => raw.on(channel, callback),
  };
  Object.defineProperty(globalThis, 'api', { value: Object.freeze(api), writable: false, configurable: false, enumerable: true });
}

/** The fallback api, built here and exposed over the bridge (error codes survive only inside the message). */
export function isolatedWorldApi(raw: RawBridge): RendererApi {
  return {
    invoke: (async (channel: string, ...args: unknown[]) => {
      const result = await raw.invoke(channel, args);
      if (result.ok) return result.value;
      const error = new Error(`[${result.error.code}] ${result.error.message}`) as Error & { code: string };
      error.code = result.error.code;
      throw error;
    }) as RendererApi['invoke'],
    send: ((channel: string, ...args: unknown[]) => raw.send(channel, args)) as RendererApi['send'],
    on: ((channel: string, callback: (payload: unknown) => void) => raw.on(channel, callback)) as RendererApi['on'],
  };
}

/** Exposes `window.api`; called once when the preload loads. */
export function exposeApi(): void {
  try {
    contextBridge.executeInMainWorld({ func: installApiInMainWorld, args: [rawBridge] });
  } catch {
    contextBridge.exposeInMainWorld('api', isolatedWorldApi(rawBridge));
  }
}

exposeApi();
