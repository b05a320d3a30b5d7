import type { HistoryRow, SessionRow } from '../../shared/types.ts';
import { sessionMatcher, type SessionFilter } from '../../shared/session-filter.ts';

/**
 * CSV export (docs/csv.md): RFC 4180 records (CRLF line ends, `"` doubled inside quoted cells, quoting only
 * where needed), UTF-8 with a byte-order mark by default so Excel opens non-ASCII text correctly, a header row,
 * and numbers as plain numbers. The rows are streamed as string chunks of bounded size, so exporting 200 000
 * sessions never holds the whole file in memory, and the event loop gets a turn between chunks.
 */

/** U+FEFF: Excel reads a CSV as UTF-8 only when it starts with this; other consumers can ask for `bom: false`. */
export const UTF8_BOM = '\uFEFF';
export const CRLF = '\r\n';

/** A CSV cell value: text (attacker-controlled, guarded), a number (ours, written plainly) or nothing. */
export type CsvValue = string | number | null | undefined;

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => CsvValue;
}

/**
 * Security guard (formula injection, OWASP "CSV Injection"): a text cell starting with one of these makes Excel,
 * LibreOffice or Sheets evaluate it as a formula (`=HYPERLINK(...)`, `@SUM(...)`, `-2+3`, DDE payloads). Session
 * fields come from remote servers and clients (a Referer, a stream name, a User-Agent), so such cells get a leading
 * `'`, which spreadsheets show as text, and are always quoted. Numbers we format ourselves are not guarded: the
 * numeric columns are never negative, and a number cell cannot carry a formula.
 */
export const FORMULA_PREFIXES: readonly string[] = ['=', '+', '-', '@', '\t', '\r'];

function needsFormulaGuard(text: string): boolean {
  return text.length > 0 && FORMULA_PREFIXES.includes(text[0]);
}

/**
 * Security guard, second half: a spreadsheet that splits on another separator (`;` in many locales, tab, or `,`
 * when the quoting is lost) starts a new cell after each one, so `a;=cmd|...` would start a formula too. Every
 * formula prefix right after a field separator or a line break gets a `'` as well (`a;=b` → `a;'=b`).
 */
const FORMULA_AFTER_SEPARATOR = /([;,\t\r\n|])([=+\-@\t\r])/g;

function guardAfterSeparators(text: string): string {
  return text.replace(FORMULA_AFTER_SEPARATOR, "$1'$2");
}

/** Formats one number cell: integers as digits, fractions with at most 3 decimals, non-finite as empty. */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return '';
  if (Number.isInteger(n)) return Math.abs(n) < 1e21 ? n.toFixed(0) : String(n);
  // Round to 3 decimals, then print without trailing zeros and never in exponent form.
  const rounded = Math.round(n * 1000) / 1000;
  return Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(3).replace(/0+$/, '');
}

/** One cell, quoted when it contains `"`, `,`, CR or LF, or when it needed the formula guard. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return formatNumber(value);
  let text = value;
  let quote = false;
  const inner = guardAfterSeparators(text);
  if (inner !== text) {
    text = inner;
    quote = true;
  }
  if (needsFormulaGuard(text)) {
    text = "'" + text;
    quote = true;
  }
  if (!quote && /[",\r\n]/.test(text)) quote = true;
  return quote ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One record including its CRLF. */
export function csvRecord(values: readonly CsvValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvCell(values[i]);
  return line + CRLF;
}

/** Core's kbit: bit/s ÷ 1024, as the API's `bandwidth_*_kbit` fields (spec §2.4). */
export function kbit(bitsPerSec: number): number {
  return bitsPerSec / 1024;
}

/** Columns of the active-sessions export, in order (docs/csv.md). */
export const SESSION_COLUMNS: readonly CsvColumn<SessionRow>[] = [
  { header: 'core', value: (r) => r.core },
  { header: 'collector', value: (r) => r.collector },
  { header: 'id', value: (r) => r.id },
  { header: 'reference', value: (r) => r.reference },
  { header: 'local', value: (r) => r.location },
  { header: 'remote', value: (r) => r.peer },
  { header: 'extra', value: (r) => r.extra },
  { header: 'created_at', value: (r) => (Number.isFinite(r.createdAtMs) ? new Date(r.createdAtMs).toISOString() : '') },
  { header: 'rx_bytes', value: (r) => r.rxBytes },
  { header: 'tx_bytes', value: (r) => r.txBytes },
  { header: 'rx_kbit_s', value: (r) => kbit(r.rxBitsPerSec) },
  { header: 'tx_kbit_s', value: (r) => kbit(r.txBitsPerSec) },
];

