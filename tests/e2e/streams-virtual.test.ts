/**
 * The Streams view with many streams (issue 16 renderer budget): a remote test Core serves 600 streams; the view keeps
 * only the rows in and near the viewport in the DOM (it rendered all of them, with a sparkline each, on every
 * update), says how many rows the table has, and scrolling to the end brings the last rows in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { StreamRow } from '../../src/shared/streams.ts';
import { startTestCore, summaryOfLists, type TestCore } from '../support/test-core.ts';
import { buildRenderer, closeE2e, openPage, type TestBrowser } from './support.ts';
import { waitFor } from '../support/wait.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';

const STREAMS = 600;
const children = new Children();
let remote: TestCore;
let h: Headless;
let browser: TestBrowser;
let page: Page;
const pageErrors: string[] = [];

/** Core's /api/v3/session answer: stream k has one RTMP publisher and k % 4 + 1 HLS viewers. */
function summaryBody(): string {
  const createdS = Math.floor(Date.now() / 1000) - 60;
  const rtmp = [];
  const hls = [];
  for (let k = 0; k < STREAMS; k++) {
    const name = `many-${String(k).padStart(3, '0')}`;
    const base = { created_at: createdS, extra: '', bytes_rx: 0, bytes_tx: 0, bandwidth_rx_kbit: 0, bandwidth_tx_kbit: 0 };
    rtmp.push({ ...base, id: `/live/${name}`, reference: `/live/${name}`, local: `publish:/live/${name}`, remote: `198.51.100.1:${40000 + k}`, bandwidth_rx_kbit: 1000 });
    for (let v = 0; v <= k % 4; v++) hls.push({ ...base, id: `h${k}x${v}`, reference: name, local: `/memfs/${name}.m3u8`, remote: `viewer-${v}.example`, bandwidth_tx_kbit: 800 });
  }
  return summaryOfLists({ rtmp, hls });
}

beforeAll(async () => {
  await buildRenderer();
  remote = await startTestCore({ auth: true, phase: 'snap-02', coreId: 'many', coreName: 'Many' });
  remote.setSessionBodies({ summary: summaryBody() });
  h = await startHeadless(['--no-persist', '--core', remote.urlWithCredentials, '--poll-interval-ms', '500', '--rtmp', 'off', '--srt', 'off'], { children });
  ({ browser, page } = await openPage(pageErrors));
}, 120_000);

afterAll(async () => {
  await closeE2e(browser, children);
  await remote?.close();
});

describe('Streams view with 600 streams (virtualised rows)', () => {
  it('keeps a viewport of rows in the DOM, announces the row count, and scrolls to the last rows', async () => {
    const total = await waitFor(async () => {
      const rows = ((await (await fetch(`${h.url}/api/streams`)).json()) as { streams: StreamRow[] }).streams.filter((s) => s.key.startsWith('many-'));
      return rows.length >= STREAMS ? rows.length : undefined;
    }, 'the remote Core\'s streams', 30_000);
    await page.goto(`${h.url}/ui/#streams`);
    await page.waitForSelector('[data-testid="streams-table"] tbody tr[data-index]');
    const allRows = (await page.getAttribute('[data-testid="streams-table"]', 'aria-rowcount'))!;
    // Every stream the page knows (the remote's, and any of this app's own) is a row, plus the header row.
    expect(Number(allRows)).toBeGreaterThanOrEqual(total + 1);
    const inDom = async (): Promise<number[]> => page.$$eval('[data-testid="streams-table"] tbody tr[data-index]', (els) => els.map((e) => Number(e.getAttribute('data-index'))));
    const top = await inDom();
    expect(top[0]).toBe(0);
    expect(top.length).toBeGreaterThan(10);
    expect(top.length).toBeLessThan(80);
    // The table is as tall as all rows would be: spacer rows stand in for the ones not rendered.
    const tableHeightPx = await page.$eval('[data-testid="streams-table"]', (t) => t.getBoundingClientRect().height);
    const rowHeightPx = await page.$eval('[data-testid="streams-table"] tbody tr[data-index]', (r) => r.getBoundingClientRect().height);
    expect(tableHeightPx).toBeGreaterThan(rowHeightPx * (Number(allRows) - 2));

    await page.$eval('[data-testid="streams-table"]', (t) => t.closest('.main')!.scrollTo(0, 1e9));
    const end = await waitFor(async () => {
      const idx = await inDom();
      return idx.includes(Number(allRows) - 2) ? idx : undefined;
    }, 'the last rows', 5000);
    expect(end.length).toBeLessThan(80);
    expect(end[0]).toBeGreaterThan(top[top.length - 1]!);
    // The rendered rows are the view's rows in order: data-index and aria-rowindex agree.
    const ariaIdx = await page.$$eval('[data-testid="streams-table"] tbody tr[data-index]', (els) => els.map((e) => Number(e.getAttribute('aria-rowindex'))));
    expect(ariaIdx).toEqual(end.map((i) => i + 2));
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
