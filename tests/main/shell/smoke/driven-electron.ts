/**
 * The `electron` module the smoke test gives the BUILT main bundle (out/main/index.js) under plain Node 24: the
 * loader (./loader.ts) resolves the specifier `electron` to this file. It is the one electron fake
 * (../electron-fake.ts), set up from the environment, and driven by the test over the child-process IPC channel
 * (`process.send`): `{ id, cmd, args }` answered by `{ id, ok, value | error }`. Commands: state, ready, invoke,
 * send, close-window, second-instance, tray-click. SIGTERM/SIGINT/SIGHUP quit as in Electron. On exit it writes its
 * final state to `SMOKE_REPORT_FILE`.
 *
 * Plain Node ESM with erasable TypeScript only (Node strips the types); no imports from src/.
 */
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import electron, {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeTheme,
  preventable,
  protocol,
  recorded,
  Tray,
  WebContents,
  WebFrameMain,
  type MenuItemOptions,
  type NativeImage,
} from '../electron-fake.ts';

export * from '../electron-fake.ts';
export default electron;

const userData = process.env.SMOKE_USER_DATA ?? '';
const downloads = process.env.SMOKE_DOWNLOADS ?? join(userData, 'downloads');
const reportFile = process.env.SMOKE_REPORT_FILE ?? '';
if (userData === '') throw new Error('fake electron: SMOKE_USER_DATA is not set');

app.setPath('userData', userData);
app.setPath('downloads', downloads);
app.setPath('temp', join(userData, 'tmp'));
/** SMOKE_PACKAGED=1 runs the bundle as a packaged app (the packing test, from inside app.asar). */
app.isPackaged = process.env.SMOKE_PACKAGED === '1';
app.singleInstanceLockFree = process.env.SMOKE_SECOND_INSTANCE !== '1';
app.version = process.env.SMOKE_APP_VERSION ?? '0.0.0-smoke';
nativeTheme.shouldUseDarkColors = false;
/** "Saves" into SMOKE_DOWNLOADS under the proposed file name. */
dialog.savePath = (defaultPath) => join(downloads, basename(defaultPath || 'export.csv'));
const showErrorBox = dialog.showErrorBox;
dialog.showErrorBox = (title, content) => {
  showErrorBox(title, content);
  process.stderr.write(`[fake electron] error box: ${title}: ${content}\n`);
};

let exitCode: number | null = null;
app.exitProcess = (code) => {
  exitCode = code;
  recorded.calls.push(`exit:${code}`);
  if (reportFile !== '') writeFileSync(reportFile, JSON.stringify(state()));
  process.exit(code);
};

// ---------------------------------------------------------------- what the test sees

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function imageState(image: NativeImage): Array<{ scaleFactor: number; bytes: number; png: boolean }> {
  return image.reps.map((r) => ({ scaleFactor: r.scaleFactor, bytes: r.buffer.length, png: r.buffer.subarray(0, 8).equals(PNG_SIGNATURE) }));
}

function menuItemNames(items: MenuItemOptions[]): string[] {
  return items.flatMap((i) => [...(i.role ? [i.role] : i.label ? [i.label] : []), ...(Array.isArray(i.submenu) ? menuItemNames(i.submenu) : [])]);
}

function trayState(tray: Tray): Record<string, unknown> {
  return {
    images: tray.images.map(imageState),
    tooltip: tray.tooltip,
    menuLabels: tray.menu?.items.map((i) => (i.type === 'separator' ? '---' : (i.label ?? ''))) ?? [],
    menus: tray.menus,
    destroyed: tray.destroyed,
  };
}

/** How many pushes went out per channel. */
function sentCounts(contents: WebContents): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { channel } of contents.sent) counts[channel] = (counts[channel] ?? 0) + 1;
  return counts;
}

