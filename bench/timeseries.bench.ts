/**
 * The time-series history at fleet scale (issue 12): 100 cores × 20 streams × 3 protocols (HLS, RTMP, SRT), sampled
 * every 10 s. `npm run bench -- timeseries`.
 *
 * - Insert: the last 2 h are written through the real path (Sampler over a 12 000-session snapshot, one transaction
 *   per round, upkeep after each): median/p95 per round, and the upkeep steps (roll-ups of 8 101 series per minute).
 * - Older days are inserted straight into the aggregate tiers (said so below): the minute tier for the last 24 h,
 *   the hour tier and the daily table for 30 days. Writing 30 days of 10 s rounds through the sampler would take
 *   ~259 000 rounds (over an hour here), and raw samples are kept for 48 h only anyway.
 * - Queries: p95 of a 30-day range of one stream and of all streams (the stored fleet total), aim ≤ 50 ms; also 24 h
 *   and 1 h of one stream. Then the file's size, its bytes per row, the size the default retentions would need at
 *   this fleet size, and the process's memory.
 */
import { mkdtempSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../src/main/log.ts';
import { Sampler } from '../src/main/timeseries/sampler.ts';
import { TimeseriesStore, localDayOf } from '../src/main/timeseries/store.ts';
import { querySeries } from '../src/main/timeseries/query.ts';
import { HyperLogLog } from '../src/main/timeseries/hll.ts';
import { DEFAULT_TIMESERIES_SETTINGS, tiersOf } from '../src/main/timeseries/settings.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../src/shared/types.ts';

const CORES = 100;
const STREAMS = 20;
const PROTOCOLS = ['hls', 'rtmp', 'srt'] as const;
const STEP_SEC = 10;
const MEASURED_ROUNDS = 720; // 2 h
const AIM_QUERY_MS = 50;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]!;
}
const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;
const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`;

/** 12 000 sessions: per core and stream an RTMP publisher, 3 HLS viewers, 1 RTMP player, 1 SRT player. */
function fleet(): { cores: CoreInfo[]; sessions: SessionRow[] } {
  const cores: CoreInfo[] = Array.from({ length: CORES }, (_, c) => ({ id: `core-${c}`, name: `core-${c}`, kind: 'remote', url: '', state: 'online' }));
  const sessions: SessionRow[] = [];
  const row = (core: string, collector: string, id: string, reference: string, location: string, extra = ''): SessionRow => ({
    core, collector, id, reference, location, peer: `192.0.2.${sessions.length % 250}:${1000 + (sessions.length % 60000)}`, extra, createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0,
  });
  for (const c of cores) {
    for (let s = 0; s < STREAMS; s++) {
      const key = `stream-${s}`;
      sessions.push(row(c.id, 'rtmp', `/live/${key}.stream`, `/live/${key}`, `publish:/live/${key}.stream`));
      for (let v = 0; v < 3; v++) sessions.push(row(c.id, 'hls', `${key}-h${v}`, key, `/memfs/${key}.m3u8`, `[203.0.113.0] viewer-${v}`));
      sessions.push(row(c.id, 'rtmp', `${key}-r`, `/live/${key}`, `play:/live/${key}.stream`));
      sessions.push(row(c.id, 'srt', `${key}-s`, key, `play:${key}`));
    }
  }
  return { cores, sessions };
}

export default async function bench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ts-bench-'));
  const file = join(dir, 'timeseries.sqlite');
  const endMs = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  let nowMs = endMs - MEASURED_ROUNDS * STEP_SEC * 1000;
  const settings = { ...DEFAULT_TIMESERIES_SETTINGS, maxMb: 50_000 };
  const store = new TimeseriesStore({ file, maxBytes: settings.maxMb * 1e6, tiers: tiersOf(settings), log: createLogger('bench', 'error'), now: () => nowMs, dayOf: localDayOf });
  const sampler = new Sampler({ intervalSec: STEP_SEC, dayOf: localDayOf, loadUniques: (d, c, s) => store.loadUniques(d, c, s) });
  const { cores, sessions } = fleet();
  console.log(`  fleet: ${CORES} cores × ${STREAMS} streams × ${PROTOCOLS.length} protocols, ${sessions.length} sessions, one round = ${CORES * STREAMS * PROTOCOLS.length} series + ${CORES * STREAMS} stream totals + ${CORES + 1} core/fleet totals`);

  // 1. The last 2 h through the real path.
  const roundMs: number[] = [];
  const upkeepMs: number[] = [];
  for (let i = 0; i < MEASURED_ROUNDS; i++) {
    nowMs += STEP_SEC * 1000;
    for (const s of sessions) {
      if (s.location.startsWith('publish:')) s.rxBytes += 3_000_000;
      else s.txBytes += 3_000_000;
    }
    const snapshot: Snapshot = { atMs: nowMs, cores, collectors: [], sessions };
    const t0 = performance.now();
    const ok = store.writeRound(sampler.round(snapshot, nowMs));
    roundMs.push(performance.now() - t0);
    if (!ok) throw new Error(`round ${i} failed: ${store.status().error}`);
    const t1 = performance.now();
    store.maintain(1);
    upkeepMs.push(performance.now() - t1);
  }
  roundMs.sort((a, b) => a - b);
  upkeepMs.sort((a, b) => a - b);
  const rssSampling = process.memoryUsage().rss;
  console.log(`  insert per sample round (sampler + one transaction of ${CORES * STREAMS * 4 + CORES + 1} rows), ${MEASURED_ROUNDS} rounds = 2 h: median ${fmt(pct(roundMs, 0.5))}, p95 ${fmt(pct(roundMs, 0.95))}, max ${fmt(roundMs.at(-1)!)}`);
  console.log(`  upkeep step after each round (roll-up of one minute when due, expiry): median ${fmt(pct(upkeepMs, 0.5))}, p95 ${fmt(pct(upkeepMs, 0.95))}, max ${fmt(upkeepMs.at(-1)!)}`);

  // 2. Older days straight into the aggregate tiers.
  const db = store.db;
  const seriesIds = (db.prepare('SELECT id FROM series').all() as Array<{ id: number }>).map((r) => r.id);
  const firstRawS = (db.prepare('SELECT MIN(t) AS t FROM raw').get() as { t: number }).t;
  const t2 = performance.now();
  const fill = (table: string, key: 't' | 'day', times: Array<number | string>, durS: number): number => {
    const ins = db.prepare(`INSERT OR IGNORE INTO ${table} (${key}, series, dur_s, viewer_s, viewers_max, publisher_s, publishers_max, rx_bytes, tx_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    let n = 0;
    db.exec('BEGIN');
    for (const t of times) {
      for (const id of seriesIds) {
        const v = (id * 7 + n) % 9;
        ins.run(t, id, durS, v * durS, v + 2, durS, 1, 300_000 * durS, 900_000 * durS);
        if (++n % 200_000 === 0) {
          db.exec('COMMIT');
          db.exec('BEGIN');
        }
      }
    }
    db.exec('COMMIT');
    return n;
  };
  const minutes = Array.from({ length: 24 * 60 - 120 }, (_, i) => firstRawS - (i + 1) * 60);
  const hours = Array.from({ length: 30 * 24 - 2 }, (_, i) => firstRawS - (i + 1) * 3600);
  const days = Array.from({ length: 30 }, (_, i) => localDayOf((firstRawS - (i + 1) * 86_400) * 1000));
  const rowsMin = fill('agg_60', 't', minutes, 60);
  const rowsHour = fill('agg_3600', 't', hours, 3600);
  const rowsDay = fill('daily', 'day', days, 86_400);
  // Spans for the whole 30 days (the cores were online), so the older buckets count as observed.
  db.prepare('UPDATE spans SET start_ms = ? WHERE 1').run((firstRawS - 30 * 86_400) * 1000);
  const uniq = new HyperLogLog();
  for (let v = 0; v < 500; v++) uniq.add(`viewer-${v}`);
  const insUniq = db.prepare('INSERT OR REPLACE INTO uniques (day, core, stream, hll) VALUES (?, ?, ?, ?)');
  db.exec('BEGIN');
  for (const d of days) for (let c = 0; c < CORES; c++) for (let s = 0; s < STREAMS; s++) insUniq.run(d, `core-${c}`, `stream-${s}`, uniq.encode());
  db.exec('COMMIT');
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  console.log(`  older days inserted straight into the tiers (not through the sampler): ${rowsMin} minute rows (last 24 h), ${rowsHour} hour rows and ${rowsDay} daily rows (30 d), in ${((performance.now() - t2) / 1000).toFixed(1)} s`);

  // 3. Queries.
  const time = (n: number, q: (i: number) => void): number[] => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      q(i);
      out.push(performance.now() - t0);
    }
    return out.sort((a, b) => a - b);
  };
  const span = (days: number) => ({ fromMs: endMs - days * 86_400_000, toMs: endMs });
  let buckets = 0;
  const one30 = time(40, (i) => {
    buckets = querySeries(store, { core: `core-${(i * 37) % CORES}`, stream: `stream-${i % STREAMS}`, ...span(30) }, endMs).atMs.length;
  });
  const all30 = time(40, () => querySeries(store, span(30), endMs));
  const one24h = time(40, (i) => querySeries(store, { core: `core-${(i * 37) % CORES}`, stream: `stream-${i % STREAMS}`, ...span(1) }, endMs));
  const one1h = time(40, (i) => querySeries(store, { core: `core-${(i * 37) % CORES}`, stream: `stream-${i % STREAMS}`, protocol: 'hls', fromMs: endMs - 3_600_000, toMs: endMs }, endMs));
  const mark = (ms: number): string => (ms <= AIM_QUERY_MS ? 'within the aim' : 'OVER the aim');
  console.log(`  query, one stream, 30 days (${buckets} hourly buckets): p95 ${fmt(pct(one30, 0.95))} (median ${fmt(pct(one30, 0.5))}); aim ≤ ${AIM_QUERY_MS} ms: ${mark(pct(one30, 0.95))}`);
  console.log(`  query, all streams of all cores, 30 days: p95 ${fmt(pct(all30, 0.95))} (median ${fmt(pct(all30, 0.5))}); aim ≤ ${AIM_QUERY_MS} ms: ${mark(pct(all30, 0.95))}`);
  console.log(`  query, one stream, 24 h (minute tier): p95 ${fmt(pct(one24h, 0.95))}; one stream and protocol, 1 h (raw 10 s): p95 ${fmt(pct(one1h, 0.95))}`);
  const r0 = performance.now();
  const report = (await import('../src/main/timeseries/query.ts')).dailyReport(store, { fromMs: endMs - 30 * 86_400_000, toMs: endMs });
  console.log(`  daily report, 30 days × ${CORES * STREAMS} streams: ${report.rows.length} rows in ${fmt(performance.now() - r0)}`);

  // 4. Size and memory.
  const size = statSync(file).size + (existsSync(file + '-wal') ? statSync(file + '-wal').size : 0);
  const rows = (t: string): number => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  const totalRows = rows('raw') + rows('agg_60') + rows('agg_3600') + rows('daily');
  const perRow = size / totalRows;
  const seriesCount = seriesIds.length;
  const fullRows = seriesCount * ((48 * 3600) / STEP_SEC + 30 * 1440 + 730 * 24 + 730);
  console.log(`  database on disk: ${mb(size)} for ${totalRows} rows (${perRow.toFixed(1)} B/row incl. B-tree overhead)`);
  console.log(`  at this fleet size the default retentions (raw 48 h, 1 min 30 d, 1 h 2 y) would need ≈ ${(fullRows * perRow / 1e9).toFixed(1)} GB: the default bound (${DEFAULT_TIMESERIES_SETTINGS.maxMb} MB) trims raw first, then minutes, keeping hours/days; a fleet this size belongs on a Prometheus-compatible backend (issue 18)`);
  const m = process.memoryUsage();
  console.log(`  process memory: rss ${mb(rssSampling)} while sampling (after the 2 h of rounds); ${mb(m.rss)} at the end (heap used ${mb(m.heapUsed)}), after the bulk inserts, queries and the report`);
  console.log('  Core-less baseline: Core keeps no history (per-key byte totals only); the same questions today need Prometheus scraping every Core\'s /metrics plus Grafana (two more servers to install, configure and keep).');
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
