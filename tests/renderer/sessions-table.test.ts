import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { join } from 'node:path';
import { SCREENSHOTS, sessionRowTexts, type SessionRowText } from '../e2e/support.ts';
import { canvasHalves, cellInk, dragSelect, openStyledPage } from './dom-page.ts';

// Runs in the page (real Chromium): the Sessions table body and the shared TableBody on real layout and scrolling,
// with the app's stylesheet.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
declare const window: Record<string, unknown>;

let page: Page;
let errors: string[];
let close: () => Promise<void>;

beforeAll(async () => {
  ({ page, errors, close } = await openStyledPage({ st: '/src/renderer/src/views/sessions-table.ts', cols: '/src/renderer/src/store/session-columns.ts' }));
}, 60_000);

afterAll(async () => {
  await close?.();
});

/** A table of `n` sessions in a 300 px scroll area; returns what the page's rows show. */
async function setup(n: number): Promise<void> {
  await page.evaluate((count) => {
    document.body.innerHTML = `<div id="scroll" class="tbody" style="height:300px;width:1200px;flex:none"><div class="sessions-grid thead">head</div>
      <div id="group" class="tbody-inner" role="rowgroup"></div></div><p id="outside">outside the table</p>`;
    const { SessionTableBody } = window.st as { SessionTableBody: new (...a: unknown[]) => Record<string, (...a: unknown[]) => unknown> };
    const { fitColumns, parseColumnPrefs } = window.cols as Record<string, (...a: unknown[]) => { shown: unknown[]; template: string }>;
    const rows = Array.from({ length: count }, (_, i) => ({
      id: `s${i}`,
      core: 'local',
      collector: i % 2 ? 'hls' : 'rtmp',
      reference: `/live/${i}`,
      createdAtMs: 1_000,
      location: `play:/live/${i}`,
      peer: `10.0.0.${i % 250}:1935`,
      extra: i === 1 ? '[127.0.0.0] Lavf/59.27.100' : '',
      rxBytes: 1000 * i,
      txBytes: 2000 * i,
      rxBitsPerSec: i === 2 ? 0 : 8000 + i,
      txBitsPerSec: i === 2 ? 0 : 16000 + i,
      ...(i === 3 ? { closedAtMs: 2_000 } : {}),
    }));
    const log = { window: [] as number[][], clicks: [] as string[] };
    const body = new SessionTableBody(document.querySelector('#group'), {
      stickyTopPx: 31,
      onWindow: (a: number, b: number) => log.window.push([a, b]),
      onClick: (r: { id: string }) => log.clicks.push(r.id),
    });
    const fitted = fitColumns(parseColumnPrefs(null), 1200, { coreCount: 1 });
    body.setColumns!(fitted.shown, fitted.template);
    body.attach!(document.querySelector('#scroll'));
    const ctx = { units: 'decimal', atMs: 61_000, coreName: (c: string) => c, selectedKey: null };
    body.update!(count, 0, rows, ctx);
    Object.assign(window, { body, rows, ctx, log });
  }, n);
  // The cells' labels the update left are written (dom-page.ts).
  await page.evaluate(() => (window.afterPosted as () => Promise<void>)());
}

/** `pixels()` after the canvas is drawn whole: text mode on (a selection in the page) and off again draws every row. */
async function drawnWhole(pixels: () => Promise<number[]>): Promise<number[]> {
  await page.evaluate(() => document.getSelection().selectAllChildren(document.body));
  await page.waitForSelector('#group.text-mode');
  await page.evaluate(() => document.getSelection().removeAllRanges());
  await page.waitForSelector('#group:not(.text-mode)');
  return pixels();
}

/** The rendered rows in DOM order: index, key, class, selection and cells by column (as assistive technology reads them). */
function rendered(): Promise<SessionRowText[]> {
  return sessionRowTexts(page, '#group [role="row"]');
}

