/**
 * The Electron composition root: the same wiring as headless mode (`startApp` in ./app.ts) plus the desktop shell:
 * one locked window (remembered size and position, closing hides it to the tray), the tray gauge, desktop alerts,
 * CSV export through a save dialog, safeStorage secrets, and a single-instance lock. Everything electron-specific
 * lives in ./shell/; this file only connects the parts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app, BrowserWindow, dialog, Menu, Notification, protocol, safeStorage, screen, shell } from 'electron';
import { applyConfigObject, ConfigError, defaultConfig, validateConfig, type AppConfig } from './config.ts';
import { settingOfKey } from './settings/flags.ts';
import { startApp, StartError, type RunningApp } from './app.ts';
import { applySavedSettings, loadSavedSecrets, loadSavedSettings } from './control/index.ts';
import type { SecretStore } from './remote/config.ts';
import { createLogger, LogRing, type Logger } from './log.ts';
import { registerIpc, type IpcBridge } from './shell/ipc.ts';
import { getMainWindowOptions, lockWindow, MIN_HEIGHT, MIN_WIDTH, type PageOrigin } from './shell/window.ts';
import { fitToDisplays, loadWindowState, saveWindowState, stateFromWindow, type WindowState } from './shell/window-state.ts';
import { createSafeSecretStore, credentialStoreOver } from './shell/secrets.ts';
import { saveExportWithDialog, sanitizeExportRequest } from './shell/dialogs.ts';
import { createAppTray, type AppTray } from './shell/tray.ts';
import { acquireSingleInstance, startsHidden } from './shell/single-instance.ts';
import { loadDesktopPrefs } from './shell/prefs.ts';
import { APP_PAGE_URL, registerAppScheme, serveRenderer } from './shell/protocol.ts';
import { appMenuTemplate } from './shell/menu.ts';
import { createAutostart, openedAtLogin } from './shell/login-item.ts';
import { runSelfTest } from './shell/self-test.ts';
import { applyV8HeapFlags } from './shell/v8-flags.ts';
import type { ExportRequest, ExportResult } from '../shared/ipc.ts';

/** Replaced once the config is read (its `logLevel`); `info` until then. */
let log: Logger = createLogger('core-sessions', 'info');

/** Built layout: out/main/index.js, out/preload/index.cjs, out/renderer/ (served on app://, ./shell/protocol.ts). */
const PRELOAD_PATH = join(import.meta.dirname, '..', 'preload', 'index.cjs');
const RENDERER_DIR = join(import.meta.dirname, '..', 'renderer');

let win: BrowserWindow | null = null;
let running: RunningApp | null = null;
let bridge: IpcBridge | null = null;
let tray: AppTray | null = null;
let quitting = false;
let shutdownDone = false;
let windowStatePath = '';
let v8Heap = { jsFlags: '', mainProcessHasLimits: false };

function showWindow(): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

/**
 * The Electron app's config, layered as headless mode's (docs/decisions.md, "Settings layering"): the defaults with
 * the data dir in userData, then what the Settings view saved (`settings.json`, the API password from the secret
 * store), then `config.json` in userData if present.
 */
async function loadConfig(userData: string, secrets: SecretStore): Promise<{ config: AppConfig; setAtStart: Record<string, string> }> {
  let config = defaultConfig();
  config.dataDir = userData;
  const saved = loadSavedSettings(userData);
  if (Object.keys(saved).length > 0) {
    config = applySavedSettings(config, saved, await loadSavedSecrets(secrets));
  }
  const file = join(userData, 'config.json');
  const setAtStart: Record<string, string> = {};
  if (existsSync(file)) {
    const obj = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    applyConfigObject(config, obj, file);
    // The Settings view marks what config.json sets: it wins over the view's saved value.
    for (const key of Object.keys(obj as object)) setAtStart[settingOfKey(key)!.key] = 'config.json';
  }
  validateConfig(config);
  return { config, setAtStart };
}

async function persistWindowState(): Promise<void> {
  if (!win || win.isDestroyed() || windowStatePath === '') return;
  try {
    await saveWindowState(windowStatePath, stateFromWindow(win.getNormalBounds(), win.isMaximized()));
  } catch (err) {
    log.warn('could not save the window state', { error: String(err) });
  }
}

