import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { App } from 'electron';
import { writeFileAtomic } from '../atomic-file.ts';

/** The argument a login item starts the app with: straight into the tray (single-instance.ts `startsHidden`). */
export const LOGIN_ITEM_ARGS: readonly string[] = ['--hidden'];

type LoginItemApp = Pick<App, 'setLoginItemSettings' | 'getLoginItemSettings'>;

/**
 * Start at login, through Electron's login-item API (macOS login items, the Windows Run key; Electron has none on
 * Linux, where the call does nothing). The login item starts the app hidden in the tray: with `--hidden` on Windows;
 * macOS passes no arguments to login items, so there `wasOpenedAtLogin` says it (`openedAtLogin`).
 */
export function setOpenAtLogin(app: LoginItemApp, openAtLogin: boolean): void {
  app.setLoginItemSettings({ openAtLogin, args: [...LOGIN_ITEM_ARGS] });
}

/** True when macOS started the app as a login item (which starts it in the tray, as `--hidden` does elsewhere). */
export function openedAtLogin(app: LoginItemApp, platform: NodeJS.Platform): boolean {
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}

/** What the OS says now (the user may have removed the login item in the system settings). */
export function getOpenAtLogin(app: LoginItemApp): boolean {
  return app.getLoginItemSettings({ args: [...LOGIN_ITEM_ARGS] }).openAtLogin;
}

/** Start at login as the Settings view sees it: read, and set (answering the state read back). */
export interface Autostart {
  get(): boolean;
  set(openAtLogin: boolean): Promise<boolean>;
}

/** Where start-at-login is kept, per platform. */
export interface AutostartOptions {
  app: LoginItemApp;
  platform: NodeJS.Platform;
  /** Linux: the XDG autostart folder (`$XDG_CONFIG_HOME/autostart`, default ~/.config/autostart). */
  autostartDir: string;
  /** Linux: what the desktop entry starts (the AppImage file when run from one, else the executable). */
  execPath: string;
}

/** The XDG desktop entry's Exec quoting: double quotes, with `"`, `` ` ``, `$` and `\` escaped. */
export function quoteExecArg(arg: string): string {
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`;
}

/** The autostart desktop entry for Linux (freedesktop.org Desktop Application Autostart). */
export function autostartDesktopEntry(execPath: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Core Sessions',
    'Comment=Start Core Sessions in the tray',
    `Exec=${[execPath, ...LOGIN_ITEM_ARGS].map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * Start at login per platform: Electron's login items on macOS and Windows; on Linux, where Electron has none, the
 * XDG autostart entry every desktop (GNOME, KDE, Xfce…) reads, written atomically and removed to turn it off.
 */
export function createAutostart(options: AutostartOptions): Autostart {
  const { app, platform } = options;
  if (platform !== 'linux') {
    return {
      get: () => getOpenAtLogin(app),
      set: async (openAtLogin) => {
        setOpenAtLogin(app, openAtLogin);
        return getOpenAtLogin(app);
      },
    };
  }
  const file = join(options.autostartDir, 'core-sessions.desktop');
  return {
    get: () => existsSync(file),
    set: async (openAtLogin) => {
      if (openAtLogin) {
        await mkdir(options.autostartDir, { recursive: true });
        await writeFileAtomic(file, autostartDesktopEntry(options.execPath), 0o644);
      } else {
        await rm(file, { force: true });
      }
      return existsSync(file);
    },
  };
}
