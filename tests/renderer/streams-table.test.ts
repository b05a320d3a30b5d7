import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { SCREENSHOTS, streamRowTexts, type StreamRowText } from '../e2e/support.ts';
import { canvasHalves, cellInk, dragSelect, openStyledPage, type CellBox } from './dom-page.ts';

// Runs in the page (real Chromium): the Streams table body painted on its canvas, with the app's stylesheet.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
declare const window: Record<string, unknown>;

let page: Page;
let errors: string[];
let close: () => Promise<void>;

beforeAll(async () => {
  ({ page, errors, close } = await openStyledPage({ st: '/src/renderer/src/views/streams-table.ts', sp: '/src/renderer/src/charts/sparkline.ts' }));
}, 60_000);

afterAll(async () => {
  await close?.();
});

/** The columns of a row (with the Core column), in order. */
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
  // The cells' labels the update left are written (dom-page.ts); the canvas is drawn on the update; a frame for the fonts.
  await page.evaluate(() => (window.afterPosted as () => Promise<void>)());
  await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
}

/** The rendered rows in DOM order, as assistive technology reads their cells. */
function rendered(): Promise<StreamRowText[]> {
  return streamRowTexts(page, '#group tr[data-index]');
}

/** The rendered rows' cells by column, with the durations' narrow spaces as plain ones. */
async function cells(): Promise<Record<(typeof COLUMNS)[number], string>[]> {
  return (await rendered()).map((r) => Object.fromEntries(r.cells.map((t, i) => [COLUMNS[i], t.replace(/\u202f/g, ' ')])) as Record<(typeof COLUMNS)[number], string>);
}

/** Where the canvas has ink in each cell of rows 0..5 (null: none). */
function ink(): Promise<(CellBox | null)[][]> {
  return cellInk(page, '#group', 'tr[data-index]');
}

/** Where each cell's content sits as DOM (text mode: its texts, the badge's pill, the sparkline's box), rows 0..5. */
function contentBoxes(): Promise<(CellBox | null)[][]> {
  return page.evaluate(() =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    [...document.querySelectorAll('#group tr[data-index]')].slice(0, 6).map((row: any) =>
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      [...row.children].map((cell: any) => {
        const rects: DOMRect[] = [...cell.querySelectorAll('svg, .badge')].filter((e: { textContent: string; tagName: string }) => e.tagName === 'svg' || e.textContent !== '').map((e: { getBoundingClientRect(): DOMRect }) => e.getBoundingClientRect());
        const walker = document.createTreeWalker(cell, 4); // text nodes
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (n.data.trim() === '') continue;
          const range = document.createRange();
          range.selectNodeContents(n);
          rects.push(range.getBoundingClientRect());
        }
        if (rects.length === 0) return null;
        const [b, r] = [cell.getBoundingClientRect(), row.getBoundingClientRect()];
        return {
          left: Math.min(...rects.map((t) => t.left)) - b.left,
          right: Math.max(...rects.map((t) => t.right)) - b.left,
          top: Math.min(...rects.map((t) => t.top)) - r.top,
          bottom: Math.max(...rects.map((t) => t.bottom)) - r.top,
        };
      }),
    ),
  );
}

/** Text mode on (a selection in the page) or off (none). */
async function textMode(on: boolean): Promise<void> {
  if (on) await page.evaluate(() => document.getSelection().selectAllChildren(document.body));
  else await page.evaluate(() => document.getSelection().removeAllRanges());
  await page.waitForSelector(on ? '#group.text-mode' : '#group:not(.text-mode)');
}

