/**
 * The merged view through the real API module: two test Cores answering recorded responses, polled by the fleet,
 * rendered by src/main/api (createApi with the fleet's readerFor/extraRoutes). The merged numbers equal the sums of
 * the recorded numbers, and every listed session is the recorded object plus `"core"`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import type { Server } from 'node:http';
import { systemClock } from '../../../src/main/engine/clock.ts';
import type { SessionReader } from '../../../src/main/engine/types.ts';
import { createApi } from '../../../src/main/api/index.ts';
import { toNumber } from '../../../src/main/engine/go-json.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createHttpServer, listen } from '../../../src/main/http/server.ts';
import { fleetApi } from '../../../src/main/remote/api-routes.ts';
import { createFleet, type Fleet } from '../../../src/main/remote/fleet.ts';
import { activeOfSummary, fixture, splitObject, startTestCore, type TestCore } from '../../support/test-core.ts';
import { zeroSummary } from '../../../src/main/engine/registry.ts';
import { waitFor } from '../../support/wait.ts';

const NAMES = ['ffmpeg', 'hls', 'hlsingress', 'http', 'rtmp', 'srt'];
const Q = `collectors=${NAMES.join(',')}`;
const emptyLocal: SessionReader = { ids: () => [], summary: () => zeroSummary(), active: () => [] };

let A: TestCore;
let B: TestCore;
let fleet: Fleet;
let server: Server;
let base: string;

async function get(path: string): Promise<{ status: number; body: string }> {
  const res = await request(base + path);
  return { status: res.statusCode, body: await res.body.text() };
}

beforeAll(async () => {
  A = await startTestCore({ phase: 'snap-02', coreId: 'core-a', failedLoginDelayMs: 100 });
  B = await startTestCore({ phase: 'after-close', coreId: 'core-b', failedLoginDelayMs: 100 });
  fleet = createFleet({ local: { id: 'local', name: 'this app', reader: emptyLocal }, clock: systemClock, log: memoryLogger() });
  const creds = { username: 'admin', password: 'datarhei' };
  fleet.addCore({ id: 'a', url: A.url, credentials: creds, intervalMs: 200 });
  fleet.addCore({ id: 'b', url: B.url, credentials: creds, intervalMs: 200 });
  await waitFor(() => fleet.cores().every((c) => c.state === 'online' || c.state === 'running'), 'online', 15_000);
  const log = memoryLogger();
  const mounts = createApi({ reader: emptyLocal, about: { name: 'n', id: 'i', startedAtMs: 0 }, log, ...fleetApi(fleet, emptyLocal) });
  server = createHttpServer({ mounts, log });
  const addr = await listen(server, '127.0.0.1', 0);
  base = `http://127.0.0.1:${addr.port}`;
});

afterAll(async () => {
  await fleet.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await A.close();
  await B.close();
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Recorded session objects (raw text) of a collector's list, in order. */
function rawSessions(listRaw: string): string[] {
  const inner = listRaw.slice(1, -1);
  return inner === '' ? [] : inner.split(/(?<=\}),(?=\{)/);
}

function sumStats(a: Json | undefined, b: Json | undefined): Json {
  const z = { sessions: 0, traffic_rx_mb: 0, traffic_tx_mb: 0 };
  const x = a ?? z;
  const y = b ?? z;
  return { sessions: x.sessions + y.sessions, traffic_rx_mb: x.traffic_rx_mb + y.traffic_rx_mb, traffic_tx_mb: x.traffic_tx_mb + y.traffic_tx_mb };
}

function sumMap(a: Json, b: Json, peers = false): Json {
  const out: Json = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    out[k] = sumStats(a[k], b[k]);
    if (peers) out[k].local = sumMap(a[k]?.local ?? {}, b[k]?.local ?? {});
  }
  return out;
}