async function exportFromApp(request: ExportRequest): Promise<ExportResult | null> {
  if (!running) throw Object.assign(new Error('the app is not running'), { code: 'unavailable' });
  return saveExportWithDialog({
    source: running.fleet,
    request,
    window: win && !win.isDestroyed() && win.isVisible() ? win : null,
    defaultDir: app.getPath('downloads'),
    onProgress: (p) => bridge?.push('export:progress', p),
  });
}

/** Stops everything in order: remember the window, stop pushing, stop the app (closes sessions into the history). */
async function shutdown(): Promise<void> {
  await persistWindowState();
  tray?.destroy();
  bridge?.dispose();
  try {
    await running?.stop();
  } catch (err) {
    log.error('stop failed', { error: String(err) });
  }
}

async function main(): Promise<void> {
  await app.whenReady();
  const userData = app.getPath('userData');
  windowStatePath = join(userData, 'window-state.json');
  const prefs = loadDesktopPrefs(join(userData, 'desktop.json'), loadSavedSettings(userData));
  // A login item starts the app in the tray: `--hidden` (Windows, the Linux autostart entry), or macOS's own flag.
  const hidden = startsHidden(process.argv, prefs.startHidden) || openedAtLogin(app, process.platform);
  const autostart = createAutostart({
    app,
    platform: process.platform,
    autostartDir: join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'autostart'),
    execPath: process.env.APPIMAGE ?? process.execPath,
  });

  let config: AppConfig;
  try {
    const secrets = credentialStoreOver(createSafeSecretStore({
      safeStorage,
      filePath: join(userData, 'secrets.json'),
      onUnreadable: (key) => log.warn('a stored secret no longer decrypts (keyring changed?)', { key }),
    }));
    let setAtStart: Record<string, string>;
    ({ config, setAtStart } = await loadConfig(userData, secrets));
    const logRing = new LogRing();
    log = createLogger('core-sessions', config.logLevel, undefined, logRing);
    log.debug('V8 heap limits', { jsFlags: v8Heap.jsFlags, mainProcess: v8Heap.mainProcessHasLimits ? 'from the launch command line' : 'V8 defaults (not launched with --js-flags)' });
    running = await startApp(config, { log, logRing, mode: 'electron', secrets, version: app.getVersion(), setAtStart });
  } catch (err) {
    const message = err instanceof StartError || err instanceof ConfigError || err instanceof SyntaxError ? err.message : String(err);
    dialog.showErrorBox('Core Sessions cannot start', message);
    app.exit(1);
    return;
  }
  const fleet = running.fleet;
  // The alert service is part of the shared wiring (startApp: alerts.json in the data dir = userData); its list
  // reaches the page through the UI service (`alerts:list`, `alerts:update`); desktop notifications are added here.
  const alerts = running.alerts;

  // Development (not packaged) keeps Reload and the DevTools; a packaged app has neither (./shell/menu.ts).
  const dev = !app.isPackaged;
  serveRenderer(protocol, RENDERER_DIR);
  Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate({ appName: 'Core Sessions', platform: process.platform, dev, onQuit: () => app.quit() })));

  const state: WindowState = fitToDisplays(await loadWindowState(windowStatePath), screen.getAllDisplays().map((d) => d.workArea), MIN_WIDTH, MIN_HEIGHT);
  win = new BrowserWindow(getMainWindowOptions({ preloadPath: PRELOAD_PATH, bounds: state, devTools: dev }));
  lockWindow(win, { openExternal: (url) => shell.openExternal(url), log });

  const devServerUrl = dev ? process.env.ELECTRON_RENDERER_URL : undefined;
  const origin: PageOrigin = { pageUrl: APP_PAGE_URL, devServerUrl };
  bridge = registerIpc({
    getWindow: () => win,
    origin,
    log: log.child('ipc'),
    handlers: {
      ...running.ui.handlers,
      'export:save': async (...args: unknown[]) => exportFromApp(sanitizeExportRequest(args[0])),
      'autostart:get': async (...args: unknown[]) => {
        if (args.length !== 0) throw Object.assign(new Error('expected no arguments'), { code: 'bad-args' });
        return autostart.get();
      },
      'autostart:set': async (...args: unknown[]) => {
        if (args.length !== 1 || typeof args[0] !== 'boolean') throw Object.assign(new Error('expected true or false'), { code: 'bad-args' });
        return autostart.set(args[0]);
      },
    },
  });
  const ipc = bridge;
  // Every push of the UI service, `alerts:update` included.
  running.ui.onPush((push) => ipc.forward(push));
  alerts.onEvent((event) => {
    if (event.type !== 'raised' || !Notification.isSupported()) return;
    const note = new Notification({ title: 'Core Sessions', body: event.alert.message });
    note.on('click', showWindow);
    note.show();
  });

  const mainWindow = win;
  // A new page load (reload, dev-server refresh) must announce itself again before it gets pushes.
  mainWindow.webContents.on('did-start-loading', () => ipc.resetReady());
  mainWindow.once('ready-to-show', () => {
    if (hidden) return;
    if (state.maximized) mainWindow.maximize();
    mainWindow.show();
  });
  // Closing the window keeps the app in the tray; only Quit (tray menu, app menu, OS logout) ends it.
  mainWindow.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    void persistWindowState();
    mainWindow.hide();
  });
  let saveTimer: ReturnType<typeof setTimeout> | undefined;
  const saveSoon = (): void => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => void persistWindowState(), 1000);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) mainWindow.on(ev as 'resize', saveSoon);

  let paused = false;
  tray = createAppTray({
    source: fleet,
    onOpen: showWindow,
    onQuit: () => app.quit(),
    onExport: (what) => {
      exportFromApp({ kind: what }).catch((err: unknown) => dialog.showErrorBox('Export failed', err instanceof Error ? err.message : String(err)));
    },
    polling: {
      isPaused: () => paused,
      setPaused: (p) => {
        paused = p;
        if (p) fleet.pause();
        else fleet.resume();
      },
    },
    fixedScaleBitsPerSec: prefs.trayScaleMbit * 1e6,
  });

  if (process.argv.includes('--self-test')) {
    runSelfTest({
      isReady: () => ipc.isReady(),
      pageUrl: () => (mainWindow.isDestroyed() ? '' : mainWindow.webContents.getURL()),
      expectedUrl: devServerUrl ?? APP_PAGE_URL,
      log,
      finish: (code) => (code === 0 ? app.quit() : app.exit(code)),
    });
  }
  await mainWindow.loadURL(devServerUrl ?? APP_PAGE_URL);
}

