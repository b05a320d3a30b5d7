/**
 * SessionCaches (src/main/api/sessions.ts) in isolation: selections keep their own heads, the number of selections
 * kept is bounded (a client picks `?core=`), a live history is built once and shared by the selections holding it,
 * and two API instances do not share caches.
 */
import { describe, expect, it } from 'vitest';
import { buildActiveBody, buildSummaryBody, SessionCaches } from '../../../src/main/api/sessions.ts';
import { History } from '../../../src/main/engine/history.ts';
import { FakeReader, get, session, startApi } from './support.ts';

function list(tag: string, n = 80): ReturnType<typeof session>[] {
  return Array.from({ length: n }, (_, i) => session({ id: `${tag}${i}`, reference: 'r', createdAtMs: 1000 * i, location: '/l', peer: `${tag}-p${i}`, txBytes: i, txBitsPerSec: 8000 }));
}

describe('SessionCaches', () => {
  it('keeps each selection apart, and the least recently used selection goes first past the bound', () => {
    const caches = new SessionCaches();
    const readers = Array.from({ length: 9 }, (_, k) => new FakeReader({ rtmp: { active: list(`s${k}-`) } }));
    const render = (k: number): string => buildActiveBody(readers[k]!, ['rtmp'], caches, `sel${k}`);
    for (let k = 0; k < 8; k++) expect(render(k)).toBe(buildActiveBody(readers[k]!, ['rtmp']));
    expect(caches.counters.headsRendered).toBe(8 * 80);
    for (let k = 0; k < 8; k++) render(k); // all eight are still cached
    expect(caches.counters.headsRendered).toBe(8 * 80);
    render(0); // sel0 is the most recent now; a ninth selection drops sel1
    expect(render(8)).toBe(buildActiveBody(readers[8]!, ['rtmp']));
    expect(caches.selections()).toEqual(['sel2', 'sel3', 'sel4', 'sel5', 'sel6', 'sel7', 'sel0', 'sel8']);
    expect(render(1)).toBe(buildActiveBody(readers[1]!, ['rtmp'])); // rendered again, still exact
    expect(caches.counters.headsRendered).toBe(10 * 80);
  });

  it('builds a live history once for every selection that holds it', () => {
    const h = new History();
    for (let i = 0; i < 500; i++) h.add(`/l${i % 3}`, `10.0.0.${i % 200}:${1000 + i}`, `r${i % 4}`, 1, i, 2 * i);
    const caches = new SessionCaches();
    const reader = { ids: () => ['rtmp'], summary: () => ({ ...new FakeReader().summary('rtmp'), history: h.summary() }), active: () => [] };
    const plain = { ids: () => ['rtmp'], summary: () => ({ ...reader.summary(), history: { ...h.summary(), version: undefined, order: undefined } }), active: () => [] };
    expect(buildSummaryBody(reader, ['rtmp'], caches, 'x')).toBe(buildSummaryBody(plain, ['rtmp']));
    expect(buildSummaryBody(reader, ['rtmp'], caches, 'y')).toBe(buildSummaryBody(plain, ['rtmp']));
    h.add('/l0', 'new-peer', 'r0', 1, 1, 1);
    expect(buildSummaryBody(reader, ['rtmp'], caches, 'x')).toBe(buildSummaryBody(plain, ['rtmp']));
    expect(caches.counters.historiesBuilt).toBe(1); // built once, then updated in place
  });

  it('each API instance owns its caches', async () => {
    const reader = new FakeReader({ rtmp: { active: list('a') } });
    const one = new SessionCaches();
    const two = new SessionCaches();
    const srv1 = await startApi({ reader, sessionCaches: one });
    const srv2 = await startApi({ reader, sessionCaches: two });
    try {
      const r = await get(`${srv1.base}/api/v3/session/active?collectors=rtmp`);
      expect(r.body).toBe(buildActiveBody(reader, ['rtmp']) + '\n');
      expect(one.counters.headsRendered).toBe(80);
      expect(two.counters.headsRendered).toBe(0);
      expect((await get(`${srv2.base}/api/v3/session/active?collectors=rtmp`)).body).toBe(r.body);
      expect(two.counters.headsRendered).toBe(80);
    } finally {
      await srv1.close();
      await srv2.close();
    }
  });
});
