import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Remembered window size and position: pure parsing and fitting plus a small file store, no electron (the shell
 * reads `screen` and passes the displays' work areas in).
 */
export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export interface WindowState extends WindowBounds {
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1200, height: 800, maximized: false };
/** A window must show at least this much of itself on some display, or it is re-centred. */
export const MIN_VISIBLE_PX = 64;

const finiteInt = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Number.isInteger(v);

/** Reads whatever the file held; anything odd falls back to the defaults (a broken file must not stop the app). */
export function parseWindowState(value: unknown): WindowState {
  if (typeof value !== 'object' || value === null) return { ...DEFAULT_WINDOW_STATE };
  const v = value as Record<string, unknown>;
  const state: WindowState = { ...DEFAULT_WINDOW_STATE };
  if (finiteInt(v.width) && v.width >= 200 && v.width <= 100_000) state.width = v.width;
  if (finiteInt(v.height) && v.height >= 150 && v.height <= 100_000) state.height = v.height;
  if (finiteInt(v.x) && finiteInt(v.y) && Math.abs(v.x) <= 1_000_000 && Math.abs(v.y) <= 1_000_000) {
    state.x = v.x;
    state.y = v.y;
  }
  state.maximized = v.maximized === true;
  return state;
}

function overlap(a: Rect, b: Rect): { w: number; h: number } {
  return {
    w: Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x),
    h: Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y),
  };
}

/**
 * Fits a remembered state to the displays now attached: the size shrinks to the largest work area, and a position
 * that would leave less than MIN_VISIBLE_PX × MIN_VISIBLE_PX of the window on every display (a monitor was
 * unplugged) is dropped, so the window opens centred.
 */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[], minWidth = 0, minHeight = 0): WindowState {
  if (workAreas.length === 0) return { ...state };
  const maxW = Math.max(...workAreas.map((a) => a.width));
  const maxH = Math.max(...workAreas.map((a) => a.height));
  const out: WindowState = { ...state, width: Math.max(Math.min(state.width, maxW), Math.min(minWidth, maxW)), height: Math.max(Math.min(state.height, maxH), Math.min(minHeight, maxH)) };
  if (out.x !== undefined && out.y !== undefined) {
    const rect: Rect = { x: out.x, y: out.y, width: out.width, height: out.height };
    const visible = workAreas.some((a) => {
      const o = overlap(rect, a);
      return o.w >= MIN_VISIBLE_PX && o.h >= MIN_VISIBLE_PX;
    });
    if (!visible) {
      delete out.x;
      delete out.y;
    }
  }
  return out;
}

/** Loads the state file; a missing or unreadable file gives the defaults. */
export async function loadWindowState(path: string): Promise<WindowState> {
  try {
    return parseWindowState(JSON.parse(await readFile(path, 'utf8')));
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
}

/** Saves atomically (temp file + rename), so a crash mid-write leaves the old state, not half a file. */
export async function saveWindowState(path: string, state: WindowState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const clean = parseWindowState(state);
  await writeFile(tmp, JSON.stringify(clean) + '\n', 'utf8');
  await rename(tmp, path);
}

/** What to save from a window: its normal (restored) bounds, so un-maximising later returns to them. */
export function stateFromWindow(normalBounds: Rect, maximized: boolean): WindowState {
  return { x: Math.round(normalBounds.x), y: Math.round(normalBounds.y), width: Math.round(normalBounds.width), height: Math.round(normalBounds.height), maximized };
}
