/**
 * `GET /api/v3/session` and `GET /api/v3/session/active` (spec §4.2–4.3): the `collectors` parameter with Core's
 * quirks (first value, decoded twice, split on "," with no trimming), binary units, `toNumber` rendering, and
 * specialised serialisers for the session shapes (no reflective walk: 10k sessions + 100k history keys must
 * render in a few milliseconds).
 */
import type { CollectorSummary, HistoryTotals, SessionReader, SessionSnapshot } from '../engine/types.ts';
import type { GoQuery } from './http.ts';
import { queryUnescape } from './http.ts';
import { quote, sortKeys, toInt, toNumber } from './json.ts';

const MiB = 1024 * 1024;

/**
 * The collector names of a request (spec §4.2 steps 1–3): the first `collectors` value (already decoded once by
 * the query parser), decoded a second time (a failed decode gives ""), split on ",". Names are not trimmed or
 * deduplicated; an absent or empty parameter gives [""].
 */
export function collectorNames(query: GoQuery): string[] {
  const first = query.get('collectors')?.[0] ?? '';
  const raw = first === '' ? '' : (queryUnescape(first) ?? '');
  return raw.split(',');
}

/** Unique names in Go's map-key order (bytewise), as the response object's keys. */
function responseKeys(names: string[]): string[] {
  return sortKeys([...new Set(names)]);
}

/** One `Session` object (spec §4.2), field order as Core's struct. */
export function writeSession(s: SessionSnapshot): string {
  return (
    '{"id":' +
    quote(s.id) +
    ',"reference":' +
    quote(s.reference) +
    ',"created_at":' +
    toInt(Math.floor(s.createdAtMs / 1000)) +
    ',"local":' +
    quote(s.location) +
    ',"remote":' +
    quote(s.peer) +
    ',"extra":' +
    quote(s.extra) +
    ',"bytes_rx":' +
    toInt(s.rxBytes) +
    ',"bytes_tx":' +
    toInt(s.txBytes) +
    ',"bandwidth_rx_kbit":' +
    toNumber(s.rxBitsPerSec / 1024) +
    ',"bandwidth_tx_kbit":' +
    toNumber(s.txBitsPerSec / 1024) +
    // The merged (fleet) view adds the session's core after Core's fields; single-core output stays Core's.
    (s.core === undefined ? '}' : ',"core":' + quote(s.core) + '}')
  );
}

/** A JSON array of sessions; `[]` when empty, never null. */
export function writeSessionList(list: readonly SessionSnapshot[]): string {
  if (list.length === 0) return '[]';
  const parts = new Array<string>(list.length);
  for (let i = 0; i < list.length; i++) parts[i] = writeSession(list[i]!);
  return '[' + parts.join(',') + ']';
}

/** `{"sessions","traffic_rx_mb","traffic_tx_mb"` without the closing brace; MB floored per group (spec §2.4). */
function statsOpen(t: HistoryTotals): string {
  return (
    '{"sessions":' +
    toInt(t.sessions) +
    ',"traffic_rx_mb":' +
    toInt(Math.floor(t.rxBytes / MiB)) +
    ',"traffic_tx_mb":' +
    toInt(Math.floor(t.txBytes / MiB))
  );
}

function writeStatsMap(map: ReadonlyMap<string, HistoryTotals>): string {
  if (map.size === 0) return '{}';
  const keys = sortKeys([...map.keys()]);
  const parts = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    parts[i] = quote(k) + ':' + statsOpen(map.get(k)!) + '}';
  }
  return '{' + parts.join(',') + '}';
}

/** One `SessionSummary` (`{"active":…,"summary":…}`) for a collector. */
export function writeCollectorSummary(s: CollectorSummary): string {
  const h = s.history;
  let remote: string;
  if (h.peers.size === 0) remote = '{}';
  else {
    const keys = sortKeys([...h.peers.keys()]);
    const parts = new Array<string>(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const p = h.peers.get(k)!;
      parts[i] = quote(k) + ':' + statsOpen(p) + ',"local":' + writeStatsMap(p.locations) + '}';
    }
    remote = '{' + parts.join(',') + '}';
  }
  return (
    '{"active":{"list":' +
    writeSessionList(s.active) +
    ',"sessions":' +
    toInt(s.activeSessions) +
    ',"bandwidth_rx_mbit":' +
    toNumber(s.rxBitsPerSec / MiB) +
    ',"bandwidth_tx_mbit":' +
    toNumber(s.txBitsPerSec / MiB) +
    ',"max_sessions":' +
    toInt(s.maxSessions) +
    ',"max_bandwidth_rx_mbit":' +
    toNumber(s.maxRxBitsPerSec / MiB) +
    ',"max_bandwidth_tx_mbit":' +
    toNumber(s.maxTxBitsPerSec / MiB) +
    '},"summary":{"remote":' +
    remote +
    ',"local":' +
    writeStatsMap(h.locations) +
    ',"reference":' +
    writeStatsMap(h.references) +
    ',"sessions":' +
    toInt(h.totals.sessions) +
    ',"traffic_rx_mb":' +
    toInt(Math.floor(h.totals.rxBytes / MiB)) +
    ',"traffic_tx_mb":' +
    toInt(Math.floor(h.totals.txBytes / MiB)) +
    '}}'
  );
}

/** The compact body of `GET /api/v3/session` for these names (without the trailing newline). */
export function buildSummaryBody(reader: SessionReader, names: string[]): string {
  const keys = responseKeys(names);
  const parts = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) parts[i] = quote(keys[i]!) + ':' + writeCollectorSummary(reader.summary(keys[i]!));
  return '{' + parts.join(',') + '}';
}

/** The compact body of `GET /api/v3/session/active` for these names (without the trailing newline). */
export function buildActiveBody(reader: SessionReader, names: string[]): string {
  const keys = responseKeys(names);
  const parts = new Array<string>(keys.length);
  for (let i = 0; i < keys.length; i++) parts[i] = quote(keys[i]!) + ':' + writeSessionList(reader.active(keys[i]!));
  return '{' + parts.join(',') + '}';
}
