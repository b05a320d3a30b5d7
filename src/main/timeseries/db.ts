/**
 * The history's SQLite file (Node's built-in `node:sqlite`: nothing native to rebuild for Electron): opening it in
 * WAL mode with a page budget, the schema, and what happens to a file that is not a healthy database (moved aside
 * as `<name>.corrupt-<time>`, logged, and a fresh one started).
 *
 * Crash safety comes from SQLite: every sample round is one transaction in the write-ahead log. With
 * `synchronous=NORMAL` a commit is in the OS's page cache before the call returns, so killing the process at any
 * moment loses at most the round being written; a power cut may lose the last rounds since the last checkpoint,
 * never the file's consistency.
 */
import { DatabaseSync } from 'node:sqlite';
import { closeSync, existsSync, openSync, renameSync } from 'node:fs';
import type { Logger } from '../log.ts';
import type { Tier } from './settings.ts';

export const PAGE_SIZE_BYTES = 4096;

/** SQLite primary result codes we act on (the low byte of an extended code). */
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_NOTADB = 26;
const SQLITE_IOERR = 10;

function primaryCode(err: unknown): number | null {
  const code = (err as { errcode?: unknown }).errcode;
  return typeof code === 'number' ? code & 0xff : null;
}

/** The file is damaged or not a database at all. */
export function isCorruptionError(err: unknown): boolean {
  const c = primaryCode(err);
  return c === SQLITE_CORRUPT || c === SQLITE_NOTADB || err instanceof CorruptDatabaseError;
}

/** The page budget (our size bound) or the disk is exhausted. */
export function isFullError(err: unknown): boolean {
  const c = primaryCode(err);
  return c === SQLITE_FULL || (c === SQLITE_IOERR && /full|space/i.test(String((err as Error).message)));
}

/** `quick_check` found damage. */
export class CorruptDatabaseError extends Error {
  override name = 'CorruptDatabaseError';
}

/** The write-ahead log's share of the size bound: checkpoints keep it at most this large between rounds. */
export function walLimitBytes(maxBytes: number): number {
  return Math.max(16 * PAGE_SIZE_BYTES, Math.min(4 * 1024 * 1024, Math.floor(maxBytes / 8)));
}

/** An aggregate table: per bucket (`t`, seconds) or local day (`day`, `2026-12-05`) and series, sums and peaks. */
function aggTableSql(table: string, key: 't INTEGER' | 'day TEXT' = 't INTEGER'): string {
  const name = key.split(' ')[0];
  return `CREATE TABLE IF NOT EXISTS ${table} (
    ${key} NOT NULL, series INTEGER NOT NULL, dur_s INTEGER NOT NULL, viewer_s INTEGER NOT NULL, viewers_max INTEGER NOT NULL,
    publisher_s INTEGER NOT NULL, publishers_max INTEGER NOT NULL, rx_bytes INTEGER NOT NULL, tx_bytes INTEGER NOT NULL,
    PRIMARY KEY (${name}, series)) WITHOUT ROWID`;
}

/**
 * Rows are keyed by (time, series) so a sample round appends at the end of the B-tree (a few pages per round, not
 * one page per series); a series' history is read by point lookups on the round or bucket times.
 */
function schemaSql(tiers: readonly Tier[]): string {
  return [
    'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
    'CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, core TEXT NOT NULL, stream TEXT NOT NULL, protocol TEXT NOT NULL, UNIQUE (core, stream, protocol))',
    'CREATE TABLE IF NOT EXISTS rounds (t INTEGER PRIMARY KEY, dur_s INTEGER NOT NULL)',
    `CREATE TABLE IF NOT EXISTS raw (t INTEGER NOT NULL, series INTEGER NOT NULL, dur_s INTEGER NOT NULL, viewers INTEGER NOT NULL,
      publishers INTEGER NOT NULL, rx_bytes INTEGER NOT NULL, tx_bytes INTEGER NOT NULL, PRIMARY KEY (t, series)) WITHOUT ROWID`,
    ...tiers.slice(1).map((t) => aggTableSql(t.table)),
    aggTableSql('daily', 'day TEXT'),
    'CREATE TABLE IF NOT EXISTS spans (core TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, state TEXT NOT NULL, PRIMARY KEY (core, start_ms)) WITHOUT ROWID',
    'CREATE INDEX IF NOT EXISTS spans_end ON spans (end_ms)',
    'CREATE TABLE IF NOT EXISTS uniques (day TEXT NOT NULL, core TEXT NOT NULL, stream TEXT NOT NULL, hll BLOB NOT NULL, PRIMARY KEY (day, core, stream)) WITHOUT ROWID',
  ].join(';\n');
}

