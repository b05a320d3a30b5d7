import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, parseWindowState, saveWindowState, stateFromWindow } from '../../../src/main/shell/window-state.ts';
import { parseDesktopPrefs } from '../../../src/main/shell/prefs.ts';
import { startsHidden } from '../../../src/main/shell/single-instance.ts';

const screen = { x: 0, y: 0, width: 1920, height: 1040 };
const right = { x: 1920, y: 0, width: 1280, height: 1000 };

describe('window state', () => {
  it('parses what it saved and falls back on garbage', () => {
    expect(parseWindowState({ x: 10, y: 20, width: 1000, height: 700, maximized: true })).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: true });
    expect(parseWindowState(null)).toEqual(DEFAULT_WINDOW_STATE);
    expect(parseWindowState({ width: 'big', height: -5, x: 1.5, y: 2 })).toEqual(DEFAULT_WINDOW_STATE);
    expect(parseWindowState({ width: 10, height: 1e9, x: 1 })).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('keeps a position that is visible, drops one on an unplugged monitor', () => {
    expect(fitToDisplays({ x: 2000, y: 100, width: 1000, height: 700, maximized: false }, [screen, right])).toEqual({ x: 2000, y: 100, width: 1000, height: 700, maximized: false });
    expect(fitToDisplays({ x: 2000, y: 100, width: 1000, height: 700, maximized: false }, [screen])).toEqual({ width: 1000, height: 700, maximized: false });
    // only a sliver (< 64 px) left on screen
    expect(fitToDisplays({ x: 1900, y: 100, width: 800, height: 600, maximized: false }, [screen]).x).toBeUndefined();
    expect(fitToDisplays({ x: 1800, y: 100, width: 800, height: 600, maximized: false }, [screen]).x).toBe(1800);
  });

  it('shrinks to the largest display but not below the minimum size', () => {
    expect(fitToDisplays({ width: 4000, height: 3000, maximized: false }, [screen, right])).toEqual({ width: 1920, height: 1040, maximized: false });
    expect(fitToDisplays({ width: 300, height: 200, maximized: false }, [screen], 720, 480)).toEqual({ width: 720, height: 480, maximized: false });
    expect(fitToDisplays({ width: 300, height: 200, maximized: false }, [])).toEqual({ width: 300, height: 200, maximized: false });
  });

  const dirP = mkdtemp(join(tmpdir(), 'winstate-'));
  afterAll(async () => rm(await dirP, { recursive: true, force: true }));

  it('saves atomically and loads back; a missing or broken file gives defaults', async () => {
    const dir = await dirP;
    const path = join(dir, 'sub', 'window-state.json');
    expect(await loadWindowState(path)).toEqual(DEFAULT_WINDOW_STATE);
    const state = stateFromWindow({ x: 10.4, y: 20.6, width: 1001, height: 699 }, true);
    await saveWindowState(path, state);
    expect(await loadWindowState(path)).toEqual({ x: 10, y: 21, width: 1001, height: 699, maximized: true });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ x: 10, y: 21, width: 1001, height: 699, maximized: true });
    await writeFile(path, '{"width":');
    expect(await loadWindowState(path)).toEqual(DEFAULT_WINDOW_STATE);
  });
});

describe('start hidden', () => {
  it('by flag or preference', () => {
    expect(startsHidden(['/electron', '.', '--hidden'])).toBe(true);
    expect(startsHidden(['/electron', '.'])).toBe(false);
    expect(startsHidden(['/electron', '.'], parseDesktopPrefs({ startHidden: true }).startHidden)).toBe(true);
    expect(parseDesktopPrefs({ startHidden: 'yes', trayScaleMbit: -1 })).toEqual({ startHidden: false, trayScaleMbit: 0 });
  });
});
