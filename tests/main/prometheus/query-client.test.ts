import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationOf, PrometheusClient, PrometheusUnavailableError, promString } from '../../../src/main/prometheus/query-client.ts';
import { PrometheusHistory } from '../../../src/main/prometheus/history.ts';

/** A stand-in for the parts of Prometheus' API a test cannot get from the real one: hangs, refusals and errors. */
let server: Server;
let base = '';
const seen: Array<{ path: string; auth?: string; body: string }> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', auth: req.headers.authorization, body });
      if (req.url?.startsWith('/hang')) return; // never answers
      if (req.url?.startsWith('/auth')) {
        res.writeHead(401).end('Unauthorized');
        return;
      }
      if (req.url?.startsWith('/report')) {
        // Two local days of one stream of this instance's local core (`me`), by expression.
        const p = new URLSearchParams(body);
        const start = Number(p.get('start'));
        const step = Number(p.get('step'));
        const q = p.get('query') ?? '';
        const values = q.includes('egress_bytes_total') ? ['100', '50'] : q.includes('viewer_seconds_total') ? ['1.5', '0.25'] : q.includes('max_over_time') ? ['4', '7'] : null;
        const result = values ? [{ metric: { core: 'me', stream: 'cam' }, values: values.map((v, i) => [start + i * step, v]) }] : [];
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
        return;
      }
      if (req.url?.startsWith('/down')) {
        // All cores over 10 buckets of 60 s: the remote Core `r1` down at the answers 3, 4 and 7 (each a bucket's end).
        const p = new URLSearchParams(body);
        const start = Number(p.get('start'));
        const q = p.get('query') ?? '';
        const result = q.includes('unless')
          ? [{ metric: { core: 'r1' }, values: [3, 4, 7].map((b) => [start + b * 60, '0']) }]
          : q.includes('core_up')
            ? [{ metric: {}, values: Array.from({ length: 10 }, (_, b) => [start + b * 60, '1']) }]
            : [];
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
        return;
      }
      if (req.url?.startsWith('/bad')) {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"status":"error","errorType":"bad_data","error":"parse error at char 3"}');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"success","data":{"resultType":"matrix","result":[]}}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('Prometheus query client', () => {
  it('gives up at the deadline with a clear error instead of hanging', async () => {
    const client = new PrometheusClient({ url: `${base}/hang`, auth: '', timeoutMs: 300 });
    const err = await client.queryRange('up', 0, 10, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PrometheusUnavailableError);
    expect((err as Error).message).toBe(`Prometheus at ${base}/hang did not answer within 300 ms`);
    expect((err as PrometheusUnavailableError).code).toBe('unavailable');
  });

  it('names a refused connection, refused credentials and an error answer', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(new PrometheusClient({ url: `http://127.0.0.1:${port}`, auth: '', timeoutMs: 2000 }).query('up')).rejects.toThrow(/is unreachable: ECONNREFUSED/);
    await expect(new PrometheusClient({ url: `${base}/auth`, auth: 'u:p', timeoutMs: 2000 }).query('up')).rejects.toThrow(/refused the request \(HTTP 401\)/);
    await expect(new PrometheusClient({ url: `${base}/bad`, auth: '', timeoutMs: 2000 }).query('up')).rejects.toThrow(/answered with an error: parse error at char 3/);
  });

  it('sends basic or bearer auth and form-encoded queries; escapes label values', async () => {
    expect(authorizationOf('')).toBeUndefined();
    expect(authorizationOf('Bearer abc.def')).toBe('Bearer abc.def');
    expect(authorizationOf('user:pa:ss')).toBe(`Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
    expect(promString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    seen.length = 0;
    await new PrometheusClient({ url: `${base}/ok/`, auth: 'Bearer t0k', timeoutMs: 2000 }).queryRange('sum(x{a="1"})', 100, 200, 10);
    expect(seen[0].path).toBe('/ok/api/v1/query_range');
    expect(seen[0].auth).toBe('Bearer t0k');
    expect(Object.fromEntries(new URLSearchParams(seen[0].body))).toEqual({ query: 'sum(x{a="1"})', start: '100', end: '200', step: '10' });
  });

  it('folds the report per local day into months, with the local core under its page name', async () => {
    const history = new PrometheusHistory({ url: `${base}/report`, auth: '', timeoutMs: 2000, localExportId: 'me' });
    const fromMs = new Date(2026, 10, 3).getTime();
    const toMs = new Date(2026, 10, 5).getTime();
    const days = await history.report({ fromMs, toMs, period: 'day', core: 'local' });
    expect(days.rows.map((r) => [r.period, r.core, r.stream, r.egressBytes, r.viewerHours, r.peakViewers])).toEqual([
      ['2026-11-03', 'local', 'cam', 100, 1.5, 4],
      ['2026-11-04', 'local', 'cam', 50, 0.25, 7],
    ]);
    const sent = seen.filter((x) => x.path === '/report/api/v1/query_range').map((x) => new URLSearchParams(x.body));
    expect(sent.every((p) => Number(p.get('start')) * 1000 === fromMs + 86_400_000 && p.get('step') === '86400' && p.get('query')!.includes('core="me"'))).toBe(true);
    const month = await history.report({ fromMs, toMs, period: 'month' });
    expect(month.rows).toEqual([{ period: '2026-11', core: 'local', stream: 'cam', egressBytes: 150, ingressBytes: 0, viewerHours: 1.75, peakViewers: 7, uniqueViewersEstimate: 0 }]);
    expect(month.totals).toEqual({ egressBytes: 150, ingressBytes: 0, viewerHours: 1.75, peakViewers: 7, uniqueViewersEstimate: 0 });
  });

  it('with all cores, names the stretches a Core was down (not paused), consecutive buckets joined (walk3)', async () => {
    const from = 1_800_000_000_000;
    const history = new PrometheusHistory({ url: `${base}/down`, auth: '', timeoutMs: 2000, localExportId: 'me', now: () => from + 3_600_000 });
    const all = await history.query({ fromMs: from + 30_000, toMs: from + 600_000, stepSec: 60 });
    // Buckets are evaluated at their ends (the first query time is `from` + 60 s): the answers 3 and 4 are the buckets
    // [180, 240) and [240, 300) s, joined; 7 is [420, 480) s.
    expect(all.missingCores).toEqual([
      { fromMs: from + 180_000, toMs: from + 300_000, core: 'r1', state: 'down' },
      { fromMs: from + 420_000, toMs: from + 480_000, core: 'r1', state: 'down' },
    ]);
    const sent = seen.filter((x) => x.path === '/down/api/v1/query_range').map((x) => new URLSearchParams(x.body).get('query') ?? '');
    expect(sent.filter((q) => q.includes('unless'))).toEqual([
      'min by (core) (min_over_time(core_sessions_core_up[60s])) < 1 unless on (core) max by (core) (max_over_time(core_sessions_core_state{state="paused"}[60s])) == 1',
    ]);
    // One core's series asks nothing of the kind and lists none.
    const one = await history.query({ core: 'local', fromMs: from + 30_000, toMs: from + 600_000, stepSec: 60 });
    expect(one.missingCores).toEqual([]);
    expect(seen.filter((x) => x.path === '/down/api/v1/query_range' && x.body.includes('unless')).length).toBe(1);
  });

  it("day buckets start at the asker's local midnight (tz), as the embedded store's", async () => {
    const history = new PrometheusHistory({ url: `${base}/days`, auth: '', timeoutMs: 2000, localExportId: 'me', now: () => Date.UTC(2026, 11, 7) });
    const fromMs = Date.UTC(2026, 11, 1, 12);
    const ny = await history.query({ fromMs, toMs: fromMs + 5 * 86_400_000, stepSec: 86_400, tz: 'America/New_York' });
    // New York's midnight of Dec 1 is 05:00 UTC (UTC's own buckets start at 00:00).
    expect(ny.atMs.slice(0, 2)).toEqual([Date.UTC(2026, 11, 1, 5), Date.UTC(2026, 11, 2, 5)]);
    const utc = await history.query({ fromMs, toMs: fromMs + 5 * 86_400_000, stepSec: 86_400 });
    expect(utc.atMs[0]).toBe(Date.UTC(2026, 11, 1));
    const starts = seen.filter((x) => x.path === '/days/api/v1/query_range').map((x) => Number(new URLSearchParams(x.body).get('start')));
    expect(new Set(starts)).toEqual(new Set([Date.UTC(2026, 11, 2, 5) / 1000, Date.UTC(2026, 11, 2) / 1000]));
  });

  it('a history over a failing Prometheus rejects with the reason and reports it in status()', async () => {
    const history = new PrometheusHistory({ url: `${base}/hang`, auth: '', timeoutMs: 200, localExportId: 'me' });
    expect(history.status().ok).toBe(true);
    await expect(history.query({ fromMs: 1_780_000_000_000, toMs: 1_780_000_600_000 })).rejects.toThrow(/did not answer within 200 ms/);
    expect(history.status()).toMatchObject({ ok: false, error: expect.stringMatching(/did not answer/) });
    const ok = new PrometheusHistory({ url: `${base}/ok`, auth: '', timeoutMs: 2000, localExportId: 'me' });
    const r = await ok.query({ fromMs: 1_780_000_000_000, toMs: 1_780_000_060_000, stepSec: 10, core: 'local', stream: 'cam' });
    // Nothing observed: every bucket is null and the whole range is one no-data gap, not zeros.
    expect(r.atMs).toHaveLength(6);
    expect(r.viewers.every((v) => v === null)).toBe(true);
    expect(r.gaps).toEqual([{ fromMs: 1_780_000_000_000, toMs: 1_780_000_060_000, state: 'no-data' }]);
    const queries = seen.slice(-7).map((s) => new URLSearchParams(s.body).get('query'));
    expect(queries).toContain('sum(avg_over_time(core_sessions_stream_viewers{core="me",stream="cam"}[10s]))');
  });
});
