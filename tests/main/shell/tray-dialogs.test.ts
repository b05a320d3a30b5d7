import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Snapshot } from '../../../src/shared/types.ts';
import type { ExportProgress } from '../../../src/shared/ipc.ts';
import { csvToString } from '../../../src/main/export/csv.ts';
import { exportCsv } from '../../../src/main/export/exports.ts';
import { decodePng, pixel } from '../tray/png-decode.ts';
import { PALETTES } from '../../../src/main/tray/icon.ts';
import { fixedSource, session } from '../export/fixtures.ts';

vi.mock('electron', () => import('./electron-fake.ts'));

const fake = await import('./electron-fake.ts');
const { createAppTray } = await import('../../../src/main/shell/tray.ts');
const { saveExportWithDialog, sanitizeExportRequest } = await import('../../../src/main/shell/dialogs.ts');

function snapshot(txBitsPerSec: number, state: 'online' | 'unreachable' = 'online'): Snapshot {
  return {
    atMs: 0,
    cores: [{ id: 'local', name: 'local', kind: 'local', url: '', state: 'running' }, { id: 'b', name: 'studio', kind: 'remote', url: '', state }],
    collectors: [{ core: 'local', collector: 'hls', activeSessions: 2, processSessions: 0, rxBitsPerSec: 0, txBitsPerSec, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0 }],
    sessions: [],
  };
}

describe('tray (shell)', () => {
  it('draws 1x and 2x, updates only on change, and wires the menu', () => {
    let push: (s: Snapshot) => void = () => {};
    const source = { ...fixedSource([]), snapshot: () => snapshot(0), onUpdate: (cb: (s: Snapshot) => void) => ((push = cb), () => {}) };
    const calls: string[] = [];
    let paused = false;
    const tray = createAppTray({
      source,
      onOpen: () => calls.push('open'),
      onQuit: () => calls.push('quit'),
      onExport: (w) => calls.push(`export:${w}`),
      polling: { isPaused: () => paused, setPaused: (p) => ((paused = p), calls.push(`paused:${p}`)) },
      fixedScaleBitsPerSec: 100e6,
    });
    const t = fake.Tray.last!;
    expect(t.image.reps.map((r) => r.scaleFactor)).toEqual([1, 2]);
    const imagesBefore = t.images.length;
    push(snapshot(0));
    expect(t.images.length).toBe(imagesBefore); // same picture: no new image
    push(snapshot(100e6));
    expect(t.images.length).toBe(imagesBefore + 1);
    const img2x = decodePng(t.image.reps[1].buffer);
    expect(img2x.width).toBe(32);
    expect(pixel(img2x, 31, 26)).toEqual([...PALETTES.dark.tx]);
    expect(t.tooltip).toContain('↑ 100.0 Mbit/s');
    expect(t.tooltip).toContain('local: running, 2 sessions');
    const menusBefore = t.menus;
    push(snapshot(50e6));
    expect(t.menus).toBe(menusBefore); // counts changed, menu did not
    push(snapshot(50e6, 'unreachable'));
    expect(t.menus).toBe(menusBefore + 1);
    const items = t.menu!.items;
    expect(items.map((i) => i.label ?? i.type)).toEqual([
      'Open Core Sessions', 'separator', 'local: running', 'studio: unreachable', 'separator', 'Pause polling',
      'Export active sessions (CSV)…', 'Export history (CSV)…', 'separator', 'Quit',
    ]);
    (items[0].click as () => void)();
    (items[5].click as (m: { checked: boolean }) => void)({ checked: true });
    (items[6].click as () => void)();
    (items[9].click as () => void)();
    expect(calls).toEqual(['open', 'paused:true', 'export:sessions', 'quit']);
    expect(t.tooltip.startsWith('Core Sessions (paused)')).toBe(true);
    tray.destroy();
    expect(t.destroyed).toBe(true);
  });
});

describe('save-dialog export', () => {
  const dirP = mkdtemp(join(tmpdir(), 'dialog-export-'));
  afterAll(async () => rm(await dirP, { recursive: true, force: true }));

  it('writes the same bytes as the export function (and the HTTP endpoint), with progress', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => session({ id: `s${i}`, peer: i % 3 ? 'x' : '=1+1', extra: 'ünï "q", \n' }));
    const source = fixedSource(rows);
    const out = join(await dirP, 'out.csv');
    fake.dialog.savePath = () => out;
    const progress: ExportProgress[] = [];
    const result = await saveExportWithDialog({ source, request: { kind: 'sessions' }, window: null, defaultDir: await dirP, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ path: out, rows: 5000 });
    const expected = Buffer.from(await csvToString(exportCsv(source, { kind: 'sessions' })), 'utf8');
    expect((await readFile(out)).equals(expected)).toBe(true);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toMatchObject({ done: true, rowsWritten: 5000 });
    expect(progress.slice(0, -1).every((p) => !p.done)).toBe(true);
  });

  it('cancelled dialog gives null; requests from the page are sanitised', async () => {
    fake.dialog.savePath = () => undefined;
    expect(await saveExportWithDialog({ source: fixedSource([]), request: { kind: 'history' }, window: null, defaultDir: '/tmp' })).toBeNull();
    expect(sanitizeExportRequest({ kind: 'sessions', collectors: ['hls'], text: 'a', evil: 1 })).toEqual({ kind: 'sessions', collectors: ['hls'], text: 'a' });
    expect(() => sanitizeExportRequest({ kind: 'passwords' })).toThrow(/kind/);
    expect(() => sanitizeExportRequest({ kind: 'history', core: [1] })).toThrow(/core/);
  });
});
