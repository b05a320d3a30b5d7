import { describe, expect, it } from 'vitest';
import { GaugeScale, niceScaleMax, TOOLTIP_MAX, trayMenuModel, trayTooltip, trayTotals } from '../../../src/main/tray/model.ts';
import type { Snapshot } from '../../../src/shared/types.ts';

const snap: Snapshot = {
  atMs: 0,
  cores: [
    { id: 'local', name: 'This computer', kind: 'local', url: 'http://127.0.0.1:8787', state: 'running' },
    { id: 'b', name: 'studio', kind: 'remote', url: 'https://b.example', state: 'unreachable' },
  ],
  collectors: [
    { core: 'local', collector: 'hls', activeSessions: 3, processSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 6e6, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0 },
    { core: 'local', collector: 'rtmp', activeSessions: 1, processSessions: 0, rxBitsPerSec: 4e6, txBitsPerSec: 0, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0 },
  ],
  sessions: [],
};

describe('tray model', () => {
  it('sums rates and sessions per core', () => {
    const t = trayTotals(snap);
    expect(t).toMatchObject({ rxBitsPerSec: 4e6, txBitsPerSec: 6e6, activeSessions: 4 });
    expect(t.cores.map((c) => [c.id, c.activeSessions, c.state])).toEqual([['local', 4, 'running'], ['b', 0, 'unreachable']]);
  });
  it('leaves the app\'s own FFmpeg processes\' sessions out of the users, as the header (src/shared/totals.ts)', () => {
    const withProcess: Snapshot = { ...snap, collectors: snap.collectors.map((c) => (c.collector === 'rtmp' ? { ...c, activeSessions: 3, processSessions: 1 } : c)) };
    const t = trayTotals(withProcess);
    expect([t.activeSessions, t.cores[0]!.activeSessions]).toEqual([5, 5]);
  });
  it('tooltip lists rx/tx and each core', () => {
    expect(trayTooltip(trayTotals(snap), false)).toBe('Core Sessions\n↓ 4.0 Mbit/s ↑ 6.0 Mbit/s\nThis computer: running, 4 sessions\nstudio: unreachable, 0 sessions');
  });
  it('tooltip stays within the Windows limit with many cores', () => {
    const many: Snapshot = { ...snap, cores: Array.from({ length: 20 }, (_, i) => ({ ...snap.cores[1], id: `c${i}`, name: `core number ${i}` })) };
    const tip = trayTooltip(trayTotals(many), true);
    expect(tip.length).toBeLessThanOrEqual(TOOLTIP_MAX);
    expect(tip).toMatch(/\n\+\d+ more$/);
    expect(tip.startsWith('Core Sessions (paused)')).toBe(true);
  });
  it('menu: open, cores, pause, export, quit', () => {
    const kinds = trayMenuModel(trayTotals(snap), true).map((i) => i.kind);
    expect(kinds).toEqual(['open', 'separator', 'core', 'core', 'separator', 'pause', 'export', 'export', 'separator', 'quit']);
  });
});

describe('gauge scale', () => {
  it('rounds the peak up to 1-2-5 steps with a 10 Mbit/s floor', () => {
    expect(niceScaleMax(0)).toBe(10e6);
    expect(niceScaleMax(12e6)).toBe(20e6);
    expect(niceScaleMax(20e6)).toBe(20e6);
    expect(niceScaleMax(21e6)).toBe(50e6);
    expect(niceScaleMax(501e6)).toBe(1e9);
  });
  it('follows the peak of the window, or stays fixed when configured', () => {
    const auto = new GaugeScale(0, 3);
    expect(auto.update(30e6, 1e6)).toBe(50e6);
    expect(auto.update(1e6, 1e6)).toBe(50e6);
    expect(auto.update(1e6, 1e6)).toBe(50e6);
    expect(auto.update(1e6, 1e6)).toBe(10e6);
    expect(new GaugeScale(100e6).update(500e6, 0)).toBe(100e6);
  });
});
