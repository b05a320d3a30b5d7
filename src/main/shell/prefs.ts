import { readFileSync } from 'node:fs';
import { settingSpec } from '../../shared/settings-schema.ts';

/**
 * Desktop-only preferences: the Settings view saves them in `settings.json` (keys of the settings schema); an older
 * `desktop.json` (userData) is still read under them.
 */
export interface DesktopPrefs {
  /** Start minimised to the tray (as `--hidden`). */
  startHidden: boolean;
  /** Full scale of the tray gauge in Mbit/s (10^6); 0 = follow the last minute's peak. */
  trayScaleMbit: number;
}

/** The schema's defaults (src/shared/settings-schema.ts), the one place they are written. */
export const DEFAULT_DESKTOP_PREFS: DesktopPrefs = {
  startHidden: settingSpec('startHidden')!.default === true,
  trayScaleMbit: Number(settingSpec('trayScaleMbit')!.default),
};

export function parseDesktopPrefs(value: unknown): DesktopPrefs {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return {
    startHidden: typeof v.startHidden === 'boolean' ? v.startHidden : DEFAULT_DESKTOP_PREFS.startHidden,
    trayScaleMbit: typeof v.trayScaleMbit === 'number' && Number.isFinite(v.trayScaleMbit) && v.trayScaleMbit >= 0 ? v.trayScaleMbit : DEFAULT_DESKTOP_PREFS.trayScaleMbit,
  };
}

/** `desktop.json` at `path` under the saved settings' `startHidden` and `trayScaleMbit` (where set). */
export function loadDesktopPrefs(path: string, saved: { startHidden?: unknown; trayScaleMbit?: unknown } = {}): DesktopPrefs {
  let file: unknown = {};
  try {
    file = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // Missing or unreadable: the defaults.
  }
  const merged: Record<string, unknown> = typeof file === 'object' && file !== null ? { ...(file as Record<string, unknown>) } : {};
  if (saved.startHidden !== undefined) merged.startHidden = saved.startHidden;
  if (saved.trayScaleMbit !== undefined) merged.trayScaleMbit = saved.trayScaleMbit;
  return parseDesktopPrefs(merged);
}
