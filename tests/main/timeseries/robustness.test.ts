import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, openSync, closeSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../../src/main/log.ts';
import { TimeseriesStore, type RoundSample } from '../../../src/main/timeseries/store.ts';
import { querySeries } from '../../../src/main/timeseries/query.ts';
import { DEFAULT_TIMESERIES_SETTINGS, tiersOf } from '../../../src/main/timeseries/settings.ts';

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const T0 = Date.UTC(2026, 5, 1);
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(maxBytes: number): { file: string; lines: string[]; now: { ms: number }; open: () => TimeseriesStore } {
  const dir = mkdtempSync(join(tmpdir(), 'ts-robust-'));
  dirs.push(dir);
  const file = join(dir, 'timeseries.sqlite');
  const lines: string[] = [];
  const now = { ms: T0 };
  const open = (): TimeseriesStore => new TimeseriesStore({ file, maxBytes, tiers: tiersOf(DEFAULT_TIMESERIES_SETTINGS), log: memoryLogger(lines), now: () => now.ms, dayOf: utcDay });
  return { file, lines, now, open };
}

function samples(n: number, i: number): RoundSample[] {
  return Array.from({ length: n }, (_, s) => ({ core: 'c' + (s % 10), stream: 'stream-' + s, protocol: 'hls', viewers: (s + i) % 17, publishers: 1, rxBytes: 1_000_000 + s * 7 + i, txBytes: 5_000_000 + s * 13 + i }));
}

const round = (startMs: number, x: RoundSample[]) => ({ startMs, durSec: 10, samples: x, coreStates: ['*', ...Array.from({ length: 10 }, (_, c) => 'c' + c)].map((core) => ({ core, state: 'running' })), uniques: [] });
const onDisk = (file: string): number => ['', '-wal'].reduce((sum, s) => sum + (existsSync(file + s) ? statSync(file + s).size : 0), 0);

describe('time-series store: size bound, full disk, corrupt file', () => {
  it('retention keeps the file and its log under the size bound while the newest rounds keep coming', () => {
    const maxBytes = 2_000_000;
    const { file, now, open } = setup(maxBytes);
    const store = open();
    let peak = 0;
    let failed = 0;
    // 10 simulated hours of 100 series: about 10 MB of rows without the bound.
    for (let i = 0; i < 3600; i++) {
      now.ms = T0 + (i + 1) * 10_000;
      if (!store.writeRound(round(T0 + i * 10_000, samples(100, i)))) failed++;
      store.maintain(2);
      if (i % 50 === 0) peak = Math.max(peak, onDisk(file));
    }
    while (store.maintain(10));
    peak = Math.max(peak, onDisk(file));
    expect(peak).toBeLessThanOrEqual(maxBytes);
    // The bound is kept by trimming ahead of it, so no round was refused.
    expect(failed).toBe(0);
    expect(store.status()).toMatchObject({ ok: true, maxBytes });
    // The newest samples are there; the oldest raw samples went first, the hour tier still starts at the beginning.
    const minRaw = (store.db.prepare('SELECT MIN(t) AS t FROM raw').get() as { t: number }).t;
    expect(minRaw).toBeGreaterThan(T0 / 1000 + 3600);
    expect(store.lastRoundEndMs()).toBe(T0 + 3600 * 10_000);
    expect((store.db.prepare('SELECT MIN(t) AS t FROM agg_3600').get() as { t: number }).t).toBe(T0 / 1000);
    store.close();
  });

  it('a full database: a clear error, logged once, queries still answer, and writing resumes once trimmed', () => {
    const maxBytes = 400_000;
    const { now, lines, open } = setup(maxBytes);
    const store = open();
    // Rounds far too big for the bound: the page budget runs out (SQLITE_FULL, as a full disk would).
    let i = 0;
    let ok = true;
    for (; i < 100 && ok; i++) {
      now.ms = T0 + (i + 1) * 10_000;
      ok = store.writeRound(round(T0 + i * 10_000, samples(3000, i)));
    }
    expect(ok).toBe(false);
    const status = store.status();
    expect(status.ok).toBe(false);
    expect(status.error).toMatch(/full \(size bound 0 MB or the disk\)/);
    expect(lines.filter((l) => /ERROR .*full/.test(l))).toHaveLength(1);
    expect(() => querySeries(store, { fromMs: T0, toMs: now.ms }, now.ms)).not.toThrow();
    // Smaller rounds over the next hours: the oldest data is dropped and rounds are written again.
    let resumed = -1;
    for (let k = 0; k < 1000 && resumed < 0; k++, i++) {
      now.ms = T0 + (i + 1) * 10_000;
      if (store.writeRound(round(T0 + i * 10_000, samples(5, i)))) resumed = k;
      while (store.maintain(5));
    }
    expect(resumed).toBeGreaterThanOrEqual(0);
    expect(store.status().ok).toBe(true);
    store.close();
  });

  it('a file that is not a database is moved aside, logged, and a fresh one works', () => {
    const { file, lines, now, open } = setup(10e6);
    writeFileSync(file, 'this is not a database, just some text that happens to be here'.repeat(100));
    const store = open();
    const aside = readdirSync(join(file, '..')).filter((n) => n.includes('.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(lines.some((l) => /ERROR .*damaged: moved aside/.test(l) && l.includes(aside[0]))).toBe(true);
    expect(store.writeRound(round(T0, samples(3, 0)))).toBe(true);
    now.ms = T0 + 10_000;
    expect(querySeries(store, { core: 'c0', stream: 'stream-0', protocol: 'hls', fromMs: T0, toMs: T0 + 10_000, stepSec: 10 }, now.ms).txBytes).toEqual([5_000_000]);
    store.close();
  });

  it('a damaged page found after a crash is moved aside too', () => {
    const { file, lines, now, open } = setup(10e6);
    const first = open();
    for (let i = 0; i < 200; i++) first.writeRound(round(T0 + i * 10_000, samples(50, i)));
    first.close();
    // As after kill -9 (no clean close), with garbage written over pages in the middle of the file.
    const db = new DatabaseSync(file);
    db.exec("UPDATE meta SET value = '0' WHERE key = 'clean'");
    db.close();
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(4096 * 3, 0xa5), 0, 4096 * 3, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    now.ms = T0 + 3_000_000;
    const store = open();
    expect(readdirSync(join(file, '..')).some((n) => n.includes('.corrupt-'))).toBe(true);
    expect(lines.some((l) => /ERROR .*damaged/.test(l))).toBe(true);
    expect(store.lastRoundEndMs()).toBeNull();
    expect(store.writeRound(round(now.ms, samples(2, 0)))).toBe(true);
    store.close();
  });
});
