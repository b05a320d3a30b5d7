/**
 * A year of audience (walk3, stop 38): the hour tier and the daily table seeded with a year of hours (as the roll-up
 * leaves them), then read as the charts and the report read them. A year's chart has one bucket a day from the hour
 * tier; a bucket's peak is the highest hour's peak, its viewer-seconds and bytes the sums of its hours; ten days the
 * app was off are null and one gap; the report's viewer-hours total is the sum of its rows, its peak the highest; a
 * range with no data at all answers nulls and one gap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../../src/main/log.ts';
import { TimeseriesStore } from '../../../src/main/timeseries/store.ts';
import { dailyReport, querySeries } from '../../../src/main/timeseries/query.ts';
import { DEFAULT_TIMESERIES_SETTINGS, tiersOf } from '../../../src/main/timeseries/settings.ts';
import { timeTicks } from '../../../src/renderer/src/timeseries/range.ts';

const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 7, 0, 0, 20); // just after a UTC midnight
const YEAR_START = NOW - 20_000 - 365 * DAY; // a UTC midnight, 365 days back
/** The app was off for these ten days (no span, no rows). */
const OFF_FROM = YEAR_START + 150 * DAY;
const OFF_TO = OFF_FROM + 10 * DAY;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The hour `h`'s figures: a daily curve with a yearly growth, and one record hour. */
function hourOf(h: number): { viewersMax: number; viewerS: number; tx: number; rx: number } {
  const hourOfDay = h % 24;
  const base = 2 + Math.floor(h / (24 * 30)) + (hourOfDay >= 18 && hourOfDay < 23 ? 10 : 0);
  const viewersMax = h === 200 * 24 + 20 ? 977 : base + 3;
  return { viewersMax, viewerS: base * 3600, tx: base * 1_000_000 + hourOfDay, rx: 400_000 };
}

function seededStore(): { store: TimeseriesStore; sums: { viewerS: number; tx: number; peak: number; peakAtMs: number } } {
  const dir = mkdtempSync(join(tmpdir(), 'ts-year-'));
  dirs.push(dir);
  const now = { ms: NOW };
  const store = new TimeseriesStore({ file: join(dir, 'timeseries.sqlite'), maxBytes: 256e6, tiers: tiersOf(DEFAULT_TIMESERIES_SETTINGS), log: memoryLogger(), now: () => now.ms, dayOf: utcDay });
  // One round now makes the series and the roll-up mark, as the sampler's first round does.
  const zero = { viewers: 0, publishers: 0, rxBytes: 0, txBytes: 0 };
  store.writeRound({
    startMs: NOW - 20_000,
    durSec: 10,
    samples: [
      { core: 'local', stream: 'cam', protocol: 'rtmp', ...zero },
      { core: 'local', stream: 'cam', protocol: '*', ...zero },
      { core: 'local', stream: '*', protocol: '*', ...zero },
      { core: '*', stream: '*', protocol: '*', ...zero },
    ],
    coreStates: [{ core: '*', state: 'running' }, { core: 'local', state: 'running' }],
    uniques: [],
  });
  const db = store.db;
  const ids = (db.prepare("SELECT id FROM series WHERE protocol = '*'").all() as Array<{ id: number }>).map((r) => r.id);
  const insertHour = db.prepare('INSERT INTO agg_3600 (t, series, dur_s, viewer_s, viewers_max, publisher_s, publishers_max, rx_bytes, tx_bytes) VALUES (?, ?, 3600, ?, ?, 3600, 1, ?, ?)');
  const insertDay = db.prepare('INSERT INTO daily (day, series, dur_s, viewer_s, viewers_max, publisher_s, publishers_max, rx_bytes, tx_bytes) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)');
  const insertSpan = db.prepare("INSERT INTO spans (core, start_ms, end_ms, state) VALUES (?, ?, ?, 'running')");
  const sums = { viewerS: 0, tx: 0, peak: 0, peakAtMs: 0 };
  db.exec('BEGIN');
  for (const core of ['*', 'local']) {
    insertSpan.run(core, YEAR_START, OFF_FROM);
    insertSpan.run(core, OFF_TO, NOW - 20_000);
  }
  for (let d = 0; d < 365; d++) {
    const dayMs = YEAR_START + d * DAY;
    if (dayMs >= OFF_FROM && dayMs < OFF_TO) continue;
    const day = { dur: 0, viewerS: 0, max: 0, rx: 0, tx: 0 };
    for (let hh = 0; hh < 24; hh++) {
      const h = d * 24 + hh;
      const x = hourOf(h);
      const t = (dayMs + hh * HOUR) / 1000;
      for (const id of ids) insertHour.run(t, id, x.viewerS, x.viewersMax, x.rx, x.tx);
      day.dur += 3600;
      day.viewerS += x.viewerS;
      day.max = Math.max(day.max, x.viewersMax);
      day.rx += x.rx;
      day.tx += x.tx;
      sums.viewerS += x.viewerS;
      sums.tx += x.tx;
      if (x.viewersMax > sums.peak) {
        sums.peak = x.viewersMax;
        sums.peakAtMs = dayMs + hh * HOUR;
      }
    }
    for (const id of ids) insertDay.run(utcDay(dayMs), id, day.dur, day.viewerS, day.max, day.dur, day.rx, day.tx);
  }
  db.exec('COMMIT');
  return { store, sums };
}

