import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../../src/main/log.ts';
import { TimeseriesStore, type RoundInput, type RoundSample } from '../../../src/main/timeseries/store.ts';
import { connectingGraceMs, querySeries } from '../../../src/main/timeseries/query.ts';
import { DEFAULT_TIMESERIES_SETTINGS, tiersOf } from '../../../src/main/timeseries/settings.ts';

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const T0 = Date.UTC(2026, 11, 1, 22, 0, 0); // two hours before a UTC midnight
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openStore(nowRef: { ms: number }, maxBytes = 64e6): TimeseriesStore {
  const dir = mkdtempSync(join(tmpdir(), 'ts-store-'));
  dirs.push(dir);
  return new TimeseriesStore({ file: join(dir, 'timeseries.sqlite'), maxBytes, tiers: tiersOf(DEFAULT_TIMESERIES_SETTINGS), log: memoryLogger(), now: () => nowRef.ms, dayOf: utcDay });
}

/** A deterministic pseudo-random sequence (no Math.random: the figures must be reproducible). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SERIES = [
  { core: 'local', stream: 'cam', protocol: 'hls' },
  { core: 'local', stream: 'cam', protocol: 'rtmp' },
  { core: 'remote', stream: 'studio', protocol: 'srt' },
];

/** 3 h of 10 s rounds for three series, with bursts and silences. */
function script(): Array<{ startMs: number; samples: RoundSample[] }> {
  const rnd = lcg(42);
  const rounds: Array<{ startMs: number; samples: RoundSample[] }> = [];
  for (let i = 0; i < 3 * 360; i++) {
    const samples: RoundSample[] = [];
    for (const s of SERIES) {
      if (rnd() < 0.1) continue; // no session of this series in this round
      samples.push({ ...s, viewers: Math.floor(rnd() * 40), publishers: rnd() < 0.8 ? 1 : 0, rxBytes: Math.floor(rnd() * 5e6), txBytes: Math.floor(rnd() * 9e7) });
    }
    rounds.push({ startMs: T0 + i * 10_000, samples });
  }
  return rounds;
}

function round(startMs: number, samples: RoundSample[], state = 'running'): RoundInput {
  return { startMs, durSec: 10, samples, coreStates: [{ core: '*', state: 'running' }, { core: 'local', state }, { core: 'remote', state: 'online' }], uniques: [] };
}

interface Agg {
  dur: number;
  viewerS: number;
  viewersMax: number;
  publisherS: number;
  publishersMax: number;
  rx: number;
  tx: number;
}

/** The tiers computed directly from the raw samples, independently of the store's SQL. */
function direct(rounds: ReturnType<typeof script>, bucketSec: number, keyOf: (startMs: number) => string | number = (ms) => Math.floor(ms / 1000 / bucketSec) * bucketSec): Map<string, Agg> {
  const out = new Map<string, Agg>();
  for (const r of rounds) {
    for (const s of r.samples) {
      const k = `${keyOf(r.startMs)}|${s.core}|${s.stream}|${s.protocol}`;
      const a = out.get(k) ?? { dur: 0, viewerS: 0, viewersMax: 0, publisherS: 0, publishersMax: 0, rx: 0, tx: 0 };
      a.dur += 10;
      a.viewerS += s.viewers * 10;
      a.viewersMax = Math.max(a.viewersMax, s.viewers);
      a.publisherS += s.publishers * 10;
      a.publishersMax = Math.max(a.publishersMax, s.publishers);
      a.rx += s.rxBytes;
      a.tx += s.txBytes;
      out.set(k, a);
    }
  }
  return out;
}

function stored(store: TimeseriesStore, table: string, keyCol = 't'): Map<string, Agg> {
  const rows = store.db
    .prepare(`SELECT a.${keyCol} AS k, s.core, s.stream, s.protocol, a.* FROM ${table} a JOIN series s ON s.id = a.series`)
    .all() as Array<Record<string, number | string>>;
  const out = new Map<string, Agg>();
  for (const r of rows) {
    out.set(`${r.k}|${r.core}|${r.stream}|${r.protocol}`, {
      dur: Number(r.dur_s),
      viewerS: Number(r.viewer_s),
      viewersMax: Number(r.viewers_max),
      publisherS: Number(r.publisher_s),
      publishersMax: Number(r.publishers_max),
      rx: Number(r.rx_bytes),
      tx: Number(r.tx_bytes),
    });
  }
  return out;
}

