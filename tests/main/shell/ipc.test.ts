import { afterEach, describe, expect, it, vi } from 'vitest';
import { INVOKE_CHANNELS } from '../../../src/shared/ipc.ts';
import { SessionsEncoder } from '../../../src/shared/sessions-wire.ts';

vi.mock('electron', () => import('./electron-fake.ts'));

const { registerIpc } = await import('../../../src/main/shell/ipc.ts');
const fake = await import('./electron-fake.ts');

const PAGE = 'app://core-sessions/index.html';
const origin = { pageUrl: PAGE };

function setup(handlers: Record<string, (...a: unknown[]) => Promise<unknown>> = {}) {
  const win = new fake.BrowserWindow({}, PAGE);
  const bridge = registerIpc({ getWindow: () => win as never, origin, handlers: handlers as never });
  const fromPage = { sender: win.webContents, senderFrame: win.webContents.mainFrame };
  return { win, bridge, fromPage };
}

let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

describe('ipc bridge: invoke', () => {
  it('registers every channel of the contract and answers IpcResults', async () => {
    const { bridge, fromPage } = setup({
      'app:info': async () => ({ version: '1', mode: 'electron', listeners: {} }),
      'history:list': async (q) => [q],
      'cores:remove': async () => {
        throw Object.assign(new Error('no such core'), { code: 'not-found' });
      },
      'cores:list': async () => {
        throw new Error('boom');
      },
    });
    dispose = bridge.dispose;
    expect([...fake.ipcMain.handlers.keys()].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(await fake.ipcMain.invoke('app:info', fromPage)).toEqual({ ok: true, value: { version: '1', mode: 'electron', listeners: {} } });
    expect(await fake.ipcMain.invoke('history:list', fromPage, { core: ['a'] })).toEqual({ ok: true, value: [{ core: ['a'] }] });
    expect(await fake.ipcMain.invoke('cores:remove', fromPage, 'x')).toEqual({ ok: false, error: { code: 'not-found', message: 'no such core' } });
    expect(await fake.ipcMain.invoke('cores:list', fromPage)).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(await fake.ipcMain.invoke('settings:get', fromPage)).toMatchObject({ ok: false, error: { code: 'unsupported' } });
  });

  it('refuses untrusted senders', async () => {
    const called = vi.fn(async () => 1);
    const { win, bridge } = setup({ 'app:info': called });
    dispose = bridge.dispose;
    const other = new fake.BrowserWindow({}, PAGE);
    const forbidden = { ok: false, error: { code: 'forbidden', message: 'untrusted sender' } };
    // an iframe inside our page
    const iframe = new fake.WebFrameMain(PAGE, win.webContents.mainFrame);
    expect(await fake.ipcMain.invoke('app:info', { sender: win.webContents, senderFrame: iframe })).toEqual(forbidden);
    // another window
    expect(await fake.ipcMain.invoke('app:info', { sender: other.webContents, senderFrame: other.webContents.mainFrame })).toEqual(forbidden);
    // our window after navigating elsewhere
    win.webContents.mainFrame.url = 'https://evil.example/';
    expect(await fake.ipcMain.invoke('app:info', { sender: win.webContents, senderFrame: win.webContents.mainFrame })).toEqual(forbidden);
    // a frame that is gone
    expect(await fake.ipcMain.invoke('app:info', { sender: win.webContents, senderFrame: null })).toEqual(forbidden);
    expect(called).not.toHaveBeenCalled();
  });

  it('dispose removes every handler and listener', () => {
    const { bridge } = setup();
    bridge.dispose();
    expect(fake.ipcMain.handlers.size).toBe(0);
    expect(fake.ipcMain.listenerCount('app:ready')).toBe(0);
  });
});

describe('ipc bridge: pushes wait for app:ready', () => {
  it('queues (state channels coalesced) until the page is ready, then sends directly; sessions:update as its JSON text', () => {
    const { win, bridge, fromPage } = setup();
    dispose = bridge.dispose;
    // The pushes as main sends them: a whole snapshot, then deltas (the page resyncs over a coalesced gap).
    const wire = new SessionsEncoder();
    const pushes = [1, 2, 3, 4].map((atMs) => wire.encode({ atMs, cores: [], collectors: [], sessions: [], streams: [] }));
    const snap = (atMs: number) => pushes[atMs - 1]!;
    // What the page gets for a sessions:update: its JSON text (one copy per step instead of an object walked at each).
    const text = (atMs: number) => JSON.stringify(snap(atMs));
    bridge.push('sessions:update', snap(1));
    bridge.push('sessions:update', snap(2));
    bridge.forward({ channel: 'alerts:update', payload: { active: [], recent: [], mutes: [] } });
    expect(win.webContents.sent).toEqual([]);
    // app:ready from an iframe does not count
    fake.ipcMain.emit('app:ready', { sender: win.webContents, senderFrame: new fake.WebFrameMain(PAGE, win.webContents.mainFrame) });
    expect(bridge.isReady()).toBe(false);
    fake.ipcMain.emit('app:ready', fromPage);
    expect(bridge.isReady()).toBe(true);
    expect(win.webContents.sent).toEqual([
      { channel: 'sessions:update', payload: text(2) },
      { channel: 'alerts:update', payload: { active: [], recent: [], mutes: [] } },
    ]);
    expect(JSON.parse(win.webContents.sent[0]!.payload as string)).toEqual(snap(2));
    bridge.push('sessions:update', snap(3));
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'sessions:update', payload: text(3) });
    // a reload: queue again until the new page says ready
    bridge.resetReady();
    bridge.push('sessions:update', snap(4));
    expect(win.webContents.sent).toHaveLength(3);
    fake.ipcMain.emit('app:ready', fromPage);
    expect(win.webContents.sent.at(-1)).toEqual({ channel: 'sessions:update', payload: text(4) });
  });

  it('keeps queueing while the window is destroyed', () => {
    const { win, bridge, fromPage } = setup();
    dispose = bridge.dispose;
    fake.ipcMain.emit('app:ready', fromPage);
    win.webContents.destroyed = true;
    bridge.push('settings:changed', {} as never);
    expect(win.webContents.sent).toEqual([]);
  });
});
