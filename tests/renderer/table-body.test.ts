import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { OVERSCAN_ROWS, rowWindow, seenRows } from '../../src/renderer/src/views/table-body.ts';
import { openDomPage } from './dom-page.ts';

describe('streams table window', () => {
  const viewport = (topPx: number): { topPx: number; heightPx: number; rowPx: number } => ({ topPx, heightPx: 600, rowPx: 30 });

  it('covers the rows in view plus the overscan, clamped to the rows', () => {
    expect(seenRows(2000, viewport(0))).toEqual({ first: 0, last: 19 });
    expect(seenRows(2000, viewport(45))).toEqual({ first: 1, last: 21 });
    expect(rowWindow(2000, { first: 0, last: -1 }, viewport(0))).toEqual({ first: 0, last: 19 + OVERSCAN_ROWS });
    expect(rowWindow(10, { first: 0, last: -1 }, viewport(0))).toEqual({ first: 0, last: 9 });
    expect(rowWindow(2000, { first: 0, last: -1 }, viewport(30 * 1990))).toEqual({ first: 1990 - OVERSCAN_ROWS, last: 1999 });
  });

  it('moves the rendered rows only when the viewport nears their edge, and follows a shrinking list', () => {
    const start = rowWindow(2000, { first: 0, last: -1 }, viewport(0))!;
    // A few pixels of scroll: nothing to render.
    expect(rowWindow(2000, start, viewport(10))).toBeNull();
    // Close to the bottom edge of the rendered rows: a new window around the viewport.
    const moved = rowWindow(2000, start, viewport(30 * (OVERSCAN_ROWS - 1)))!;
    expect(moved.first).toBe(0);
    expect(moved.last).toBe(OVERSCAN_ROWS - 1 + 19 + OVERSCAN_ROWS);
    // Far away (a jump): the window is where the viewport is.
    expect(rowWindow(2000, start, viewport(30 * 1000))).toEqual({ first: 1000 - OVERSCAN_ROWS, last: 1019 + OVERSCAN_ROWS });
    // The list shrinks under a scrolled window (a filter): rows from the start again.
    expect(rowWindow(5, { first: 1000, last: 4 }, viewport(30 * 1000))).toEqual({ first: 0, last: 4 });
    expect(rowWindow(0, { first: 0, last: 4 }, viewport(0))).toEqual({ first: 0, last: -1 });
    expect(rowWindow(0, { first: 0, last: -1 }, viewport(0))).toBeNull();
  });
});

// Runs in the page (real Chromium): the TableBody keyed as the Streams table keys it (a row by its stream, a row the
// page does not have yet by its place), without the worker.
declare const document: { body: { innerHTML: string }; querySelector(s: string): unknown; createElement(tag: string): HTMLElement };
declare const window: Record<string, unknown>;

