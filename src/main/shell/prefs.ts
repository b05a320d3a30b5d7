import { readFileSync } from 'node:fs';

/** Desktop-only preferences in `desktop.json` (userData); everything else is the shared settings. */
export interface DesktopPrefs {
  /** Start minimised to the tray (as `--hidden`). */
  startHidden: boolean;
  /** Full scale of the tray gauge in Mbit/s (10^6); 0 = follow the last minute's peak. */
  trayScaleMbit: number;
}

export const DEFAULT_DESKTOP_PREFS: DesktopPrefs = { startHidden: false, trayScaleMbit: 0 };

export function parseDesktopPrefs(value: unknown): DesktopPrefs {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  return {
    startHidden: v.startHidden === true,
    trayScaleMbit: typeof v.trayScaleMbit === 'number' && Number.isFinite(v.trayScaleMbit) && v.trayScaleMbit > 0 ? v.trayScaleMbit : 0,
  };
}

export function loadDesktopPrefs(path: string): DesktopPrefs {
  try {
    return parseDesktopPrefs(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return { ...DEFAULT_DESKTOP_PREFS };
  }
}
