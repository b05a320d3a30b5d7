import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../../support/headless.ts';
import { sleep } from '../../support/wait.ts';

let h: Headless;
let token = '';

beforeAll(async () => {
  h = await startHeadless(['--auth', 'admin:secret-pass', '--timeseries-interval', '1']);
  const res = await fetch(`${h.url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'secret-pass' }) });
  token = ((await res.json()) as { access_token: string }).access_token;
  // A few samples of the (idle) local core.
  await sleep(2500);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

const get = (path: string, auth = true): Promise<Response> => fetch(`${h.url}${path}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });

describe('GET /api/timeseries and /api/reports/daily (headless server, API auth)', () => {
  it('need the API token, like the rest of /api', async () => {
    expect((await get('/api/timeseries', false)).status).toBe(401);
    expect((await get('/api/reports/daily', false)).status).toBe(401);
    expect((await get('/api/timeseries?format=csv', false)).status).toBe(401);
  });

  it('answer a series with observed zeros, the app-off time before as a gap, and the store status', async () => {
    const res = await get('/api/timeseries?core=local&from=now-10s&step=1s');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { viewers: (number | null)[]; gaps: Array<{ state: string }>; stepSec: number; status: { ok: boolean } };
    expect(body.stepSec).toBe(1);
    expect(body.viewers.filter((v) => v === 0).length).toBeGreaterThan(0);
    expect(body.viewers[0]).toBeNull();
    expect(body.gaps[0]!.state).toBe('no-data');
    expect(body.status.ok).toBe(true);
  });

  it('answer CSV with the shared CSV rules (BOM, CRLF, header), the report with its totals row', async () => {
    const series = await get('/api/timeseries?from=now-5s&step=1&format=csv');
    expect(series.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await series.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString('utf8').startsWith('time,viewers_avg,viewers_peak,publishers_avg,rx_bytes,tx_bytes,observed_s\r\n')).toBe(true);
    const report = await (await get('/api/reports/daily?period=month&format=csv')).text();
    const lines = report.replace('\uFEFF', '').trim().split('\r\n');
    expect(lines[0]).toBe('period,core,stream,egress_bytes,ingress_bytes,viewer_hours,peak_viewers,unique_viewers_estimate');
    expect(lines.at(-1)).toBe('total,,,0,0,0,0,0');
  });

  it('refuse bad parameters with a 400 that names them', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/api/timeseries?from=yesterday', /^from:/],
      ['/api/timeseries?from=now&to=now-1h', /to must be later than from/],
      ['/api/timeseries?step=-5', /^step:/],
      ['/api/timeseries?from=0&to=now', /longer than 3 years/],
      [`/api/timeseries?stream=${'x'.repeat(600)}`, /^stream:/],
      ['/api/reports/daily?period=week', /^period:/],
      ['/api/timeseries?tz=Mars%2FOlympus', /^tz: expected a time zone such as Europe\/Berlin or UTC, got "Mars\/Olympus"$/],
    ];
    for (const [path, message] of cases) {
      const res = await get(path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { details: string[] };
      expect(body.details[0], path).toMatch(message);
    }
  });

  it('the page asks the same through its bridge (timeseries:query, reports:daily), arguments checked', async () => {
    const invoke = async (channel: string, args: unknown[]): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> =>
      (await fetch(`${h.url}/api/ui/invoke/${channel}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(args) })).json() as Promise<{
        ok: boolean;
        value?: unknown;
        error?: { code: string };
      }>;
    const now = Date.now();
    const ok = await invoke('timeseries:query', [{ core: 'local', fromMs: now - 5000, toMs: now }]);
    expect(ok.ok).toBe(true);
    expect((ok.value as { core: string }).core).toBe('local');
    expect((await invoke('reports:daily', [{ fromMs: now - 86_400_000, toMs: now, period: 'day' }])).ok).toBe(true);
    expect(await invoke('timeseries:query', [{ fromMs: 'soon' }])).toMatchObject({ ok: false, error: { code: 'bad-args' } });
    // The page's zone for its day buckets: a known one answers, an unknown one is bad arguments.
    expect((await invoke('timeseries:query', [{ fromMs: now - 5000, toMs: now, tz: 'America/New_York' }])).ok).toBe(true);
    expect(await invoke('timeseries:query', [{ fromMs: now - 5000, toMs: now, tz: 'Nowhere/Else' }])).toMatchObject({ ok: false, error: { code: 'bad-args' } });
    expect(await invoke('reports:daily', ['x'])).toMatchObject({ ok: false, error: { code: 'bad-args' } });
  });
});
