import { ipcMain, type BrowserWindow, type IpcMainEvent, type IpcMainInvokeEvent, type WebFrameMain } from 'electron';
import { INVOKE_CHANNELS, PUSH_CHANNELS, type InvokeChannel, type InvokeHandlers, type IpcResult, type PushChannel, type PushMap, type ShellInvokeHandlers } from '../../shared/ipc.ts';
import type { Logger } from '../log.ts';
import { isTrustedPageUrl, type PageOrigin } from './window.ts';
import { toIpcError } from '../ui/app-control.ts';

/**
 * The one main-side file that touches `ipcMain` (STYLE.md §2; lint enforces it). It registers every invoke channel
 * of the contract, checks every sender, answers `IpcResult`s, and queues pushes until the page says `app:ready`.
 */

/** Every handler the window can call: the UI service's plus the shell's own. */
export type AllInvokeHandlers = Omit<InvokeHandlers, keyof ShellInvokeHandlers> & ShellInvokeHandlers;

export interface IpcBridgeOptions {
  /** The main window, or null while there is none (calls then fail the sender check). */
  getWindow: () => BrowserWindow | null;
  handlers: AllInvokeHandlers;
  origin: PageOrigin;
  log?: Logger;
  /** Most queued pushes of channels that are not coalesced (default 1000); older ones are dropped first. */
  maxQueued?: number;
}

/** One push as a value (the UI service's `UiPush` has this shape). */
export type PushMessage = { [C in PushChannel]: { channel: C; payload: PushMap[C] } }[PushChannel];

export interface IpcBridge {
  /** Sends a push to the page, or queues it until the page is ready. */
  push<C extends PushChannel>(channel: C, payload: PushMap[C]): void;
  /** The same for a push held as one value (forwarding the UI service's pushes). */
  forward(message: PushMessage): void;
  /** True after `app:ready` from the current page load. */
  isReady(): boolean;
  /** Call when the window starts loading a (new) page: pushes queue again until the next `app:ready`. */
  resetReady(): void;
  dispose(): void;
}

/**
 * State pushes: only the latest payload matters, so the queue keeps one per channel. Every push channel is one today,
 * so the set is the contract's own list (a new channel that is an event stream must be taken out here).
 * `sessions:update` carries deltas: the page sees the gap a dropped one leaves and fetches `sessions:snapshot`.
 */
const COALESCED: ReadonlySet<PushChannel> = new Set<PushChannel>(PUSH_CHANNELS);

/**
 * Security guard (STYLE.md §5, Electron security checklist 17): a message is accepted only from the main window's
 * top frame while it shows our own page. Subframes (an injected iframe), other windows and other URLs are refused.
 */
export function isTrustedSender(event: { sender: unknown; senderFrame: WebFrameMain | null }, win: BrowserWindow | null, origin: PageOrigin): boolean {
  if (!win || win.isDestroyed()) return false;
  const frame = event.senderFrame;
  if (!frame) return false; // the frame navigated away or was destroyed before the message arrived
  if (event.sender !== win.webContents) return false;
  if (frame !== win.webContents.mainFrame || frame.parent !== null) return false;
  return isTrustedPageUrl(frame.url, origin);
}

/**
 * What goes over IPC for a push: `sessions:update` as its JSON text, the rest as they are. At 10 000 sessions a delta
 * is ~430 KB of JSON with 60 000 numbers in one array; as an object it is serialized here (~4.2 ms), deserialized on
 * the page's main thread in the preload's world (~9 ms), copied across the context bridge and serialized again into
 * the sessions worker (~4.8 ms); as text it costs `JSON.stringify` here (~2.8 ms), a copy at each step (~0.1-0.4 ms)
 * and one `JSON.parse` in the worker (~3 ms). Figures: `npm run bench -- electron-push`.
 */
export function wirePayload(channel: PushChannel, payload: unknown): unknown {
  return channel === 'sessions:update' && typeof payload === 'object' && payload !== null ? JSON.stringify(payload) : payload;
}

export function registerIpc(options: IpcBridgeOptions): IpcBridge {
  const { handlers, origin, log } = options;
  const maxQueued = options.maxQueued ?? 1000;
  let ready = false;
  const coalesced = new Map<PushChannel, unknown>();
  const queued: Array<{ channel: PushChannel; payload: unknown }> = [];
  let disposed = false;

  for (const channel of INVOKE_CHANNELS) {
    ipcMain.handle(channel, async (event: IpcMainInvokeEvent, ...args: unknown[]): Promise<IpcResult<unknown>> => {
      if (!isTrustedSender(event, options.getWindow(), origin)) {
        log?.warn('refused an IPC call from an untrusted sender', { channel, url: event.senderFrame?.url.slice(0, 200) });
        return { ok: false, error: { code: 'forbidden', message: 'untrusted sender' } };
      }
      const handler = handlers[channel as InvokeChannel] as ((...a: unknown[]) => Promise<unknown>) | undefined;
      if (typeof handler !== 'function') return { ok: false, error: { code: 'unsupported', message: `${channel} is not available` } };
      try {
        return { ok: true, value: await handler(...args) };
      } catch (error) {
        const wire = toIpcError(error);
        if (wire.code === 'internal') log?.error('IPC handler failed', { channel, error: wire.message });
        return { ok: false, error: wire };
      }
    });
  }

  function deliver(channel: PushChannel, payload: unknown): boolean {
    const win = options.getWindow();
    if (!win || win.isDestroyed() || win.webContents.isDestroyed()) return false;
    win.webContents.send(channel, wirePayload(channel, payload));
    return true;
  }

  function flush(): void {
    const pending = [...coalesced.entries()].map(([channel, payload]) => ({ channel, payload }));
    coalesced.clear();
    const rest = queued.splice(0, queued.length);
    for (const p of [...rest, ...pending]) deliver(p.channel, p.payload);
  }

  const onReady = (event: IpcMainEvent): void => {
    if (!isTrustedSender(event, options.getWindow(), origin)) {
      log?.warn('refused app:ready from an untrusted sender');
      return;
    }
    ready = true;
    flush();
  };
  ipcMain.on('app:ready', onReady);

  function push(channel: PushChannel, payload: unknown): void {
    if (disposed) return;
    if (ready && deliver(channel, payload)) return;
    if (COALESCED.has(channel)) coalesced.set(channel, payload);
    else {
      queued.push({ channel, payload });
      if (queued.length > maxQueued) queued.splice(0, queued.length - maxQueued);
    }
  }

  return {
    push,
    forward: (message) => push(message.channel, message.payload),
    isReady: () => ready,
    resetReady() {
      ready = false;
    },
    dispose() {
      disposed = true;
      for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
      ipcMain.removeListener('app:ready', onReady);
      coalesced.clear();
      queued.length = 0;
    },
  };
}
