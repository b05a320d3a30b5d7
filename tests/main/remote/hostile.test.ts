/**
 * Hostile numbers from a remote Core (issue 10): two test Cores answer hand-written JSON, sent verbatim over loopback,
 * with negative counts and numbers past 2^53 and past the double range. Polled by the real fleet and rendered by the
 * real API module: the records with negative values are left out with one warning naming them, the Cores stay
 * online, and the huge values are clamped (never 0), also in the sum of both Cores.
 */
import { request } from 'undici';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../src/main/api/index.ts';
import { systemClock } from '../../../src/main/engine/clock.ts';
import { zeroSummary } from '../../../src/main/engine/registry.ts';
import type { SessionReader } from '../../../src/main/engine/types.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { fleetApi } from '../../../src/main/remote/api-routes.ts';
import { createFleet, type Fleet } from '../../../src/main/remote/fleet.ts';
import { MIB } from '../../../src/main/remote/parse.ts';
import { createHttpServer, listen } from '../../../src/main/http/server.ts';
import { startTestCore, type TestCore } from '../../support/test-core.ts';
import { waitFor } from '../../support/wait.ts';

const emptyLocal: SessionReader = { ids: () => [], summary: () => zeroSummary(), active: () => [] };

/** A session object as Core writes it; `over` replaces fields with raw JSON literals. */
function session(id: string, over: Record<string, string> = {}): string {
  const f: Record<string, string> = {
    id: JSON.stringify(id), reference: '"cam"', created_at: '1700000000', local: '"/memfs/cam.m3u8"', remote: '"10.0.0.9"', extra: '""',
    bytes_rx: '0', bytes_tx: '1000', bandwidth_rx_kbit: '0', bandwidth_tx_kbit: '8', ...over,
  };
  return '{' + Object.entries(f).map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',') + '}';
}

// 18446744073709551615 (2^64 − 1, a Go uint64 counter gone wrong) and 1e400 (past the double range: Infinity).
const GOOD = session('good', { bytes_tx: '18446744073709551615', bandwidth_tx_kbit: '1e400' });
const NEGATIVE = session('negative', { bytes_tx: '-1' });
const SUMMARY =
  `{"hls":{"active":{"list":[${GOOD},${NEGATIVE}],"sessions":-3,"bandwidth_rx_mbit":0,"bandwidth_tx_mbit":1e300,` +
  `"max_sessions":0,"max_bandwidth_rx_mbit":0,"max_bandwidth_tx_mbit":0},` +
  `"summary":{"remote":{"10.0.0.9":{"local":{"/memfs/cam.m3u8":{"sessions":1,"traffic_rx_mb":0,"traffic_tx_mb":1e308}},"sessions":1,"traffic_rx_mb":0,"traffic_tx_mb":1e308},` +
  `"6.6.6.6":{"local":{},"sessions":-5,"traffic_rx_mb":0,"traffic_tx_mb":0}},` +
  `"local":{"/memfs/cam.m3u8":{"sessions":1,"traffic_rx_mb":0,"traffic_tx_mb":1e308}},"reference":{"cam":{"sessions":-1,"traffic_rx_mb":0,"traffic_tx_mb":0}},` +
  `"sessions":1,"traffic_rx_mb":0,"traffic_tx_mb":1e308}}}`;

let A: TestCore;
let B: TestCore;
let fleet: Fleet;
let server: Server;
let base: string;
const lines: string[] = [];

async function getJson(path: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await request(base + path);
  expect(res.statusCode).toBe(200);
  return (await res.body.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

beforeAll(async () => {
  A = await startTestCore({ coreId: 'core-a', auth: false });
  B = await startTestCore({ coreId: 'core-b', auth: false });
  for (const c of [A, B]) c.setSessionBodies({ summary: SUMMARY });
  fleet = createFleet({ local: { id: 'local', name: 'this app', reader: emptyLocal }, clock: systemClock, log: memoryLogger(lines) });
  fleet.addCore({ id: 'a', url: A.url, intervalMs: 200 });
  fleet.addCore({ id: 'b', url: B.url, intervalMs: 200 });
  await waitFor(() => fleet.cores().filter((c) => c.kind === 'remote').every((c) => c.state === 'online'), 'both online', 15_000);
  const log = memoryLogger();
  server = createHttpServer({ mounts: createApi({ reader: emptyLocal, about: { name: 'n', id: 'i', startedAtMs: 0 }, log, ...fleetApi(fleet, emptyLocal) }), log });
  base = `http://127.0.0.1:${(await listen(server, '127.0.0.1', 0)).port}`;
});

afterAll(async () => {
  await fleet.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await A?.close();
  await B?.close();
});

describe('hostile numbers from a remote Core', () => {
  it('negative records are left out with a warning, the Cores stay online', async () => {
    const active = await getJson('/api/v3/session/active?collectors=hls');
    expect(active.hls.map((s: { id: string; core: string }) => `${s.core}/${s.id}`).sort()).toEqual(['a/good', 'b/good']);
    const summary = await getJson('/api/v3/session?collectors=hls');
    const h = summary.hls;
    expect(h.active.sessions).toBe(0); // -3 refused as a field: 0 from each Core
    expect(Object.keys(h.summary.remote)).toEqual(['10.0.0.9']); // the peer with -5 sessions left out
    expect(h.summary.reference).toEqual({}); // the reference with -1 sessions left out
    expect(h.summary.sessions).toBe(2);
    const warnings = lines.filter((l) => l.includes('remote Core sent invalid values'));
    expect(warnings.length).toBeGreaterThanOrEqual(2); // one per Core (then at most once a minute each)
    expect(warnings.length).toBeLessThanOrEqual(4);
    expect(warnings[0]).toContain('hls.active.list[1].bytes_tx: negative value -1');
    for (const c of fleet.cores()) if (c.kind === 'remote') expect(c.state).toBe('online');
  });

  it('values past 2^53 and past the double range are clamped, in each Core and in their sum, never 0', async () => {
    const active = await getJson('/api/v3/session/active?collectors=hls&core=a');
    expect(active.hls[0].bytes_tx).toBe(Number.MAX_SAFE_INTEGER);
    expect(active.hls[0].bandwidth_tx_kbit).toBe(Math.floor(Number.MAX_SAFE_INTEGER / 1024));
    const summary = await getJson('/api/v3/session?collectors=hls');
    const h = summary.hls;
    const mbOfOne = Math.floor(Number.MAX_SAFE_INTEGER / MIB);
    expect(h.summary.traffic_tx_mb).toBe(2 * mbOfOne);
    expect(h.summary.remote['10.0.0.9'].traffic_tx_mb).toBe(2 * mbOfOne);
    expect(h.active.bandwidth_tx_mbit).toBeGreaterThan(0);
    expect(Number.isFinite(h.active.bandwidth_tx_mbit)).toBe(true);
  });
});
