/**
 * The must-show test of issue 18 with Debian's real Prometheus: two sharded headless instances watch four test
 * Cores (viewers changing on one), Prometheus scrapes both every second, and a third instance with
 * `--history-backend prometheus` answers the History queries from it: the per-stream viewer curve matches the
 * embedded store's of the instance that watches that Core (within one sample step). Every PromQL expression of the
 * Grafana dashboard returns data from that Prometheus, and a Prometheus that is gone is a clear 503, not a hang.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeseriesResult } from '../../../src/shared/timeseries.ts';
import { shardOf } from '../../../src/main/prometheus/shard.ts';
import { ROOT, startHeadless, type Headless } from '../../support/headless.ts';
import { startTestCore, type TestCore } from '../../support/test-core.ts';
import { buildRenderer, collectPageErrors, launchChromium, SCREENSHOTS } from '../../e2e/support.ts';
import { sleep, waitFor } from '../../support/wait.ts';
import { unusedLoopbackPort } from '../../support/ports.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const PROMTOOL = '/usr/bin/promtool';
const have = existsSync(PROMETHEUS);
if (!have) console.warn(`skipping the Prometheus test: ${PROMETHEUS} is missing (apt-get install prometheus; .ci/run installs it)`);

const STEP_SEC = 2;
const TOGGLE_MS = 4000;


async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: r.status, body: (await r.json()) as T };
}

/** Every `expr` in the dashboard, with Grafana's variables replaced by what "All" means. */
function dashboardExpressions(): string[] {
  const dash = JSON.parse(readFileSync(join(ROOT, 'resources', 'grafana', 'core-sessions.json'), 'utf8')) as { panels: Array<{ targets: Array<{ expr: string }> }> };
  return dash.panels.flatMap((p) => p.targets.map((t) => t.expr.replaceAll('$core', '.+').replaceAll('$stream', '.+').replaceAll('$__rate_interval', '5s')));
}

