import type { MenuItemConstructorOptions } from 'electron';

/** What the application menu depends on. */
export interface AppMenuOptions {
  /** The app's name (the macOS app menu's title). */
  appName: string;
  /** process.platform; the app menu exists on macOS only. */
  platform: NodeJS.Platform;
  /** Development (not packaged): adds Reload and Toggle Developer Tools. */
  dev: boolean;
  /** The menu's Quit (the same path as the tray's: before-quit persists the history). */
  onQuit: () => void;
}

/**
 * The application menu as a template a unit test checks. Electron's default menu carries Reload, Force Reload and
 * Toggle Developer Tools, which in a packaged app hand anyone at the keyboard a console in the page's privileged
 * context (the IPC bridge); the production menu has only edit, window and quit roles. Development keeps the tools.
 */
export function appMenuTemplate(options: AppMenuOptions): MenuItemConstructorOptions[] {
  const quit: MenuItemConstructorOptions = { label: options.platform === 'darwin' ? `Quit ${options.appName}` : 'Quit', accelerator: 'CmdOrCtrl+Q', click: options.onQuit };
  const template: MenuItemConstructorOptions[] = [];
  if (options.platform === 'darwin') {
    template.push({ label: options.appName, submenu: [{ role: 'about' }, { type: 'separator' }, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, quit] });
  } else {
    template.push({ label: 'File', submenu: [{ role: 'close' }, quit] });
  }
  template.push({
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  });
  const view: MenuItemConstructorOptions[] = [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }];
  if (options.dev) view.unshift({ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  template.push({ label: 'View', submenu: view });
  template.push({ label: 'Window', submenu: [{ role: 'minimize' }, ...(options.platform === 'darwin' ? [{ role: 'zoom' as const }] : [])] });
  return template;
}

/** Every role and label in a template, flattened (for tests and the smoke fake). */
export function menuRoles(template: readonly MenuItemConstructorOptions[]): string[] {
  const out: string[] = [];
  for (const item of template) {
    if (item.role) out.push(item.role);
    if (Array.isArray(item.submenu)) out.push(...menuRoles(item.submenu));
  }
  return out;
}
