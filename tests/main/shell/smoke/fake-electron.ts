/**
 * The `electron` module the smoke test gives the BUILT main bundle (out/main/index.js) under plain Node 24: the
 * loader (./loader.ts) resolves the specifier `electron` to this file. It behaves like Electron where the app
 * depends on it (whenReady waits for the test's `ready` command; quit runs before-quit → window close → will-quit →
 * quit and exits 0; loadFile fails for a missing file; IPC answers are structured-cloned like Electron's), records
 * what the app does, and takes commands from the test over the child-process IPC channel (`process.send`):
 * `{ id, cmd, args }` answered by `{ id, ok, value | error }`. Commands: state, ready, invoke, send, close-window,
 * second-instance, tray-click. SIGTERM/SIGINT/SIGHUP quit as in Electron. On exit it writes its final state to
 * `SMOKE_REPORT_FILE`.
 *
 * Plain Node ESM with erasable TypeScript only (Node strips the types); no imports from src/.
 */
import { EventEmitter } from 'node:events';
import { existsSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const userData = process.env.SMOKE_USER_DATA ?? '';
const downloads = process.env.SMOKE_DOWNLOADS ?? join(userData, 'downloads');
const reportFile = process.env.SMOKE_REPORT_FILE ?? '';
if (userData === '') throw new Error('fake electron: SMOKE_USER_DATA is not set');

/** Everything the app did to electron, in order (names only; details live in the state below). */
const calls: string[] = [];
const errorBoxes: Array<{ title: string; content: string }> = [];
const notifications: Array<{ title: string; body: string }> = [];
const externalUrls: string[] = [];
const saveDialogs: Array<{ defaultPath: string; filePath: string }> = [];
let exitCode: number | null = null;

function exitProcess(code: number): never {
  exitCode = code;
  calls.push(`exit:${code}`);
  if (reportFile !== '') writeFileSync(reportFile, JSON.stringify(state()));
  process.exit(code);
}

/** An Electron-style event: `preventDefault()` sets `defaultPrevented`. */
function preventable<T extends object>(fields: T): T & { defaultPrevented: boolean; preventDefault(): void } {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

// ---------------------------------------------------------------- images, theme, screen, safeStorage, shell

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export class NativeImage {
  readonly reps: Array<{ scaleFactor: number; bytes: number; png: boolean }> = [];
  addRepresentation(options: { scaleFactor: number; buffer?: Buffer }): void {
    const buffer = options.buffer ?? Buffer.alloc(0);
    this.reps.push({ scaleFactor: options.scaleFactor, bytes: buffer.length, png: buffer.subarray(0, 8).equals(PNG_SIGNATURE) });
  }
  isEmpty(): boolean {
    return this.reps.length === 0 || this.reps.every((r) => r.bytes === 0);
  }
}

export const nativeImage = {
  createFromBuffer(buffer: Buffer, options: { scaleFactor?: number } = {}): NativeImage {
    const image = new NativeImage();
    image.addRepresentation({ scaleFactor: options.scaleFactor ?? 1, buffer });
    return image;
  },
  createEmpty(): NativeImage {
    return new NativeImage();
  },
};

export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: false, themeSource: 'system' });

export const screen = {
  getAllDisplays: () => [{ id: 1, scaleFactor: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }],
  getPrimaryDisplay: () => screen.getAllDisplays()[0],
};

/** Reversible, so a test can tell that secrets.json never holds the plaintext. */
export const safeStorage = {
  isEncryptionAvailable: () => true,
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (plain: string): Buffer => Buffer.from('smoke-enc:' + Buffer.from(plain, 'utf8').toString('base64'), 'utf8'),
  decryptString: (cipher: Buffer): string => {
    const text = cipher.toString('utf8');
    if (!text.startsWith('smoke-enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(text.slice('smoke-enc:'.length), 'base64').toString('utf8');
  },
};

export const shell = {
  async openExternal(url: string): Promise<void> {
    calls.push('shell.openExternal');
    externalUrls.push(url);
  },
};

// ---------------------------------------------------------------- protocol

type ProtocolHandler = (request: Request) => Response | Promise<Response>;
const privilegedSchemes: Array<{ scheme: string; privileges?: Record<string, boolean> }> = [];
const protocolHandlers = new Map<string, ProtocolHandler>();
/** What the page's loads got from the app's protocol handler: the page, then each script and stylesheet it names. */
const protocolFetches: Array<{ url: string; status: number; contentType: string; csp: string; bytes: number }> = [];

export const protocol = {
  /** As Electron: only before `ready`. */
  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges?: Record<string, boolean> }>): void {
    calls.push('protocol.registerSchemesAsPrivileged');
    if (ready) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    privilegedSchemes.push(...structuredClone(schemes));
  },
  handle(scheme: string, handler: ProtocolHandler): void {
    calls.push('protocol.handle');
    if (!ready) throw new Error('protocol.handle before app is ready');
    protocolHandlers.set(scheme, handler);
  },
  isProtocolHandled(scheme: string): boolean {
    return protocolHandlers.has(scheme);
  },
};

