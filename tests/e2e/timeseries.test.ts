/**
 * The time-series history end to end (issue 12): real ffmpeg traffic into the local core of the headless server
 * (an RTMP publisher, HLS into /memfs, three HLS viewers joining and leaving over about 45 s, sampled every second),
 * then the Overview's 1 h chart in Chromium shows the viewers curve (and the stream page's); the app is restarted on the same data dir and
 * the same curve is still there (API and page). Screenshots in test-output/screenshots/timeseries-*.png.
 */
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeseriesResult } from '../../src/shared/timeseries.ts';
import { startHeadless, tempDataDir, type Headless } from '../support/headless.ts';
import { buildRenderer, closeE2e, hlsPlayerArgs, hlsPublisherArgs, openPage, rtmpPublisherArgs, SCREENSHOTS, type TestBrowser } from './support.ts';
import { sleep, waitFor } from '../support/wait.ts';
import { Children } from '../support/children.ts';

const children = new Children();
const dataDir = tempDataDir();
let h: Headless;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  await buildRenderer();
  ({ browser, page } = await openPage(pageErrors));
}, 120_000);

afterAll(async () => {
  await closeE2e(browser, children);
  await h?.stop();
});

async function series(base: string, fromMs: number, toMs: number): Promise<TimeseriesResult> {
  const res = await fetch(`${base}/api/timeseries?core=local&stream=cam&from=${fromMs}&to=${toMs}&step=1s`);
  expect(res.status).toBe(200);
  return (await res.json()) as TimeseriesResult;
}

/** Opens the Overview, picks 1 h and waits for the viewers chart to have data; returns the chart's figures. */
async function overviewHour(base: string, shot: string): Promise<{ points: number; peak: number }> {
  await page.goto(`${base}/`);
  await page.click('[data-testid="nav-overview"]');
  await page.click('[data-testid="range-1h"]');
  const figures = await waitFor(
    async () => {
      // The answer to the range asked now (`data-stale`: the last one, kept while a new one loads).
      const el = await page.$('[data-testid="history-charts"]:not([data-stale])');
      const peak = Number(await el?.getAttribute('data-peak-viewers'));
      const points = Number(await el?.getAttribute('data-points'));
      return peak >= 3 && points > 0 ? { points, peak } : undefined;
    },
    'the 1 h viewers chart',
    15_000,
    200,
  );
  await page.waitForSelector('[data-testid="history-chart-viewers"]');
  await page.screenshot({ path: join(SCREENSHOTS, `timeseries-${shot}.png`), fullPage: true });
  return figures;
}

describe('time-series history (headless server, real ffmpeg, Chromium)', () => {
  it('45 s of viewers joining and leaving: the 1 h chart shows the curve, and it survives a restart', async () => {
    h = await startHeadless(['--timeseries-interval', '1', '--no-persist'], { dataDir });
    const rtmp = h.rtmpUrl!;
    const startMs = Date.now();
    children.spawn('timeout', rtmpPublisherArgs(`${rtmp}/live/cam`));
    children.spawn('timeout', hlsPublisherArgs(h.url, 'cam'));
    await waitFor(async () => (await fetch(`${h.url}/memfs/cam.m3u8`)).status === 200, 'the HLS playlist', 30_000, 500);
    // Viewers: a from the start, b after 12 s, c after 24 s; a leaves after 36 s; b and c stay to the end.
    const viewer = (name: string): ChildProcess => children.spawn('timeout', hlsPlayerArgs(h.url, 'cam', name));
    const a = viewer('viewer-a');
    await sleep(12_000);
    viewer('viewer-b');
    await sleep(12_000);
    viewer('viewer-c');
    await sleep(12_000);
    a.kill('SIGTERM');
    // An HLS session ends after the session timeout (30 s, Core's default): wait until it does, then 3 s more.
    await waitFor(async () => {
      const s = await series(h.url, Date.now() - 3000, Date.now());
      return s.viewers.some((v) => v === 2);
    }, 'viewer a to time out', 45_000, 1000);
    await sleep(3000);
    const endMs = Date.now() - 2000;

    const before = await series(h.url, startMs, endMs);
    const levels = before.viewers.filter((v): v is number => v !== null);
    // The curve went 1 → 2 → 3 → 2 viewers (ffmpeg players of one HLS playlist each), sampled every second.
    expect(Math.max(...levels)).toBe(3);
    const firstOf = (n: number): number => levels.indexOf(n);
    expect(firstOf(1)).toBeGreaterThanOrEqual(0);
    expect(firstOf(1)).toBeLessThan(firstOf(2));
    expect(firstOf(2)).toBeLessThan(firstOf(3));
    expect(levels.lastIndexOf(2)).toBeGreaterThan(levels.lastIndexOf(3));
    expect(before.txBytes.reduce<number>((s, b) => s + (b ?? 0), 0)).toBeGreaterThan(0);

    const shown = await overviewHour(h.url, '1h-live');
    expect(shown.peak).toBe(3);
    // The stream's page has the same picker: 1 h of cam alone.
    await page.click('[data-testid="nav-streams"]');
    await page.click('[data-testid="stream-row-cam"] button.link');
    await page.click('[data-testid="stream-range-1h"]');
    const streamPeak = await waitFor(async () => {
      const peak = Number(await (await page.$('[data-testid="stream-history-charts"]:not([data-stale])'))?.getAttribute('data-peak-viewers'));
      return peak >= 3 ? peak : undefined;
    }, 'the stream page 1 h chart', 15_000, 200);
    expect(streamPeak).toBe(3);
    await page.screenshot({ path: join(SCREENSHOTS, 'timeseries-stream-page-1h.png'), fullPage: true });

    // Restart on the same data dir: the same samples answer the same query, and the page draws the same curve.
    // (The page leaves first, so its event stream does not retry against the stopped server.)
    await page.goto('about:blank');
    await children.killAll({ termGraceMs: 5000 });
    expect(await h.stop()).toBe(0);
    // The app stays off for 3 s: that stretch must come back as a gap.
    await sleep(3000);
    h = await startHeadless(['--timeseries-interval', '1', '--no-persist'], { dataDir });
    const after = await series(h.url, startMs, endMs);
    expect(after.viewers).toEqual(before.viewers);
    expect(after.txBytes).toEqual(before.txBytes);
    // Between the two runs the app was off: a gap, not zeros.
    const now = Date.now();
    const gapCheck = await series(h.url, endMs, now);
    expect(gapCheck.gaps.some((g) => g.state === 'no-data')).toBe(true);
    const again = await overviewHour(h.url, '1h-after-restart');
    expect(again.peak).toBe(3);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