describe('sessions table body (shared TableBody, real Chromium)', () => {
  it('renders the rows in view in DOM order with table semantics, idle/ending marks and the masked IP', async () => {
    await setup(1000);
    const rows = await rendered();
    // 300 px of 30 px rows (10, partly 11) plus the overscan; nowhere near 1000.
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(25);
    expect(rows.map((r) => r.index)).toEqual(rows.map((_, i) => i + 2));
    expect(rows[0]!.cells.id).toBe('s0');
    expect(rows[0]!.cells.duration).toBe(await page.evaluate(`import('/src/renderer/src/format/units.ts').then((m) => m.formatDuration(60_000))`));
    expect(rows[1]!.cells.extra).toBe('Lavf/59.27.100 · masked IP');
    expect(rows[2]!.cls).toContain('idle');
    expect(rows[3]!.cls).toContain('ending');
    expect(rows[4]!.cls).toBe('sessions-grid tr');
    // The spacers keep the scroll height of all rows.
    const scrollHeight = await page.$eval('#scroll', (el) => el.scrollHeight);
    expect(scrollHeight).toBeGreaterThanOrEqual(31 + 1000 * 30);
    expect(await page.evaluate(() => (window.log as { window: number[][] }).window.at(-1))).toEqual([0, rows.length]);
    expect(errors).toEqual([]);
  });

  it("writes only the texts that changed (in aria-label, after the update's task; no DOM text), keeps row elements in place, and follows the selection", async () => {
    await setup(100);
    const writes = await page.evaluate(async () => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, number | string>[]; ctx: Record<string, unknown> };
      const group = document.querySelector('#group') as { children: ArrayLike<unknown> } & Node;
      const before = Array.from(group.children);
      const records: unknown[] = [];
      const mo = new MutationObserver((m) => records.push(...m));
      mo.observe(group as unknown as Node, { subtree: true, characterData: true, childList: true, attributes: true });
      // Only the first row's tx rate changes, one second later (every duration text changes too).
      const next = rows.map((r, i) => (i === 0 ? { ...r, txBitsPerSec: 999_000 } : r));
      body.update(100, 0, next, { ...ctx, atMs: 62_000 });
      const label = (r: MutationRecord): boolean => r.type === 'attributes' && r.attributeName === 'aria-label';
      // In the update's task: no label yet (they are written in a task after it).
      const inTask = mo.takeRecords().filter(label).length + (records as MutationRecord[]).filter(label).length;
      await (window.afterPosted as () => Promise<void>)();
      const text = mo.takeRecords().concat(records as MutationRecord[]);
      mo.disconnect();
      const same = Array.from(group.children).every((el, i) => el === before[i]);
      return { inTask, text: text.filter(label).length, other: text.filter((r) => !label(r)).length, same };
    });
    const shown = (await rendered()).length;
    const seen = Math.ceil((300 - 31) / 30); // rows at least partly in view below the header; the overscan keeps last second's numbers
    expect(writes.same).toBe(true);
    expect(writes.other).toBe(0);
    expect(writes.inTask).toBe(0);
    expect(writes.text).toBe(seen + 1); // each seen row's duration, and row 0's tx
    expect(shown).toBeGreaterThan(seen);

    await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: unknown[]; ctx: Record<string, unknown> };
      body.update(100, 0, rows, { ...ctx, selectedKey: 'local\u0001hls\u0001s5' });
    });
    const sel = (await rendered()).filter((r) => r.selected === 'true');
    expect(sel.map((r) => r.cells.id)).toEqual(['s5']);
    expect(sel[0]!.cls).toContain('selected');
    await page.click('#group [data-key$="s7"]');
    expect(await page.evaluate(() => (window.log as { clicks: string[] }).clicks)).toEqual(['s7']);
  });

  it('moves the window on scroll and scrollToIndex, recycling rows; rows the page does not hold yet are empty', async () => {
    await setup(1000);
    await page.evaluate(() => (window.body as { scrollToIndex: (i: number) => void }).scrollToIndex(500));
    const rows = await rendered();
    expect(rows.some((r) => r.index === 502)).toBe(true);
    expect(rows.map((r) => r.index)).toEqual(rows.map((_, i) => rows[0]!.index + i));
    expect(rows.length).toBeLessThanOrEqual(11 + 2 * 6); // the rows in view and the overscan each side
    // The tiles moved with the rendered rows: they cover them, one after the other, from the tile of the first to the
    // tile of the last (they scroll with them, inside the row group).
    const cover = await page.evaluate(() => {
      const rs = [...document.querySelectorAll('#group [role="row"]')].map((r: { getBoundingClientRect(): DOMRect }) => r.getBoundingClientRect());
      const ts = [...document.querySelectorAll('#group canvas')].map((t: { getBoundingClientRect(): DOMRect }) => t.getBoundingClientRect()).sort((x, y) => x.top - y.top);
      return { top: rs[0]!.top - ts[0]!.top, bottom: ts.at(-1)!.bottom - rs.at(-1)!.bottom, gaps: ts.slice(1).map((t, i) => t.top - ts[i]!.bottom), rowPx: rs[0]!.height };
    });
    expect(cover.top).toBeGreaterThan(-0.5);
    expect(cover.top).toBeLessThan(8 * cover.rowPx);
    expect(cover.bottom).toBeGreaterThan(-0.5);
    expect(cover.bottom).toBeLessThan(8 * cover.rowPx);
    for (const gap of cover.gaps) expect(Math.abs(gap)).toBeLessThan(0.5);
    // Row 500 sits fully in view (below the sticky header or at the bottom edge).
    const box = await page.evaluate(() => {
      const scroll = document.querySelector('#scroll') as { getBoundingClientRect(): DOMRect };
      const row = document.querySelector('#group [aria-rowindex="502"]') as { getBoundingClientRect(): DOMRect };
      return { s: scroll.getBoundingClientRect().toJSON(), r: row.getBoundingClientRect().toJSON() };
    });
    expect(box.r.top).toBeGreaterThanOrEqual(box.s.top + 31 - 0.5);
    expect(box.r.bottom).toBeLessThanOrEqual(box.s.bottom + 0.5);
    // The page holds only rows 0..99 (the worker's window): rows beyond are empty until theirs arrive.
    await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: unknown[]; ctx: unknown };
      body.update(1000, 0, rows.slice(0, 100), ctx);
    });
    const empty = await rendered();
    expect(empty.every((r) => r.key === '' && Object.values(r.cells).every((t) => t === ''))).toBe(true);
    // The worker was asked for the rows around the new window.
    const last = await page.evaluate(() => (window.log as { window: number[][] }).window.at(-1)!);
    expect(last[0]).toBeLessThanOrEqual(500);
    expect(last[1]).toBeGreaterThan(500);
    expect(errors).toEqual([]);
  });
  it("paints each cell's text on one canvas where its DOM text sits, and only the rows that changed", async () => {
    await setup(100);
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions-table-canvas.png'), clip: { x: 0, y: 0, width: 1200, height: 300 } });
    const cols = Object.keys((await rendered())[0]!.cells);
    expect(cols).toEqual(expect.arrayContaining(['collector', 'reference', 'extra', 'rxBitsPerSec', 'duration', 'id']));
    // Where the canvas has ink in each cell's box (CSS px from the cell's left and the row's top), rows 0..5.
    const ink = (): ReturnType<typeof cellInk> => cellInk(page, '#group', '[role="row"]');
    const painted = await ink();
    // Where the same texts sit as DOM text (text mode, from a selection in the page), the text's box in the cell.
    await page.evaluate(() => document.getSelection().selectAllChildren(document.body));
    await page.waitForSelector('#group.text-mode');
    expect(await page.$eval('#group canvas', (el) => (el as unknown as { hidden: boolean }).hidden)).toBe(true);
    const boxes = await page.evaluate((keys) => {
      return [...document.querySelectorAll('#group [role="row"]')].slice(0, 6).map((row: { getBoundingClientRect(): DOMRect; querySelector(s: string): { getBoundingClientRect(): DOMRect; firstChild: Node } }) =>
        keys.map((key) => {
          const cell = row.querySelector(`[data-col="${key}"]`);
          const range = document.createRange();
          range.selectNodeContents(cell);
          const t = range.getBoundingClientRect();
          const [b, r] = [cell.getBoundingClientRect(), row.getBoundingClientRect()];
          return t.width === 0 ? null : { left: t.left - b.left, right: t.right - b.left, top: t.top - r.top, bottom: t.bottom - r.top };
        }),
      );
    }, cols);
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions-table-text.png'), clip: { x: 0, y: 0, width: 1200, height: 300 } });
    await page.evaluate(() => document.getSelection().removeAllRanges());
    await page.waitForSelector('#group:not(.text-mode)');
    const marked = (await rendered()).map((r) => /idle|ending/.test(r.cls));
    expect(marked.slice(0, 6)).toEqual([false, false, true, true, false, false]);
    for (let r = 0; r < painted.length; r++) {
      for (let c = 0; c < cols.length; c++) {
        const [p, t] = [painted[r]![c], boxes[r]![c]];
        const where = `row ${r} ${cols[c]}: painted ${JSON.stringify(p)}, text ${JSON.stringify(t)}`;
        expect(p === null, where).toBe(t === null);
        if (!p || !t) continue;
        // Ink lies inside the text's box, give or take a glyph's side bearing, and spans most of it; an idle or ending
        // row's rx rate has its mark painted before it (the DOM text's box leaves out the CSS mark).
        if (marked[r] && cols[c] === 'rxBitsPerSec') expect(p.left, where).toBeLessThan(t.left - 15);
        else expect(p.left, where).toBeGreaterThanOrEqual(t.left - 1.5);
        expect(p.right, where).toBeLessThanOrEqual(t.right + 1.5);
        expect(p.right - p.left, where).toBeGreaterThan((t.right - t.left) * 0.8);
        expect(p.top, where).toBeGreaterThanOrEqual(t.top - 1);
        expect(p.bottom, where).toBeLessThanOrEqual(t.bottom + 1);
      }
    }
    // Back to the canvas: the cells hold no DOM text, the canvas shows again with the same pixels.
    expect((await rendered()).every((r) => r.cells.id !== '')).toBe(true);
    expect(await page.$$eval('#group [role="cell"]', (els: { textContent: string }[]) => els.every((e) => e.textContent === ''))).toBe(true);
    expect(await ink()).toEqual(painted);

    // An update that changes row 0's tx rate redraws its row; row 1 keeps its pixels.
    const pixels = (): Promise<number[]> => canvasHalves(page, '#group', 60);
    const before = await pixels();
    await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, number | string>[]; ctx: Record<string, unknown> };
      body.update(100, 0, rows.map((r, i) => (i === 0 ? { ...r, txBitsPerSec: 999_000_000 } : r)), ctx);
    });
    const after = await pixels();
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    // Only the changed cell was redrawn: the canvas holds the same pixels as when drawn whole (after text mode).
    const whole = (): Promise<number[]> => drawnWhole(pixels);
    expect(await whole()).toEqual(after);
    // And back to the shorter text: the longer one's ink is gone.
    await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: unknown[]; ctx: unknown };
      body.update(100, 0, rows, ctx);
    });
    expect(await pixels()).toEqual(before);
    expect(await whole()).toEqual(before);
    expect(errors).toEqual([]);
  });

  it('fills changed cells in runs and whole rows, and paints what a whole draw paints', async () => {
    await setup(100);
    const rowCount = await page.$$eval('#group [role="row"]', (els) => els.length);
    // Every rendered row's pixels (the tiles put together over them).
    const pixels = (): Promise<number[]> => canvasHalves(page, '#group', rowCount * 30);
    const whole = (): Promise<number[]> => drawnWhole(pixels);
    // Updates where some rows change every cell, some none, some the same run of cells as the row above (the clears
    // merged down the rows), some scattered cells, and texts that get shorter (the longer ink must go); each clear and
    // cell drawn is counted.
    for (let k = 1; k <= 6; k++) {
      const drawn = await page.evaluate((k) => {
        const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, number | string>[]; ctx: Record<string, unknown> };
        const P = (window as unknown as { CanvasRenderingContext2D: { prototype: Record<string, (...a: unknown[]) => unknown> } }).CanvasRenderingContext2D.prototype;
        const counts = { clearRect: 0, fillRect: 0, fillText: 0 };
        const orig = { clearRect: P.clearRect!, fillRect: P.fillRect!, fillText: P.fillText! };
        for (const name of ['clearRect', 'fillRect', 'fillText'] as const) {
          P[name] = function (this: unknown, ...a: unknown[]) {
            counts[name]++;
            return orig[name].apply(this, a);
          };
        }
        const next = rows.map((r, i) => {
          // Three rows at a time share a kind: their clears may merge down the rows.
          const kind = (Math.floor(i / 3) + k + (i % 3 === 2 && k % 2 ? 1 : 0)) % 4;
          if (kind === 0) return r; // unchanged
          if (kind === 1) return { ...r, id: `t${i}-${k}`, collector: k % 2 ? 'srt' : 'hls', reference: `/other/${k}/${i}`, location: `play:/x/${k}`, peer: `192.0.2.${k}:${i}`, extra: k % 2 ? '[198.51.100.0] VLC/3.0' : '', rxBytes: 7 * i * k, txBytes: 11 * i * k, rxBitsPerSec: 9000 + k, txBitsPerSec: 17000 + k, createdAtMs: 1000 - k * 1000 };
          if (kind === 2) return { ...r, rxBitsPerSec: 8000 + k * 1_000_000, txBitsPerSec: 16000 + k * 10, rxBytes: 1000 * k }; // one run of cells
          return { ...r, collector: k % 2 ? 'hls' : 'rtmp', txBytes: k % 2 ? 1 : 123_456_789_000 }; // scattered, shorter and longer
        });
        body.update(100, 0, next, ctx);
        Object.assign(P, orig);
        return counts;
      }, k);
      // Fewer fills of the rows' background (opaque tiles: no clears) than cells drawn: neighbouring cells and whole
      // rows are filled at once (the fills leave each row's border, so they do not merge down the rows).
      expect(drawn.fillText, `update ${k}`).toBeGreaterThan(0);
      expect(drawn.clearRect, `update ${k}`).toBe(0);
      expect(drawn.fillRect, `update ${k}`).toBeLessThan(drawn.fillText);
      const after = await pixels();
      expect(await whole(), `update ${k}`).toEqual(after);
    }
    expect(errors).toEqual([]);
  });

  it("paints the rows' backgrounds on opaque tiles: hover and selection as the DOM rows show them, one changed cell redrawn alone", async () => {
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await setup(100);
      expect(await page.$$eval('#group canvas', (els) => els.map((c) => (c as unknown as { getContext(t: string): { getContextAttributes(): { alpha: boolean } } }).getContext('2d').getContextAttributes().alpha))).not.toContain(true);
      // Row 1 selected, the pointer on row 4.
      await page.evaluate(() => {
        const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: unknown[]; ctx: Record<string, unknown> };
        body.update(100, 0, rows, { ...ctx, selectedKey: 'local\u0001hls\u0001s1' });
      });
      await page.hover('#group [data-index="4"] [data-col="duration"]');
      // What the DOM rows show (text mode: painted, they draw no background), then the canvas again.
      await page.evaluate(() => document.getSelection().selectAllChildren(document.body));
      await page.waitForSelector('#group.text-mode');
      const dom = await page.evaluate(() => [...document.querySelectorAll('#group [role="row"]')].slice(0, 6).map((row: Element) => {
        const s = getComputedStyle(row);
        return { backgroundColor: s.backgroundColor, boxShadow: s.boxShadow, borderBottomColor: s.borderBottomColor };
      }));
      await page.evaluate(() => document.getSelection().removeAllRanges());
      await page.waitForSelector('#group:not(.text-mode)');
      /**
       * Per row 0..5: the canvas's colour at a point with no text (x 5 px, 3 px below the row's top), at the bar
       * (x 1 px) and on the border (the row's last pixel row); and what the DOM row shows there in text mode: its
       * computed background (and the selected row's inset shadow) over the body's, blended as the compositor does.
       */
      const colours = await page.evaluate((dom) => {
        const { canvas, rect, dpr } = (window as unknown as { paintedRows(g: string): { canvas: { getContext(t: string): { getImageData(...a: number[]): { data: number[] } } }; rect: DOMRect; dpr: number } }).paintedRows('#group');
        const ctx = canvas.getContext('2d');
        const at = (x: number, y: number): number[] => [...ctx.getImageData(Math.round(x * dpr), Math.round(y * dpr), 1, 1).data].slice(0, 3);
        const rgba = (c: string): number[] => {
          const v = (/rgba?\(([^)]*)\)/.exec(c)?.[1] ?? '0, 0, 0, 0').split(',').map(Number);
          return [v[0]!, v[1]!, v[2]!, v[3] ?? 1];
        };
        const over = (top: string, under: number[]): number[] => {
          const [r, g, b, a] = rgba(top);
          return [r, g, b].map((c, i) => Math.round(c! * a! + under[i]! * (1 - a!)));
        };
        const page = rgba(getComputedStyle(document.body).backgroundColor).slice(0, 3);
        return [...document.querySelectorAll('#group [role="row"]')].slice(0, 6).map((row: Element, i: number) => {
          const s = dom[i]!;
          const y = row.getBoundingClientRect().top - rect.top;
          const back = over(s.backgroundColor, page);
          const bar = /inset/.test(s.boxShadow) ? over(/rgba?\([^)]*\)/.exec(s.boxShadow)![0], back) : back;
          return {
            painted: { back: at(5, y + 3), bar: at(1, y + 3), line: at(5, y + 29) },
            dom: { back, bar, line: over(s.borderBottomColor, back) },
          };
        });
      }, dom);
      const near = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= 2);
      for (const [i, c] of colours.entries()) {
        for (const k of ['back', 'bar', 'line'] as const) expect(near(c.painted[k], c.dom[k]), `${scheme} row ${i} ${k}: ${JSON.stringify(c)}`).toBe(true);
      }
      // Plain, selected and hovered rows differ (the test would pass on one colour for all otherwise).
      expect(new Set(colours.map((c) => c.dom.back.join())).size).toBe(3);
      expect(colours[1]!.dom.bar).not.toEqual(colours[1]!.dom.back);

      // One cell changes: only its text is drawn, and no pixel outside its box (row 5's tx rate) changes.
      const change = await page.evaluate(() => {
        const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, unknown>[]; ctx: Record<string, unknown> };
        const { canvas, rect, dpr } = (window as unknown as { paintedRows(g: string): { canvas: { width: number; height: number; getContext(t: string): { getImageData(...a: number[]): { data: number[] } } }; rect: DOMRect; dpr: number } }).paintedRows('#group');
        const read = (): number[] => [...canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data];
        const before = read();
        const P = (window as unknown as { CanvasRenderingContext2D: { prototype: Record<string, (...a: unknown[]) => unknown> } }).CanvasRenderingContext2D.prototype;
        const fillText = P.fillText!;
        const drawn: string[] = [];
        P.fillText = function (this: unknown, ...a: unknown[]) {
          drawn.push(String(a[0]));
          return fillText.apply(this, a);
        };
        body.update(100, 0, rows.map((r, i) => (i === 5 ? { ...r, txBitsPerSec: 987_000_000 } : r)), { ...ctx, selectedKey: 'local\u0001hls\u0001s1' });
        P.fillText = fillText;
        const after = (window as unknown as { paintedRows(g: string): { canvas: { getContext(t: string): { getImageData(...a: number[]): { data: number[] } } } } }).paintedRows('#group').canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        const cell = document.querySelector('#group [data-index="5"] [data-col="txBitsPerSec"]')!.getBoundingClientRect();
        const box = [cell.left - rect.left, cell.right - rect.left, cell.top - rect.top, cell.bottom - rect.top].map((v) => Math.round(v * dpr));
        let inside = 0;
        let outside = 0;
        const where: string[] = [];
        for (let p = 0; p < before.length; p += 4) {
          if (before[p] === after[p] && before[p + 1] === after[p + 1] && before[p + 2] === after[p + 2]) continue;
          const x = (p / 4) % canvas.width;
          const y = Math.floor(p / 4 / canvas.width);
          if (x >= box[0]! && x < box[1]! && y >= box[2]! && y < box[3]!) inside++;
          else if (++outside <= 4) where.push(`${x},${y} (cell ${box.join(',')}): ${[before[p], before[p + 1], before[p + 2]].join('/')} → ${[after[p], after[p + 1], after[p + 2]].join('/')}`);
        }
        return { drawn, inside, outside, where };
      });
      expect(change.drawn, scheme).toEqual([expect.stringMatching(/^987/)]);
      expect(change.inside, scheme).toBeGreaterThan(0);
      expect(change.outside, `${scheme}: ${change.where.join('; ')}`).toBe(0);
      await page.mouse.move(0, 0);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    expect(errors).toEqual([]);
  });

  it('cuts a text that does not fit where the longest start with an ellipsis fits, as measured whole, never with two ellipses', async () => {
    await setup(100);
    const missing = await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, unknown>[]; ctx: Record<string, unknown> };
      // Texts of many lengths, with kerning pairs that widen ("-J") and narrow ("AV") them, wide and narrow letters,
      // and the view's own ellipsis (the Local column's `/memfs/….m3u8`): a start that holds one ends there.
      const parts = ['-J', 'AV', 'W', 'il', 'é', 'To', '/live/', '0', ':', 'ffi', 'x', '…'];
      const text = (i: number, salt: number): string => Array.from({ length: 2 + ((i * 7 + salt) % 30) }, (_, j) => parts[(i * 13 + j * j + salt) % parts.length]).join('');
      const drawn = new Set<string>();
      const proto = (window as unknown as { CanvasRenderingContext2D: { prototype: Record<string, (...a: unknown[]) => unknown> } }).CanvasRenderingContext2D.prototype;
      const fillText = proto.fillText!;
      proto.fillText = function (this: unknown, ...a: unknown[]) {
        drawn.add(String(a[0]));
        return fillText.apply(this, a);
      };
      // Other sessions (a row out of view that keeps its session holds its texts back until it is seen).
      // Every third peer is a start of growing length, the ellipsis, then wide letters: some cut just after the ellipsis.
      const next = rows.map((r, i) => ({ ...r, id: `n${i}`, reference: text(i, 1), peer: i % 3 === 0 ? `abababab${'a'.repeat(i / 3)}…${'W'.repeat(30)}` : text(i, 5) }));
      body.update(100, 0, next, ctx);
      document.querySelector('#scroll').dispatchEvent(new Event('scroll')); // the overscan's rows too, now
      proto.fillText = fillText;
      // What each reference and peer cell should show: whole, or its longest start that fits with "…" (a start that
      // holds the view's own "…" up to that one), measured whole.
      const withCut = (start: string): string => (start.includes('…') ? start.slice(0, start.lastIndexOf('…') + 1) : `${start}…`);
      const probe = document.createElement('canvas').getContext('2d');
      const out: string[] = [];
      let cut = 0;
      for (const row of document.querySelectorAll('#group [role="row"]')) {
        const i = Number(row.dataset.index);
        for (const [col, value] of [['reference', next[i]!.reference], ['peer', next[i]!.peer]] as const) {
          const cell = row.querySelector(`[data-col="${col}"]`);
          const st = getComputedStyle(cell);
          probe.font = `${st.fontStyle} ${st.fontWeight} ${st.fontSize} ${st.fontFamily}`;
          const w = cell.getBoundingClientRect().width - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
          const fits = (t: string): boolean => probe.measureText(t).width <= w;
          let want = value as string;
          if (!fits(want)) {
            let n = want.length - 1;
            while (n > 0 && !fits(withCut(want.slice(0, n)))) n--;
            want = n > 0 ? withCut(want.slice(0, n)) : fits('…') ? '…' : '';
          }
          if (want !== value) cut++;
          if (!drawn.has(want)) out.push(`${col} ${JSON.stringify(value)}: want ${JSON.stringify(want)}`);
        }
      }
      for (const t of drawn) if (t.includes('……')) out.push(`drawn with two ellipses: ${JSON.stringify(t)}`);
      return { out, cut, checked: document.querySelectorAll('#group [role="row"]').length * 2 };
    });
    expect(missing.checked).toBeGreaterThan(20);
    expect(missing.cut).toBeGreaterThan(5);
    expect(missing.checked - missing.cut).toBeGreaterThan(5);
    expect(missing.out).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('gives the hovered cell its whole text as a tooltip (title) while its painted text is cut, in step with updates', async () => {
    await setup(100);
    const long = `/live/${'a-very-long-reference-'.repeat(6)}end`;
    const titles = (): Promise<string[]> =>
      page.$$eval('#group [title]', (els) =>
        els.map((el) => {
          const e = el as unknown as { title: string; dataset: { col: string }; parentElement: { dataset: { index: string } } };
          return `${e.parentElement.dataset.index} ${e.dataset.col} ${e.title.replace(/\u202f/g, ' ')}`;
        }),
      );
    const cell = (row: number, col: string): string => `#group [data-index="${row}"] [data-col="${col}"]`;
    const update = (reference: string): Promise<void> =>
      page.evaluate((ref) => {
        const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, unknown>[]; ctx: unknown };
        body.update(100, 0, rows.map((r, i) => (i === 1 ? { ...r, reference: ref } : r)), ctx);
      }, reference);
    // No title until the pointer is on a cut cell; a whole text gets none.
    expect(await titles()).toEqual([]);
    await page.hover(cell(1, 'reference'));
    expect(await titles()).toEqual([]);
    // An ending row's rate is cut after its mark.
    await page.hover(cell(3, 'rxBitsPerSec'));
    expect(await titles()).toEqual(['3 rxBitsPerSec 8 kbit/s']);
    // Cut on the canvas (it ends in "…" there): row 1's reference, whole in its title; the last cell's title is gone.
    await update(long);
    await page.hover(cell(1, 'reference'));
    expect(await titles()).toEqual([`1 reference ${long}`]);
    // The pointer stays while the text changes: the title follows; whole again: no title.
    await update(`${long}-2`);
    expect(await titles()).toEqual([`1 reference ${long}-2`]);
    // For assistive technology the cell is still named by its text, and not described by the same text again.
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; name?: { value: string }; description?: { value: string } }[] };
    await cdp.detach();
    const node = nodes.find((n) => n.role?.value === 'cell' && n.name?.value === `${long}-2`);
    expect(node).toBeDefined();
    expect(node!.description?.value ?? '').toBe('');
    await update('/live/1');
    expect(await titles()).toEqual([]);
    // The extra column is cut too, but its tooltip is Core's text, set by the view (Sessions.tsx), not from here.
    await page.hover(cell(1, 'extra'));
    expect(await titles()).toEqual([]);
    await page.mouse.move(0, 0);
    expect(errors).toEqual([]);
  });

  it("has a cut cell's title written when the browser reads the tooltip of the pointer's first move onto it", async () => {
    // Blink reads the tooltip after it dispatched the move's events (EventHandler::HandleMouseMoveEvent: the pointer
    // and mouse events, then ChromeClient::MouseDidMoveOverElement, which sends the hovered element's title to the
    // browser): a listener of the move's `mousemove`, the last of those events, sees what the tooltip shows. Scrolled,
    // so the hovered row is found among rendered rows that do not start at row 0.
    await setup(100);
    const long = `/live/${'a-very-long-reference-'.repeat(6)}end`;
    await page.evaluate((ref) => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void; scrollToIndex: (i: number) => void }; rows: Record<string, unknown>[]; ctx: unknown };
      body.update(100, 0, rows.map((r, i) => (i === 41 ? { ...r, reference: ref } : r)), ctx);
      body.scrollToIndex(45);
    }, long);
    const cell = '#group [data-index="41"] [data-col="reference"]';
    expect(await page.evaluate(() => Number((document.querySelector('#group [role="row"]') as { dataset: { index: string } }).dataset.index))).toBeGreaterThan(0);
    await page.hover('#outside');
    expect(await page.$eval(cell, (el) => el.getAttribute('title'))).toBeNull();
    await page.evaluate(() => {
      document.addEventListener('mousemove', (e: { target: { closest: (s: string) => { title: string } | null } }) => void (window.seen = e.target.closest('[title]')?.title ?? null), { once: true });
    });
    const box = (await page.locator(cell).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    expect(await page.evaluate(() => window.seen)).toBe(long);
    await page.mouse.move(0, 0);
    expect(errors).toEqual([]);
  });

  it('gives each cell its text in the accessibility tree', async () => {
    await setup(100);
    const cdp = await page.context().newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: { role?: { value: string }; name?: { value: string }; ignored: boolean }[] };
    await cdp.detach();
    const names = nodes.filter((n) => !n.ignored && (n.role?.value === 'cell' || n.role?.value === 'gridcell')).map((n) => n.name?.value ?? '');
    const rows = await rendered();
    const cells = rows.flatMap((r) => Object.values(r.cells));
    expect(cells).toContain('s0');
    expect(cells).toContain('/live/1');
    expect(names).toEqual(cells);
  });

  it("writes an update's labels after its frame (a message posted at the frame's start finds them unwritten), and DOM text in text mode within the update", async () => {
    await setup(100);
    const frame = (): Promise<{ id: string; atEnd: { id: string | null; dom: string }; after: string | null }> =>
      page.evaluate(async () => {
        const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, unknown>[]; ctx: Record<string, unknown> };
        const cell = (): { getAttribute(n: string): string | null; textContent: string } => document.querySelector('#group [aria-rowindex="2"] [data-col="id"]');
        // Every place shows another session: the rows reversed.
        const next = rows.slice().reverse();
        const id = String(next[0]!.id);
        const atEnd = await new Promise<{ id: string | null; dom: string }>((resolve) => {
          requestAnimationFrame(() => {
            // As the bench's probe: a message posted at the frame's start arrives once the frame (paint, commit) is done.
            const ch = new MessageChannel();
            ch.port1.onmessage = () => resolve({ id: cell().getAttribute('aria-label'), dom: cell().textContent });
            ch.port2.postMessage(0);
            body.update(100, 0, next, ctx);
          });
        });
        await (window.afterPosted as () => Promise<void>)();
        const after = cell().getAttribute('aria-label');
        Object.assign(window, { rows: next });
        return { id, atEnd, after };
      });
    const painted = await frame();
    expect(painted.id).toBe('s99');
    expect(painted.atEnd.id).toBe('s0');
    expect(painted.atEnd.dom).toBe('');
    expect(painted.after).toBe('s99');
    await page.evaluate(() => document.getSelection().selectAllChildren(document.body));
    await page.waitForSelector('#group.text-mode');
    const text = await frame();
    expect(text.id).toBe('s0');
    // Text mode: the DOM text (what a selection copies, what the find bar searches) is the update's at once.
    expect(text.atEnd.dom).toBe('s0');
    expect(text.after).toBe('s0');
    await page.evaluate(() => document.getSelection().removeAllRanges());
    await page.waitForSelector('#group:not(.text-mode)');
    expect((await rendered())[0]!.cells.id).toBe('s0');
    expect(errors).toEqual([]);
  });

  it('copies real text from a drag across the rows, and paints again once the selection is gone', async () => {
    await setup(100);
    const copied = await dragSelect(page, '#group [aria-rowindex="2"] [data-col="id"]', '#group [aria-rowindex="4"] [data-col="reference"]');
    // From row 0's Id (the last column) through row 1 to row 2's Reference.
    for (const text of ['s0', 'hls', '/live/1', '10.0.0.1:1935', 's1', 'rtmp', '/live/2']) expect(copied).toContain(text);
    expect(copied).not.toContain('/live/0');
    expect(await page.$eval('#group', (el: { className: string }) => el.className)).toContain('text-mode');
    // Updates while selected write DOM text, as before the canvas.
    await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, number | string>[]; ctx: Record<string, unknown> };
      body.update(100, 0, rows.map((r, i) => (i === 0 ? { ...r, id: 'renamed' } : r)), ctx);
    });
    expect(await page.$eval('#group [aria-rowindex="2"] [data-col="id"]', (el: { textContent: string }) => el.textContent)).toBe('renamed');
    // A click elsewhere ends the selection: the canvas shows, the cells hold no DOM text.
    await page.click('#outside');
    await page.waitForSelector('#group:not(.text-mode)');
    expect(await page.$eval('#group canvas', (el) => (el as unknown as { hidden: boolean }).hidden)).toBe(false);
    expect(await page.$eval('#group [aria-rowindex="2"] [data-col="id"]', (el: { textContent: string }) => el.textContent)).toBe('');
    // A plain click on a row still reaches it (and leaves no text mode behind).
    await page.click('#group [aria-rowindex="5"] [data-col="id"]');
    expect(await page.evaluate(() => (window.log as { clicks: string[] }).clicks)).toEqual(['s3']);
    await page.waitForSelector('#group:not(.text-mode)');
    expect(errors).toEqual([]);
  });

  it("holds DOM text for the browser's find bar from its key until the page has the focus back", async () => {
    await setup(100);
    const textMode = (): Promise<boolean> => page.$eval('#group', (el: { classList: { contains: (c: string) => boolean } }) => el.classList.contains('text-mode'));
    const idText = (): Promise<string> => page.$eval('#group [aria-rowindex="2"] [data-col="id"]', (el: { textContent: string }) => el.textContent);
    await page.click('#outside');
    expect(await textMode()).toBe(false);
    // No find bar takes the focus (headless, or the app, which has none): text mode ends after a second.
    await page.keyboard.press('Control+f');
    expect(await textMode()).toBe(true);
    expect(await idText()).toBe('s0');
    await page.waitForSelector('#group:not(.text-mode)', { timeout: 5000 });
    expect(await idText()).toBe('');
    // A find bar holds the focus (the page does not have it): text mode stays until the page gets the focus back.
    await page.evaluate(() => Object.defineProperty(document, 'hasFocus', { value: () => false, configurable: true }));
    await page.keyboard.press('F3');
    await page.waitForTimeout(1500);
    expect(await textMode()).toBe(true);
    await page.evaluate(() => {
      delete document.hasFocus;
      (window as unknown as { dispatchEvent: (e: Event) => void }).dispatchEvent(new Event('focus'));
    });
    expect(await textMode()).toBe(false);
    expect(await page.$eval('#group canvas', (el) => (el as unknown as { hidden: boolean }).hidden)).toBe(false);
    expect(errors).toEqual([]);
  });
});