async function protocolFetch(url: string): Promise<{ status: number; body: string }> {
  const handler = protocolHandlers.get(new URL(url).protocol.slice(0, -1));
  if (!handler) return { status: -1, body: '' };
  const res = await handler(new Request(url));
  const body = Buffer.from(await res.arrayBuffer());
  protocolFetches.push({ url, status: res.status, contentType: res.headers.get('content-type') ?? '', csp: res.headers.get('content-security-policy') ?? '', bytes: body.length });
  return { status: res.status, body: body.toString('utf8') };
}

/** Like Chromium loading a page from a custom scheme: the document, then the scripts and stylesheets it names. */
async function loadFromProtocol(url: string): Promise<boolean> {
  const page = await protocolFetch(url);
  if (page.status !== 200) return false;
  for (const m of page.body.matchAll(/<(?:script|link)\b[^>]*?(?:src|href)="([^"]+)"/g)) await protocolFetch(new URL(m[1]!, url).href);
  return true;
}

// ---------------------------------------------------------------- windows

export class WebFrameMain {
  url: string;
  readonly parent: WebFrameMain | null;
  constructor(url: string, parent: WebFrameMain | null = null) {
    this.url = url;
    this.parent = parent;
  }
}

class Session {
  permissionRequestHandler: unknown = null;
  permissionCheckHandler: unknown = null;
  setPermissionRequestHandler(handler: unknown): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: unknown): void {
    this.permissionCheckHandler = handler;
  }
}