describe('a year of audience (the hour tier and the daily table)', () => {
  it('the year chart: a bucket a day from the hour tier, peaks that are peaks, sums that are sums, the days off a gap', () => {
    const { store, sums } = seededStore();
    for (const q of [{}, { core: 'local', stream: 'cam' }]) {
      const s = querySeries(store, { ...q, fromMs: YEAR_START, toMs: NOW }, NOW);
      expect([s.stepSec, s.tierSec, s.atMs.length]).toEqual([86_400, 3600, 366]);
      const peaks = s.viewersPeak.filter((v): v is number => v !== null);
      expect(Math.max(...peaks)).toBe(sums.peak);
      // The record hour's day holds the record.
      const b = s.atMs.findIndex((at) => at <= sums.peakAtMs && sums.peakAtMs < at + DAY);
      expect(s.viewersPeak[b]).toBe(977);
      // Bytes and viewer-seconds add up to the hours' (average × observed seconds per bucket).
      expect(s.txBytes.reduce<number>((a, v) => a + (v ?? 0), 0)).toBe(sums.tx);
      expect(s.viewers.reduce<number>((a, v, i) => a + (v ?? 0) * s.observedSec[i]!, 0)).toBeCloseTo(sums.viewerS, 3);
      // An average is never above its peak.
      s.viewers.forEach((v, i) => v !== null && expect(v).toBeLessThanOrEqual(s.viewersPeak[i]!));
      // The ten days off: null, and one gap of state no-data over them.
      const off = s.atMs.map((at, i) => (at >= OFF_FROM && at < OFF_TO ? s.viewers[i] : 'on')).filter((v) => v !== 'on');
      expect(off).toEqual(new Array(10).fill(null));
      expect(s.gaps.filter((g) => g.fromMs >= YEAR_START + DAY && g.toMs <= NOW - DAY)).toEqual([{ fromMs: OFF_FROM, toMs: OFF_TO, state: 'no-data' }]);
    }
    store.close();
  });

  it("with the page's time zone (New York) a year's buckets start at its local midnights, the axis ticks' days; the sums stay whole across DST", () => {
    const { store, sums } = seededStore();
    const before = process.env.TZ;
    process.env.TZ = 'America/New_York'; // the renderer's zone: its ticks are this zone's midnights
    try {
      const s = querySeries(store, { fromMs: YEAR_START, toMs: NOW, tz: 'America/New_York' }, NOW);
      expect([s.stepSec, s.tierSec]).toEqual([86_400, 3600]);
      // Every bucket starts at a local midnight (UTC's are 19:00 or 20:00 here); a DST day is 23 or 25 hours long.
      expect(s.atMs.filter((at) => new Date(at).getHours() !== 0 || new Date(at).getMinutes() !== 0)).toEqual([]);
      const lengthsH = new Set(s.atMs.slice(1).map((at, i) => (at - s.atMs[i]!) / HOUR));
      expect(lengthsH).toEqual(new Set([23, 24, 25]));
      // Each bucket holds the hours between its local midnights (a direct sum of the seeded hours), none twice or lost.
      const bucketTx = s.atMs.map((at, i) => {
        const end = s.atMs[i + 1] ?? Infinity;
        let tx = 0;
        for (let h = 0; h < 365 * 24; h++) {
          const t = YEAR_START + h * HOUR;
          if (t >= at && t < end && !(t >= OFF_FROM && t < OFF_TO)) tx += hourOf(h).tx;
        }
        return tx;
      });
      expect(s.txBytes.map((v) => v ?? 0)).toEqual(bucketTx);
      expect(s.txBytes.reduce<number>((a, v) => a + (v ?? 0), 0)).toBe(sums.tx);
      expect(s.viewers.reduce<number>((a, v, i) => a + (v ?? 0) * s.observedSec[i]!, 0)).toBeCloseTo(sums.viewerS, 3);
      // The axis of ten of those days: every tick (a local midnight) is a bucket's start.
      const from = YEAR_START + 300 * DAY;
      const tenDays = querySeries(store, { fromMs: from, toMs: from + 10 * DAY, stepSec: 86_400, tz: 'America/New_York' }, NOW);
      const ticks = timeTicks(from, from + 10 * DAY, 12);
      expect(ticks.length).toBeGreaterThanOrEqual(9);
      expect(ticks.filter((t) => !tenDays.atMs.includes(t))).toEqual([]);
      // Without a zone, UTC days as before: none of those ticks is a bucket's start.
      expect(ticks.filter((t) => querySeries(store, { fromMs: from, toMs: from + 10 * DAY, stepSec: 86_400 }, NOW).atMs.includes(t))).toEqual([]);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
    store.close();
  });

  it('the report per month over the year: viewer-hours total = its rows\' sum = the hours\', peak = the highest row\'s', () => {
    const { store, sums } = seededStore();
    const r = dailyReport(store, { fromMs: YEAR_START, toMs: NOW, period: 'month' });
    const cam = r.rows.filter((row) => row.stream === 'cam');
    expect(cam.length).toBe(13); // Dec 2025 to Dec 2026 (the first day of Dec 2026's rows too)
    const rowHours = r.rows.reduce((a, row) => a + row.viewerHours, 0);
    expect(r.totals.viewerHours).toBeCloseTo(rowHours, 6);
    expect(cam.reduce((a, row) => a + row.viewerHours, 0)).toBeCloseTo(sums.viewerS / 3600, 6);
    expect(cam.reduce((a, row) => a + row.egressBytes, 0)).toBe(sums.tx);
    expect(r.totals.peakViewers).toBe(sums.peak);
    expect(Math.max(...cam.map((row) => row.peakViewers))).toBe(sums.peak);
    store.close();
  });

  it('a range with no data at all: nulls, one gap, no row', () => {
    const { store } = seededStore();
    const from = YEAR_START - 200 * DAY;
    const s = querySeries(store, { fromMs: from, toMs: YEAR_START - 100 * DAY }, NOW);
    expect(s.viewers.every((v) => v === null)).toBe(true);
    expect(s.gaps).toEqual([{ fromMs: from, toMs: YEAR_START - 100 * DAY, state: 'no-data' }]);
    expect(s.missingCores).toEqual([]);
    expect(dailyReport(store, { fromMs: from, toMs: YEAR_START - 100 * DAY }).rows).toEqual([]);
    store.close();
  });
});