describe('merged /api/v3/session of two Cores', () => {
  it('equals the sum of the recorded numbers, rendered as Core renders, each session with its core', async () => {
    const res = await get(`/api/v3/session?${Q}`);
    expect(res.status).toBe(200);
    const got = JSON.parse(res.body) as Json;
    const ra = JSON.parse(fixture('during/snap-02/session.json')) as Json;
    const rb = JSON.parse(fixture('after-close/session.json')) as Json;
    const rawA = splitObject(fixture('during/snap-02/session.json'));
    const rawB = splitObject(fixture('after-close/session.json'));
    expect(Object.keys(got)).toEqual(NAMES);
    for (const c of NAMES) {
      const a = ra[c].active;
      const b = rb[c].active;
      const g = got[c].active;
      expect(g.sessions).toBe(a.sessions + b.sessions);
      expect(g.max_sessions).toBe(a.max_sessions + b.max_sessions);
      for (const f of ['bandwidth_rx_mbit', 'bandwidth_tx_mbit', 'max_bandwidth_rx_mbit', 'max_bandwidth_tx_mbit']) {
        // Rendered with Core's toNumber from the exact sum (×1024² and back is exact).
        expect(res.body).toContain(`"${f}":${toNumber(a[f] + b[f])}`);
        expect(g[f]).toBeCloseTo(a[f] + b[f], 3);
      }
      // Lists joined, sorted by created_at (stable: a before b on ties), each the recorded object + "core".
      const listA = rawSessions(splitObject(splitObject(rawA.get(c)!).get('active')!).get('list')!).map((s) => ({ s, core: 'a' }));
      const listB = rawSessions(splitObject(splitObject(rawB.get(c)!).get('active')!).get('list')!).map((s) => ({ s, core: 'b' }));
      const createdAt = (s: string): number => Number(/"created_at":(\d+)/.exec(s)![1]);
      const expected = [...listA, ...listB].sort((x, y) => createdAt(x.s) - createdAt(y.s)).map(({ s, core }) => s.slice(0, -1) + `,"core":"${core}"}`);
      expect(res.body).toContain(`"list":[${expected.join(',')}]`);
      // History: MB add up exactly (remote MB are carried as MB × 1024² bytes).
      const sa = ra[c].summary;
      const sb = rb[c].summary;
      const gs = got[c].summary;
      expect(gs.sessions).toBe(sa.sessions + sb.sessions);
      expect(gs.traffic_rx_mb).toBe(sa.traffic_rx_mb + sb.traffic_rx_mb);
      expect(gs.traffic_tx_mb).toBe(sa.traffic_tx_mb + sb.traffic_tx_mb);
      expect(gs.remote).toEqual(sumMap(sa.remote, sb.remote, true));
      expect(gs.local).toEqual(sumMap(sa.local, sb.local));
      expect(gs.reference).toEqual(sumMap(sa.reference, sb.reference));
    }
  });

  it('/active joins the lists; ?core= selects cores', async () => {
    const all = JSON.parse((await get(`/api/v3/session/active?${Q}`)).body) as Json;
    // The fleet polls only the summary: each Core's active sessions are its recorded summary's lists.
    const ra = JSON.parse(activeOfSummary(fixture('during/snap-02/session.json'))) as Json;
    const rb = JSON.parse(activeOfSummary(fixture('after-close/session.json'))) as Json;
    for (const c of NAMES) {
      expect(all[c]).toHaveLength(ra[c].length + rb[c].length);
      expect(all[c].map((s: Json) => s.created_at)).toEqual([...all[c].map((s: Json) => s.created_at)].sort((x, y) => x - y));
    }
    const onlyA = await get(`/api/v3/session/active?${Q}&core=a`);
    const recordedA = activeOfSummary(fixture('during/snap-02/session.json'));
    // One core selected: the text Core's /active gives with that summary, plus the core tag on each session.
    expect(onlyA.body.replace(/,"core":"a"/g, '')).toBe(recordedA + '\n');
    const both = JSON.parse((await get(`/api/v3/session?${Q}&core=a,b`)).body) as Json;
    expect(both.hls.active.sessions).toBe(all.hls.length);
    const none = JSON.parse((await get(`/api/v3/session?collectors=hls&core=nope`)).body) as Json;
    expect(none.hls.active.sessions).toBe(0);
    const local = await get(`/api/v3/session/active?collectors=hls&core=local`);
    expect(local.body).toBe('{"hls":[]}\n');
  });

  it('GET /api/v3/cores lists the cores with their states, without secrets', async () => {
    const res = await get('/api/v3/cores');
    expect(res.status).toBe(200);
    const cores = JSON.parse(res.body) as Json[];
    expect(cores.map((c) => [c.id, c.kind, c.state])).toEqual([
      ['local', 'local', 'running'],
      ['a', 'remote', 'online'],
      ['b', 'remote', 'online'],
    ]);
    expect(cores[1]!.version).toBe('16.14.0');
    expect(cores[1]!.name).toBe('core-peer');
    expect(res.body).not.toMatch(/datarhei"|eyJ|password/);
  });

  it('the fleet as a SessionSource: snapshot and history rows', () => {
    const snap = fleet.snapshot();
    expect(snap.cores.map((c) => c.id)).toEqual(['local', 'a', 'b']);
    const ra = JSON.parse(activeOfSummary(fixture('during/snap-02/session.json'))) as Json;
    expect(snap.sessions.filter((s) => s.core === 'a')).toHaveLength(NAMES.reduce((n, c) => n + ra[c].length, 0));
    const rows = fleet.history({ core: ['b'], collectors: ['rtmp'] });
    expect(rows.find((r) => r.group === 'reference' && r.key === '/live/peer-rtmp')).toMatchObject({ sessions: 3, rxBytes: 7 * 1024 * 1024, txBytes: 14 * 1024 * 1024 });
  });

  it("a snapshot row is the session in the one internal shape: Core's JSON names converted at the wire edge, tagged with core and collector", () => {
    const ra = JSON.parse(activeOfSummary(fixture('during/snap-02/session.json'))) as Json;
    const rows = fleet.snapshot().sessions.filter((s) => s.core === 'a');
    let compared = 0;
    for (const c of NAMES) {
      for (const r of ra[c] as Json[]) {
        const row = rows.find((s) => s.collector === c && s.id === r.id);
        expect(row, `${c} ${r.id}`).toBeDefined();
        expect(Object.keys(row!).sort()).toEqual(
          ['collector', 'core', 'createdAtMs', 'extra', 'id', 'location', 'peer', 'reference', 'rxBitsPerSec', 'rxBytes', 'txBitsPerSec', 'txBytes'],
        );
        expect(row).toMatchObject({ location: r.local, peer: r.remote, reference: r.reference, rxBytes: r.bytes_rx, txBytes: r.bytes_tx, createdAtMs: r.created_at * 1000 });
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('with no remote Core the local reader answers, byte-compatible with Core (no core field)', async () => {
    const solo = createFleet({ local: { id: 'local', name: 'x', reader: emptyLocal }, clock: systemClock, log: memoryLogger() });
    const hooks = fleetApi(solo, emptyLocal);
    const ctx = { query: new Map<string, string[]>() } as unknown as Parameters<typeof hooks.readerFor>[0];
    expect(hooks.readerFor(ctx).reader).toBe(emptyLocal);
    await solo.stop();
  });
});
