import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMetricsText, formatPromValue } from '../../../src/main/api/metrics.ts';
import { FakeReader, get, historyOf, login, startApi, type TestServer } from './support.ts';

const FIX = '/work/shared/fixtures/core-v16.14.0/edge/prometheus_metrics_session_lines.txt';
const COLLECTORS = ['hls', 'hlsingress', 'http', 'https', 'rtmp', 'srt', 'ffmpeg'];

describe('GET /metrics', () => {
  let srv: TestServer;
  const reader = new FakeReader(Object.fromEntries(COLLECTORS.map((c) => [c, {}])));
  reader.map.set('hls', {
    ...reader.summary('hls'),
    activeSessions: 4,
    rxBitsPerSec: 0,
    txBitsPerSec: 2510028.8,
    history: historyOf([
      { location: '/memfs/a.m3u8', peer: 'x', reference: 'a', sessions: 12, rxBytes: 0, txBytes: 1520435200 },
      { location: '/memfs/a.m3u8', peer: 'y', reference: 'a', sessions: 3, rxBytes: 123, txBytes: 20 },
    ]),
  });
  beforeAll(async () => {
    srv = await startApi({ reader, auth: { username: 'admin', password: 'datarhei', loginDelayMs: 10 }, about: { name: 'n', id: 'core-peer-v16-14-0', startedAtMs: 0 } });
  });
  afterAll(() => srv.close());

  it('has Core\'s session families (names, HELP, TYPE, labels, order) plus live bitrate gauges; no JWT needed', async () => {
    const r = await get(`${srv.base}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    // Core's lines with all-zero values must appear verbatim once our values are zeroed in the same way
    const idle = buildMetricsText(new FakeReader(Object.fromEntries(COLLECTORS.map((c) => [c, {}]))), 'core-peer-v16-14-0');
    const fixture = readFileSync(FIX, 'utf8');
    const core = idle.split('\n').filter((l) => !/bitrate/.test(l)).join('\n');
    const fixtureZeroed = fixture.replace(/\} \d+$/gm, '} 0');
    expect(core).toBe(fixtureZeroed);
    expect(r.body).toContain('# HELP session_tx_bitrate_bits_per_second ');
    expect(r.body).toContain('# TYPE session_rx_bitrate_bits_per_second gauge\n');
    expect(r.body).toContain('session_tx_bitrate_bits_per_second{collector="hls",core="core-peer-v16-14-0"} 2.5100288e+06\n');
  });

  it('§6.48 session_total = hls summary.sessions and session_rx/tx_bytes = raw history bytes', async () => {
    const { access_token } = await login(srv.base);
    const s = JSON.parse((await get(`${srv.base}/api/v3/session?collectors=hls`, { authorization: `Bearer ${access_token}` })).body) as { hls: { summary: { sessions: number } } };
    const m = (await get(`${srv.base}/metrics`)).body;
    expect(m).toContain(`session_total{collector="hls",core="core-peer-v16-14-0"} ${s.hls.summary.sessions}\n`);
    expect(s.hls.summary.sessions).toBe(15);
    expect(m).toContain('session_rx_bytes{collector="hls",core="core-peer-v16-14-0"} 123\n');
    expect(m).toContain('session_tx_bytes{collector="hls",core="core-peer-v16-14-0"} 1.52043522e+09\n');
    expect(m).toContain('session_active{collector="hls",core="core-peer-v16-14-0"} 4\n');
    expect((await get(`${srv.base}/metrics/x`)).status).toBe(404);
    expect((await get(`${srv.base}/metrics`, {}, 'POST')).status).toBe(404);
  });

  it('metricsRequireAuth puts /metrics behind the access token', async () => {
    const locked = await startApi({ reader, auth: { username: 'a', password: 'b', loginDelayMs: 10 }, metricsRequireAuth: true });
    try {
      expect((await get(`${locked.base}/metrics`)).status).toBe(401);
      const { access_token } = await login(locked.base, 'a', 'b');
      expect((await get(`${locked.base}/metrics`, { authorization: `Bearer ${access_token}` })).status).toBe(200);
    } finally {
      await locked.close();
    }
  });

  it('formats values like Go\'s strconv.FormatFloat(v, \'g\', -1, 64)', () => {
    expect(formatPromValue(0)).toBe('0');
    expect(formatPromValue(1)).toBe('1');
    expect(formatPromValue(999999)).toBe('999999');
    expect(formatPromValue(1000000)).toBe('1e+06');
    expect(formatPromValue(1520435200)).toBe('1.5204352e+09');
    expect(formatPromValue(0.0001)).toBe('0.0001');
    expect(formatPromValue(0.00001)).toBe('1e-05');
    expect(formatPromValue(1e21)).toBe('1e+21');
    expect(formatPromValue(1.5e300)).toBe('1.5e+300');
    expect(formatPromValue(-2.5)).toBe('-2.5');
    expect(formatPromValue(Number.NaN)).toBe('NaN');
  });

  it('no collectors (sessions disabled) → no session series', () => {
    expect(buildMetricsText(new FakeReader(), 'x')).toBe('');
  });
});
