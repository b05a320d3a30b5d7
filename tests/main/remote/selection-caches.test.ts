/**
 * The session render caches are per API instance and per `?core=` selection (issue 15): two test Cores answer 100
 * RTMP sessions each (different ids), polled by the real fleet and served by the real API. Requests alternating
 * `?core=a` and `?core=b` keep both selections' heads cached (no head is rendered again after the first round; keyed
 * by collector alone, each render dropped the other's), and every body equals an uncached render of the same view.
 */
import { request } from 'undici';
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../../src/main/api/index.ts';
import { buildActiveBody, buildSummaryBody, SessionCaches } from '../../../src/main/api/sessions.ts';
import { systemClock } from '../../../src/main/engine/clock.ts';
import { zeroSummary } from '../../../src/main/engine/registry.ts';
import type { SessionReader } from '../../../src/main/engine/types.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { fleetApi } from '../../../src/main/remote/api-routes.ts';
import { createFleet, type Fleet } from '../../../src/main/remote/fleet.ts';
import { createHttpServer, listen } from '../../../src/main/http/server.ts';
import { startTestCore, type TestCore } from '../../support/test-core.ts';
import { waitFor } from '../../support/wait.ts';

const emptyLocal: SessionReader = { ids: () => [], summary: () => zeroSummary(), active: () => [] };
const COUNT = 100; // above the head cache's minimum list length (64)

/** `COUNT` RTMP sessions as Core writes them, ids and peers prefixed with `tag`. */
function sessions(tag: string): string {
  const list = Array.from(
    { length: COUNT },
    (_, i) =>
      `{"id":"${tag}-${i}","reference":"cam${i % 3}","created_at":${1_700_000_000 + i},"local":"/live/cam${i % 3}","remote":"10.0.${tag.length}.${i}:${2000 + i}",` +
      `"extra":"${tag} \\u003c${i}\\u003e","bytes_rx":${1000 * i},"bytes_tx":${7 * i},"bandwidth_rx_kbit":${i}.5,"bandwidth_tx_kbit":8}`,
  );
  return '[' + list.join(',') + ']';
}

function bodies(tag: string): { summary: string; active: string } {
  const list = sessions(tag);
  const summary =
    `{"rtmp":{"active":{"list":${list},"sessions":${COUNT},"bandwidth_rx_mbit":1,"bandwidth_tx_mbit":0,"max_sessions":${COUNT},"max_bandwidth_rx_mbit":1,"max_bandwidth_tx_mbit":0},` +
    `"summary":{"remote":{},"local":{},"reference":{},"sessions":0,"traffic_rx_mb":0,"traffic_tx_mb":0}}}`;
  return { summary, active: `{"rtmp":${list}}` };
}

let A: TestCore;
let B: TestCore;
let fleet: Fleet;
let server: Server;
let base: string;
const caches = new SessionCaches();

async function get(path: string): Promise<string> {
  const res = await request(base + path);
  expect(res.statusCode).toBe(200);
  return res.body.text();
}

beforeAll(async () => {
  A = await startTestCore({ coreId: 'core-a', auth: false });
  B = await startTestCore({ coreId: 'core-b', auth: false });
  A.setSessionBodies(bodies('a'));
  B.setSessionBodies(bodies('bb'));
  fleet = createFleet({ local: { id: 'local', name: 'this app', reader: emptyLocal }, clock: systemClock, log: memoryLogger() });
  fleet.addCore({ id: 'a', url: A.url, intervalMs: 200 });
  fleet.addCore({ id: 'b', url: B.url, intervalMs: 200 });
  await waitFor(() => fleet.snapshot().sessions.length === 2 * COUNT, 'both cores polled', 15_000);
  const log = memoryLogger();
  server = createHttpServer({ mounts: createApi({ reader: emptyLocal, about: { name: 'n', id: 'i', startedAtMs: 0 }, log, sessionCaches: caches, ...fleetApi(fleet, emptyLocal) }), log });
  base = `http://127.0.0.1:${(await listen(server, '127.0.0.1', 0)).port}`;
});

afterAll(async () => {
  await fleet.stop();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await A.close();
  await B.close();
});

describe('session render caches per selection', () => {
  it('alternating ?core=a and ?core=b keeps both cached, and both bodies stay exact', async () => {
    const uncached = (ids: string[], active: boolean): string =>
      (active ? buildActiveBody(fleet.reader(ids), ['rtmp']) : buildSummaryBody(fleet.reader(ids), ['rtmp'])) + '\n';
    for (let round = 0; round < 3; round++) {
      for (const [core, tag] of [['a', 'a'], ['b', 'bb']] as const) {
        const active = await get(`/api/v3/session/active?collectors=rtmp&core=${core}`);
        expect(active).toBe(uncached([core], true));
        const list = (JSON.parse(active) as { rtmp: { id: string; core: string }[] }).rtmp;
        expect(list).toHaveLength(COUNT);
        expect(list.every((s) => s.core === core && s.id.startsWith(tag + '-'))).toBe(true);
        expect(await get(`/api/v3/session?collectors=rtmp&core=${core}`)).toBe(uncached([core], false));
      }
      // every head was rendered once, in the first round: the two selections did not evict each other
      expect(caches.counters.headsRendered).toBe(2 * COUNT);
    }
    // the same cores in another spelling are the same selection
    expect(await get('/api/v3/session/active?collectors=rtmp&core=b,a,b')).toBe(uncached(['a', 'b'], true));
    expect(await get('/api/v3/session/active?collectors=rtmp&core=a,b')).toBe(uncached(['a', 'b'], true));
    expect(caches.counters.headsRendered).toBe(4 * COUNT);
    expect(caches.selections()).toEqual(['cores:a', 'cores:b', 'cores:a,b']);
  });
});
