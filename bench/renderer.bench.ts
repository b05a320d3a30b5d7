/**
 * Renderer bench: the real dashboard page in Chromium, fed by a fake api with 10 000 sessions updating once a
 * second for 30 s (src/renderer/bench.html, built here into out/renderer-bench, never shipped). Prints the median,
 * p95 and max time per update from the start of the batched store update to React's commit, and to the painted
 * frame. Run: `npm run bench renderer` (env BENCH_ROWS, BENCH_SECONDS to change the load).
 *
 * What the three figures are (checked against a Chromium trace: "painted frame" equals the BeginMainFrame task):
 * - t0 is the start of the animation-frame callback that applies the batched snapshots (connect's scheduler);
 * - store update: `applySnapshots` returned (filter and sort of all rows, zustand listeners, selector checks);
 * - store→commit: the layout effect of a probe rendered after <App/> ran (React renders and commits the sync-lane
 *   update in the microtask right after the callback);
 * - store→painted frame: a message posted from the same callback is handled, i.e. the frame's task has finished
 *   style, layout, pre-paint, paint and the commit to the compositor (raster and display happen on other threads).
 * The snapshots are built by the fake fleet in a timer task of their own (their cost is in the CDP "tasks" figure,
 * not in the three above). The machine's load average is printed: other processes share the cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createUiService } from '../src/main/ui/service.ts';
import { createWebBridge } from '../src/main/ui/web-bridge.ts';
import type { SessionSource } from '../src/main/source.ts';
import { viteBuildPage } from '../tests/e2e/support.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'out', 'renderer-bench');

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function line(name: string, values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  return `${name.padEnd(22)} median ${pct(s, 50).toFixed(1).padStart(6)} ms   p95 ${pct(s, 95).toFixed(1).padStart(6)} ms   max ${s[s.length - 1]!.toFixed(1).padStart(6)} ms`;
}

export default async function rendererBench(): Promise<void> {
  const rows = Number(process.env.BENCH_ROWS ?? 10_000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 30);
  await viteBuildPage('bench', OUT);

  // Serve the build through the web bridge's static handler (same headers as /ui/).
  const idle: SessionSource = {
    snapshot: () => ({ atMs: 0, cores: [], collectors: [], sessions: [] }),
    history: () => [],
    cores: () => [],
    onUpdate: () => () => undefined,
  };
  const service = createUiService({ source: idle, appInfo: { version: 'bench', mode: 'headless', listeners: {} } });
  const ui = createWebBridge({ service, staticDir: OUT }).find((m) => m.prefix === '/ui')!;
  const server = createServer((req, res) => void ui.handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    for (const [view, secs] of [['sessions', seconds], ['overview', Math.min(seconds, 10)]] as const) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const metrics = async (): Promise<Record<string, number>> =>
        Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
      const load0 = loadavg().map((l) => l.toFixed(2)).join(' ');
      await page.goto(`http://127.0.0.1:${port}/ui/bench.html?rows=${rows}&seconds=${secs}&view=${view}`);
      // Wait for the warm-up to pass before the cumulative counters are read.
      await page.waitForTimeout(3500);
      const m0 = await metrics();
      await page.waitForFunction(() => (globalThis as unknown as { benchResult?: unknown }).benchResult !== undefined, undefined, { timeout: (secs + 30) * 1000, polling: 500 });
      const r = (await page.evaluate(() => (globalThis as unknown as { benchResult: unknown }).benchResult)) as {
        rows: number;
        updates: number;
        storeMs: number[];
        commitMs: number[];
        frameMs: number[];
        longTasks: number;
      };
      const m1 = await metrics();
      const per = (k: string): string => `${(((m1[k] ?? 0) - (m0[k] ?? 0)) * 1000 / Math.max(1, r.updates)).toFixed(1)} ms`;
      const shown = await page.$$eval('[data-testid="session-row"]', (els) => els.length);
      console.log(`renderer: ${view} view, ${r.rows} sessions, ${r.updates} updates (1/s), Chromium ${context.browser()?.version() ?? ''}, load average ${load0} → ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      console.log(`  ${line('store update', r.storeMs)}`);
      console.log(`  ${line('store→commit', r.commitMs)}`);
      console.log(`  ${line('store→painted frame', r.frameMs)}`);
      console.log(`  main thread per update (CDP, incl. the fake api's own work): script ${per('ScriptDuration')}, style ${per('RecalcStyleDuration')}, layout ${per('LayoutDuration')}, tasks ${per('TaskDuration')}`);
      console.log(`  long tasks (>50 ms): ${r.longTasks}${view === 'sessions' ? `; rows in the DOM: ${shown} (virtualised)` : ''}${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`);
      await page.close();
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    server.close();
    service.dispose();
  }
}
