import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./electron-fake.ts'));

const fake = await import('./electron-fake.ts');
const preload = await import('../../../src/preload/index.ts');

/** Runs the serialised main-world function in a fresh context, as Electron does: it can use nothing from our scope. */
function mainWorld(): { api: { invoke: (...a: unknown[]) => Promise<unknown>; send: (...a: unknown[]) => void; on: (c: string, cb: (p: unknown) => void) => () => void }; Error: ErrorConstructor } {
  const { func, args } = fake.contextBridge.executed[0];
  const context = vm.createContext({});
  vm.runInContext(`(${func.toString()})(raw)`, Object.assign(context, { raw: args[0] }));
  return { api: (context as { api: never }).api, Error: vm.runInContext('Error', context) as ErrorConstructor };
}

describe('preload', () => {
  it('installs window.api in the main world through executeInMainWorld', () => {
    expect(fake.contextBridge.executed).toHaveLength(1);
    const { api } = mainWorld();
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on', 'send']);
  });

  it('invoke returns the value, or throws an Error with the code created in the page world', async () => {
    const { api, Error: PageError } = mainWorld();
    fake.ipcRenderer.answer = (channel, args) => (channel === 'history:list' ? { ok: true, value: args } : { ok: false, error: { code: 'not-found', message: 'no such core' } });
    expect(await api.invoke('history:list', { core: ['a'] })).toEqual([{ core: ['a'] }]);
    const err = await api.invoke('cores:remove', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PageError);
    expect(err).toMatchObject({ name: 'IpcError', code: 'not-found', message: 'no such core' });
  });

  it('refuses channels outside the contract without touching ipcRenderer', async () => {
    const { api } = mainWorld();
    const before = fake.ipcRenderer.invoked.length;
    await expect(api.invoke('shell:exec', 'rm -rf /')).rejects.toMatchObject({ code: 'unknown-channel' });
    expect(fake.ipcRenderer.invoked.length).toBe(before);
    expect(() => api.send('evil')).toThrow(/unknown send channel/);
    expect(() => api.on('evil', () => {})).toThrow(/unknown push channel/);
  });

  it('send passes arguments; pushes deliver only the payload and unsubscribe cleanly', () => {
    const { api } = mainWorld();
    api.send('app:ready');
    expect(fake.ipcRenderer.sentMessages.at(-1)).toEqual({ channel: 'app:ready', args: [] });
    const got: unknown[][] = [];
    const off = api.on('sessions:update', (...a: unknown[]) => got.push(a));
    expect(fake.ipcRenderer.listenerCount('sessions:update')).toBe(1);
    fake.ipcRenderer.emit('sessions:update', { sender: 'the electron event' }, { atMs: 1 });
    expect(got).toEqual([[{ atMs: 1 }]]);
    off();
    expect(fake.ipcRenderer.listenerCount('sessions:update')).toBe(0);
  });

  it('the fallback api keeps the code in the message', async () => {
    const api = preload.isolatedWorldApi(preload.rawBridge);
    fake.ipcRenderer.answer = () => ({ ok: false, error: { code: 'bad-args', message: 'nope' } });
    await expect(api.invoke('app:info')).rejects.toMatchObject({ message: '[bad-args] nope', code: 'bad-args' });
  });

  it('imports nothing but electron and the shared contract', () => {
    const src = readFileSync(new URL('../../../src/preload/index.ts', import.meta.url), 'utf8');
    const specifiers = [...src.matchAll(/^import\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);
    expect(specifiers.sort()).toEqual(['../shared/ipc.ts', 'electron']);
  });
});
