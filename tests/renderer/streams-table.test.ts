import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { SCREENSHOTS, streamRowTexts, type StreamRowText } from '../e2e/support.ts';
import { openDomPage } from './dom-page.ts';

// Runs in the page (real Chromium): the Streams table body painted on its canvas, with the app's stylesheet.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
declare const window: Record<string, unknown>;

let page: Page;
let errors: string[];
let close: () => Promise<void>;

beforeAll(async () => {
  ({ page, errors, close } = await openDomPage());
  // A string, not a function: vitest rewrites `import()` in this file's functions.
  await page.evaluate(`(async () => {
    window.st = await import('/src/renderer/src/views/streams-table.ts');
    window.sp = await import('/src/renderer/src/charts/sparkline.ts');
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/src/renderer/src/styles.css' });
    await new Promise((r) => { link.onload = r; document.head.appendChild(link); });
  })()`);
}, 60_000);

afterAll(async () => {
  await close?.();
});

/** Columns by index in a row (with the Core column). */
const COLUMNS = ['name', 'core', 'state', 'ingest', 'viewers', 'hls', 'rtmp', 'srt', 'egress', 'peak', 'spark'] as const;

/** A table of `n` streams (every third idle, the fourth stale, the fifth without samples) in a 1200 × 300 px scroll area. */
async function setup(n: number, scheme: 'light' | 'dark' = 'light'): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await page.evaluate((count) => {
    document.body.innerHTML = `<div id="scroll" style="height:300px;width:1200px;overflow:auto;background:var(--panel)"><div class="plain-table-wrap">
      <table class="plain-table streams-table" id="table"><thead><tr><th>Stream</th><th class="col-core">Core</th><th class="col-state">State</th>
      <th class="col-ingest">Ingest</th><th class="num col-viewers">Viewers</th><th class="num col-protocol">HLS</th><th class="num col-protocol">RTMP</th>
      <th class="num col-protocol">SRT</th><th class="num col-rate">Egress</th><th class="num col-peak">Peak today</th><th class="col-spark">Last 10 min</th></tr></thead>
      <tbody id="group"></tbody></table></div></div><p id="outside">outside the table</p>`;
    const { StreamTableBody } = window.st as { StreamTableBody: new (...a: unknown[]) => Record<string, (...a: unknown[]) => unknown> };
    const { sparkColumns } = window.sp as { sparkColumns: (...a: unknown[]) => unknown };
    const rows = Array.from({ length: count }, (_, i) => ({
      core: 'studio',
      key: i === 6 ? 'a-stream-name-much-too-long-for-its-column-to-show-whole' : `cam${i}`,
      state: i % 3 === 2 ? 'idle' : 'live',
      sinceMs: 1_000 + i * 1000,
      ingestProtocol: i % 3 === 2 ? null : i % 2 ? 'rtmp' : 'srt',
      ingestBitsPerSec: 1_000_000 + i * 12_345,
      publishers: 1,
      viewers: { hls: i % 4, rtmp: i % 2, srt: 0 },
      viewersTotal: (i % 4) + (i % 2),
      egressBitsPerSec: 500_000 * i,
      processes: 0,
      peakViewersToday: 10 + i,
      keys: [`cam${i}`],
      ...(i === 3 ? { staleSinceMs: 30_000 } : {}),
    }));
    const spark = new Map(
      rows.map((r, i) => {
        const at = Array.from({ length: i === 4 ? 1 : 60 }, (_, k) => 600_000 + k * 10_000);
        return [`${r.core}\u0000${r.key}`, sparkColumns(at, at.map((_, k) => (k * (i + 1)) % 7), 90, 600_000)];
      }),
    );
    const log = { window: [] as number[][], opened: [] as string[] };
    const body = new StreamTableBody(document.querySelector('#group'), (id: string) => log.opened.push(id), (a: number, b: number) => log.window.push([a, b]));
    body.attach!(document.querySelector('#scroll'));
    const ctx = { clockMs: 61_000, units: 'decimal', coreName: (c: string) => `Core ${c}`, spark, selectedId: null };
    body.update!(count, 0, rows, ctx);
    Object.assign(window, { body, rows, ctx, log });
  }, n);
  // The canvas is drawn on the update; a frame for the fonts.
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
}

/** The rendered rows in DOM order, as assistive technology reads their cells. */
function rendered(): Promise<StreamRowText[]> {
  return streamRowTexts(page, '#group tr[data-index]');
}

describe('streams table body painted on a canvas (real Chromium)', () => {
  it('shows the rows', async () => {
    await setup(100);
    await page.screenshot({ path: join(SCREENSHOTS, 'streams-table-canvas.png'), clip: { x: 0, y: 0, width: 1200, height: 300 } });
    const rows = await rendered();
    expect(rows[0]!.cells).toEqual(['cam0', 'Core studio', 'live 1 min 00 s', 'SRT 1 Mbit/s', '0', '', '', '', '0 bit/s', '10', expect.stringMatching(/^viewers over the last 10 minutes, up to/)]);
    expect(errors).toEqual([]);
  });
});
