/**
 * The time-series store: one sample round per transaction, then small bounded maintenance steps (roll complete
 * minutes up into the 1-minute, 1-hour and daily aggregates; drop what is past its retention; keep the file under
 * its size bound). Reads are in query.ts. Every failure is contained here: the sampler and the API get `false`
 * or an error status, never an exception that stops the app.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log.ts';
import type { TimeseriesStatus } from '../../shared/timeseries.ts';
import { Key3Map } from '../../shared/key3-map.ts';
import { HyperLogLog } from './hll.ts';
import { isCorruptionError, isFullError, moveAside, openDatabase, PAGE_SIZE_BYTES, walLimitBytes } from './db.ts';
import type { Tier } from './settings.ts';

/** Which series: a core, a stream key on it and a protocol; `*` stands for the stored total over that dimension. */
export interface SeriesKey {
  core: string;
  stream: string;
  protocol: string;
}

/** One series' values in one round. */
export interface RoundSample extends SeriesKey {
  viewers: number;
  publishers: number;
  rxBytes: number;
  txBytes: number;
}

/** One sample round: the interval [startMs, startMs + durSec) and what was observed in it. */
export interface RoundInput {
  startMs: number;
  durSec: number;
  samples: RoundSample[];
  /** The state of every core in this round (`*`: the sampler itself, always `running`). */
  coreStates: Array<{ core: string; state: string }>;
  /** Unique-viewer sketches changed in this round. */
  uniques: Array<{ day: string; core: string; stream: string; hll: HyperLogLog }>;
}

/** States in which a core's numbers are observations (anything else is a gap). */
export const OBSERVED_STATES: ReadonlySet<string> = new Set(['running', 'online']);

export interface StoreOptions {
  file: string;
  maxBytes: number;
  tiers: readonly Tier[];
  log: Logger;
  now: () => number;
  /** The local calendar day of a time, `2026-12-05` (reports and unique viewers are per day). */
  dayOf: (ms: number) => string;
}

interface OpenSpan {
  startMs: number;
  endMs: number;
  state: string;
}

/** Local calendar day of a time, as `YYYY-MM-DD`. */
export function localDayOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const META_ROLLED = 'rolled_until_s';
const META_LAST_ROUND = 'last_round_end_ms';

/** Size bound: start trimming above this share of the budget, stop below the lower one. */
const HIGH_WATER = 0.9;
const LOW_WATER = 0.8;

