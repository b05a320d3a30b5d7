import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import type { Logger } from '../log.ts';
import type { WindowBounds } from './window-state.ts';

export interface MainWindowOptionsInput {
  /** Absolute path of the built preload (out/preload/index.cjs). */
  preloadPath: string;
  /** Remembered size and position (window-state.ts); the position may be absent. */
  bounds: WindowBounds;
  title?: string;
  /** Developer tools: development only (a packaged app has none, not even by shortcut). Default false. */
  devTools?: boolean;
}

export const MIN_WIDTH = 720;
export const MIN_HEIGHT = 480;

/**
 * The locked window (STYLE.md §6), as a pure function a unit test checks.
 * Security guards: contextIsolation keeps the page out of the preload's world; sandbox gives the renderer no Node and
 * a CommonJS-only preload; nodeIntegration (also in workers and subframes) stays off; webSecurity keeps the same-origin
 * policy; no <webview>; no insecure content; no navigation by dropping a file on the window.
 * The window starts hidden and is shown on `ready-to-show` (unless the app starts in the tray).
 */
export function getMainWindowOptions(input: MainWindowOptionsInput): BrowserWindowConstructorOptions {
  const { bounds } = input;
  return {
    title: input.title ?? 'Core Sessions',
    width: bounds.width,
    height: bounds.height,
    ...(bounds.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : { center: true }),
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    show: false,
    backgroundColor: '#111418',
    autoHideMenuBar: true,
    webPreferences: {
      preload: input.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      devTools: input.devTools ?? false,
    },
  };
}

/**
 * Security guard: only https URLs without embedded credentials leave the app, and only to the system browser.
 * `file:`, `javascript:`, custom schemes (which can launch local programs) and plain http are refused.
 */
export function isAllowedExternalUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'https:' && parsed.username === '' && parsed.password === '' && parsed.hostname !== '';
}

/** Where our page legitimately comes from: the app scheme (./protocol.ts), or the electron-vite dev server in development. */
export interface PageOrigin {
  /** `app://core-sessions/index.html`, the built page on the app's own scheme. */
  pageUrl: string;
  /** `ELECTRON_RENDERER_URL` in development (e.g. http://localhost:5173), else undefined. */
  devServerUrl?: string;
}

/**
 * Security guard for IPC senders: true only for our own page: the app scheme's host and page path exactly (any query
 * or hash allowed; `file:` never), so another page or local file loaded by a bug cannot talk to main; in development
 * the dev server's origin must match exactly.
 */
export function isTrustedPageUrl(url: string, origin: PageOrigin): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  const expected = new URL(origin.pageUrl);
  if (parsed.protocol === expected.protocol) {
    return parsed.host === expected.host && (parsed.pathname === expected.pathname || parsed.pathname === '/');
  }
  if (origin.devServerUrl) {
    try {
      return parsed.origin === new URL(origin.devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return false;
}

export interface LockWindowOptions {
  openExternal: (url: string) => Promise<void>;
  log?: Logger;
}

/**
 * Applies the runtime guards the constructor options cannot express: every `window.open`/target=_blank is denied
 * (https links go to the system browser instead), every navigation and redirect of the page is blocked (the page is
 * a single-page app; a navigation can only be an attack or a stray link), webviews cannot attach, and every
 * permission request (camera, geolocation, notifications from the page…) is refused.
 */
export function lockWindow(win: BrowserWindow, options: LockWindowOptions): void {
  const contents = win.webContents;
  const external = (url: string): void => {
    if (isAllowedExternalUrl(url)) {
      options.openExternal(url).catch((err: unknown) => options.log?.warn('openExternal failed', { error: String(err) }));
    } else {
      options.log?.warn('blocked a link', { url: url.slice(0, 200) });
    }
  };
  contents.setWindowOpenHandler(({ url }) => {
    external(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    external(event.url);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}