describe('table body: rows the page does not have yet, then theirs', () => {
  let page: Page;
  let errors: string[];
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ page, errors, close } = await openDomPage());
    // A string, not a function: vitest rewrites `import()` in this file's functions.
    await page.evaluate(`(async () => { window.tb = await import('/src/renderer/src/views/table-body.ts'); })()`);
  }, 60_000);

  afterAll(async () => {
    await close?.();
  });

  it('takes pooled elements in order on a jump, keeps each row element at its place when the rows come for blank rows, and moves rows by identity', async () => {
    const out = await page.evaluate((count) => {
      document.body.innerHTML = '<style>table{border-spacing:0}tr{height:30px}</style><div id="scroll" style="height:300px;overflow:auto"><table><tbody id="body"></tbody></table></div>';
      type Row = { id: string };
      const { TableBody } = window.tb as { TableBody: new (o: unknown) => Record<string, (...a: unknown[]) => unknown> };
      const tbody = document.querySelector('#body') as HTMLElement;
      const body = new TableBody({
        body: tbody,
        makeSpacer: () => document.createElement('tr'),
        makeRow: () => {
          const el = document.createElement('tr');
          return { el, show: (r: Row | undefined) => void (el.textContent = r?.id ?? ''), flush: () => undefined, release: () => undefined };
        },
        keyOf: (r: Row | undefined, i: number) => (r ? r.id : String(i)),
        headerRows: 1,
        rowPx: 30,
      });
      body.attach!(document.querySelector('#scroll'));
      const rows: Row[] = Array.from({ length: count }, (_, i) => ({ id: `stream-${i}` }));
      // The page has the first 60 rows (the worker's first answer).
      body.update!(count, (i: number) => (i < 60 ? rows[i] : undefined), {});
      const rowEls = (): HTMLElement[] => [...tbody.children].filter((el) => (el as HTMLElement).dataset.index !== undefined) as HTMLElement[];
      const indexes = (els: HTMLElement[]): number[] => els.map((el) => Number(el.dataset.index));
      // A jump to the end: the rows there are blank, keyed by place, until the worker's answer comes.
      const before = rowEls();
      body.scrollToIndex!(count - 1);
      const blank = rowEls();
      // The elements of the rows before the jump, read after it: the rows that came, in order (the pooled elements
      // taken in order, not in reverse).
      const beforeNow = indexes(before.filter((el) => el.isConnected));
      const blankIdx = indexes(blank);
      const blankText = blank.map((el) => el.textContent);
      const moves: MutationRecord[] = [];
      const mo = new MutationObserver((m) => moves.push(...m));
      mo.observe(tbody as unknown as Node, { childList: true });
      body.update!(count, (i: number) => rows[i], {});
      moves.push(...mo.takeRecords());
      mo.disconnect();
      const answered = rowEls();
      const answeredIdx = indexes(answered);
      const answeredText = answered.map((el) => el.textContent);
      // What the e2e test read (Playwright's $$eval takes the elements, then reads them in a second round trip):
      // the elements of the blank rows, read after the answer.
      const blankElsNow = indexes(blank);
      // A row moves with its element when the order changes (two rows swap places).
      const last = count - 1;
      const swapped = rows.slice();
      [swapped[last - 1], swapped[last]] = [swapped[last]!, swapped[last - 1]!];
      const elOf = (id: string): HTMLElement | undefined => rowEls().find((el) => el.textContent === id);
      const [a, b] = [elOf(`stream-${last - 1}`), elOf(`stream-${last}`)];
      body.update!(count, (i: number) => swapped[i], {});
      return {
        beforeNow,
        blankIdx,
        blankText,
        blankElsNow,
        answeredIdx,
        answeredText,
        samePlace: answered.length === blank.length && answered.every((el, i) => el === blank[i]),
        childListMoves: moves.length,
        swapMoved: elOf(`stream-${last - 1}`) === a && elOf(`stream-${last}`) === b && Number(a?.dataset.index) === last && Number(b?.dataset.index) === last - 1,
        swappedIdx: indexes(rowEls()),
      };
    }, 600);
    const ascending = (n: number[]): number[] => n.map((_, i) => n[0]! + i);
    expect(out.blankIdx.at(-1)).toBe(599);
    expect(out.blankIdx).toEqual(ascending(out.blankIdx));
    expect(out.blankText.every((t) => t === '')).toBe(true);
    expect(out.beforeNow.length).toBeGreaterThan(10);
    expect(out.beforeNow).toEqual(ascending(out.beforeNow));
    // The answer fills the rows in place: the same elements, in the same order, no element moved.
    expect(out.answeredIdx).toEqual(out.blankIdx);
    expect(out.answeredText).toEqual(out.blankIdx.map((i) => `stream-${i}`));
    expect(out.samePlace).toBe(true);
    expect(out.childListMoves).toBe(0);
    expect(out.blankElsNow).toEqual(out.blankIdx);
    // Rows keyed by identity still move with their elements.
    expect(out.swapMoved).toBe(true);
    expect(out.swappedIdx).toEqual(ascending(out.swappedIdx));
    expect(errors).toEqual([]);
  });
});