describe('time-series store: tiers', () => {
  it('the 1-minute, 1-hour and daily tiers equal a direct computation on the raw samples', () => {
    const now = { ms: T0 };
    const store = openStore(now);
    const rounds = script();
    for (const r of rounds) {
      now.ms = r.startMs + 10_000;
      expect(store.writeRound(round(r.startMs, r.samples))).toBe(true);
      // Upkeep in small steps between rounds, as the service runs it.
      store.maintain(1);
    }
    while (store.maintain(10));
    // Every complete minute is rolled up (the 3 h end on a minute boundary).
    expect(store.rolledUntilSec()).toBe((T0 + 3 * 3_600_000) / 1000);
    expect(stored(store, 'agg_60')).toEqual(direct(rounds, 60));
    expect(stored(store, 'agg_3600')).toEqual(direct(rounds, 3600));
    expect(stored(store, 'daily', 'day')).toEqual(direct(rounds, 86_400, utcDay));
    expect(new Set([...stored(store, 'daily', 'day').keys()].map((k) => k.split('|')[0]))).toEqual(new Set(['2026-12-01', '2026-12-02']));
    store.close();
  });

  it('a query at any step adds up the same sums from whichever tier it reads', () => {
    const now = { ms: T0 };
    const store = openStore(now);
    const rounds = script();
    for (const r of rounds) {
      now.ms = r.startMs + 10_000;
      store.writeRound(round(r.startMs, r.samples));
    }
    while (store.maintain(50));
    const key = { core: 'local', stream: 'cam', protocol: 'hls' };
    const raw = direct(rounds, 900);
    for (const stepSec of [10, 60, 900]) {
      const s = querySeries(store, { ...key, fromMs: T0, toMs: T0 + 3 * 3_600_000, stepSec }, now.ms);
      expect(s.stepSec).toBe(stepSec);
      // Sum the answer back into quarter hours and compare with the raw computation.
      const byQuarter = new Map<number, { tx: number; viewerS: number; peak: number }>();
      s.atMs.forEach((at, i) => {
        const q = Math.floor(at / 1000 / 900) * 900;
        const e = byQuarter.get(q) ?? { tx: 0, viewerS: 0, peak: 0 };
        e.tx += s.txBytes[i] ?? 0;
        e.viewerS += (s.viewers[i] ?? 0) * s.observedSec[i];
        e.peak = Math.max(e.peak, s.viewersPeak[i] ?? 0);
        byQuarter.set(q, e);
      });
      for (const [q, e] of byQuarter) {
        const d = raw.get(`${q}|local|cam|hls`)!;
        expect(e.tx).toBe(d.tx);
        expect(e.viewerS).toBeCloseTo(d.viewerS, 6);
        expect(e.peak).toBe(d.viewersMax);
      }
    }
    // The 1-hour chart of the last 24 h reads the minute tier (coarsest that holds it at a ≤ 2-minute step).
    expect(querySeries(store, { ...key, fromMs: now.ms - 86_400_000, toMs: now.ms }, now.ms).tierSec).toBe(60);
    store.close();
  });

  it('an outage is a gap (null, and listed with its state), not zeros; a stream without sessions is 0', () => {
    const now = { ms: T0 };
    const store = openStore(now);
    const cam = { core: 'local', stream: 'cam', protocol: 'hls', viewers: 5, publishers: 0, rxBytes: 0, txBytes: 1000 };
    for (let i = 0; i < 60; i++) {
      const startMs = T0 + i * 10_000;
      now.ms = startMs + 10_000;
      const down = i >= 20 && i < 30;
      const idle = i >= 40 && i < 50;
      store.writeRound(round(startMs, down || idle ? [] : [cam], down ? 'unreachable' : 'running'));
    }
    const s = querySeries(store, { core: 'local', stream: 'cam', protocol: 'hls', fromMs: T0, toMs: T0 + 600_000, stepSec: 10 }, now.ms);
    expect(s.viewers.slice(0, 20)).toEqual(new Array(20).fill(5));
    expect(s.viewers.slice(20, 30)).toEqual(new Array(10).fill(null));
    expect(s.viewers.slice(40, 50)).toEqual(new Array(10).fill(0));
    expect(s.gaps).toEqual([{ fromMs: T0 + 200_000, toMs: T0 + 300_000, state: 'unreachable' }]);
    // The app was off after the last round: a gap of state no-data up to "now".
    now.ms = T0 + 900_000;
    const later = querySeries(store, { core: 'local', fromMs: T0, toMs: now.ms, stepSec: 60 }, now.ms);
    expect(later.gaps.at(-1)).toEqual({ fromMs: T0 + 600_000, toMs: now.ms, state: 'no-data' });
    expect(later.viewers.slice(-5)).toEqual(new Array(5).fill(null));
    store.close();
  });

  it('all cores: a remote Core not answering is listed as missing from the sums (its viewers drop out), one core is not', () => {
    const now = { ms: T0 };
    const store = openStore(now);
    const local = { core: 'local', stream: 'cam', protocol: 'rtmp', viewers: 2, publishers: 1, rxBytes: 100, txBytes: 200 };
    const remote = { core: 'remote', stream: 'studio', protocol: 'srt', viewers: 7, publishers: 1, rxBytes: 300, txBytes: 700 };
    const fleet = (xs: RoundSample[]): RoundSample => ({ core: '*', stream: '*', protocol: '*', viewers: xs.reduce((a, x) => a + x.viewers, 0), publishers: xs.reduce((a, x) => a + x.publishers, 0), rxBytes: 0, txBytes: 0 });
    for (let i = 0; i < 60; i++) {
      const startMs = T0 + i * 10_000;
      now.ms = startMs + 10_000;
      // The remote Core is unreachable for rounds 20-29, paused by the operator for 40-44: the sampler leaves it out then.
      const state = i >= 20 && i < 30 ? 'unreachable' : i >= 40 && i < 45 ? 'paused' : 'online';
      const xs = state === 'online' ? [local, remote] : [local];
      store.writeRound({ startMs, durSec: 10, samples: [...xs, fleet(xs)], coreStates: [{ core: '*', state: 'running' }, { core: 'local', state: 'running' }, { core: 'remote', state }], uniques: [] });
    }
    const all = querySeries(store, { fromMs: T0, toMs: T0 + 600_000, stepSec: 10 }, now.ms);
    // The sums drop from 9 to 2 viewers while the remote Core is down: no gap (the app watched), but marked.
    expect(all.viewers.slice(18, 32)).toEqual([9, 9, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 9, 9]);
    expect(all.gaps).toEqual([]);
    expect(all.missingCores).toEqual([{ fromMs: T0 + 200_000, toMs: T0 + 300_000, core: 'remote', state: 'unreachable' }]);
    // Clipped to the range asked.
    expect(querySeries(store, { fromMs: T0 + 250_000, toMs: T0 + 260_000, stepSec: 10 }, now.ms).missingCores).toEqual([{ fromMs: T0 + 250_000, toMs: T0 + 260_000, core: 'remote', state: 'unreachable' }]);
    // One core's series: the remote one has its gap, the local one has nothing missing.
    expect(querySeries(store, { core: 'remote', fromMs: T0, toMs: T0 + 600_000, stepSec: 10 }, now.ms).gaps.map((g) => g.state)).toEqual(['unreachable', 'paused']);
    expect(querySeries(store, { core: 'local', fromMs: T0, toMs: T0 + 600_000, stepSec: 10 }, now.ms).missingCores).toEqual([]);
    store.close();
  });

  it('all cores: a remote Core `connecting` for the first round after each start is not missing; one that stays connecting past the grace is, whole', () => {
    const now = { ms: T0 };
    const store = openStore(now);
    const write = (i: number, state: string): void => {
      const startMs = T0 + i * 10_000;
      now.ms = startMs + 10_000;
      store.writeRound({ startMs, durSec: 10, samples: [], coreStates: [{ core: '*', state: 'running' }, { core: 'local', state: 'running' }, { core: 'remote', state }], uniques: [] });
    };
    // Three starts of the app (off between them: rounds 10-14 and 25-29): each begins with the remote Core's first poll.
    for (const [first, last] of [[0, 9], [15, 24], [30, 39]] as const) for (let i = first; i <= last; i++) write(i, i === first ? 'connecting' : 'online');
    // A fourth start where the first answer does not come: connecting for 4 rounds (40 s, over the 30 s grace), then unreachable.
    for (let i = 45; i <= 48; i++) write(i, 'connecting');
    for (let i = 49; i <= 50; i++) write(i, 'unreachable');
    expect(connectingGraceMs(10_000)).toBe(30_000);
    const all = querySeries(store, { fromMs: T0, toMs: T0 + 510_000, stepSec: 10 }, now.ms);
    expect(all.missingCores).toEqual([
      { fromMs: T0 + 450_000, toMs: T0 + 490_000, core: 'remote', state: 'connecting' },
      { fromMs: T0 + 490_000, toMs: T0 + 510_000, core: 'remote', state: 'unreachable' },
    ]);
    // A range that cuts the long wait keeps it (its whole length counts), clipped.
    expect(querySeries(store, { fromMs: T0 + 480_000, toMs: T0 + 490_000, stepSec: 10 }, now.ms).missingCores).toEqual([{ fromMs: T0 + 480_000, toMs: T0 + 490_000, core: 'remote', state: 'connecting' }]);
    // The Core's own series still has its gaps there (its numbers are not known while it connects).
    expect(querySeries(store, { core: 'remote', fromMs: T0, toMs: T0 + 100_000, stepSec: 10 }, now.ms).viewers[0]).toBeNull();
    store.close();
  });
});
