/**
 * The one `electron` fake (STYLE.md §10): the shell's unit tests mock `electron` with it
 * (`vi.mock('electron', () => import('./electron-fake.ts'))`), and the smoke test's child process gets it as its
 * `electron` module through ./smoke/driven-electron.ts, which adds the test's command channel. It behaves like
 * Electron where the app depends on it (whenReady waits for `app.becomeReady()`; quit runs before-quit → window
 * close → will-quit → quit → exit; loadFile fails for a missing file; pushes and IPC answers must survive the
 * structured clone) and records what the app did (`recorded`, and fields on each object).
 *
 * Plain Node ESM with erasable TypeScript only (the smoke child runs it with Node's type stripping); no imports
 * from src/ and nothing read from the environment.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** Everything the app did to electron, in order (`calls`: names only), and what it showed the user. */
export const recorded = {
  calls: [] as string[],
  errorBoxes: [] as Array<{ title: string; content: string }>,
  notifications: [] as Array<{ title: string; body: string }>,
  externalUrls: [] as string[],
  saveDialogs: [] as Array<{ defaultPath: string; filePath: string | undefined }>,
};
const calls = recorded.calls;

/** An Electron-style event: `preventDefault()` sets `defaultPrevented`. */
export function preventable<T extends object>(fields: T): T & { defaultPrevented: boolean; preventDefault(): void } {
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

export class NativeImage {
  readonly reps: Array<{ scaleFactor: number; buffer: Buffer }> = [];
  addRepresentation(options: { scaleFactor: number; buffer?: Buffer }): void {
    this.reps.push({ scaleFactor: options.scaleFactor, buffer: options.buffer ?? Buffer.alloc(0) });
  }
  isEmpty(): boolean {
    return this.reps.length === 0 || this.reps.every((r) => r.buffer.length === 0);
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

export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: true, themeSource: 'system' });

export const screen = {
  getAllDisplays: () => [{ id: 1, scaleFactor: 1, bounds: { x: 0, y: 0, width: 1920, height: 1080 }, workArea: { x: 0, y: 0, width: 1920, height: 1040 } }],
  getPrimaryDisplay: () => screen.getAllDisplays()[0],
};

/** A reversible "encryption" so tests can see that the file never holds the plaintext; `available`/`backend` set by tests. */
export const safeStorage = {
  available: true,
  backend: 'gnome_libsecret' as 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'unknown',
  isEncryptionAvailable: () => safeStorage.available,
  getSelectedStorageBackend: () => safeStorage.backend,
  encryptString: (plain: string): Buffer => Buffer.from(Buffer.from('enc:' + Buffer.from(plain, 'utf8').toString('hex'), 'latin1').map((b) => b ^ 0x5a)),
  decryptString: (cipher: Buffer): string => {
    const text = Buffer.from(cipher.map((b) => b ^ 0x5a)).toString('latin1');
    if (!text.startsWith('enc:')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
    return Buffer.from(text.slice(4), 'hex').toString('utf8');
  },
};

export const shell = {
  async openExternal(url: string): Promise<void> {
    calls.push('shell.openExternal');
    recorded.externalUrls.push(url);
  },
};

// ---------------------------------------------------------------- protocol

type ProtocolHandler = (request: Request) => Response | Promise<Response>;
const protocolHandlers = new Map<string, ProtocolHandler>();

export const protocol = {
  privilegedSchemes: [] as Array<{ scheme: string; privileges?: Record<string, boolean> }>,
  /** What the page's loads got from the app's protocol handler: the page, then each script and stylesheet it names. */
  fetches: [] as Array<{ url: string; status: number; contentType: string; csp: string; bytes: number }>,
  /** As Electron: only before `ready`. */
  registerSchemesAsPrivileged(schemes: Array<{ scheme: string; privileges?: Record<string, boolean> }>): void {
    calls.push('protocol.registerSchemesAsPrivileged');
    if (app.isReady()) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    protocol.privilegedSchemes.push(...structuredClone(schemes));
  },
  handle(scheme: string, handler: ProtocolHandler): void {
    calls.push('protocol.handle');
    if (!app.isReady()) throw new Error('protocol.handle before app is ready');
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
  protocol.fetches.push({ url, status: res.status, contentType: res.headers.get('content-type') ?? '', csp: res.headers.get('content-security-policy') ?? '', bytes: body.length });
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

/** A frame: `parent` null for a top frame. */
export class WebFrameMain {
  url: string;
  readonly parent: WebFrameMain | null;
  constructor(url: string, parent: WebFrameMain | null = null) {
    this.url = url;
    this.parent = parent;
  }
}

export class Session {
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null = null;
  permissionCheckHandler: (() => boolean) | null = null;
  setPermissionRequestHandler(handler: Session['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: Session['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }
}

export class WebContents extends EventEmitter {
  readonly mainFrame: WebFrameMain;
  readonly session = new Session();
  /** Every push, in order (its first argument as `payload`). */
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  constructor(url = 'about:blank') {
    super();
    this.mainFrame = new WebFrameMain(url);
  }
  send(channel: string, ...args: unknown[]): void {
    // Electron serialises every argument with the structured clone algorithm and throws on what it cannot clone.
    structuredClone(args);
    this.sent.push({ channel, payload: args[0] });
  }
  setWindowOpenHandler(handler: WebContents['windowOpenHandler']): void {
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
  readonly webContents: WebContents;
  loaded: { kind: 'file' | 'url'; target: string } | null = null;
  visible = false;
  maximized = false;
  minimized = false;
  destroyed = false;
  bounds: Bounds;
  /** `pageUrl` (not in Electron): a window whose page is already there, for tests that skip loading it. */
  constructor(options: Record<string, unknown> = {}, pageUrl = 'about:blank') {
    super();
    calls.push('new BrowserWindow');
    // Electron copies the options into native structures: whatever cannot be cloned would not survive either.
    this.options = structuredClone(options);
    this.webContents = new WebContents(pageUrl);
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
  /** Not in Electron: what `ipcRenderer.invoke` from `event`'s sender would get (rejects as Electron's does). */
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
    return structuredClone(await handler(event, ...args));
  }
}
export const ipcMain = new IpcMain();

class IpcRenderer extends EventEmitter {
  invoked: Array<{ channel: string; args: unknown[] }> = [];
  sentMessages: Array<{ channel: string; args: unknown[] }> = [];
  /** What `invoke` resolves to (set by the test). */
  answer: (channel: string, args: unknown[]) => unknown = () => ({ ok: true, value: null });
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.answer(channel, args);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sentMessages.push({ channel, args });
  }
}
export const ipcRenderer = new IpcRenderer();

export const contextBridge = {
  executed: [] as Array<{ func: (...a: unknown[]) => unknown; args: unknown[] }>,
  exposed: new Map<string, unknown>(),
  executeInMainWorld(script: { func: (...a: unknown[]) => unknown; args?: unknown[] }): unknown {
    contextBridge.executed.push({ func: script.func, args: script.args ?? [] });
    return undefined;
  },
  exposeInMainWorld(key: string, api: unknown): void {
    contextBridge.exposed.set(key, api);
  },
};

// ---------------------------------------------------------------- tray, menu, notifications, dialogs

export interface MenuItemOptions {
  label?: string;
  role?: string;
  submenu?: MenuItemOptions[];
  type?: string;
  checked?: boolean;
  enabled?: boolean;
  click?: (item: MenuItemOptions, window: unknown, event: unknown) => void;
}

export class Menu {
  static applicationMenu: Menu | null = null;
  readonly items: MenuItemOptions[];
  constructor(items: MenuItemOptions[] = []) {
    this.items = items.map((i) => ({ ...i }));
  }
  static buildFromTemplate(template: MenuItemOptions[]): Menu {
    return new Menu(template);
  }
  static setApplicationMenu(menu: Menu | null): void {
    calls.push('Menu.setApplicationMenu');
    Menu.applicationMenu = menu;
  }
}

export class Tray extends EventEmitter {
  static readonly all: Tray[] = [];
  /** The last tray made. */
  static get last(): Tray | undefined {
    return Tray.all.at(-1);
  }
  /** Every image the tray showed, the first one included. */
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
  /** The image shown now. */
  get image(): NativeImage {
    return this.images.at(-1)!;
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

/** Chromium's command line as `app.commandLine` shows it: switches by name, the last value wins. */
export class FakeCommandLine {
  readonly switches = new Map<string, string>();
  readonly appended: Array<[string, string | undefined]> = [];
  getSwitchValue(name: string): string {
    return this.switches.get(name) ?? '';
  }
  hasSwitch(name: string): boolean {
    return this.switches.has(name);
  }
  appendSwitch(name: string, value?: string): void {
    calls.push(`app.commandLine.appendSwitch:${name}=${value ?? ''}`);
    this.appended.push([name, value]);
    this.switches.set(name, value ?? '');
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
    recorded.notifications.push({ title: this.title, body: this.body });
  }
  close(): void {}
}

export const dialog = {
  /** Where the user "saves" given the proposed path; undefined cancels (set by the test). */
  savePath: (_defaultPath: string): string | undefined => undefined,
  showErrorBox(title: string, content: string): void {
    calls.push('dialog.showErrorBox');
    recorded.errorBoxes.push({ title, content });
  },
  async showSaveDialog(...args: unknown[]): Promise<{ canceled: boolean; filePath?: string }> {
    calls.push('dialog.showSaveDialog');
    const options = (args.length > 1 ? args[1] : args[0]) as { defaultPath?: string } | undefined;
    const defaultPath = options?.defaultPath ?? '';
    const filePath = dialog.savePath(defaultPath);
    recorded.saveDialogs.push({ defaultPath, filePath });
    return filePath === undefined ? { canceled: true } : { canceled: false, filePath };
  },
  async showMessageBox(): Promise<{ response: number; checkboxChecked: boolean }> {
    calls.push('dialog.showMessageBox');
    return { response: 0, checkboxChecked: false };
  },
};

// ---------------------------------------------------------------- app

let resolveReady: () => void = () => {};
const readyPromise = new Promise<void>((r) => (resolveReady = r));

class App extends EventEmitter {
  isPackaged = false;
  /** What `requestSingleInstanceLock` answers (false: another instance holds it). */
  singleInstanceLockFree = true;
  version = '0.0.0-fake';
  /** How the process ends (`app.exit`, or the end of `quit`); the smoke driver writes its report first. */
  exitProcess: (code: number) => void = (code) => {
    calls.push(`exit:${code}`);
  };
  readonly loginItem = { openAtLogin: false, openAsHidden: false, args: [] as string[] };
  readonly paths = new Map<string, string>();
  appUserModelId = '';
  lockRequested = false;
  /** Chromium's switches (`js-flags` from src/main/shell/v8-flags.ts). */
  readonly commandLine = new FakeCommandLine();
  #ready = false;
  #quitRequested = false;
  /** Not in Electron: the moment the platform is ready (will-finish-launching, ready, whenReady resolves). */
  becomeReady(): void {
    if (this.#ready) return;
    this.#ready = true;
    calls.push('ready');
    this.emit('will-finish-launching');
    this.emit('ready', preventable({}), {});
    resolveReady();
  }
  setLoginItemSettings(settings: { openAtLogin?: boolean; openAsHidden?: boolean; args?: string[] }): void {
    calls.push('app.setLoginItemSettings');
    Object.assign(this.loginItem, structuredClone(settings));
  }
  getLoginItemSettings(): { openAtLogin: boolean; openAsHidden: boolean; args: string[] } {
    return { ...this.loginItem };
  }
  whenReady(): Promise<void> {
    calls.push('app.whenReady');
    return readyPromise;
  }
  isReady(): boolean {
    return this.#ready;
  }
  requestSingleInstanceLock(): boolean {
    calls.push('app.requestSingleInstanceLock');
    this.lockRequested = true;
    return this.singleInstanceLockFree;
  }
  setAppUserModelId(id: string): void {
    calls.push('app.setAppUserModelId');
    this.appUserModelId = id;
  }
  setPath(name: string, path: string): void {
    this.paths.set(name, path);
  }
  getPath(name: string): string {
    const path = this.paths.get(name);
    if (path === undefined) throw new Error(`Failed to get '${name}' path`);
    return path;
  }
  getVersion(): string {
    return this.version;
  }
  getName(): string {
    return 'core-sessions';
  }
  /** Electron's order: before-quit (preventable), every window's close (preventable), will-quit, quit, exit 0. */
  quit(): void {
    calls.push('app.quit');
    if (this.#quitRequested) return;
    this.#quitRequested = true;
    setImmediate(() => {
      this.#quitRequested = false;
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
      this.exitProcess(0);
    });
  }
  exit(code = 0): void {
    calls.push(`app.exit(${code})`);
    this.exitProcess(code);
  }
}
export const app = new App();

const electron = { app, BrowserWindow, contextBridge, dialog, ipcMain, ipcRenderer, Menu, nativeImage, nativeTheme, Notification, protocol, safeStorage, screen, shell, Tray };
export default electron;