describe.skipIf(!have)('fleet history from a real Prometheus', () => {
  const dir = mkdtempSync(join(tmpdir(), 'core-sessions-prom-'));
  let cores: TestCore[] = [];
  const watchers: Headless[] = [];
  let reader: Headless;
  let prom: ChildProcess | null = null;
  let promUrl = '';
  let toggler: NodeJS.Timeout | null = null;
  let changing: TestCore;

  beforeAll(async () => {
    [cores] = await Promise.all([Promise.all([0, 1, 2, 3].map(() => startTestCore({ phase: 'snap-02', failedLoginDelayMs: 50 }))), buildRenderer()]);
    changing = cores[0];
    // Prometheus first, scraping the watchers' (free) ports before they listen: its first scrape comes within a
    // second of theirs, so its counters and the embedded store cover the same stretch.
    const [promPort, ...watcherPorts] = [await unusedLoopbackPort(), await unusedLoopbackPort(), await unusedLoopbackPort()];
    promUrl = `http://127.0.0.1:${promPort}`;
    const targets = watcherPorts.map((port) => `'127.0.0.1:${port}'`).join(', ');
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: core-sessions\n    honor_labels: true\n    static_configs:\n      - targets: [${targets}]\n`);
    prom = spawn(PROMETHEUS, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let promLog = '';
    prom.stderr!.on('data', (d: Buffer) => (promLog = (promLog + d.toString()).slice(-4000)));
    await waitFor(async () => (await fetch(`${promUrl}/-/ready`).catch(() => null))?.ok, `prometheus ready (${promLog})`, 20_000, 200);
    const coreArgs = cores.flatMap((c) => ['--core', c.urlWithCredentials]);
    const common = ['--rtmp', 'off', '--srt', 'off'];
    [watchers[0], watchers[1], reader] = await Promise.all([
      startHeadless([...common, '--listen', `127.0.0.1:${watcherPorts[0]}`, '--shard', '0/2', '--timeseries-interval', '1', ...coreArgs]),
      startHeadless([...common, '--listen', `127.0.0.1:${watcherPorts[1]}`, '--shard', '1/2', '--timeseries-interval', '1', ...coreArgs]),
      startHeadless([...common, '--no-timeseries', '--history-backend', 'prometheus', '--prometheus-url', promUrl, '--prometheus-timeout-ms', '3000']),
    ]);
    // Viewers on one Core go 3 → 0 → 3 …: the recorded snapshot with three HLS viewers of peer-hls, then none.
    let on = true;
    toggler = setInterval(() => {
      on = !on;
      changing.setPhase(on ? 'snap-02' : 'after-close');
    }, TOGGLE_MS);
  }, 45_000);

  afterAll(async () => {
    if (toggler) clearInterval(toggler);
    if (prom && prom.exitCode === null && prom.signalCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom.kill('SIGKILL');
      await exited;
    }
    await Promise.all([...watchers, reader].filter(Boolean).map((h) => h.stop()));
    await Promise.all(cores.map((c) => c.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers the per-stream viewer curve from Prometheus as the embedded store does', async () => {
    const coreId = `127.0.0.1:${changing.port}`;
    const owner = watchers[shardOf(coreId, 2)];
    // Both shards scraped, with the changing Core online in its owner.
    await waitFor(async () => {
      const r = await getJson<{ data: { result: unknown[] } }>(`${promUrl}/api/v1/query?query=${encodeURIComponent(`core_sessions_core_up{core="${coreId}"} == 1`)}`);
      return r.body.data.result.length === 1;
    }, 'the changing Core in Prometheus', 15_000, 250);
    const fromMs = Math.ceil(Date.now() / 1000 / STEP_SEC) * STEP_SEC * 1000;
    await sleep(5 * TOGGLE_MS + 1500);
    const toMs = Math.floor((Date.now() - 2500) / 1000 / STEP_SEC) * STEP_SEC * 1000;
    const q = `core=${encodeURIComponent(coreId)}&stream=peer-hls&from=${fromMs}&to=${toMs}&step=${STEP_SEC}s`;
    const embedded = await getJson<TimeseriesResult>(`${owner.url}/api/timeseries?${q}`);
    const fromProm = await getJson<TimeseriesResult & { status: { ok: boolean } }>(`${reader.url}/api/timeseries?${q}`);
    expect(embedded.status).toBe(200);
    expect(fromProm.status).toBe(200);
    expect(fromProm.body.status.ok).toBe(true);
    expect(fromProm.body.atMs).toEqual(embedded.body.atMs);
    const e = embedded.body.viewers;
    const p = fromProm.body.viewers;
    // The curve moves in both: three viewers, then none.
    expect(Math.max(...(e.filter((v) => v !== null) as number[]))).toBe(3);
    expect(Math.min(...(e.filter((v) => v !== null) as number[]))).toBe(0);
    expect(Math.max(...(p.filter((v) => v !== null) as number[]))).toBeCloseTo(3, 5);
    expect(Math.min(...(p.filter((v) => v !== null) as number[]))).toBeCloseTo(0, 5);
    // Bucket by bucket, within one sample step: Prometheus' value lies within the embedded values of the bucket
    // and its neighbours (a scrape and a sample round see a change up to a step apart).
    let compared = 0;
    const mismatches: string[] = [];
    for (let b = 1; b < e.length - 1; b++) {
      const around = [e[b - 1], e[b], e[b + 1]];
      if (p[b] === null || around.some((v) => v === null)) continue;
      compared++;
      const lo = Math.min(...(around as number[]));
      const hi = Math.max(...(around as number[]));
      if (p[b]! < lo - 1e-6 || p[b]! > hi + 1e-6) mismatches.push(`${new Date(fromProm.body.atMs[b]).toISOString()}: prometheus ${p[b]}, embedded ${around.join('/')}`);
    }
    expect(mismatches).toEqual([]);
    expect(compared, `embedded ${JSON.stringify(e)}, prometheus ${JSON.stringify(p)}`).toBeGreaterThanOrEqual(5);
  }, 50_000);

  it('answers the daily report from Prometheus with the embedded store’s peak and about its viewer-hours', async () => {
    const coreId = `127.0.0.1:${changing.port}`;
    const owner = watchers[shardOf(coreId, 2)];
    type Report = { rows: Array<{ core: string; stream: string; peakViewers: number; viewerHours: number; egressBytes: number }> };
    const embedded = await getJson<Report>(`${owner.url}/api/reports/daily?from=now-1h&core=${encodeURIComponent(coreId)}`);
    const fromProm = await getJson<Report>(`${reader.url}/api/reports/daily?from=now-1h&core=${encodeURIComponent(coreId)}`);
    expect(fromProm.status).toBe(200);
    const e = embedded.body.rows.find((r) => r.stream === 'peer-hls')!;
    const p = fromProm.body.rows.find((r) => r.stream === 'peer-hls')!;
    const both = `embedded ${JSON.stringify(e)}, prometheus ${JSON.stringify(p)}`;
    expect(p.core, both).toBe(coreId);
    expect(p.peakViewers, both).toBe(e.peakViewers);
    expect(e.viewerHours, both).toBeGreaterThan(0);
    // The same stretch up to a scrape or a sample round at each end (a few viewer-seconds of about a minute's).
    expect(Math.abs(p.viewerHours - e.viewerHours) / e.viewerHours, both).toBeLessThan(0.5);
  }, 20_000);

  it('every PromQL expression of the Grafana dashboard returns data', async () => {
    const exprs = dashboardExpressions();
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const empty: string[] = [];
    for (const expr of exprs) {
      const r = await getJson<{ status: string; data: { result: unknown[] } }>(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
      expect(r.body.status, expr).toBe('success');
      if (r.body.data.result.length === 0) empty.push(expr);
    }
    expect(empty).toEqual([]);
    if (existsSync(PROMTOOL)) {
      const check = spawnSync(PROMTOOL, ['check', 'config', join(ROOT, 'resources', 'prometheus', 'prometheus.yml')], { encoding: 'utf8', timeout: 20_000 });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    }
  }, 30_000);

  it('the Overview in Chromium draws the history from Prometheus, and names a Prometheus that is gone', async () => {
    const browser = await launchChromium();
    const errors: string[] = [];
    try {
      const page = await browser.context.newPage();
      collectPageErrors(page, errors);
      await page.goto(`${reader.url}/`);
      await page.click('[data-testid="nav-overview"]');
      await page.click('[data-testid="range-1h"]');
      await waitFor(async () => {
        const el = await page.$('[data-testid="history-charts"]');
        return Number(await el?.getAttribute('data-peak-viewers')) >= 3 && Number(await el?.getAttribute('data-points')) > 0;
      }, 'the Overview history chart fed from Prometheus', 15_000, 200);
      await page.waitForSelector('[data-testid="history-chart-viewers"]');
      await page.screenshot({ path: join(SCREENSHOTS, 'prometheus-history.png'), fullPage: true });
      const exited = new Promise((r) => prom!.once('exit', r));
      prom!.kill('SIGKILL');
      await exited;
      await page.reload();
      await page.click('[data-testid="nav-overview"]');
      await page.click('[data-testid="range-1h"]');
      const shown = await waitFor(async () => page.$eval('[data-testid="history-error"]', (e) => e.textContent ?? '').catch(() => ''), 'the Prometheus error above the charts', 15_000, 200).catch(async (err: Error) => {
        throw new Error(`${err.message}; the charts show: ${await page.innerText('main').catch(() => '?')}`);
      });
      expect(shown).toBe(`Prometheus at ${promUrl} is unreachable: ECONNREFUSED`);
      await page.screenshot({ path: join(SCREENSHOTS, 'prometheus-history-down.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 45_000);

  it('a Prometheus that is gone is a clear 503 with the reason, not a hang', async () => {
    if (prom!.exitCode === null && prom!.signalCode === null) {
      const exited = new Promise((r) => prom!.once('exit', r));
      prom!.kill('SIGKILL');
      await exited;
    }
    const started = Date.now();
    const r = await getJson<{ code: number; details: string[] }>(`${reader.url}/api/timeseries?stream=peer-hls&from=now-1m`);
    expect(r.status).toBe(503);
    expect(r.body.details[0]).toBe(`Prometheus at ${promUrl} is unreachable: ECONNREFUSED`);
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);
});