/** Columns of the history-summary export (finished sessions per remote, local and reference; spec §3.2). */
export const HISTORY_COLUMNS: readonly CsvColumn<HistoryRow>[] = [
  { header: 'core', value: (r) => r.core },
  { header: 'collector', value: (r) => r.collector },
  { header: 'group', value: (r) => r.group },
  { header: 'key', value: (r) => r.key },
  { header: 'sessions', value: (r) => r.sessions },
  { header: 'rx_bytes', value: (r) => r.rxBytes },
  { header: 'tx_bytes', value: (r) => r.txBytes },
  // The app's own FFmpeg processes (the local core's marks): people are `sessions` less these, as the header counts.
  { header: 'process_sessions', value: (r) => r.processSessions ?? 0 },
  { header: 'process', value: (r) => r.process },
  // Of rx/tx, the processes' wholly own sessions' (a local restream's hop): the view's total leaves them out.
  { header: 'process_rx_bytes', value: (r) => r.processRxBytes ?? 0 },
  { header: 'process_tx_bytes', value: (r) => r.processTxBytes ?? 0 },
];

export interface CsvStreamOptions {
  /** Start with the UTF-8 BOM (default true; see UTF8_BOM). */
  bom?: boolean;
  /** A chunk is yielded once it reaches this many UTF-16 units (default 64 Ki). One record may overshoot it. */
  chunkChars?: number;
  /** Called after each chunk with the data rows written so far (header excluded), and once more at the end. */
  onProgress?: (rowsWritten: number) => void;
  /** Stops the export between chunks (throws the signal's reason). */
  signal?: AbortSignal;
}

export const DEFAULT_CHUNK_CHARS = 64 * 1024;

/** Gives the event loop a turn (timers, I/O, IPC) between chunks of a long export. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Streams any rows as CSV chunks: header first, then records; memory is bounded by one chunk. */
export async function* toCsvChunks<T>(columns: readonly CsvColumn<T>[], rows: Iterable<T> | AsyncIterable<T>, options: CsvStreamOptions = {}): AsyncGenerator<string, void, undefined> {
  const limit = options.chunkChars ?? DEFAULT_CHUNK_CHARS;
  let chunk = (options.bom ?? true ? UTF8_BOM : '') + csvRecord(columns.map((c) => c.header));
  let written = 0;
  const values: CsvValue[] = new Array<CsvValue>(columns.length);
  for await (const row of rows) {
    for (let i = 0; i < columns.length; i++) values[i] = columns[i].value(row);
    chunk += csvRecord(values);
    written++;
    if (chunk.length >= limit) {
      options.signal?.throwIfAborted();
      yield chunk;
      chunk = '';
      options.onProgress?.(written);
      await nextTurn();
    }
  }
  options.signal?.throwIfAborted();
  if (chunk.length > 0) yield chunk;
  options.onProgress?.(written);
}

function* filtered(rows: Iterable<SessionRow>, matches: (row: SessionRow) => boolean): Generator<SessionRow> {
  for (const row of rows) if (matches(row)) yield row;
}

/**
 * Active sessions as CSV, the table's filters applied (src/shared/session-filter.ts, the table's own matcher).
 * `coreName` gives a core's display name, which the text also matches, as in the table.
 */
export function sessionsCsv(
  rows: Iterable<SessionRow>,
  filter: Partial<SessionFilter> = {},
  options: CsvStreamOptions = {},
  coreName: (coreId: string) => string = () => '',
): AsyncGenerator<string, void, undefined> {
  return toCsvChunks(SESSION_COLUMNS, filtered(rows, sessionMatcher(filter, coreName)), options);
}

/** The history summary as CSV. */
export function historyCsv(rows: Iterable<HistoryRow>, options: CsvStreamOptions = {}): AsyncGenerator<string, void, undefined> {
  return toCsvChunks(HISTORY_COLUMNS, rows, options);
}

/** Collects a CSV stream into one string (tests, small exports). */
export async function csvToString(chunks: AsyncIterable<string>): Promise<string> {
  let out = '';
  for await (const c of chunks) out += c;
  return out;
}
