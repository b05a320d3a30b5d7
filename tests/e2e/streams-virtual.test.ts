/**
 * The Streams view with many streams (issue 16 renderer budget): a remote test Core serves 600 streams; the view keeps
 * only the rows in and near the viewport in the DOM (it rendered all of them, with a sparkline each, on every
 * update), says how many rows the table has, and scrolling to the end brings the last rows in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { StreamRow } from '../../src/shared/streams.ts';
import { startTestCore, summaryOfLists, type TestCore } from '../support/test-core.ts';
import { buildRenderer, closeE2e, openPage, readAfterLabels, type TestBrowser } from './support.ts';
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

  it('keeps each stream\'s row element across updates, rewriting only its texts; DOM order is the visual order', async () => {
    await page.$eval('[data-testid="streams-table"]', (t) => t.closest('.main')!.scrollTo(0, 0));
    await page.waitForSelector('[data-testid="streams-table"] tbody tr[data-index="0"]');
    // Mark the first row's element and remember its state cell's name ("live 12 s": painted, in its aria-label, written
    // in the task after the update's: read after them, `readAfterLabels`), which changes every second.
    type Marked = { mark?: string; getAttribute(n: string): string | null; querySelector(s: string): Marked | null };
    const first = (mark: boolean): Promise<[string | null, string | null, string | null]> =>
      readAfterLabels(
        page,
        (markIt: boolean) => {
          const tr = (globalThis as unknown as { document: { querySelector(s: string): Marked } }).document.querySelector('[data-testid="streams-table"] tbody tr[data-index="0"]');
          if (markIt) tr.mark = tr.getAttribute('data-testid')!;
          return [tr.querySelector('td[data-paint="badge"]')!.getAttribute('aria-label'), tr.mark ?? null, tr.getAttribute('data-testid')];
        },
        mark,
      );
    const [before] = await first(true);
    const after = await waitFor(async () => {
      const t = await first(false);
      return t[0] !== before ? t : undefined;
    }, 'an update of the first row\'s duration', 10_000);
    // The same element shows the same stream: the update wrote its text, it did not build a new row.
    expect(after[1]).toBe(after[2]);
    // Rows in DOM order sit top to bottom, with consecutive row indexes; each has its sparkline as an image.
    const rows = await readAfterLabels(
      page,
      (selector: string) =>
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        [...(globalThis as any).document.querySelectorAll(selector)].map((tr) => ({
          topPx: tr.getBoundingClientRect().top as number,
          index: Number(tr.getAttribute('aria-rowindex')),
          spark: (tr.querySelector('svg.sparkline[role="img"]')?.getAttribute('aria-label') ?? '') as string,
        })),
      '[data-testid="streams-table"] tbody tr[data-index]',
    );
    for (let i = 1; i < rows.length; i++) {
      expect(rows[i]!.topPx).toBeGreaterThan(rows[i - 1]!.topPx);
      expect(rows[i]!.index).toBe(rows[i - 1]!.index + 1);
    }
    for (const r of rows) expect(r.spark).toMatch(/^viewers over the last 10 minutes/);
    // Rows kept beyond the viewport take an update's numbers when they scroll into view: after updates have come
    // (each moves every duration on by a second), a short scroll brings rows in that show what the others show.
    await page.waitForTimeout(2500);
    await page.$eval('[data-testid="streams-table"]', (t) => t.closest('.main')!.scrollBy(0, 70));
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))'); // the scroll event ran
    // The labels of the rows that came in are written in the task after the scroll's frame.
    const seen = await readAfterLabels(
      page,
      (selector: string) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const t = (globalThis as any).document.querySelector(selector);
        const box = t.closest('.main')!.getBoundingClientRect();
        return [...t.querySelectorAll('tbody tr[data-testid^="stream-row-many-"]')]
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          .filter((tr: any) => tr.getBoundingClientRect().top >= box.top && tr.getBoundingClientRect().bottom <= box.bottom)
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          .map((tr: any) => tr.querySelector('td[data-paint="badge"]')!.getAttribute('aria-label') as string | null);
      },
      '[data-testid="streams-table"]',
    );
    expect(seen.length).toBeGreaterThan(5);
    expect(new Set(seen).size).toBe(1); // the streams came up together: one duration
    await page.$eval('[data-testid="streams-table"]', (t) => t.closest('.main')!.scrollTo(0, 0));
    // A click on a row opens the stream's page and marks the row selected.
    await page.click('[data-testid="streams-table"] tbody tr[data-index="1"] td:nth-child(3)');
    await page.waitForSelector('[data-testid="stream-page"]');
    expect(await page.getAttribute('[data-testid="streams-table"] tbody tr[data-index="1"]', 'aria-selected')).toBe('true');
    expect(await page.getAttribute('[data-testid="streams-table"] tbody tr[data-index="0"]', 'aria-selected')).toBe('false');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