// `--user-data-dir=DIR` (Chromium's switch) moves userData too, before the single-instance lock, which is per userData
// folder: `npm run check:desktop` runs its self-test beside an app the maintainer may have open.
const userDataDir = process.argv.find((a) => a.startsWith('--user-data-dir='))?.slice('--user-data-dir='.length);
if (userDataDir) app.setPath('userData', userDataDir);

if (!acquireSingleInstance(app, () => showWindow())) {
  // Another instance runs: it shows its window; this one leaves before starting anything (a self-test fails).
  if (process.argv.includes('--self-test')) app.exit(1);
  else app.quit();
} else {
  app.setAppUserModelId('org.core-sessions.app');
  // Headless mode's V8 heap limits for every process Chromium starts from here on (the dashboard's renderer).
  v8Heap = applyV8HeapFlags();
  // Scheme privileges are fixed before `ready`.
  registerAppScheme(protocol);
  // Keep running in the tray when the window is closed (and on macOS, when all windows are gone).
  app.on('window-all-closed', () => {});
  app.on('activate', showWindow);
  app.on('before-quit', (event) => {
    quitting = true;
    if (shutdownDone) return;
    event.preventDefault();
    shutdownDone = true;
    shutdown().finally(() => app.quit());
  });
  main().catch((err: unknown) => {
    log.error('start-up failed', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    dialog.showErrorBox('Core Sessions cannot start', err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
}
