import { gunzipSync } from 'node:zlib';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { createLocalCore } from '../../../src/main/engine/local-core.ts';
import { FakeReader, get, historyOf, session, startApi, type TestServer, zero } from './support.ts';

const ZERO =
  '{"active":{"list":[],"sessions":0,"bandwidth_rx_mbit":0,"bandwidth_tx_mbit":0,"max_sessions":0,"max_bandwidth_rx_mbit":0,"max_bandwidth_tx_mbit":0},"summary":{"remote":{},"local":{},"reference":{},"sessions":0,"traffic_rx_mb":0,"traffic_tx_mb":0}}';

const MiB = 1024 * 1024;

describe('GET /api/v3/session and /active over HTTP (no auth)', () => {
  let srv: TestServer;
  const reader = new FakeReader({
    hls: {
      active: [
        session({ id: 'a', reference: 'r', createdAtMs: 1_718_000_000_999, location: '/memfs/r.m3u8', peer: 'www.example.com', extra: '[203.0.113.0] <UA>', txBytes: 15237121, txBitsPerSec: 2510028.8 }),
        session({ id: 'b', createdAtMs: 1_718_000_001_000, txBitsPerSec: 1536, rxBitsPerSec: 8000 }),
      ],
      activeSessions: 2,
      rxBitsPerSec: 2 * 524288, // §6.19
      txBitsPerSec: 2510028.8, // §6.20
      maxSessions: 50,
      maxTxBitsPerSec: 100 * MiB, // §6.24
      history: historyOf([
        // §6.22: per group floors
        { location: 'L1', peer: 'p1', reference: 'r1', sessions: 1, rxBytes: 1048575, txBytes: 1048576 },
        { location: 'L2', peer: 'p2', reference: 'r2', sessions: 2, rxBytes: 0, txBytes: 3145727 },
        // §6.23: two locations under one peer, 629146 bytes each
        { location: 'A', peer: 'p3', reference: 'r3', sessions: 1, rxBytes: 629146, txBytes: 0 },
        { location: 'B', peer: 'p3', reference: 'r3', sessions: 1, rxBytes: 629146, txBytes: 0 },
      ]),
    },
    hlsingress: { maxTxBitsPerSec: 0 },
    rtmp: { maxTxBitsPerSec: 100 * MiB },
  });

  beforeAll(async () => {
    srv = await startApi({ reader });
  });
  afterAll(() => srv.close());

  it('§6.25 no parameter → exactly one key "" with the zero summary; collectors= the same', async () => {
    for (const q of ['', '?collectors=']) {
      const r = await get(`${srv.base}/api/v3/session${q}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/json; charset=UTF-8');
      expect(r.body).toBe(`{"":${ZERO}}\n`);
    }
  });

  it('§6.26 unknown names get the zero summary with status 200', async () => {
    const r = await get(`${srv.base}/api/v3/session?collectors=hlsingress,nope`);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['hlsingress', 'nope']);
    expect(r.body).toContain(`"nope":${ZERO}`);
  });

  it('§6.19–24 units, number rendering and per-group MB floors', async () => {
    const r = await get(`${srv.base}/api/v3/session?collectors=hls,hlsingress,rtmp`);
    const b = r.body;
    expect(b).toContain('"bandwidth_rx_mbit":1,'); // §6.19
    expect(b).toContain('"bandwidth_tx_mbit":2.394,'); // §6.20
    expect(b).toContain('"bandwidth_tx_kbit":2451.200}');
    expect(b).toContain('"bandwidth_rx_kbit":7.812,"bandwidth_tx_kbit":1.500}'); // §6.18, §6.20
    expect(b).toContain('"created_at":1718000000,'); // truncated seconds
    expect(b).toContain('"extra":"[203.0.113.0] \\u003cUA\\u003e"');
    const j = JSON.parse(b) as Record<string, { active: Record<string, number>; summary: Record<string, unknown> }>;
    expect(j.hls!.active.max_bandwidth_tx_mbit).toBe(100); // §6.24
    expect(j.hls!.active.max_bandwidth_rx_mbit).toBe(0);
    expect(j.rtmp!.active.max_bandwidth_tx_mbit).toBe(100);
    expect(j.hlsingress!.active.max_bandwidth_tx_mbit).toBe(0);
    expect(b).toContain('"max_sessions":50,"max_bandwidth_rx_mbit":0,"max_bandwidth_tx_mbit":100}');
    const s = j.hls!.summary as { remote: Record<string, { traffic_rx_mb: number; traffic_tx_mb: number; local: Record<string, { traffic_rx_mb: number }> }>; traffic_rx_mb: number };
    expect(s.remote.p1!.traffic_rx_mb).toBe(0); // 1 048 575 B
    expect(s.remote.p1!.traffic_tx_mb).toBe(1); // 1 048 576 B
    expect(s.remote.p2!.traffic_tx_mb).toBe(2); // 3 145 727 B (§6.22)
    expect(s.remote.p3!.local.A!.traffic_rx_mb).toBe(0); // §6.23
    expect(s.remote.p3!.local.B!.traffic_rx_mb).toBe(0);
    expect(s.remote.p3!.traffic_rx_mb).toBe(1);
    expect(b).toContain('"local":{"A":{"sessions":1,"traffic_rx_mb":0,"traffic_tx_mb":0},"B":{"sessions":1,"traffic_rx_mb":0,"traffic_tx_mb":0},"L1"');
    expect(b).toContain('"reference":{"r1":{"sessions":1,"traffic_rx_mb":0,"traffic_tx_mb":1},"r2":{"sessions":2,"traffic_rx_mb":0,"traffic_tx_mb":2},"r3":{"sessions":2,"traffic_rx_mb":1,"traffic_tx_mb":0}},"sessions":5,"traffic_rx_mb":2,"traffic_tx_mb":3}}');
  });

  it.each([
    ['collectors=hls,rtmp', ['hls', 'rtmp']],
    ['collectors=hls%2Crtmp', ['hls', 'rtmp']],
    ['collectors=hls%252Crtmp', ['hls', 'rtmp']], // §6.28 decoded twice
    ['collectors=hls,hls', ['hls']], // §6.27
    ['collectors=hls&collectors=rtmp', ['hls']], // first value wins
    ['collectors=hls,', ['', 'hls']], // §6.27
    ['collectors=foo', ['foo']],
    ['collectors=%20hls', [' hls']], // §6.27
    ['collectors=+hls', [' hls']],
    ['collectors=HLS', ['HLS']],
    ['collectors=a%25zz', ['']], // second decode fails
    ['collectors=hls%2Brtmp', ['hls rtmp']],
    ['collectors=%zz', ['']], // first decode fails: Go drops the pair
    ['collectors=hls;x', ['']], // Go drops pairs with ';'
    ['collectors=rtmp,hls,,', ['', 'hls', 'rtmp']],
    ['collectors=%C3%A9,z', ['z', 'é']],
    ['collectors=%ff', ['\ufffd']], // invalid UTF-8
  ])('collectors edge case %s → keys %j', async (q, keys) => {
    for (const path of ['/api/v3/session', '/api/v3/session/active']) {
      const r = await get(`${srv.base}${path}?${q}`);
      expect(r.status).toBe(200);
      expect(Object.keys(JSON.parse(r.body) as object)).toEqual(keys);
    }
  });

  it('§6.29 active with no sessions is [] (never null), active lists keep registration order', async () => {
    const r = await get(`${srv.base}/api/v3/session/active?collectors=rtmp,hls`);
    expect(r.body.startsWith('{"hls":[{"id":"a",')).toBe(true);
    expect(r.body).toContain('},{"id":"b",');
    expect(r.body.endsWith('],"rtmp":[]}\n')).toBe(true);
  });

  it('§6.31 an empty history renders {} maps, never null', async () => {
    const r = await get(`${srv.base}/api/v3/session?collectors=rtmp`);
    expect(r.body).toContain('"summary":{"remote":{},"local":{},"reference":{},"sessions":0');
  });

  it('?pretty (any value) indents with two spaces; headers as Core', async () => {
    for (const q of ['pretty', 'pretty=', 'pretty=false']) {
      const r = await get(`${srv.base}/api/v3/session/active?collectors=foo&${q}`);
      expect(r.body).toBe('{\n  "foo": []\n}\n');
    }
    const r = await get(`${srv.base}/api/v3/session/active?collectors=foo`);
    expect(r.headers.vary).toEqual(['Origin', 'Accept-Encoding']);
  });

  it('gzips bodies of at least 1000 bytes when the client accepts gzip', async () => {
    const small = await get(`${srv.base}/api/v3/session/active?collectors=foo`, { 'accept-encoding': 'gzip' });
    expect(small.headers['content-encoding']).toBeUndefined();
    const plain = await get(`${srv.base}/api/v3/session?collectors=hls,rtmp`);
    expect(plain.raw.length).toBeGreaterThanOrEqual(1000);
    const big = await get(`${srv.base}/api/v3/session?collectors=hls,rtmp`, { 'accept-encoding': 'gzip, deflate' });
    expect(big.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(big.raw).toString('utf8')).toBe(plain.body);
    const refused = await get(`${srv.base}/api/v3/session?collectors=hls,rtmp`, { 'accept-encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });

  it('other methods on the session routes → 404 in Core shape; unknown v3 paths → 404', async () => {
    for (const m of ['POST', 'PUT', 'HEAD'] as const) {
      const r = await get(`${srv.base}/api/v3/session/active?collectors=hls`, {}, m);
      expect(r.status).toBe(404);
      if (m !== 'HEAD') expect(r.body).toBe('{"code":404,"message":"Not Found","details":["Not Found"]}\n');
    }
    expect((await get(`${srv.base}/api/v3/sessions`)).status).toBe(404); // the plural path of old clients
    expect((await get(`${srv.base}/api/login`, {}, 'POST', '{}')).status).toBe(404); // no login without auth
  });

  it('bad input: huge query → 414, invalid percent-encoding in the path → 400, never a crash', async () => {
    const huge = await get(`${srv.base}/api/v3/session?collectors=${'a'.repeat(70 * 1024)}`);
    expect(huge.status).toBe(414);
    expect(JSON.parse(huge.body)).toMatchObject({ code: 414 });
    const bigger = await get(`${srv.base}/api/v3/session?collectors=${'a'.repeat(200 * 1024)}`).catch(() => ({ status: 431 }));
    expect([414, 431]).toContain(bigger.status);
    const bad = await get(`${srv.base}/api/v3/%zzsession`);
    expect(bad.status).toBe(400);
    const ok = await get(`${srv.base}/api/v3/session?collectors=foo`);
    expect(ok.status).toBe(200);
  });
});

describe('with the real engine (createLocalCore on a fake clock)', () => {
  it('lists an activated session, counts bandwidth and renders the history after close (§6.8, §6.9)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-engine-'));
    const clock = new FakeClock(1_718_000_000_000);
    const core = createLocalCore({ persist: false, maxBitrateMbit: 100, maxSessions: 7 }, { clock, dataDir: dir });
    const srv = await startApi({ reader: core.registry });
    try {
      const rtmp = core.collectors.rtmp;
      rtmp.registerAndActivate('/live/x.stream', '/live/x', 'publish:/live/x.stream', '198.51.100.23:50412');
      for (let i = 0; i < 12; i++) {
        clock.advance(1000);
        rtmp.ingress('/live/x.stream', 1000); // steady 1000 B/s, read right after the add (§6.18)
      }
      let r = await get(`${srv.base}/api/v3/session/active?collectors=rtmp,https`);
      const active = JSON.parse(r.body) as Record<string, Array<Record<string, unknown>>>;
      expect(Object.keys(active)).toEqual(['https', 'rtmp']);
      expect(active.https).toEqual([]);
      expect(active.rtmp![0]).toMatchObject({ id: '/live/x.stream', reference: '/live/x', created_at: 1718000000, local: 'publish:/live/x.stream', remote: '198.51.100.23:50412', bytes_rx: 12000 });
      expect(r.body).toMatch(/"bandwidth_rx_kbit":7\.812,/);
      r = await get(`${srv.base}/api/v3/session?collectors=rtmp`);
      expect(r.body).toContain('"max_sessions":7,"max_bandwidth_rx_mbit":0,"max_bandwidth_tx_mbit":100}');
      rtmp.unregister('/live/x.stream');
      clock.advance(3000);
      r = await get(`${srv.base}/api/v3/session?collectors=rtmp`);
      const s = JSON.parse(r.body) as { rtmp: { active: { list: unknown[] }; summary: { sessions: number; reference: Record<string, unknown> } } };
      expect(s.rtmp.active.list).toEqual([]);
      expect(s.rtmp.summary.sessions).toBe(1);
      expect(Object.keys(s.rtmp.summary.reference)).toEqual(['/live/x']);
      expect(zero().active).toEqual([]);
    } finally {
      await srv.close();
      await core.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('history text caches (large histories)', () => {
  it('renders exactly what an uncached render gives, across changes, new peers and a reset', async () => {
    const { History } = await import('../../../src/main/engine/history.ts');
    const { SessionCaches, writeHistory } = await import('../../../src/main/api/sessions.ts');
    const caches = new SessionCaches();
    const fresh = (h: InstanceType<typeof History>): string => {
      // an uncached reference: a structural copy (new objects) rendered without a cache key
      const s = h.summary();
      const copy = {
        peers: new Map([...s.peers].map(([k, p]) => [k, { ...p, locations: new Map([...p.locations].map(([l, t]) => [l, { ...t }])) }])),
        locations: new Map([...s.locations].map(([k, t]) => [k, { ...t }])),
        references: new Map([...s.references].map(([k, t]) => [k, { ...t }])),
        totals: { ...s.totals },
      };
      return writeHistory(copy);
    };
    const h = new History();
    for (let i = 0; i < 3000; i++) h.add(`loc${i % 7}`, `peer-${(i * 7919) % 2500}`, `ref${i % 5}`, 1, i, 2 * i);
    expect(writeHistory(h.summary(), caches)).toBe(fresh(h));
    expect(writeHistory(h.summary(), caches)).toBe(fresh(h)); // same object: cached text
    h.add('loc1', 'peer-7', 'ref1', 1, 5 * 1024 * 1024, 0); // one peer changes
    expect(writeHistory(h.summary(), caches)).toBe(fresh(h));
    h.add('loc1', 'peer-0000', 'ref1', 1, 1, 1); // new keys that sort in the middle and at the ends
    h.add('loc1', '\u00e9', 'ref1', 1, 1, 1);
    h.add('loc1', '', 'ref1', 1, 1, 1);
    h.add('loc9', 'peer-1250x', 'ref9', 1, 1, 1);
    expect(writeHistory(h.summary(), caches)).toBe(fresh(h));
    const other = new History(); // a different (smaller, then large) history under the same name
    for (let i = 0; i < 1200; i++) other.add('l', `p${i}`, 'r', 1, 1, 1);
    expect(writeHistory(other.summary(), caches)).toBe(fresh(other));
    const small = new History();
    small.add('l', 'p', 'r', 1, 1, 1);
    expect(writeHistory(small.summary(), caches)).toBe(fresh(small));
  });
});

describe('live history rendering (engine summaries with version and order)', () => {
  it('matches a full render across escaping, non-ASCII keys, huge counters, block splits and change-log overflow', async () => {
    const { History } = await import('../../../src/main/engine/history.ts');
    const { SessionCaches, writeHistory } = await import('../../../src/main/api/sessions.ts');
    const caches = new SessionCaches();
    const plain = (h: InstanceType<typeof History>): string => {
      const s = h.summary();
      // a plain summary (no version/order): rendered in full, keys sorted by the generic path
      return writeHistory({ peers: s.peers, locations: s.locations, references: s.references, totals: s.totals });
    };
    const h = new History();
    const odd = ['', 'a<b>&c', 'q"uote\\', 'ctl\u0001\n', '\u00e9t\u00e9', '\u{1F600}smile', '\uffffhigh', 'lone\ud800', '\u2028sep', 'z'];
    let seed = 7;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const add = (i: number): void => {
      const peer = rnd(10) === 0 ? odd[rnd(odd.length)]! + rnd(50) : `10.${rnd(256)}.${rnd(256)}.${rnd(256)}:${1024 + rnd(60000)}`;
      h.add(`/live/${odd[rnd(odd.length)]}`, peer, `ref${rnd(5)}${odd[rnd(3)]}`, 1, rnd(3) === 0 ? 2 ** 40 + i : i * 1000, rnd(2) === 0 ? 9_007_199_254_740_000 : i);
    };
    for (let i = 0; i < 3000; i++) add(i);
    expect(writeHistory(h.summary(), caches)).toBe(plain(h)); // first (cold) render
    expect(writeHistory(h.summary(), caches)).toBe(plain(h)); // cached
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 1 + round * 40; i++) add(i); // changes and new keys, concentrated enough to split blocks
      expect(writeHistory(h.summary(), caches)).toBe(plain(h));
    }
    h.add('/live/x', '0.0.0.0:1', 'ref0', 1, 1, 1); // sorts first
    h.add('/live/x', '\u{10FFFF}', 'ref0', 1, 1, 1); // sorts last (a surrogate pair after U+FFFF)
    expect(writeHistory(h.summary(), caches)).toBe(plain(h));
    for (let i = 0; i < 10_000; i++) add(i); // more changes than the log keeps: a full render
    expect(writeHistory(h.summary(), caches)).toBe(plain(h));
    expect(JSON.parse(writeHistory(h.summary(), caches)).sessions).toBe(h.summary().totals.sessions);
  });
});

describe('session head cache (long active lists)', () => {
  it('renders exactly what an uncached render gives when fields change between renders', async () => {
    const { SessionCaches, writeSession, writeSessionList } = await import('../../../src/main/api/sessions.ts');
    const heads = new SessionCaches().heads('', 'rtmp');
    const make = (n: number, tweak = -1): ReturnType<typeof session>[] =>
      Array.from({ length: n }, (_, i) =>
        session({ id: `s${i}`, reference: 'r', createdAtMs: 1000 * i, location: '/l', peer: `p${i}`, extra: i === tweak ? 'changed <x>' : `e${i}`, rxBytes: i, txBytes: 2 * i, rxBitsPerSec: i * 1.5, txBitsPerSec: 8000 }),
      );
    const plain = (l: ReturnType<typeof session>[]): string => '[' + l.map(writeSession).join(',') + ']';
    const a = make(100);
    expect(writeSessionList(a, heads)).toBe(plain(a));
    const b = make(100, 7).map((s, i) => (i === 3 ? { ...s, peer: 'moved' } : i === 5 ? { ...s, createdAtMs: 99_000 } : { ...s, txBytes: s.txBytes + 1 }));
    expect(writeSessionList(b, heads)).toBe(plain(b));
    const c = make(80).reverse();
    expect(writeSessionList(c, heads)).toBe(plain(c));
    expect(writeSessionList([], heads)).toBe('[]');
    expect(writeSessionList(a, heads)).toBe(plain(a));
    // non-ASCII and escaped heads, big counters, fractional rates and the merged view's core field
    const d = make(70).map((s, i) => ({ ...s, extra: i % 3 === 0 ? `\u00e9 <${i}> \u{1F600}` : s.extra, txBytes: 2 ** 53 - 1 - i, rxBitsPerSec: i * 1.0001, core: i % 2 ? 'c\u00f8re' : undefined }));
    expect(writeSessionList(d, heads)).toBe(plain(d));
    expect(writeSessionList(d.slice(10), heads)).toBe(plain(d.slice(10)));
  });
});

describe('session bodies sent as byte chunks (large history, long list)', () => {
  it('GET, gzip, ?pretty and /active give the text render byte for byte, with a matching Content-Length', async () => {
    const { History } = await import('../../../src/main/engine/history.ts');
    const { indentGo } = await import('../../../src/main/engine/go-json.ts');
    const { buildActiveBody, buildSummaryBody } = await import('../../../src/main/api/sessions.ts');
    const h = new History();
    for (let i = 0; i < 2000; i++) h.add(`/live/s${i % 3}`, i % 97 === 0 ? `p\u00e9<${i}>` : `10.0.${i % 200}.${i % 7}:${1000 + i}`, `r${i % 3}`, 1, i * 1000, 3 * i);
    const live = h.summary();
    const active = Array.from({ length: 100 }, (_, i) =>
      session({ id: `s${i}`, reference: 'r', createdAtMs: 1000 * i, location: '/l', peer: `p${i}`, extra: i % 9 ? '' : '\u00e9 <x>', txBytes: i, txBitsPerSec: 8000 + i }),
    );
    const reader = new FakeReader({ rtmp: { active, activeSessions: 100, history: live } });
    // the same content as a plain summary (no version/order): rendered as text, uncached
    const plainReader = new FakeReader({
      rtmp: { active, activeSessions: 100, history: { peers: live.peers, locations: live.locations, references: live.references, totals: live.totals } },
    });
    const srv = await startApi({ reader });
    try {
      const url = `${srv.base}/api/v3/session?collectors=rtmp,x`;
      for (let round = 0; round < 3; round++) {
        const expected = buildSummaryBody(plainReader, ['rtmp', 'x']) + '\n';
        const r = await get(url);
        expect(r.status).toBe(200);
        expect(r.body).toBe(expected);
        expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength(expected));
        const z = await get(url, { 'accept-encoding': 'gzip' });
        expect(z.headers['content-encoding']).toBe('gzip');
        expect(Number(z.headers['content-length'])).toBe(z.raw.length);
        expect(gunzipSync(z.raw).toString('utf8')).toBe(expected);
        const p = await get(`${url}&pretty`);
        expect(p.body).toBe(indentGo(expected.slice(0, -1)) + '\n');
        const a = await get(`${srv.base}/api/v3/session/active?collectors=rtmp`);
        expect(a.body).toBe(buildActiveBody(plainReader, ['rtmp']) + '\n');
        expect(Number(a.headers['content-length'])).toBe(a.raw.length);
        h.add('/live/s1', round === 0 ? 'new-peer' : '10.0.1.1:1001', 'r1', 1, 5 * 1024 * 1024, 5); // changes cached blocks
      }
    } finally {
      await srv.close();
    }
  });

  it('sendJson writes chunks with the summed Content-Length, and none for HEAD', async () => {
    const { createServer } = await import('node:http');
    const { sendJson } = await import('../../../src/main/http/http.ts');
    const chunks = [Buffer.from('{"a":'), new Uint8Array(0), Buffer.from('"\u00e9"'), Buffer.from('}\n')];
    const server = createServer((req, res) => void sendJson(req, res, 200, chunks));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const r = await get(`http://127.0.0.1:${port}/`);
      expect(r.body).toBe('{"a":"\u00e9"}\n');
      expect(Number(r.headers['content-length'])).toBe(Buffer.byteLength('{"a":"\u00e9"}\n'));
      const head = await get(`http://127.0.0.1:${port}/`, {}, 'HEAD');
      expect(head.raw.length).toBe(0);
      expect(head.headers['content-length']).toBe(r.headers['content-length']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
