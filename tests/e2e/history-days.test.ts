/**
 * History's day buckets in the page's time zone (issue 16, walk4, stop 39): a page in New York (Chromium's
 * `timezoneId`, and the test process's TZ to read its times) asks the 1 y chart with its zone, and every bucket the
 * server answers starts at a New York midnight, where the chart's axis ticks are (UTC's midnights are 19:00 or 20:00
 * there). Screenshots at 1440 and 1024 px: test-output/screenshots/walk4-1y-new-york-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeseriesResult } from '../../src/shared/timeseries.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';
import { buildRenderer, closeE2e, collectPageErrors, launchChromium, shotsAtBothWidths, type TestBrowser } from './support.ts';

const ZONE = 'America/New_York';
const children = new Children();
const pageErrors: string[] = [];
const tzBefore = process.env.TZ;
let h: Headless;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  process.env.TZ = ZONE;
  await buildRenderer();
  h = await startHeadless(['--no-persist', '--srt', 'off', '--timeseries-interval-sec', '1'], { children });
  browser = await launchChromium([], ZONE);
  page = await browser.context.newPage();
  collectPageErrors(page, pageErrors);
}, 120_000);

afterAll(async () => {
  await closeE2e(browser, children);
  if (tzBefore === undefined) delete process.env.TZ;
  else process.env.TZ = tzBefore;
});

describe("History's day buckets in the page's time zone (headless server, Chromium in New York)", () => {
  it("the 1 y chart's buckets start at the page's local midnights, with the zone in its query", async () => {
    await page.goto(`${h.url}/ui/#overview`);
    await page.waitForSelector('[data-testid="view-overview"]');
    expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe(ZONE);
    const answered = page.waitForResponse((r) => r.url().includes('timeseries') && r.request().method() === 'POST', { timeout: 15_000 });
    await page.click('[data-testid="range-1y"]');
    const response = await answered;
    const asked = JSON.parse(response.request().postData() ?? '[]') as Array<{ tz?: string }>;
    expect(asked[0]?.tz).toBe(ZONE);
    const result = ((await response.json()) as { value: TimeseriesResult }).value;
    expect(result.stepSec).toBe(86_400);
    // Every bucket at a New York midnight (this process reads times in New York too).
    expect(result.atMs.length).toBeGreaterThanOrEqual(365);
    expect(result.atMs.filter((at) => new Date(at).getHours() !== 0 || new Date(at).getMinutes() !== 0).map((at) => new Date(at).toString())).toEqual([]);
    // The chart shows that answer (not a stale one), one point a day.
    await page.waitForSelector('[data-testid="history-charts"][data-step-sec="86400"]:not([data-stale])', { timeout: 15_000 });
    await shotsAtBothWidths(page, 'walk4-1y-new-york');
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