export interface OpenOptions {
  file: string;
  maxBytes: number;
  tiers: readonly Tier[];
  log: Logger;
  /** Time for the name of a moved-aside file. */
  now: () => number;
}

function configure(db: DatabaseSync, options: OpenOptions): void {
  db.exec(`PRAGMA page_size = ${PAGE_SIZE_BYTES}`);
  const mode = db.prepare('PRAGMA journal_mode = WAL').get() as { journal_mode?: string } | undefined;
  if (mode?.journal_mode !== 'wal') throw new Error(`could not switch the history database to WAL mode (${String(mode?.journal_mode)})`);
  const walBytes = walLimitBytes(options.maxBytes);
  db.exec(`PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = OFF; PRAGMA temp_store = MEMORY;
    PRAGMA wal_autocheckpoint = ${Math.max(16, Math.floor(walBytes / PAGE_SIZE_BYTES / 2))};
    PRAGMA journal_size_limit = ${walBytes};
    PRAGMA max_page_count = ${Math.max(32, Math.floor((options.maxBytes - walBytes) / PAGE_SIZE_BYTES))}`);
}

/** Opens (or creates) the database and checks it when the previous run did not close it cleanly. */
function openChecked(options: OpenOptions): DatabaseSync {
  // Owner-only, like the rest of the data dir; SQLite gives its -wal and -shm files the same mode.
  closeSync(openSync(options.file, 'a', 0o600));
  const db = new DatabaseSync(options.file);
  try {
    configure(db, options);
    db.exec(schemaSql(options.tiers));
    const clean = db.prepare("SELECT value FROM meta WHERE key = 'clean'").get() as { value?: string } | undefined;
    if (clean?.value === '0') {
      // The last run ended without close() (kill -9, a crash, a power cut): make sure the file is sound.
      const rows = db.prepare('PRAGMA quick_check(1)').all() as Array<Record<string, unknown>>;
      const verdict = rows.length > 0 ? String(Object.values(rows[0])[0]) : 'no answer';
      if (verdict !== 'ok') throw new CorruptDatabaseError(`quick_check: ${verdict}`);
    }
    db.prepare("INSERT INTO meta (key, value) VALUES ('clean', '0') ON CONFLICT (key) DO UPDATE SET value = excluded.value").run();
    return db;
  } catch (err) {
    try {
      db.close();
    } catch {
      // Already unusable.
    }
    throw err;
  }
}

/** Moves the database and its WAL/SHM files aside; returns the new name of the main file. */
export function moveAside(file: string, nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/[:.]/g, '-');
  const target = `${file}.corrupt-${stamp}`;
  for (const suffix of ['', '-wal', '-shm']) {
    if (existsSync(file + suffix)) renameSync(file + suffix, target + suffix);
  }
  return target;
}

/**
 * Opens the history database; a damaged file is moved aside and replaced by a fresh one (logged as an error, since
 * its history is no longer shown). Other errors (permissions, a missing directory) are thrown.
 */
export function openDatabase(options: OpenOptions): DatabaseSync {
  try {
    return openChecked(options);
  } catch (err) {
    if (!isCorruptionError(err)) throw err;
    const aside = moveAside(options.file, options.now());
    options.log.error('the time-series database was damaged: moved aside, starting a fresh one', { file: options.file, movedTo: aside, error: (err as Error).message });
    return openChecked(options);
  }
}