function state(): Record<string, unknown> {
  return {
    calls: recorded.calls,
    exitCode,
    lockRequested: app.lockRequested,
    appUserModelId: app.appUserModelId,
    appListeners: app.eventNames().map(String),
    windows: BrowserWindow.all.map((w) => ({
      options: w.options,
      loaded: w.loaded,
      url: w.webContents.mainFrame.url,
      visible: w.isVisible(),
      destroyed: w.destroyed,
      sent: sentCounts(w.webContents),
      windowOpenHandler: typeof w.webContents.windowOpenHandler === 'function',
      permissionHandlers: typeof w.webContents.session.permissionRequestHandler === 'function' && typeof w.webContents.session.permissionCheckHandler === 'function',
      contentsListeners: w.webContents.eventNames().map(String),
    })),
    handlers: [...ipcMain.handlers.keys()],
    privilegedSchemes: protocol.privilegedSchemes,
    protocolFetches: protocol.fetches,
    applicationMenu: Menu.applicationMenu === null ? null : menuItemNames(Menu.applicationMenu.items),
    loginItem: app.loginItem,
    isPackaged: app.isPackaged,
    ipcListeners: ipcMain.eventNames().map(String),
    trays: Tray.all.map(trayState),
    notifications: recorded.notifications,
    errorBoxes: recorded.errorBoxes,
    externalUrls: recorded.externalUrls,
    saveDialogs: recorded.saveDialogs,
  };
}

/** The sender of an IPC message as the test asks for it. */
function senderEvent(kind: string): Record<string, unknown> {
  const win = BrowserWindow.all[0];
  if (!win) throw new Error('no window');
  const contents = win.webContents;
  switch (kind) {
    case 'trusted':
      return { sender: contents, senderFrame: contents.mainFrame, frameId: 1, processId: 1 };
    case 'subframe':
      return { sender: contents, senderFrame: new WebFrameMain(contents.mainFrame.url, contents.mainFrame), frameId: 2, processId: 1 };
    case 'other-url':
      return { sender: contents, senderFrame: new WebFrameMain('https://attacker.example/'), frameId: 1, processId: 1 };
    case 'other-file': {
      // Another local file in the same top frame (a stray navigation): not our page.
      const other = new WebFrameMain(pathToFileURL(join(userData, 'evil.html')).href);
      return { sender: contents, senderFrame: other, frameId: 1, processId: 1 };
    }
    case 'other-window':
      return { sender: new WebContents(), senderFrame: contents.mainFrame, frameId: 1, processId: 2 };
    default:
      throw new Error(`unknown sender kind ${kind}`);
  }
}

type Command = { id: number; cmd: string; args?: Record<string, unknown> };

async function run(command: Command): Promise<unknown> {
  const args = command.args ?? {};
  switch (command.cmd) {
    case 'state':
      return state();
    case 'ready':
      app.becomeReady();
      return null;
    case 'invoke':
      return ipcMain.invoke(String(args.channel), senderEvent(String(args.sender ?? 'trusted')), ...((args.args as unknown[] | undefined) ?? []));
    case 'send': {
      const event = { ...senderEvent(String(args.sender ?? 'trusted')), reply: () => {}, returnValue: undefined };
      ipcMain.emit(String(args.channel), event, ...((args.args as unknown[] | undefined) ?? []));
      return null;
    }
    case 'close-window': {
      const win = BrowserWindow.all[0];
      if (!win) throw new Error('no window');
      const closed = win.close();
      return { closed, visible: win.isVisible(), destroyed: win.destroyed };
    }
    case 'second-instance': {
      app.emit('second-instance', preventable({}), [process.execPath, '--second'], process.cwd(), {});
      return null;
    }
    case 'tray-click': {
      const tray = Tray.last;
      if (!tray?.menu) throw new Error('no tray menu');
      const item = tray.menu.items.find((i) => i.label === args.label);
      if (!item?.click) throw new Error(`no clickable tray item "${String(args.label)}"`);
      if (item.type === 'checkbox') item.checked = !item.checked;
      item.click(item, undefined, {});
      return null;
    }
    default:
      throw new Error(`unknown command ${command.cmd}`);
  }
}

// As Electron on Linux and macOS: SIGINT, SIGTERM and SIGHUP (logout, `kill`) quit the app the normal way.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    recorded.calls.push(signal);
    app.quit();
  });
}

if (typeof process.send === 'function') {
  process.on('message', (message: Command) => {
    run(message).then(
      (value) => process.send?.({ id: message.id, ok: true, value }),
      (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // The channel stays referenced: like Electron, the process lives until app.quit()/app.exit(), not until its
  // event loop is empty.
}