export class WebContents extends EventEmitter {
  readonly mainFrame = new WebFrameMain('about:blank');
  readonly session = new Session();
  readonly sent: Record<string, number> = {};
  windowOpenHandler: unknown = null;
  destroyed = false;
  send(channel: string, ...args: unknown[]): void {
    // Electron serialises every argument with the structured clone algorithm and throws on what it cannot clone.
    structuredClone(args);
    this.sent[channel] = (this.sent[channel] ?? 0) + 1;
  }
  setWindowOpenHandler(handler: unknown): void {
    this.windowOpenHandler = handler;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getURL(): string {
    return this.mainFrame.url;
  }
}

interface Bounds {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class BrowserWindow extends EventEmitter {
  static readonly all: BrowserWindow[] = [];
  readonly options: Record<string, unknown>;
  readonly webContents = new WebContents();
  loaded: { kind: 'file' | 'url'; target: string } | null = null;
  visible = false;
  maximized = false;
  minimized = false;
  destroyed = false;
  bounds: Bounds;
  constructor(options: Record<string, unknown> = {}) {
    super();
    calls.push('new BrowserWindow');
    // Electron copies the options into native structures: whatever cannot be cloned would not survive either.
    this.options = structuredClone(options);
    this.bounds = { x: Number(options.x ?? 0), y: Number(options.y ?? 0), width: Number(options.width ?? 800), height: Number(options.height ?? 600) };
    this.visible = options.show !== false;
    BrowserWindow.all.push(this);
  }
  static getAllWindows(): BrowserWindow[] {
    return BrowserWindow.all.filter((w) => !w.destroyed);
  }
  async loadFile(filePath: string): Promise<void> {
    calls.push('win.loadFile');
    this.loaded = { kind: 'file', target: filePath };
    return this.#load(pathToFileURL(filePath).href, existsSync(filePath));
  }
  async loadURL(url: string): Promise<void> {
    calls.push('win.loadURL');
    // A scheme with a registered handler is fetched through it (a failed document fails the load, as in Chromium);
    // `loaded` is recorded once the document is there, as the test reads it as "the page is up".
    const scheme = new URL(url).protocol.slice(0, -1);
    const found = protocolHandlers.has(scheme) ? await loadFromProtocol(url) : scheme === 'http' || scheme === 'https';
    this.loaded = { kind: 'url', target: url };
    return this.#load(url, found);
  }
  async #load(url: string, found: boolean): Promise<void> {
    this.webContents.emit('did-start-loading');
    if (!found) {
      this.webContents.emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', url);
      throw Object.assign(new Error(`ERR_FILE_NOT_FOUND (-6) loading '${url}'`), { code: 'ERR_FILE_NOT_FOUND', errno: -6, url });
    }
    this.webContents.mainFrame.url = url;
    await new Promise((r) => setImmediate(r));
    this.webContents.emit('dom-ready');
    this.webContents.emit('did-finish-load');
    setImmediate(() => this.emit('ready-to-show'));
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isVisible(): boolean {
    return this.visible && !this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  show(): void {
    calls.push('win.show');
    this.visible = true;
    this.minimized = false;
  }
  hide(): void {
    calls.push('win.hide');
    this.visible = false;
  }
  focus(): void {}
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
    this.visible = true;
  }
  getNormalBounds(): Bounds {
    return { ...this.bounds };
  }
  getBounds(): Bounds {
    return { ...this.bounds };
  }
  /** Electron's close(): 'close' may be prevented; otherwise the window is destroyed and 'closed' follows. */
  close(): boolean {
    const event = preventable({});
    this.emit('close', event);
    if (event.defaultPrevented) return false;
    this.destroy();
    return true;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

// ---------------------------------------------------------------- IPC

type InvokeListener = (event: unknown, ...args: unknown[]) => unknown;

class IpcMain extends EventEmitter {
  readonly handlers = new Map<string, InvokeListener>();
  handle(channel: string, listener: InvokeListener): void {
    // As Electron: a second handler for one channel is a programming error.
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  handleOnce(channel: string, listener: InvokeListener): void {
    this.handle(channel, (event, ...args) => {
      this.handlers.delete(channel);
      return listener(event, ...args);
    });
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}
export const ipcMain = new IpcMain();

// ---------------------------------------------------------------- tray, menu, notifications, dialogs

interface MenuItemOptions {
  label?: string;
  role?: string;
  submenu?: MenuItemOptions[];
  type?: string;
  checked?: boolean;
  enabled?: boolean;
  click?: (item: MenuItemOptions, window: unknown, event: unknown) => void;
}

let applicationMenu: Menu | null = null;

function menuItemNames(items: MenuItemOptions[]): string[] {
  return items.flatMap((i) => [...(i.role ? [i.role] : i.label ? [i.label] : []), ...(Array.isArray(i.submenu) ? menuItemNames(i.submenu) : [])]);
}

export class Menu {
  readonly items: MenuItemOptions[];
  constructor(items: MenuItemOptions[] = []) {
    this.items = items.map((i) => ({ ...i }));
  }
  static buildFromTemplate(template: MenuItemOptions[]): Menu {
    return new Menu(template);
  }
  static setApplicationMenu(menu: Menu | null): void {
    calls.push('Menu.setApplicationMenu');
    applicationMenu = menu;
  }
}

export class Tray extends EventEmitter {
  static readonly all: Tray[] = [];
  readonly images: NativeImage[] = [];
  tooltip = '';
  menu: Menu | null = null;
  menus = 0;
  destroyed = false;
  constructor(image: NativeImage) {
    super();
    calls.push('new Tray');
    this.images.push(image);
    Tray.all.push(this);
  }
  setImage(image: NativeImage): void {
    calls.push('tray.setImage');
    this.images.push(image);
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: Menu | null): void {
    this.menu = menu;
    this.menus++;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    calls.push('tray.destroy');
    this.destroyed = true;
  }
}

export class Notification extends EventEmitter {
  readonly title: string;
  readonly body: string;
  constructor(options: { title?: string; body?: string } = {}) {
    super();
    this.title = options.title ?? '';
    this.body = options.body ?? '';
  }
  static isSupported(): boolean {
    return true;
  }
  show(): void {
    calls.push('notification.show');
    notifications.push({ title: this.title, body: this.body });
  }
  close(): void {}
}

export const dialog = {
  showErrorBox(title: string, content: string): void {
    calls.push('dialog.showErrorBox');
    errorBoxes.push({ title, content });
    process.stderr.write(`[fake electron] error box: ${title}: ${content}\n`);
  },
  /** "Saves" into SMOKE_DOWNLOADS under the proposed file name. */
  async showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath?: string }> {
    calls.push('dialog.showSaveDialog');
    const options = (args.length > 1 ? args[1] : args[0]) as { defaultPath?: string };
    const filePath = join(downloads, basename(options.defaultPath ?? 'export.csv'));
    saveDialogs.push({ defaultPath: options.defaultPath ?? '', filePath });
    return { canceled: false, filePath };
  },
  async showMessageBox(): Promise<{ response: number; checkboxChecked: boolean }> {
    calls.push('dialog.showMessageBox');
    return { response: 0, checkboxChecked: false };
  },
};

// ---------------------------------------------------------------- app

let resolveReady: () => void = () => {};
const readyPromise = new Promise<void>((r) => (resolveReady = r));
let ready = false;
let quitRequested = false;

const loginItem = { openAtLogin: false, openAsHidden: false, args: [] as string[] };

class App extends EventEmitter {
  /** SMOKE_PACKAGED=1 runs the bundle as a packaged app (the packing test, from inside app.asar). */
  readonly isPackaged = process.env.SMOKE_PACKAGED === '1';
  setLoginItemSettings(settings: { openAtLogin?: boolean; openAsHidden?: boolean; args?: string[] }): void {
    calls.push('app.setLoginItemSettings');
    Object.assign(loginItem, structuredClone(settings));
  }
  getLoginItemSettings(): { openAtLogin: boolean; openAsHidden: boolean; args: string[] } {
    return { ...loginItem };
  }
  appUserModelId = '';
  lockRequested = false;
  /** Chromium's switches (`js-flags` from src/main/shell/v8-flags.ts); the last value of a name wins. */
  readonly commandLine = {
    switches: new Map<string, string>(),
    getSwitchValue: (name: string): string => this.commandLine.switches.get(name) ?? '',
    appendSwitch: (name: string, value?: string): void => {
      calls.push(`app.commandLine.appendSwitch:${name}=${value ?? ''}`);
      this.commandLine.switches.set(name, value ?? '');
    },
  };
  whenReady(): Promise<void> {
    calls.push('app.whenReady');
    return readyPromise;
  }
  isReady(): boolean {
    return ready;
  }
  requestSingleInstanceLock(): boolean {
    calls.push('app.requestSingleInstanceLock');
    this.lockRequested = true;
    return process.env.SMOKE_SECOND_INSTANCE !== '1';
  }
  setAppUserModelId(id: string): void {
    calls.push('app.setAppUserModelId');
    this.appUserModelId = id;
  }
  getPath(name: string): string {
    if (name === 'userData') return userData;
    if (name === 'downloads') return downloads;
    if (name === 'temp') return join(userData, 'tmp');
    throw new Error(`Failed to get '${name}' path`);
  }
  getVersion(): string {
    return process.env.SMOKE_APP_VERSION ?? '0.0.0-smoke';
  }
  getName(): string {
    return 'core-sessions';
  }
  /** Electron's order: before-quit (preventable), every window's close (preventable), will-quit, quit, exit 0. */
  quit(): void {
    calls.push('app.quit');
    if (quitRequested) return;
    quitRequested = true;
    setImmediate(() => {
      quitRequested = false;
      const beforeQuit = preventable({});
      this.emit('before-quit', beforeQuit);
      if (beforeQuit.defaultPrevented) {
        calls.push('before-quit prevented');
        return;
      }
      for (const win of BrowserWindow.getAllWindows()) {
        if (!win.close()) {
          calls.push('quit cancelled by a window');
          return;
        }
      }
      const willQuit = preventable({});
      this.emit('will-quit', willQuit);
      if (willQuit.defaultPrevented) {
        calls.push('will-quit prevented');
        return;
      }
      this.emit('quit', preventable({}), 0);
      exitProcess(0);
    });
  }
  exit(code = 0): void {
    calls.push(`app.exit(${code})`);
    exitProcess(code);
  }
}
export const app = new App();

// ---------------------------------------------------------------- what the test sees

function trayState(tray: Tray): Record<string, unknown> {
  return {
    images: tray.images.map((i) => i.reps),
    tooltip: tray.tooltip,
    menuLabels: tray.menu?.items.map((i) => (i.type === 'separator' ? '---' : (i.label ?? ''))) ?? [],
    menus: tray.menus,
    destroyed: tray.destroyed,
  };
}

function state(): Record<string, unknown> {
  return {
    calls,
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
      sent: w.webContents.sent,
      windowOpenHandler: typeof w.webContents.windowOpenHandler === 'function',
      permissionHandlers: typeof w.webContents.session.permissionRequestHandler === 'function' && typeof w.webContents.session.permissionCheckHandler === 'function',
      contentsListeners: w.webContents.eventNames().map(String),
    })),
    handlers: [...ipcMain.handlers.keys()],
    privilegedSchemes,
    protocolFetches,
    applicationMenu: applicationMenu === null ? null : menuItemNames(applicationMenu.items),
    loginItem,
    isPackaged: app.isPackaged,
    ipcListeners: ipcMain.eventNames().map(String),
    trays: Tray.all.map(trayState),
    notifications,
    errorBoxes,
    externalUrls,
    saveDialogs,
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
      if (!ready) {
        ready = true;
        calls.push('ready');
        app.emit('will-finish-launching');
        app.emit('ready', preventable({}), {});
        resolveReady();
      }
      return null;
    case 'invoke': {
      const handler = ipcMain.handlers.get(String(args.channel));
      // Electron's ipcRenderer.invoke rejects when nothing handles the channel.
      if (!handler) throw new Error(`Error invoking remote method '${String(args.channel)}': Error: No handler registered for '${String(args.channel)}'`);
      const result = await handler(senderEvent(String(args.sender ?? 'trusted')), ...((args.args as unknown[] | undefined) ?? []));
      return structuredClone(result);
    }
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
      const tray = Tray.all[Tray.all.length - 1];
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
    calls.push(signal);
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

const electron = { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, nativeTheme, Notification, protocol, safeStorage, screen, shell, Tray };
export default electron;
