import type { App } from 'electron';

/**
 * One instance only: the first process takes the lock; a second one exits at once and the first shows its window
 * (`onSecondInstance`). Returns false in the second process, which must quit without starting anything (two
 * instances would fight over the listeners and the history files).
 */
export function acquireSingleInstance(app: Pick<App, 'requestSingleInstanceLock' | 'on'>, onSecondInstance: (argv: string[]) => void): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', (_event, argv) => onSecondInstance(argv));
  return true;
}

/** `--hidden` (e.g. from a login item) starts the app in the tray without showing the window. */
export function startsHidden(argv: readonly string[], setting = false): boolean {
  return setting || argv.includes('--hidden');
}
