/**
 * Smoke test of the BUILT Electron main bundle (out/main/index.js) under plain Node 24 with a fake `electron`
 * (tests/main/shell/smoke/): what typecheck and the shell's unit tests cannot see. Bundling mistakes (paths from
 * import.meta.dirname, externals, top-level errors), and the real start-up order of src/main/index.ts: the
 * single-instance lock, nothing started before `ready`, startApp with the real engine and servers on loopback, the
 * locked window with the built preload and page, IPC for every contract channel with sender checks, pushes after
 * `app:ready`, the tray fed by the live snapshot, desktop alerts, export through the save dialog, close-to-tray,
 * and Quit persisting the history and exiting 0.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_CHANNELS } from '../../../src/shared/ipc.ts';
import { getMainWindowOptions } from '../../../src/main/shell/window.ts';
import { DEFAULT_WINDOW_STATE } from '../../../src/main/shell/window-state.ts';
import { APP_PAGE_URL } from '../../../src/main/shell/protocol.ts';
import { expectPageServed } from './smoke/expect-page.ts';
import { ensureBuilt, exitWithin, freshUserData, PRELOAD_BUNDLE, RENDERER_HTML, startSmokeApp, type FakeState, type SmokeApp } from './smoke/harness.ts';
import { sleep } from '../../support/wait.ts';

type IpcResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };
interface AppInfo {
  version: string;
  mode: string;
  listeners: Record<string, string>;
}

const apps: SmokeApp[] = [];
function start(options?: Parameters<typeof startSmokeApp>[0]): SmokeApp {
  const app = startSmokeApp(options);
  apps.push(app);
  return app;
}

beforeAll(async () => {
  await ensureBuilt();
}, 120_000);

afterEach(async () => {
  const done = apps.splice(0);
  await Promise.all(done.map((a) => a.kill()));
  for (const dir of new Set(done.map((a) => a.userData))) rmSync(dir, { recursive: true, force: true });
});

const started = (s: FakeState): boolean => s.windows[0]?.loaded !== null && s.windows[0]?.loaded !== undefined && s.trays.length === 1 && s.handlers.length > 0;

async function invoke(app: SmokeApp, channel: string, args: unknown[] = [], sender = 'trusted'): Promise<IpcResult> {
  return app.command<IpcResult>('invoke', { channel, args, sender });
}

async function appInfo(app: SmokeApp): Promise<AppInfo> {
  const info = await invoke(app, 'app:info');
  expect(info.ok).toBe(true);
  return (info as { value: AppInfo }).value;
}

/** Runs the preload as Electron's sandboxed renderer does: a CommonJS function whose `require` knows only electron. */
function runSandboxedPreload(file: string): { required: string[]; executedInMainWorld: number; exposed: string[] } {
  const required: string[] = [];
  let executedInMainWorld = 0;
  const exposed: string[] = [];
  const electron = {
    contextBridge: {
      executeInMainWorld: () => void executedInMainWorld++,
      exposeInMainWorld: (key: string) => void exposed.push(key),
    },
    ipcRenderer: { invoke: async () => ({ ok: true, value: null }), send: () => {}, on: () => {}, removeListener: () => {} },
  };
  const source = readFileSync(file, 'utf8');
  // A syntax error here means the bundle is not CommonJS (`import`/`export` cannot appear in a function body).
  const wrapper = vm.runInNewContext(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {}, { filename: file }) as (
    ...a: unknown[]
  ) => void;
  const module = { exports: {} };
  wrapper(
    module.exports,
    (id: string) => {
      required.push(id);
      if (id === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require "${id}"`);
    },
    module,
    file,
    dirname(file),
  );
  return { required, executedInMainWorld, exposed };
}

describe('the built Electron main bundle under a fake electron', () => {
  it('starts in order, wires the locked window, IPC, tray and local API, and persists the history on Quit', async () => {
    const app = start();

    // Before `ready`: the lock is taken and the app waits; nothing is started, nothing is written.
    const early = await app.waitFor((s) => s.calls.includes('app.whenReady'), 'app.whenReady');
    // Headless mode's V8 heap limits go on Chromium's js-flags before `ready`, so the renderer starts with them.
    expect(early.calls.slice(0, 4)).toEqual([
      'app.requestSingleInstanceLock',
      'app.setAppUserModelId',
      'app.commandLine.appendSwitch:js-flags=--max-semi-space-size=8 --max-old-space-size=512',
      'protocol.registerSchemesAsPrivileged',
    ]);
    // The page's scheme is privileged before ready: a standard, secure origin of its own (no file://).
    expect(early.privilegedSchemes).toEqual([{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } }]);
    expect(early.lockRequested).toBe(true);
    expect(early.appListeners).toEqual(expect.arrayContaining(['second-instance', 'before-quit', 'window-all-closed']));
    expect(early.windows).toEqual([]);
    expect(early.handlers).toEqual([]);
    expect(early.trays).toEqual([]);
    expect(existsSync(join(app.userData, 'identity.json'))).toBe(false);

    await app.command('ready');
    const s = await app.waitFor(started, 'window, tray and IPC after ready');
    expect(s.errorBoxes).toEqual([]);
    expect(s.windows).toHaveLength(1);
    const win = s.windows[0]!;

    // The window: exactly the locked options of getMainWindowOptions, with the built preload.
    // Not packaged: the development menu and DevTools (the packing test checks the packaged app has neither).
    expect(s.isPackaged).toBe(false);
    expect(win.options).toEqual(getMainWindowOptions({ preloadPath: PRELOAD_BUNDLE, bounds: DEFAULT_WINDOW_STATE, devTools: true }));
    expect(s.applicationMenu).toContain('toggleDevTools');
    const prefs = win.options.webPreferences!;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(prefs.preload).toBe(PRELOAD_BUNDLE);
    expect(existsSync(PRELOAD_BUNDLE)).toBe(true);
    const preload = runSandboxedPreload(PRELOAD_BUNDLE);
    expect(preload.required).toEqual(['electron']);
    expect(preload.executedInMainWorld + preload.exposed.length).toBe(1);
    // Runtime guards of lockWindow are installed.
    expect(win.windowOpenHandler).toBe(true);
    expect(win.permissionHandlers).toBe(true);
    expect(win.contentsListeners).toEqual(expect.arrayContaining(['will-navigate', 'will-redirect', 'will-attach-webview', 'did-start-loading']));

    // The page: the built renderer on the app's own scheme (not file://, not a dev-server URL), every script and
    // stylesheet served by the app's handler with its content type, the CSP header and nosniff; shown once ready.
    expect(win.loaded).toEqual({ kind: 'url', target: APP_PAGE_URL });
    expect(existsSync(RENDERER_HTML)).toBe(true);
    expect(win.url).toBe(APP_PAGE_URL);
    expectPageServed(s);
    await app.waitFor((x) => x.windows[0]!.visible, 'the window shown on ready-to-show');

    // IPC: a handler for every channel of the contract, and app:ready.
    expect([...s.handlers].sort()).toEqual([...INVOKE_CHANNELS].sort());
    expect(s.ipcListeners).toContain('app:ready');

    const info = await appInfo(app);
    expect(info.mode).toBe('electron');
    expect(info.listeners.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.listeners.rtmp).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+$/);
    expect(info.listeners.srt).toMatch(/^srt:\/\/127\.0\.0\.1:\d+$/);
    expect(info.listeners.api).not.toMatch(/:0$/);

    // Every question the page asks without arguments answers (and survives Electron's structured clone).
    for (const channel of ['sessions:snapshot', 'cores:list', 'metrics:history', 'cores:configs', 'settings:get', 'alerts:list'] as const) {
      const r = await invoke(app, channel);
      expect(r, channel).toMatchObject({ ok: true });
    }
    expect(await invoke(app, 'history:list', [{}])).toMatchObject({ ok: true });
    expect(await invoke(app, 'export:save', [{ kind: 'nonsense' }])).toMatchObject({ ok: false, error: { code: 'bad-args' } });

    // Start at login (Settings): on Linux the XDG autostart entry, starting the app with --hidden; off removes it.
    const entry = join(app.userData, 'xdg-config', 'autostart', 'core-sessions.desktop');
    expect(await invoke(app, 'autostart:get')).toEqual({ ok: true, value: false });
    expect(await invoke(app, 'autostart:set', [true])).toEqual({ ok: true, value: true });
    expect(readFileSync(entry, 'utf8')).toMatch(/^Exec=".+" "--hidden"$/m);
    expect(await invoke(app, 'autostart:get')).toEqual({ ok: true, value: true });
    expect(await invoke(app, 'autostart:set', ['yes'])).toMatchObject({ ok: false, error: { code: 'bad-args' } });
    expect(await invoke(app, 'autostart:set', [false])).toEqual({ ok: true, value: false });
    expect(existsSync(entry)).toBe(false);

    // Untrusted senders are refused on every path.
    for (const sender of ['subframe', 'other-url', 'other-file', 'other-window']) {
      expect(await invoke(app, 'app:info', [], sender), sender).toEqual({ ok: false, error: { code: 'forbidden', message: 'untrusted sender' } });
    }

    // Pushes wait for the page's app:ready; an untrusted app:ready does not release them.
    await app.command('send', { channel: 'app:ready', sender: 'other-url' });
    await sleep(1200);
    expect((await app.state()).windows[0]!.sent).toEqual({});
    await app.command('send', { channel: 'app:ready' });
    await app.waitFor((x) => (x.windows[0]!.sent['sessions:update'] ?? 0) >= 1, 'a sessions:update push after app:ready');

    // The local API answers on the recorded listener; an HLS playlist uploaded to memfs is a publisher (an
    // hlsingress session, a person by the totals rule) that the tray and the alerts see.
    const imagesBefore = (await app.state()).trays[0]!.images.length;
    const res = await fetch(`${info.listeners.api}/api`);
    expect(res.status).toBe(200);
    const about = (await res.json()) as Record<string, unknown>;
    expect(about).toMatchObject({ app: expect.any(String) });
    const put = await fetch(`${info.listeners.api}/memfs/smoke.m3u8`, { method: 'PUT', body: '#EXTM3U\n#EXT-X-TARGETDURATION:2\n' });
    expect(put.status).toBe(201);
    const live = await app.waitFor(
      (x) => / 1 session\b/.test(x.trays[0]!.tooltip) && x.trays[0]!.images.length > imagesBefore && x.notifications.length > 0,
      'the tray and an alert following the live snapshot',
    );
    const tray = live.trays[0]!;
    for (const image of tray.images) expect(image.map((r) => [r.scaleFactor, r.png])).toEqual([[1, true], [2, true]]);
    expect(tray.menuLabels).toContain('Quit');
    expect(live.notifications[0]).toMatchObject({ title: 'Core Sessions' });

    // Export through the save dialog writes the CSV where the dialog said, with progress pushed to the page.
    const exported = await invoke(app, 'export:save', [{ kind: 'sessions' }]);
    expect(exported).toMatchObject({ ok: true, value: { rows: expect.any(Number) } });
    const path = (exported as { value: { path: string } }).value.path;
    expect(path.startsWith(app.downloads)).toBe(true);
    expect(readFileSync(path, 'utf8').length).toBeGreaterThan(0);
    await app.waitFor((x) => (x.windows[0]!.sent['export:progress'] ?? 0) >= 1, 'export:progress pushes');

    // Closing the window hides it to the tray; a second instance shows it again.
    expect(await app.command('close-window')).toEqual({ closed: false, visible: false, destroyed: false });
    await app.command('second-instance');
    expect((await app.state()).windows[0]!.visible).toBe(true);

    // Quit from the tray: the shutdown runs, the history is persisted, the process exits 0.
    await app.command('tray-click', { label: 'Quit' });
    expect(await exitWithin(app, 15_000)).toBe(0);
    const report = app.report();
    expect(report.errorBoxes).toEqual([]);
    expect(report.calls).toEqual(expect.arrayContaining(['tray.destroy', 'exit:0']));
    expect(report.calls.indexOf('tray.destroy')).toBeLessThan(report.calls.indexOf('exit:0'));
    expect(report.trays[0]!.destroyed).toBe(true);
    expect(report.handlers).toEqual([]);
    expect(report.windows[0]!.destroyed).toBe(true);
    const sessions = readdirSync(join(app.userData, 'sessions')).filter((f) => f.endsWith('.json'));
    expect(sessions).toContain('http.json');
    // Core's history format: the closed HTTP session (the GET /api above) is in the totals.
    const httpHistory = JSON.parse(readFileSync(join(app.userData, 'sessions', 'http.json'), 'utf8')) as { sessions: Record<string, { total_sessions: number }> };
    expect(Object.values(httpHistory.sessions).reduce((n, x) => n + x.total_sessions, 0)).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(app.userData, 'window-state.json'))).toBe(true);
  }, 30_000);

  it('--self-test quits with 0 once the page is loaded over app:// and has called app:ready', async () => {
    const app = start({ args: ['--self-test', '--hidden'] });
    await app.command('ready');
    await app.waitFor(started, 'start-up');
    await app.command('send', { channel: 'app:ready' });
    expect(await exitWithin(app, 15_000)).toBe(0);
    expect(app.report().errorBoxes).toEqual([]);
    expect(app.stderr()).toContain('self-test passed');
  }, 20_000);

  it('a second instance quits before starting anything', async () => {
    const app = start({ env: { SMOKE_SECOND_INSTANCE: '1' } });
    expect(await exitWithin(app, 10_000)).toBe(0);
    const report = app.report();
    expect(report.calls).toEqual(['app.requestSingleInstanceLock', 'app.quit', 'exit:0']);
    expect(report.windows).toEqual([]);
    expect(existsSync(join(app.userData, 'identity.json'))).toBe(false);
    expect(existsSync(join(app.userData, 'sessions'))).toBe(false);
  }, 15_000);

  it('--hidden starts in the tray without showing the window; SIGTERM quits gracefully and persists', async () => {
    const app = start({ args: ['--hidden'] });
    await app.command('ready');
    await app.waitFor(started, 'start-up');
    // ready-to-show has fired by the time the page is loaded and the tray exists; give it a moment more.
    await sleep(300);
    const s = await app.state();
    expect(s.windows[0]!.visible).toBe(false);
    expect(s.calls).not.toContain('win.show');
    app.proc.kill('SIGTERM');
    expect(await exitWithin(app, 15_000)).toBe(0);
    expect(app.report().calls).toEqual(expect.arrayContaining(['SIGTERM', 'tray.destroy', 'exit:0']));
    expect(readdirSync(join(app.userData, 'sessions'))).toContain('http.json');
  }, 20_000);

  it('a taken port is one error box and exit code 1, before any window', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    try {
      const port = (blocker.address() as { port: number }).port;
      const userData = freshUserData();
      writeFileSync(join(userData, 'config.json'), JSON.stringify({ listen: `127.0.0.1:${port}`, rtmp: null, srt: null }));
      const app = start({ userData });
      await app.command('ready');
      expect(await exitWithin(app, 10_000)).toBe(1);
      const report = app.report();
      expect(report.errorBoxes).toHaveLength(1);
      expect(report.errorBoxes[0]!.title).toBe('Core Sessions cannot start');
      expect(report.errorBoxes[0]!.content).toContain(String(port));
      expect(report.errorBoxes[0]!.content).not.toMatch(/\n\s+at /);
      expect(report.windows).toEqual([]);
      expect(report.trays).toEqual([]);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  }, 15_000);

  it('settings saved in the Settings view apply on the next start (defaults < settings.json < config.json)', async () => {
    const userData = freshUserData();
    const first = start({ userData });
    await first.command('ready');
    await first.waitFor(started, 'first start');
    const updated = await invoke(first, 'settings:update', [{ values: { maxSessions: '7' } }]);
    expect(updated, JSON.stringify(updated)).toMatchObject({ ok: true, value: { values: { maxSessions: '7' } } });
    await first.command('tray-click', { label: 'Quit' });
    expect(await exitWithin(first, 15_000)).toBe(0);

    const second = start({ userData });
    await second.command('ready');
    await second.waitFor(started, 'second start');
    const { listeners } = await appInfo(second);
    // config.json still wins for what it sets: the listener stays on an ephemeral loopback port.
    expect(listeners.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${listeners.api}/api/v3/session?collectors=hls`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { hls?: { active?: { max_sessions?: number } } };
    expect(body.hls?.active?.max_sessions).toBe(7);
  }, 30_000);
});
