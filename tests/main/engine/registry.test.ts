import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { Collector } from '../../../src/main/engine/collector.ts';
import { createLocalCore, DEFAULT_ENGINE_SETTINGS } from '../../../src/main/engine/local-core.ts';
import { Registry, zeroSummary } from '../../../src/main/engine/registry.ts';
import { COLLECTOR_IDS } from '../../../src/main/engine/types.ts';

const mk = (id: string): Collector => new Collector(id, { clock: new FakeClock() });

describe('Registry (spec §1.1, §6 item 47)', () => {
  it('47: rejects "", "../foo/bar" and a duplicate "foobar"; accepts "foobar" once', () => {
    const r = new Registry();
    expect(() => r.register(mk(''))).toThrow(/invalid collector id/);
    expect(() => r.register(mk('../foo/bar'))).toThrow(/invalid collector id/);
    r.register(mk('foobar'));
    expect(() => r.register(mk('foobar'))).toThrow(/already registered/);
    expect(r.ids()).toEqual(['foobar']);
  });

  it('reads of unknown ids return the zero summary and an empty list', () => {
    const r = new Registry();
    expect(r.summary('nope')).toEqual(zeroSummary());
    expect(r.summary('')).toEqual(zeroSummary());
    expect(r.active('nope')).toEqual([]);
    expect(r.get('nope')).toBeUndefined();
  });

  it('unregister and unregisterAll stop collectors (sessions go to the history)', async () => {
    const r = new Registry();
    const a = mk('a');
    const b = mk('b');
    r.register(a);
    r.register(b);
    a.registerAndActivate('s', 'r', 'l', 'p');
    b.registerAndActivate('s', 'r', 'l', 'p');
    expect(r.summary('a').activeSessions).toBe(1);
    expect(await r.unregister('a')).toBe(true);
    expect(await r.unregister('a')).toBe(false);
    expect(a.running).toBe(false);
    expect(a.summary().history.totals.sessions).toBe(1);
    expect(r.summary('a')).toEqual(zeroSummary());
    await r.unregisterAll();
    expect(b.running).toBe(false);
    expect(b.summary().history.totals.sessions).toBe(1);
    expect(r.ids()).toEqual([]);
  });
});

describe('createLocalCore (spec §1.1)', () => {
  it('registers Core\'s 7 collectors with their timeouts, limits and companions', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'engine-core-'));
    try {
      const clock = new FakeClock(0);
      const core = createLocalCore({ maxBitrateMbit: 100, maxSessions: 50, ignoreIps: ['127.0.0.1/32'] }, { clock, dataDir });
      expect(core.registry.ids()).toEqual([...COLLECTOR_IDS]);
      // 24: every collector except hlsingress reports max tx 100 mbit and max rx 0
      for (const id of COLLECTOR_IDS) {
        const s = core.registry.summary(id);
        expect([s.maxTxBitsPerSec, s.maxRxBitsPerSec, s.maxSessions], id).toEqual(id === 'hlsingress' ? [0, 0, 0] : [100 * 1024 * 1024, 0, 50]);
      }
      const { hls, hlsingress, rtmp, srt, ffmpeg, http } = core.collectors;
      expect([hls.sessionTimeoutMs, hls.inactiveTimeoutMs]).toEqual([30_000, 5_000]);
      expect([hlsingress.sessionTimeoutMs, hlsingress.inactiveTimeoutMs]).toEqual([30_000, 30_000]);
      expect(hls.isCollectableIp('127.0.0.1')).toBe(false);
      expect(hlsingress.isCollectableIp('127.0.0.1')).toBe(true);
      // companions: hls, rtmp, srt, ffmpeg see each other's top egress; http is alone
      for (const [i, c] of [hls, rtmp, srt, ffmpeg].entries()) {
        c.registerAndActivate('s', 'r', 'l', 'p');
        c.setTopEgressBitrate('s', 10 ** i);
      }
      http.registerAndActivate('HTTP', '', 'any', 'any');
      http.setTopEgressBitrate('HTTP', 5000);
      for (const c of [hls, rtmp, srt, ffmpeg]) expect(c.companionTopEgressBitrate()).toBe(1111);
      expect(http.companionTopEgressBitrate()).toBe(5000);
      await core.stop();
      const file = JSON.parse(readFileSync(join(dataDir, 'sessions', 'rtmp.json'), 'utf8'));
      expect(file.sessions['l:p:r'].total_sessions).toBe(1);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('defaults: empty ignore list, 30 s timeout, persistence on; invalid CIDRs throw', async () => {
    expect(DEFAULT_ENGINE_SETTINGS).toEqual({ sessionTimeoutSec: 30, persist: true, persistIntervalSec: 300, maxSessions: 0, maxBitrateMbit: 0, ignoreIps: [], historyMaxEntries: 10_000 });
    const core = createLocalCore({ persist: false }, { clock: new FakeClock(), dataDir: '/nonexistent' });
    expect(core.collectors.hls.isCollectableIp('127.0.0.1')).toBe(true);
    expect(core.collectors.https.persistPath).toBeUndefined();
    expect(core.collectors.rtmp.maxTxBitsPerSec).toBe(0);
    await core.stop();
    expect(() => createLocalCore({ ignoreIps: ['nope'] }, { clock: new FakeClock(), dataDir: '/nonexistent' })).toThrow(/invalid CIDR/);
  });
});
