import type { App } from 'electron';

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