/** Every statement the store runs more than once, prepared once per open database. */
function prepareStatements(db: DatabaseSync, tiers: readonly Tier[]) {
const [, ...aggs] = tiers;
  const upsertAgg = (table: string, key: string): StatementSync =>
    db.prepare(`INSERT INTO ${table} (${key}, series, dur_s, viewer_s, viewers_max, publisher_s, publishers_max, rx_bytes, tx_bytes)
      SELECT ?, series, dur_s, viewer_s, viewers_max, publisher_s, publishers_max, rx_bytes, tx_bytes FROM ${aggs[0].table} WHERE t = ? AND true
      ON CONFLICT (${key}, series) DO UPDATE SET dur_s = dur_s + excluded.dur_s, viewer_s = viewer_s + excluded.viewer_s,
        viewers_max = max(viewers_max, excluded.viewers_max), publisher_s = publisher_s + excluded.publisher_s,
        publishers_max = max(publishers_max, excluded.publishers_max), rx_bytes = rx_bytes + excluded.rx_bytes, tx_bytes = tx_bytes + excluded.tx_bytes`);
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    insertSeries: db.prepare('INSERT INTO series (core, stream, protocol) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
    selectSeries: db.prepare('SELECT id FROM series WHERE core = ? AND stream = ? AND protocol = ?'),
    insertRound: db.prepare('INSERT OR REPLACE INTO rounds (t, dur_s) VALUES (?, ?)'),
    insertRaw: db.prepare('INSERT OR REPLACE INTO raw (t, series, dur_s, viewers, publishers, rx_bytes, tx_bytes) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    extendSpan: db.prepare('UPDATE spans SET end_ms = ? WHERE core = ? AND start_ms = ?'),
    insertSpan: db.prepare('INSERT OR REPLACE INTO spans (core, start_ms, end_ms, state) VALUES (?, ?, ?, ?)'),
    upsertUnique: db.prepare('INSERT INTO uniques (day, core, stream, hll) VALUES (?, ?, ?, ?) ON CONFLICT (day, core, stream) DO UPDATE SET hll = excluded.hll'),
    selectUnique: db.prepare('SELECT hll FROM uniques WHERE day = ? AND core = ? AND stream = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?'),
    rollFirst: db.prepare(`INSERT OR REPLACE INTO ${aggs[0].table} (t, series, dur_s, viewer_s, viewers_max, publisher_s, publishers_max, rx_bytes, tx_bytes)
      SELECT ?, series, SUM(dur_s), SUM(viewers * dur_s), MAX(viewers), SUM(publishers * dur_s), MAX(publishers), SUM(rx_bytes), SUM(tx_bytes)
      FROM raw WHERE t >= ? AND t < ? GROUP BY series`),
    rollUp: aggs.slice(1).map((t) => upsertAgg(t.table, 't')),
    rollDaily: upsertAgg('daily', 'day'),
    minRaw: db.prepare('SELECT MIN(t) AS t FROM raw'),
    maxRoundEnd: db.prepare('SELECT t + dur_s AS t FROM rounds ORDER BY t DESC LIMIT 1'),
  };
}

type Statements = ReturnType<typeof prepareStatements>;

export class TimeseriesStore {
  readonly options: StoreOptions;
  #db!: DatabaseSync;
  /** By core, stream and protocol (no joined key string per sample and round). */
  #seriesIds = new Key3Map<number>();
  #spans = new Map<string, OpenSpan>();
  #stmts!: Statements;
  #error: string | undefined;
  #trimming = false;
  #closed = false;
  /** No round written by this instance yet: a span of an earlier run goes on only without any gap. */
  #firstRound = true;

  constructor(options: StoreOptions) {
    this.options = options;
    mkdirSync(dirname(options.file), { recursive: true, mode: 0o700 });
    this.#open();
  }

  /** The database, for query.ts (reads only). */
  get db(): DatabaseSync {
    return this.#db;
  }

  get tiers(): readonly Tier[] {
    return this.options.tiers;
  }

  #open(): void {
    this.#db = openDatabase({ file: this.options.file, maxBytes: this.options.maxBytes, tiers: this.options.tiers, log: this.options.log, now: this.options.now });
    this.#stmts = prepareStatements(this.#db, this.options.tiers);
    this.#seriesIds.clear();
    for (const r of this.#db.prepare('SELECT id, core, stream, protocol FROM series').all() as unknown as Array<{ id: number } & SeriesKey>) {
      this.#seriesIds.set(r.core, r.stream, r.protocol, r.id);
    }
    this.#spans.clear();
    const latest = this.#db.prepare('SELECT s.core, s.start_ms, s.end_ms, s.state FROM spans s JOIN (SELECT core, MAX(start_ms) AS m FROM spans GROUP BY core) l ON s.core = l.core AND s.start_ms = l.m').all() as Array<{ core: string; start_ms: number; end_ms: number; state: string }>;
    for (const s of latest) this.#spans.set(s.core, { startMs: s.start_ms, endMs: s.end_ms, state: s.state });
  }

  /** The end (ms) of the last round written by any run, or null for a new database. */
  lastRoundEndMs(): number | null {
    const v = this.#meta(META_LAST_ROUND);
    return v === null ? null : Number(v);
  }

  /** The first second not yet rolled into the aggregates (raw rows at or after it exist only in `raw`). */
  rolledUntilSec(): number | null {
    const v = this.#meta(META_ROLLED);
    return v === null ? null : Number(v);
  }

  #meta(key: string): string | null {
    try {
      const row = this.#stmts.getMeta.get(key) as { value?: string } | undefined;
      return row?.value ?? null;
    } catch {
      return null;
    }
  }

  /** The stored sketch of a day, stream and core (empty when there is none). */
  loadUniques(day: string, core: string, stream: string): HyperLogLog {
    try {
      const row = this.#stmts.selectUnique.get(day, core, stream) as { hll?: Uint8Array } | undefined;
      return HyperLogLog.decode(row?.hll);
    } catch {
      return new HyperLogLog();
    }
  }

  #seriesId(key: SeriesKey): number {
    let id = this.#seriesIds.get(key.core, key.stream, key.protocol);
    if (id === undefined) {
      this.#stmts.insertSeries.run(key.core, key.stream, key.protocol);
      id = (this.#stmts.selectSeries.get(key.core, key.stream, key.protocol) as { id: number }).id;
      this.#seriesIds.set(key.core, key.stream, key.protocol, id);
    }
    return id;
  }

  /** Looks up a series id without creating it. */
  seriesId(key: SeriesKey): number | undefined {
    return this.#seriesIds.get(key.core, key.stream, key.protocol);
  }

  /**
   * Writes one round in one transaction. Returns false when it could not (the error is logged once and shown in
   * `status()`; a full database starts trimming at once so a later round fits).
   */
  writeRound(round: RoundInput): boolean {
    if (this.#closed) return false;
    const t = Math.floor(round.startMs / 1000);
    const endMs = round.startMs + round.durSec * 1000;
    const newSpans = new Map<string, OpenSpan>();
    const s = this.#stmts;
    try {
      s.begin.run();
      try {
        s.insertRound.run(t, round.durSec);
        for (const x of round.samples) {
          s.insertRaw.run(t, this.#seriesId(x), round.durSec, x.viewers, x.publishers, x.rxBytes, x.txBytes);
        }
        for (const { core, state } of round.coreStates) {
          const open = this.#spans.get(core);
          // A span goes on while the state stays and no round was missed (one round of slack for a late timer; none
          // across a restart, where the time in between was not watched).
          const slackMs = this.#firstRound ? 0 : round.durSec * 1000;
          if (open && open.state === state && round.startMs <= open.endMs + slackMs && round.startMs >= open.startMs) {
            s.extendSpan.run(endMs, core, open.startMs);
            newSpans.set(core, { ...open, endMs });
          } else {
            s.insertSpan.run(core, round.startMs, endMs, state);
            newSpans.set(core, { startMs: round.startMs, endMs, state });
          }
        }
        for (const u of round.uniques) s.upsertUnique.run(u.day, u.core, u.stream, u.hll.encode());
        s.setMeta.run(META_LAST_ROUND, String(endMs));
        if (this.#meta(META_ROLLED) === null) s.setMeta.run(META_ROLLED, String(floorTo(t, this.options.tiers[1].resolutionSec)));
        s.commit.run();
      } catch (err) {
        this.#rollback();
        throw err;
      }
    } catch (err) {
      this.#fail(err, 'could not write a sample round');
      return false;
    }
    for (const [core, span] of newSpans) this.#spans.set(core, span);
    this.#firstRound = false;
    this.#error = undefined;
    return true;
  }

  #rollback(): void {
    try {
      this.#stmts.rollback.run();
    } catch {
      // No transaction left to roll back (SQLite may have rolled it back itself).
    }
  }

  /** Logs a failure once per distinct message, keeps it for status(), and recovers what can be recovered. */
  #fail(err: unknown, what: string): void {
    const message = (err as Error).message;
    if (isFullError(err)) {
      const text = `the time-series database is full (size bound ${Math.round(this.options.maxBytes / 1e6)} MB or the disk): ${message}; dropping the oldest samples`;
      if (this.#error !== text) this.options.log.error(text);
      this.#error = text;
      this.#trimming = true;
      return;
    }
    if (isCorruptionError(err)) {
      this.options.log.error('the time-series database is damaged: moving it aside and starting a fresh one', { error: message });
      this.#recover();
      this.#error = `the database was damaged and replaced by a fresh one: ${message}`;
      return;
    }
    const text = `${what}: ${message}`;
    if (this.#error !== text) this.options.log.error(text);
    this.#error = text;
  }

  #recover(): void {
    try {
      this.#db.close();
    } catch {
      // Already unusable.
    }
    try {
      const aside = moveAside(this.options.file, this.options.now());
      this.options.log.error('damaged time-series database moved aside', { movedTo: aside });
      this.#open();
    } catch (err) {
      this.options.log.error('could not start a fresh time-series database', { error: (err as Error).message });
      this.#closed = true;
    }
  }

  /** Bytes in use inside the file (pages not on the free list) and the file's page count. */
  usedBytes(): number {
    const pages = (this.#db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    const free = (this.#db.prepare('PRAGMA freelist_count').get() as { freelist_count: number }).freelist_count;
    return (pages - free) * PAGE_SIZE_BYTES;
  }

  /**
   * One bounded step of upkeep: roll up at most `maxBuckets` complete minutes, delete at most one batch per tier
   * past its retention, and one batch of the oldest data while over the size bound. Returns true when more work is
   * waiting (call again on a later turn of the event loop, so no step blocks the sampler or the API for long).
   */
  maintain(maxBuckets = 2): boolean {
    if (this.#closed) return false;
    let more = false;
    try {
      more = this.#rollUp(maxBuckets) || more;
      more = this.#expire() || more;
      // While trimming, checkpoint now so the freed pages are reused and the write-ahead log stays small.
      if (this.#bound()) {
        more = true;
        this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      }
    } catch (err) {
      this.#rollback();
      this.#fail(err, 'time-series upkeep failed');
      return false;
    }
    return more;
  }

  #rollUp(maxBuckets: number): boolean {
    const [, first, ...coarser] = this.options.tiers;
    const res = first.resolutionSec;
    const end = this.#stmts.maxRoundEnd.get() as { t: number } | undefined;
    const rolledMeta = this.rolledUntilSec();
    if (end === undefined || rolledMeta === null) return false;
    // A bucket is complete once a round has ended at or after its end.
    const completeUntil = floorTo(end.t, res);
    let rolled = rolledMeta;
    let n = 0;
    while (rolled < completeUntil && n < maxBuckets) {
      const s = this.#stmts;
      s.begin.run();
      try {
        s.rollFirst.run(rolled, rolled, rolled + res);
        coarser.forEach((tier, i) => s.rollUp[i].run(floorTo(rolled, tier.resolutionSec), rolled));
        s.rollDaily.run(this.options.dayOf(rolled * 1000), rolled);
        s.setMeta.run(META_ROLLED, String(rolled + res));
        s.commit.run();
      } catch (err) {
        this.#rollback();
        throw err;
      }
      rolled += res;
      n++;
    }
    return rolled < completeUntil;
  }

  /** Deletes one batch per table past its retention (raw only once rolled up). */
  #expire(): boolean {
    const nowS = Math.floor(this.options.now() / 1000);
    const rolled = this.rolledUntilSec() ?? 0;
    let more = false;
    const tiers = this.options.tiers;
    tiers.forEach((tier, i) => {
      const cutoff = i === 0 ? Math.min(nowS - tier.retentionSec, rolled) : nowS - tier.retentionSec;
      more = this.#deleteOldest(tier.table, cutoff, tier.resolutionSec * this.#batchBuckets()) || more;
      if (i === 0) this.#db.prepare('DELETE FROM rounds WHERE t < ?').run(Math.min(cutoff, this.#minT('raw') ?? cutoff));
    });
    const longest = tiers[tiers.length - 1].retentionSec;
    const oldestDay = this.options.dayOf((nowS - longest) * 1000);
    this.#db.prepare('DELETE FROM daily WHERE day < ?').run(oldestDay);
    this.#db.prepare('DELETE FROM uniques WHERE day < ?').run(oldestDay);
    this.#db.prepare('DELETE FROM spans WHERE end_ms < ?').run((nowS - longest) * 1000);
    return more;
  }

  /** Buckets per delete batch: about 20 000 rows, whatever the number of series. */
  #batchBuckets(): number {
    return Math.max(1, Math.floor(20_000 / Math.max(1, this.#seriesIds.size)));
  }

  #minT(table: string): number | null {
    return (this.#db.prepare(`SELECT MIN(t) AS t FROM ${table}`).get() as { t: number | null }).t;
  }

  /** Deletes rows older than `cutoff`, at most `batchSec` of them from the oldest on; true when more remain. */
  #deleteOldest(table: string, cutoff: number, batchSec: number): boolean {
    const min = this.#minT(table);
    if (min === null || min >= cutoff) return false;
    const until = Math.min(cutoff, min + batchSec);
    this.#db.prepare(`DELETE FROM ${table} WHERE t < ?`).run(until);
    return until < cutoff;
  }

  /**
   * The size bound: above 90 % of the page budget (or after a full-database error) the least valuable rows go until
   * 80 % is reached: raw samples older than an hour (rolled up already), minutes older than a day, hours older than a
   * week, then the oldest day, then the oldest rows of each tier, finest first. Freed pages are reused in place.
   */
  #bound(): boolean {
    // The file's page budget: the bound less the write-ahead log's share (db.ts).
    const max = this.options.maxBytes - walLimitBytes(this.options.maxBytes);
    let used = this.usedBytes();
    if (used > max * HIGH_WATER) this.#trimming = true;
    if (!this.#trimming) return false;
    // A few batches per step: enough to stay ahead of the rounds, little enough not to hold up the event loop.
    let deleted = false;
    for (let k = 0; k < 4 && used > max * LOW_WATER; k++) {
      if (!this.#trimOnce()) break;
      deleted = true;
      used = this.usedBytes();
    }
    if (used <= max * LOW_WATER) this.#trimming = false;
    // More to do only when this step could delete something (otherwise the next round's upkeep tries again).
    return this.#trimming && deleted;
  }

  /** Deletes one batch of the least valuable data; false when nothing is left to delete. */
  #trimOnce(): boolean {
    const nowS = Math.floor(this.options.now() / 1000);
    const [raw, first, ...coarser] = this.options.tiers;
    const rolled = this.rolledUntilSec() ?? 0;
    const batch = this.#batchBuckets();
    // First what coarser tiers also hold: raw samples older than an hour, minutes older than a day, hours older than a week.
    const floors: Array<{ table: string; cutoff: number; batchSec: number }> = [
      { table: raw.table, cutoff: Math.min(nowS - 3600, rolled), batchSec: raw.resolutionSec * batch },
      { table: first.table, cutoff: nowS - 86_400, batchSec: first.resolutionSec * batch },
      ...coarser.map((t) => ({ table: t.table, cutoff: nowS - 7 * 86_400, batchSec: t.resolutionSec * batch })),
    ];
    for (const f of floors) {
      const min = this.#minT(f.table);
      if (min !== null && min < f.cutoff) {
        this.#deleteOldest(f.table, f.cutoff, f.batchSec);
        if (f.table === raw.table) this.#db.prepare('DELETE FROM rounds WHERE t < ?').run(this.#minT('raw') ?? f.cutoff);
        return true;
      }
    }
    // Then the oldest day of the daily table, then the oldest rows of each tier whatever their age.
    const day = this.#db.prepare('SELECT MIN(day) AS d FROM daily').get() as { d: string | null };
    if (day.d !== null && day.d < this.options.dayOf(nowS * 1000)) {
      this.#db.prepare('DELETE FROM daily WHERE day = ?').run(day.d);
      this.#db.prepare('DELETE FROM uniques WHERE day = ?').run(day.d);
      return true;
    }
    for (const t of this.options.tiers) {
      const min = this.#minT(t.table);
      const cutoff = t.table === raw.table ? rolled : nowS + 1;
      if (min !== null && min < cutoff) {
        this.#deleteOldest(t.table, cutoff, t.resolutionSec * batch);
        if (t.table === raw.table) this.#db.prepare('DELETE FROM rounds WHERE t < ?').run(this.#minT('raw') ?? cutoff);
        return true;
      }
    }
    return false;
  }

  status(): TimeseriesStatus {
    let size = 0;
    try {
      size = this.usedBytes();
    } catch {
      // Closed or damaged: report 0 in use.
    }
    return { ok: this.#error === undefined && !this.#closed, error: this.#error ?? (this.#closed ? 'the time-series database is closed' : undefined), sizeBytes: size, maxBytes: this.options.maxBytes };
  }

  /** Marks a clean shutdown (the next open skips the integrity check) and closes the file. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#stmts.setMeta.run('clean', '1');
      this.#db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    } catch {
      // A full or damaged file is checked on the next open instead.
    }
    try {
      this.#db.close();
    } catch {
      // Nothing more to do.
    }
  }
}

export function floorTo(value: number, step: number): number {
  return Math.floor(value / step) * step;
}
