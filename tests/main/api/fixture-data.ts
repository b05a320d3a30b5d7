/** Fixture access shared by fixtures.test.ts and edge-replay.test.ts (Core v16.14.0 recordings). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectorSummary, HistoryTotals, SessionSnapshot } from '../../../src/main/engine/types.ts';
import { FakeReader, zero } from './support.ts';

export const FIXTURES = '/work/shared/fixtures/core-v16.14.0';
const MiB = 1024 * 1024;

export interface IndexRow { name: string; method: string; url: string; auth: 'token' | 'none' | 'bad'; status: number; contentType: string; bytes: number }

export function readIndex(): IndexRow[] {
  const lines = readFileSync(join(FIXTURES, 'edge/index.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const [name, method, url, auth, status, contentType, bytes] = l.split('\t') as string[];
    return { name: name!, method: method!, url: url!, auth: auth as IndexRow['auth'], status: Number(status), contentType: contentType!, bytes: Number(bytes) };
  });
}

/** Fixtures whose body does not depend on live traffic: compared byte for byte. */
export const EXACT = ['session_summary_noparam', 'session_active_noparam', 'session_summary_emptyparam', 'session_active_emptyparam', 'session_summary_unknown_foo', 'session_active_unknown_foo', 'session_active_uppercase', 'session_summary_https_registered', 'session_summary_notoken', 'session_active_notoken', 'session_summary_badtoken', 'session_active_badtoken', 'session_active_post_method', 'about_notoken'];
/** Fixtures that depend on traffic: compared by key structure. */
export const STRUCTURAL = ['session_summary_all', 'session_active_all', 'session_summary_mixed_hls_foo', 'session_active_mixed_hls_foo', 'session_summary_trailing_comma', 'session_active_trailing_comma', 'session_active_duplicate', 'session_active_space', 'session_active_encoded_comma', 'session_active_double_encoded_comma', 'about_token'];

/** Same keys in the same order and the same JSON types, recursively (arrays: element by element). */
export function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(shape);
  if (v !== null && typeof v === 'object') return Object.entries(v).map(([k, x]) => [k, shape(x)]);
  return v === null ? 'null' : typeof v;
}

type Json = Record<string, unknown>;
const stats = (s: Json): HistoryTotals => ({ sessions: s.sessions as number, rxBytes: (s.traffic_rx_mb as number) * MiB, txBytes: (s.traffic_tx_mb as number) * MiB });
const statsMap = (m: Json): Map<string, HistoryTotals> => new Map(Object.entries(m).map(([k, v]) => [k, stats(v as Json)]));

function sessionFrom(j: Json): SessionSnapshot {
  return {
    id: j.id as string, reference: j.reference as string, createdAtMs: (j.created_at as number) * 1000, location: j.local as string, peer: j.remote as string,
    extra: j.extra as string, rxBytes: j.bytes_rx as number, txBytes: j.bytes_tx as number,
    rxBitsPerSec: (j.bandwidth_rx_kbit as number) * 1024, txBitsPerSec: (j.bandwidth_tx_kbit as number) * 1024,
  };
}

/** The raw (bit/s, bytes) summary that renders as this fixture entry. */
export function summaryFrom(j: Json): CollectorSummary {
  const a = j.active as Json;
  const s = j.summary as Json;
  return {
    active: (a.list as Json[]).map(sessionFrom),
    activeSessions: a.sessions as number,
    rxBitsPerSec: (a.bandwidth_rx_mbit as number) * MiB,
    txBitsPerSec: (a.bandwidth_tx_mbit as number) * MiB,
    maxSessions: a.max_sessions as number,
    maxRxBitsPerSec: (a.max_bandwidth_rx_mbit as number) * MiB,
    maxTxBitsPerSec: (a.max_bandwidth_tx_mbit as number) * MiB,
    history: {
      peers: new Map(Object.entries(s.remote as Json).map(([k, v]) => [k, { ...stats(v as Json), locations: statsMap((v as Json).local as Json) }])),
      locations: statsMap(s.local as Json),
      references: statsMap(s.reference as Json),
      totals: stats(s),
    },
  };
}

/** A reader whose summaries come from a `session.json` and whose active lists come from a `session-active.json`. */
export function readerFromFixtures(summaryFile: string, activeFile?: string): FakeReader {
  const summary = JSON.parse(readFileSync(join(FIXTURES, summaryFile), 'utf8')) as Record<string, Json>;
  const reader = new FakeReader();
  for (const [id, v] of Object.entries(summary)) reader.map.set(id, summaryFrom(v));
  if (activeFile) {
    const active = JSON.parse(readFileSync(join(FIXTURES, activeFile), 'utf8')) as Record<string, Json[]>;
    for (const [id, list] of Object.entries(active)) {
      const s = reader.map.get(id) ?? zero();
      reader.map.set(id, { ...s, active: list.map(sessionFrom) });
    }
  }
  return reader;
}