describe('streams table body painted on a canvas (real Chromium)', () => {
  it('names each cell for assistive technology, the sparkline by a short text, the stream by its button', async () => {
    await setup(100);
    const rows = await cells();
    expect(rows[0]).toEqual({
      name: 'cam0',
      core: 'Core studio',
      state: 'live 1 min 00 s',
      ingest: 'SRT 1 Mbit/s',
      viewers: '0',
      hls: '',
      rtmp: '',
      srt: '',
      egress: '0 bit/s',
      peak: '10',
      spark: 'viewers over the last 10 minutes, up to 6',
    });
    expect(rows[2]!.state).toBe('idle 58 s');
    expect(rows[3]!.state).toBe('stale 31 s');
    expect(rows[4]!.spark).toBe('viewers over the last 10 minutes: not enough samples yet');
    // Row 6's samples are all 0 ((k × 7) % 7): the line stays at 0, the scale's top of 1 is not a viewer.
    expect(rows[6]!.spark).toBe('viewers over the last 10 minutes: none');
    // No DOM text in the rows while painted.
    expect(await page.$eval('#group', (el: { textContent: string }) => el.textContent.trim())).toBe('');
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; name?: { value: string }; ignored: boolean }[] };
    await cdp.detach();
    const named = (role: string): string[] => nodes.filter((n) => !n.ignored && n.role?.value === role).map((n) => (n.name?.value ?? '').replace(/\u202f/g, ' '));
    expect(named('button')).toEqual(expect.arrayContaining(['cam0', 'cam1']));
    expect(named('cell')).toEqual(expect.arrayContaining(['cam0', 'Core studio', 'live 1 min 00 s', 'SRT 1 Mbit/s', '10']));
    expect(named('image')).toEqual(expect.arrayContaining(['viewers over the last 10 minutes, up to 6']));
    expect(errors).toEqual([]);
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`paints each cell where its DOM content sits, in its colour (${scheme})`, async () => {
      await setup(100, scheme);
      await page.screenshot({ path: join(SCREENSHOTS, `streams-table-canvas-${scheme}.png`), clip: { x: 0, y: 0, width: 1200, height: 300 } });
      const painted = await ink();
      await textMode(true);
      expect(await page.$eval('#group canvas', (el) => (el as unknown as { hidden: boolean }).hidden)).toBe(true);
      const boxes = await contentBoxes();
      await page.screenshot({ path: join(SCREENSHOTS, `streams-table-text-${scheme}.png`), clip: { x: 0, y: 0, width: 1200, height: 300 } });
      await textMode(false);
      for (let r = 0; r < painted.length; r++) {
        for (let c = 0; c < COLUMNS.length; c++) {
          const [p, t] = [painted[r]![c], boxes[r]![c]];
          const where = `row ${r} ${COLUMNS[c]}: painted ${JSON.stringify(p)}, DOM ${JSON.stringify(t)}`;
          // A sparkline without samples draws nothing (its SVG box stays).
          if (COLUMNS[c] === 'spark' && r === 4) {
            expect(p, where).toBeNull();
            continue;
          }
          expect(p === null, where).toBe(t === null);
          if (!p || !t) continue;
          // Ink lies inside the content's box, give or take a glyph's side bearing or the line's half width, and spans
          // most of it (a single digit less its bearings).
          expect(p.left, where).toBeGreaterThanOrEqual(t.left - 1.5);
          expect(p.right, where).toBeLessThanOrEqual(t.right + 1.5);
          expect(p.right - p.left, where).toBeGreaterThan((t.right - t.left) * (COLUMNS[c] === 'spark' ? 0.5 : 0.8) - 1.5);
          expect(p.top, where).toBeGreaterThanOrEqual(t.top - 1);
          expect(p.bottom, where).toBeLessThanOrEqual(t.bottom + 1);
        }
      }
      // The stream's name in the link colour, the sparkline in the accent: the colours the DOM would have.
      const colours = await page.evaluate(() => {
        const { canvas, rect: c, dpr } = document.defaultView.paintedRows('#group');
        const ctx = canvas.getContext('2d');
        const row = document.querySelector('#group tr[data-index="1"]');
        const inkOf = (cell: { getBoundingClientRect(): DOMRect }): number[] => {
          const b = cell.getBoundingClientRect();
          const { data } = ctx.getImageData(Math.round((b.left - c.left) * dpr), Math.round((b.top - c.top) * dpr), Math.round(b.width * dpr), Math.round(b.height * dpr));
          // The most opaque pixel's colour.
          let best = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] > data[best + 3]) best = i - 3;
          return [data[best], data[best + 1], data[best + 2]];
        };
        const rgb = (el: unknown): number[] => getComputedStyle(el as Element).color.match(/\d+/g)!.slice(0, 3).map(Number);
        return {
          name: inkOf(row.children[0]),
          nameCss: rgb(row.querySelector('button')),
          spark: inkOf(row.querySelector('td.spark')),
          sparkCss: rgb(row.querySelector('svg')),
        };
      });
      for (const [got, want] of [[colours.name, colours.nameCss], [colours.spark, colours.sparkCss]] as const) {
        for (let k = 0; k < 3; k++) expect(Math.abs(got[k]! - want[k]!), `${JSON.stringify(got)} vs ${JSON.stringify(want)}`).toBeLessThanOrEqual(8);
      }
      expect(await ink()).toEqual(painted);
      expect(errors).toEqual([]);
    });
  }

  it('redraws only the cells that changed: a row whose duration and sparkline change, the others kept', async () => {
    await setup(100);
    // The first two rows (32 px each, styles.css).
    const pixels = (): Promise<number[]> => canvasHalves(page, '#group', 64);
    const before = await pixels();
    await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, unknown>[]; ctx: { spark: Map<string, unknown> } };
      const { sparkColumns } = window.sp as { sparkColumns: (...a: unknown[]) => unknown };
      const spark = new Map(ctx.spark);
      spark.set('studio\u0000cam0', sparkColumns([600_000, 610_000, 620_000], [1, 5, 2], 90, 600_000));
      body.update(100, 0, rows.map((r, i) => (i === 0 ? { ...r, sinceMs: 0 } : r)), { ...ctx, spark });
    });
    const after = await pixels();
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    // The same pixels as the rows drawn whole (after text mode, the canvas is drawn again from scratch).
    await textMode(true);
    await textMode(false);
    expect(await pixels()).toEqual(after);
    expect(errors).toEqual([]);
  });

  it("draws a duration that ticks alone: the state's pill and word stay, the same pixels as the rows drawn whole", async () => {
    await setup(100);
    // Every call that draws on a tile, from here on: fillText by its text, fills (the pill), strokes (a sparkline).
    await page.evaluate(() => {
      const drawn = { texts: [] as string[], fills: 0, strokes: 0 };
      const proto = document.defaultView.CanvasRenderingContext2D.prototype;
      const [fillText, fill, stroke] = [proto.fillText, proto.fill, proto.stroke];
      proto.fillText = function (this: unknown, ...a: unknown[]) {
        drawn.texts.push(String(a[0]).replace(/\u202f/g, ' '));
        return fillText.apply(this, a);
      };
      proto.fill = function (this: unknown, ...a: unknown[]) {
        drawn.fills++;
        return fill.apply(this, a);
      };
      proto.stroke = function (this: unknown, ...a: unknown[]) {
        drawn.strokes++;
        return stroke.apply(this, a);
      };
      Object.assign(window, { drawn });
    });
    // The clock a second on: every row's duration changes, nothing else (the same sparklines).
    const drawn = await page.evaluate(() => {
      const { body, rows, ctx, drawn } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: unknown[]; ctx: Record<string, unknown>; drawn: { texts: string[]; fills: number; strokes: number } };
      body.update(100, 0, rows, { ...ctx, clockMs: (ctx.clockMs as number) + 1000 });
      return { ...drawn, texts: [...drawn.texts] };
    });
    const seen = await page.$$eval('#group tr[data-index]', (els) => els.filter((el) => (el as unknown as { getBoundingClientRect(): DOMRect }).getBoundingClientRect().top < 300).length);
    // One text per row in view, its duration (row 0: "live 1 min 00 s" → "1 min 01 s"); no pill, word or sparkline.
    expect(drawn.texts.length).toBeGreaterThanOrEqual(seen - 1);
    expect(drawn.texts.length).toBeLessThanOrEqual(seen);
    expect(drawn.texts[0]).toBe('1 min 01 s');
    expect(drawn.texts.every((t) => /^\d+ (min \d\d )?s$/.test(t))).toBe(true);
    expect(drawn.fills).toBe(0);
    expect(drawn.strokes).toBe(0);
    expect((await cells())[0]!.state).toBe('live 1 min 01 s');
    // The same pixels as every row drawn whole (text mode on and off draws each tile again from scratch).
    const heightPx = await page.evaluate(() => document.defaultView.paintedRows('#group').rect.height);
    const ticked = await canvasHalves(page, '#group', heightPx);
    await textMode(true);
    await textMode(false);
    expect(await canvasHalves(page, '#group', heightPx)).toEqual(ticked);
    // A word that changes (live → stale, at the same clock) draws the whole row again, pill and word.
    await page.evaluate(() => {
      const { body, rows, ctx, drawn } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, unknown>[]; ctx: Record<string, unknown>; drawn: { texts: string[]; fills: number } };
      drawn.texts.length = 0;
      drawn.fills = 0;
      body.update(100, 0, rows.map((r, i) => (i === 0 ? { ...r, staleSinceMs: 60_000 } : r)), { ...ctx, clockMs: (ctx.clockMs as number) + 1000 });
    });
    const stale = (await page.evaluate(() => (window as unknown as { drawn: { texts: string[]; fills: number } }).drawn)) as { texts: string[]; fills: number };
    expect(stale.texts).toEqual(expect.arrayContaining(['stale', '2 s']));
    expect(stale.fills).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  });

  it('writes nothing for the same rows again (new objects, as the worker answers a filter click); a core renamed, the clock or the units rewrite their cells', async () => {
    await setup(100);
    // Every aria-label written in the row group and every text painted, from here on.
    await page.evaluate(() => {
      const writes = { labels: 0, painted: 0 };
      new (document.defaultView.MutationObserver)(((records: unknown[]) => (writes.labels += records.length)) as never).observe(document.querySelector('#group'), { subtree: true, attributeFilter: ['aria-label'] });
      const proto = document.defaultView.CanvasRenderingContext2D.prototype;
      const fillText = proto.fillText;
      proto.fillText = function (this: unknown, ...a: unknown[]) {
        writes.painted++;
        return fillText.apply(this, a);
      };
      Object.assign(window, { writes });
    });
    const again = (ctx: Record<string, unknown>): Promise<{ labels: number; painted: number }> =>
      page.evaluate(async (patch) => {
        const { body, rows, ctx, writes } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: unknown[]; ctx: Record<string, unknown>; writes: { labels: number; painted: number } };
        const next: Record<string, unknown> = { ...ctx, spark: new Map([...(ctx.spark as Map<string, unknown>)].map(([k, v]) => [k, structuredClone(v)])), ...patch };
        if (patch.site) next.coreName = (c: string) => `Site ${c}`;
        body.update(100, 0, structuredClone(rows), next);
        Object.assign(window, { ctx: next });
        await (window.afterPosted as () => Promise<void>)(); // the labels, written in the task after the update's
        await new Promise((done) => setTimeout(done, 0)); // the observer's records
        const seen = { ...writes };
        writes.labels = 0;
        writes.painted = 0;
        return seen;
      }, ctx);
    expect(await again({})).toEqual({ labels: 0, painted: 0 });
    const first = (await cells())[0]!;
    const renamed = await again({ site: true });
    expect((await cells())[0]).toEqual({ ...first, core: 'Site studio' });
    expect(renamed.labels).toBeGreaterThan(0);
    expect(await again({ clockMs: 62_000 })).not.toEqual({ labels: 0, painted: 0 });
    expect((await cells())[0]).toEqual({ ...first, core: 'Site studio', state: 'live 1 min 01 s' });
    expect(await again({ units: 'binary' })).not.toEqual({ labels: 0, painted: 0 });
    expect((await cells())[0]!.ingest).toMatch(/^SRT .*ibit\/s$/);
    expect(await again({})).toEqual({ labels: 0, painted: 0 });
    expect(errors).toEqual([]);
  });

  it("writes an update's labels after its frame (none inside the update; the same labels a task later), and DOM text in text mode within the update", async () => {
    await setup(100);
    type Frame = { inUpdate: number; atFrameEnd: { label: string; dom: string }; after: number; changed: number; state: string; seen: number };
    // An update in an animation frame: the clock a second on, every row's ingest and egress changed.
    const frame = (): Promise<Frame> =>
      page.evaluate(async () => {
        const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, number>[]; ctx: Record<string, number> };
        const group = document.querySelector('#group');
        const flat = (t: string | null): string => (t ?? '').replace(/\u202f/g, ' ').trim();
        // Every element that carries a cell's label (the cells, the streams' buttons, the sparklines' SVGs), in order.
        const labels = (): (string | null)[] => [...group.querySelectorAll('td, button, svg')].map((el: { getAttribute(n: string): string | null }) => el.getAttribute('aria-label'));
        const state = (): { getAttribute(n: string): string | null; textContent: string } => group.querySelector('tr[aria-rowindex="2"] td[data-paint="badge"]');
        const before = labels();
        let delivered = 0;
        const mo = new (document.defaultView.MutationObserver)((records: unknown[]) => (delivered += records.length));
        mo.observe(group, { subtree: true, attributeFilter: ['aria-label'] });
        const next = rows.map((r) => ({ ...r, ingestBitsPerSec: r.ingestBitsPerSec + 100_000, egressBitsPerSec: r.egressBitsPerSec + 1_000_000 }));
        const nextCtx = { ...ctx, clockMs: ctx.clockMs + 1000 };
        const inFrame = await new Promise<Pick<Frame, 'inUpdate' | 'atFrameEnd'>>((resolve) => {
          requestAnimationFrame(() => {
            // As the bench's probe: a message posted at the frame's start arrives once the frame (paint, commit) is done.
            const ch = new MessageChannel();
            let inUpdate = 0;
            ch.port1.onmessage = () => resolve({ inUpdate, atFrameEnd: { label: flat(state().getAttribute('aria-label')), dom: flat(state().textContent) } });
            ch.port2.postMessage(0);
            body.update(100, 0, next, nextCtx);
            inUpdate = mo.takeRecords().length;
          });
        });
        await (window.afterPosted as () => Promise<void>)();
        const after = delivered + mo.takeRecords().length;
        mo.disconnect();
        const now = labels();
        Object.assign(window, { rows: next, ctx: nextCtx });
        const seen = [...group.querySelectorAll('tr[data-index]')].filter((el: { getBoundingClientRect(): DOMRect }) => el.getBoundingClientRect().top < 300).length;
        return { ...inFrame, after, changed: now.filter((l, i) => l !== before[i]).length, state: flat(state().getAttribute('aria-label')), seen };
      });
    const painted = await frame();
    // No aria-label written inside the update; a task later, every label whose text changed, once: the durations,
    // ingests and egresses of the rows in view (an idle row's ingest stays "—").
    expect(painted.inUpdate).toBe(0);
    expect(painted.after).toBe(painted.changed);
    expect(painted.changed).toBeGreaterThanOrEqual(2 * (painted.seen - 1));
    expect(painted.atFrameEnd).toEqual({ label: 'live 1 min 00 s', dom: '' });
    expect(painted.state).toBe('live 1 min 01 s');
    expect((await cells())[0]!.state).toBe('live 1 min 01 s');
    // Text mode: the DOM text (what a selection copies, what the find bar searches) is the update's at once.
    await textMode(true);
    const text = await frame();
    expect(text.inUpdate).toBe(0);
    expect(text.after).toBe(text.changed);
    expect(text.atFrameEnd).toEqual({ label: 'live 1 min 01 s', dom: 'live 1 min 02 s' });
    expect(text.state).toBe('live 1 min 02 s');
    await textMode(false);
    expect((await cells())[0]!.state).toBe('live 1 min 02 s');
    expect(errors).toEqual([]);
  });

  it('moves the painted rows with a scroll (tiles kept, the ones that come in drawn), the same pixels as the rows drawn whole', async () => {
    await setup(100);
    const whole = async (): Promise<number[]> => {
      const heightPx = await page.evaluate(() => document.defaultView.paintedRows('#group').rect.height);
      return canvasHalves(page, '#group', heightPx);
    };
    const tops = new Set<string>();
    for (const byPx of [480, 320, 96, -320, 640]) {
      await page.$eval('#scroll', (el, px) => (el as unknown as { scrollTop: number }).scrollTop += px, byPx);
      await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))'); // the scroll event ran
      for (const top of await page.$$eval('#group canvas', (els) => els.map((el) => (el as unknown as { style: { top: string } }).style.top))) tops.add(top);
      const moved = await whole();
      // ... and show what a whole redraw shows (text mode on and off draws every row again).
      await textMode(true);
      await textMode(false);
      expect(await whole(), `after a scroll of ${byPx} px`).toEqual(moved);
    }
    // The rendered rows moved (tiles came in at new places).
    expect(tops.size).toBeGreaterThanOrEqual(4);
    expect(errors).toEqual([]);
  });

  it('draws only the tiles whose rows changed or came in: an update of the first row, a scroll of three rows', async () => {
    await setup(100);
    // Each canvas drawn on (its place in the row group), recorded from here on.
    await page.evaluate(() => {
      const drawnOn = new Set<string>();
      const proto = document.defaultView.CanvasRenderingContext2D.prototype;
      const fillText = proto.fillText;
      proto.fillText = function (this: { canvas: { style: { top: string } } }, ...a: unknown[]) {
        drawnOn.add(this.canvas.style.top);
        return fillText.apply(this, a);
      };
      Object.assign(window, { drawnOn });
    });
    const take = (): Promise<string[]> => page.evaluate(() => {
      const drawnOn = window.drawnOn as Set<string>;
      const tops = [...drawnOn];
      drawnOn.clear();
      return tops;
    });
    const tiles = (): Promise<string[]> => page.$$eval('#group canvas', (els) => els.map((el) => (el as unknown as { style: { top: string } }).style.top));
    await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, unknown>[]; ctx: unknown };
      body.update(100, 0, rows.map((r, i) => (i === 0 ? { ...r, sinceMs: 0 } : r)), ctx);
    });
    expect(await take()).toEqual(['0px']);
    const before = await tiles();
    expect(before.length).toBeGreaterThanOrEqual(2);
    // Far enough that the rendered rows move, then three rows (32 px each) at a time.
    await page.$eval('#scroll', (el) => ((el as unknown as { scrollTop: number }).scrollTop = 640));
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
    await take();
    let drawn = 0;
    for (let k = 0; k < 4; k++) {
      const indices = await page.$$eval('#group tr[data-index]', (els) => els.map((el) => Number((el as unknown as { dataset: { index: string } }).dataset.index)));
      const [first, last] = [Math.min(...indices), Math.max(...indices)];
      await page.$eval('#scroll', (el) => ((el as unknown as { scrollTop: number }).scrollTop += 96));
      await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
      // Only tiles (8 rows of 32 px) whose rows were not all rendered before the scroll were drawn: the others kept
      // their pixels.
      for (const top of await take()) {
        const row = parseFloat(top) / 32;
        expect(row >= first && row + 7 <= last, `tile at ${top} (rows ${first}..${last} rendered before) drawn again`).toBe(false);
        drawn++;
      }
    }
    // The rendered rows moved (tiles came in) in these four scrolls.
    expect(drawn).toBeGreaterThan(0);
    expect(new Set(await tiles())).not.toEqual(new Set(before));
    expect(errors).toEqual([]);
  });

  it('shows no pixels of rows that left the rendered rows when a scroll outruns the rendering (a fast scroll)', async () => {
    await setup(100);
    const frames = 'new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))';
    // Ten rows down: the rendered rows start past the first tile's first places, which held rows 0-3.
    await page.$eval('#scroll', (el) => ((el as unknown as { scrollTop: number }).scrollTop = 320));
    await page.evaluate(frames);
    const first = await page.$eval('#group tr[data-index]', (el) => Number((el as unknown as { dataset: { index: string } }).dataset.index));
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(8);
    // Back up with the table not told (its scroll listener not reached), as the compositor scrolls before the main
    // thread renders: the places of rows 0..first-1 are in view with no rows there.
    await page.evaluate(() => {
      const stop = (e: Event): void => e.stopImmediatePropagation();
      document.defaultView.addEventListener('scroll', stop, true);
      Object.assign(window, { stop });
      document.querySelector('#scroll').scrollTop = 0;
    });
    await page.evaluate(frames);
    const box = await page.$eval('#group', (el) => {
      const r = (el as unknown as { getBoundingClientRect(): DOMRect }).getBoundingClientRect();
      return { x: r.left, y: r.top, width: r.width };
    });
    // (Below the header's border line.)
    const shot = (await page.screenshot({ clip: { x: box.x, y: box.y + 2, width: box.width, height: first * 32 - 2 } })).toString('base64');
    // What the screen shows there: the rows' background only (no ink of the rows that were drawn there).
    const colours = await page.evaluate(async (png) => {
      const img = new (document.defaultView.Image)();
      img.src = `data:image/png;base64,${png}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      Object.assign(canvas, { width: img.width, height: img.height });
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      const seen = new Set<string>();
      for (let i = 0; i < data.length; i += 4) seen.add(`${data[i]},${data[i + 1]},${data[i + 2]}`);
      return [...seen];
    }, shot);
    expect(colours.length, `colours: ${colours.slice(0, 8).join(' ')}`).toBe(1);
    // Told of the scroll, the table renders those rows and draws them.
    await page.evaluate(() => {
      document.defaultView.removeEventListener('scroll', window.stop, true);
      document.querySelector('#scroll').dispatchEvent(new (document.defaultView.Event)('scroll'));
    });
    await page.evaluate(frames);
    const ink = await cellInk(page, '#group', 'tr[data-index]', 1);
    expect(ink[0]![0]).not.toBeNull();
    expect(errors).toEqual([]);
  });

  it('keeps no tile past the last row when the table loses its last rows', async () => {
    await setup(100);
    await page.$eval('#scroll', (el) => ((el as unknown as { scrollTop: number }).scrollTop = 1e6));
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
    await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, unknown>[]; ctx: unknown };
      body.update(97, 0, rows.slice(0, 97), ctx);
    });
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
    const edges = await page.evaluate(() => {
      const rows = [...document.querySelectorAll('#group tr[data-index]')];
      const tiles = [...document.querySelectorAll('#group canvas')].map((t: { getBoundingClientRect(): DOMRect }) => t.getBoundingClientRect().bottom);
      return { last: rows.at(-1).dataset.index, rowBottom: rows.at(-1).getBoundingClientRect().bottom, tileBottom: Math.max(...tiles) };
    });
    expect(edges.last).toBe('96');
    expect(Math.abs(edges.tileBottom - edges.rowBottom)).toBeLessThan(0.5);
    expect(errors).toEqual([]);
  });

  it('gives the hovered cell its whole text as a tooltip (title) while its painted text is cut, in step with updates', async () => {
    await setup(100);
    const titles = (): Promise<string[]> =>
      page.$$eval('#group [title]', (els) =>
        els.map((el) => {
          const e = el as unknown as { title: string; closest(s: string): { dataset: { index: string } } };
          return `${e.closest('tr').dataset.index} ${e.title}`;
        }),
      );
    // Row 6's name ends in "…" on the canvas: its button carries it whole while hovered; cam0's fits.
    const long = 'a-stream-name-much-too-long-for-its-column-to-show-whole';
    await page.hover('#group tr[data-index="0"] button.link');
    expect(await titles()).toEqual([]);
    await page.hover('#group tr[data-index="6"] button.link');
    expect(await titles()).toEqual([`6 ${long}`]);
    expect(await page.$eval('#group tr[data-index="6"] button.link', (el) => (el as unknown as { title: string }).title)).toBe(long);
    // An ingest rate that does not fit its column: cut, so titled while hovered, the title following the rate; then
    // short again: none.
    const update = (ingestBitsPerSec: number): Promise<void> =>
      page.evaluate((bits) => {
        const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, unknown>[]; ctx: unknown };
        body.update(100, 0, rows.map((r, i) => (i === 1 ? { ...r, ingestBitsPerSec: bits, ingestProtocol: 'hlsingress' } : r)), ctx);
      }, ingestBitsPerSec);
    const ingestCell = '#group tr[data-index="1"] td:nth-child(4)';
    const ingest = (): Promise<string> =>
      page.evaluate(async (sel) => {
        await (window.afterPosted as () => Promise<void>)(); // the label, written in the task after the update's
        return (document.querySelector(sel) as { ariaLabel: string }).ariaLabel;
      }, ingestCell);
    // Narrower (880 px): the columns are measured again and every row drawn again.
    await page.$eval('#scroll', (el) => ((el as unknown as { style: { width: string } }).style.width = '880px'));
    await page.evaluate('new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))');
    await update(987_654_321_000);
    await page.hover(ingestCell);
    for (const bits of [987_654_321_000, 876_543_210_000]) {
      await update(bits);
      expect(await ingest()).toMatch(/^HLS ingest \d+.Gbit\/s$/);
      expect(await titles()).toEqual([`1 ${await ingest()}`]);
    }
    await update(1_000);
    expect(await titles()).toEqual([]);
    await page.mouse.move(0, 0);
    expect(errors).toEqual([]);
  });

  it('makes no cell a scroll container: a painted cell has no overflow, DOM text (text mode) is clipped with the ellipsis', async () => {
    await setup(20);
    // Each rendered cell's overflow and text-overflow, the distinct ones (`hidden` makes a cell a scroll container).
    const overflows = (): Promise<string[]> =>
      page.evaluate(() => [
        ...new Set(
          // eslint-disable-next-line @typescript-eslint/no-explicit-any
          [...document.querySelectorAll('#group tr[data-index] td')].map((td: any) => {
            const s = document.defaultView.getComputedStyle(td);
            return `${s.overflowX} ${s.overflowY} ${s.textOverflow}`;
          }),
        ),
      ]);
    expect(await overflows()).toEqual(['visible visible ellipsis']);
    await textMode(true);
    expect(await overflows()).toEqual(['clip clip ellipsis']);
    await textMode(false);
    expect(await overflows()).toEqual(['visible visible ellipsis']);
    expect(errors).toEqual([]);
  });

  it("holds DOM text for the browser's find bar from its key (the text mode the Sessions table shares)", async () => {
    await setup(100);
    await page.click('#outside');
    await page.keyboard.press('Control+f');
    expect(await page.$eval('#group', (el: { className: string }) => el.className)).toContain('text-mode');
    expect(await page.$eval('#group tr[aria-rowindex="2"] button.link', (el: { textContent: string }) => el.textContent)).toBe('cam0');
    // No find bar took the focus: back to the canvas after a second.
    await page.waitForSelector('#group:not(.text-mode)', { timeout: 5000 });
    expect(await page.$eval('#group', (el: { textContent: string }) => el.textContent.trim())).toBe('');
    expect(errors).toEqual([]);
  });

  it('holds DOM text for caret browsing from F7 until F7 again, through a click in the rows', async () => {
    await setup(100);
    await page.click('#outside');
    await page.keyboard.press('F7');
    await page.waitForSelector('#group.text-mode');
    // A mark says why the table shows DOM text, and how to end it.
    expect(await page.$eval('[data-testid="caret-mark"]', (el) => [el.textContent, el.getAttribute('role')])).toEqual(['Text mode (F7)', 'status']);
    // Longer than a find key holds it, and through a click in a row (where caret browsing puts the caret).
    await page.waitForTimeout(1500);
    await page.click('#group tr[aria-rowindex="3"] td:nth-child(4)');
    expect(await page.$eval('#group', (el: { className: string }) => el.className)).toContain('text-mode');
    // A caret moves through the cells' text: from the start of row 0's name, a word forward.
    const word = await page.evaluate(() => {
      const sel = document.getSelection();
      sel.collapse(document.querySelector('#group tr[aria-rowindex="2"] button.link').firstChild, 0);
      sel.modify('extend', 'forward', 'word');
      const text = String(sel);
      sel.collapseToEnd();
      return text;
    });
    expect(word.trim()).toBe('cam0');
    expect(await page.$eval('#group', (el: { className: string }) => el.className)).toContain('text-mode');
    await page.keyboard.press('F7');
    await page.waitForSelector('#group:not(.text-mode)');
    expect(await page.$$('[data-testid="caret-mark"]')).toEqual([]);
    expect(await page.$eval('#group', (el: { textContent: string }) => el.textContent.trim())).toBe('');
    expect(await page.$eval('#group canvas', (el) => (el as unknown as { hidden: boolean }).hidden)).toBe(false);
    expect(errors).toEqual([]);
  });

  it('copies real text from a drag across the rows, and paints again once the selection is gone', async () => {
    await setup(100);
    const copied = (await dragSelect(page, '#group tr[aria-rowindex="2"] td:nth-child(2)', '#group tr[aria-rowindex="4"] td:nth-child(4)')).replace(/\u202f/g, ' ');
    // From row 0's Core through row 1 to row 2's Ingest.
    for (const text of ['Core studio', 'SRT 1 Mbit/s', 'cam1', 'live 59 s', 'RTMP 1.01 Mbit/s', 'cam2', 'idle 58 s']) expect(copied).toContain(text);
    expect(copied).not.toContain('cam0');
    expect(await page.$eval('#group', (el: { className: string }) => el.className)).toContain('text-mode');
    // A click elsewhere ends the selection: the canvas shows, the cells hold no DOM text.
    await page.click('#outside');
    await page.waitForSelector('#group:not(.text-mode)');
    expect(await page.$eval('#group canvas', (el) => (el as unknown as { hidden: boolean }).hidden)).toBe(false);
    expect(await page.$eval('#group', (el: { textContent: string }) => el.textContent.trim())).toBe('');
    // A click on a row's name opens its stream.
    await page.click('#group tr[aria-rowindex="3"] button.link');
    expect(await page.evaluate(() => (window.log as { opened: string[] }).opened)).toEqual(['studio\u0000cam1']);
    expect(errors).toEqual([]);
  });
});
