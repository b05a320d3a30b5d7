/**
 * The one small `electron` fake for the shell's unit tests (STYLE.md §10): just enough of ipcMain, ipcRenderer,
 * contextBridge, BrowserWindow/webContents/frames, safeStorage, Tray, Menu, nativeImage and nativeTheme.
 * Use with `vi.mock('electron', () => import('./electron-fake.ts'))`.
 */
import { EventEmitter } from 'node:events';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

class FakeIpcMain extends EventEmitter {
  handlers = new Map<string, Handler>();
  handle(channel: string, fn: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, fn);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Test helper: what `ipcRenderer.invoke` from `event`'s sender would get. */
  async invoke(channel: string, event: unknown, ...args: unknown[]): Promise<unknown> {
    const fn = this.handlers.get(channel);
    if (!fn) throw new Error(`No handler registered for '${channel}'`);
    return fn(event, ...args);
  }
}
export const ipcMain = new FakeIpcMain();

/** A frame: `parent` null for a top frame. */
export class FakeFrame {
  url: string;
  parent: FakeFrame | null;
  constructor(url: string, parent: FakeFrame | null = null) {
    this.url = url;
    this.parent = parent;
  }
}

export class FakeSession {
  permissionRequestHandler: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | null = null;
  permissionCheckHandler: (() => boolean) | null = null;
  setPermissionRequestHandler(h: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = h;
  }
  setPermissionCheckHandler(h: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = h;
  }
}

export class FakeWebContents extends EventEmitter {
  mainFrame: FakeFrame;
  session = new FakeSession();
  sent: Array<{ channel: string; payload: unknown }> = [];
  destroyed = false;
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  constructor(url: string) {
    super();
    this.mainFrame = new FakeFrame(url);
  }
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(h: FakeWebContents['windowOpenHandler']): void {
    this.windowOpenHandler = h;
  }
}

export class BrowserWindow extends EventEmitter {
  static created: BrowserWindow[] = [];
  options: unknown;
  webContents: FakeWebContents;
  destroyed = false;
  constructor(options: unknown = {}, url = 'app://core-sessions/index.html') {
    super();
    this.options = options;
    this.webContents = new FakeWebContents(url);
    BrowserWindow.created.push(this);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
}

/** A navigation-style event with preventDefault. */
export function fakeEvent<T extends object>(fields: T): T & { defaultPrevented: boolean; preventDefault(): void } {
  const ev = { ...fields, defaultPrevented: false, preventDefault() { ev.defaultPrevented = true; } };
  return ev;
}

class FakeIpcRenderer extends EventEmitter {
  invoked: Array<{ channel: string; args: unknown[] }> = [];
  sentMessages: Array<{ channel: string; args: unknown[] }> = [];
  answer: (channel: string, args: unknown[]) => unknown = () => ({ ok: true, value: null });
  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.answer(channel, args);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sentMessages.push({ channel, args });
  }
}
export const ipcRenderer = new FakeIpcRenderer();

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

/** A reversible "encryption" so tests can see that the file never holds the plaintext. */
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

export const shell = { openExternal: async (_url: string): Promise<void> => {} };

export const nativeTheme = Object.assign(new EventEmitter(), { shouldUseDarkColors: true });

export class FakeImage {
  reps: Array<{ scaleFactor: number; buffer: Buffer }> = [];
  addRepresentation(r: { scaleFactor: number; buffer: Buffer }): void {
    this.reps.push(r);
  }
}
export const nativeImage = {
  createFromBuffer(buffer: Buffer, options: { scaleFactor: number }): FakeImage {
    const img = new FakeImage();
    img.reps.push({ scaleFactor: options.scaleFactor, buffer });
    return img;
  },
};

export const Menu = {
  buildFromTemplate: (template: unknown[]) => ({ template }),
};

export class Tray extends EventEmitter {
  static last: Tray | null = null;
  image: FakeImage;
  images = 0;
  tooltip = '';
  menu: { template: Array<Record<string, unknown>> } | null = null;
  menus = 0;
  destroyed = false;
  constructor(image: FakeImage) {
    super();
    this.image = image;
    Tray.last = this;
  }
  setImage(image: FakeImage): void {
    this.image = image;
    this.images++;
  }
  setToolTip(t: string): void {
    this.tooltip = t;
  }
  setContextMenu(menu: Tray['menu']): void {
    this.menu = menu;
    this.menus++;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
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
    this.appended.push([name, value]);
    this.switches.set(name, value ?? '');
  }
}

export const app = { commandLine: new FakeCommandLine() };

export const dialog = {
  nextPath: undefined as string | undefined,
  async showSaveDialog(..._args: unknown[]): Promise<{ canceled: boolean; filePath?: string }> {
    return dialog.nextPath ? { canceled: false, filePath: dialog.nextPath } : { canceled: true };
  },
};

export default { app, ipcMain, ipcRenderer, contextBridge, safeStorage, shell, nativeTheme, nativeImage, Menu, Tray, BrowserWindow, dialog };
