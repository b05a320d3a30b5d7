import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openDomPage } from './dom-page.ts';

// Runs in the page (real Chromium): the Sessions table body and the shared TableBody on real layout and scrolling.
declare const document: { body: { innerHTML: string }; querySelector(s: string): unknown };
declare const window: Record<string, unknown>;

let page: Page;
let errors: string[];
let close: () => Promise<void>;

beforeAll(async () => {
  ({ page, errors, close } = await openDomPage());
  // A string, not a function: vitest rewrites `import()` in this file's functions.
  await page.evaluate(`(async () => {
    window.st = await import('/src/renderer/src/views/sessions-table.ts');
    window.cols = await import('/src/renderer/src/store/session-columns.ts');
  })()`);
}, 60_000);

afterAll(async () => {
  await close?.();
});

/** A table of `n` sessions in a 300 px scroll area; returns what the page's rows show. */
async function setup(n: number): Promise<void> {
  await page.evaluate((count) => {
    document.body.innerHTML = `<style>.tr{display:grid;height:30px}.thead{position:sticky;top:0;height:31px}</style>
      <div id="scroll" style="height:300px;overflow:auto;width:1200px"><div class="thead">head</div><div id="group" role="rowgroup"></div></div>`;
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
}

/** The rendered rows in DOM order: index, key and cells by column. */
function rendered(): Promise<{ index: number; key: string; cls: string; selected: string | null; cells: Record<string, string> }[]> {
  return page.$$eval('#group [role="row"]', (els) =>
    els.map((el) => ({
      index: Number(el.getAttribute('aria-rowindex')),
      key: el.getAttribute('data-key') ?? '',
      cls: el.className,
      selected: el.getAttribute('aria-selected'),
      cells: Object.fromEntries([...el.querySelectorAll('[role="cell"]')].map((c) => [c.getAttribute('data-col'), c.textContent ?? ''])),
    })),
  );
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

  it('writes only the texts that changed, keeps row elements in place, and follows the selection', async () => {
    await setup(100);
    const writes = await page.evaluate(() => {
      const { body, rows, ctx } = window as unknown as { body: { update: (...a: unknown[]) => void }; rows: Record<string, number | string>[]; ctx: Record<string, unknown> };
      const group = document.querySelector('#group') as { children: ArrayLike<unknown> } & Node;
      const before = Array.from(group.children);
      const records: unknown[] = [];
      const mo = new MutationObserver((m) => records.push(...m));
      mo.observe(group as unknown as Node, { subtree: true, characterData: true, childList: true, attributes: true });
      // Only the first row's tx rate changes, one second later (every duration text changes too).
      const next = rows.map((r, i) => (i === 0 ? { ...r, txBitsPerSec: 999_000 } : r));
      body.update(100, 0, next, { ...ctx, atMs: 62_000 });
      const text = mo.takeRecords().concat(records as MutationRecord[]);
      mo.disconnect();
      const same = Array.from(group.children).every((el, i) => el === before[i]);
      return { text: text.filter((r) => r.type === 'characterData').length, other: text.filter((r) => r.type !== 'characterData').length, same };
    });
    const shown = (await rendered()).length;
    const seen = Math.ceil((300 - 31) / 30); // rows at least partly in view below the header; the overscan keeps last second's numbers
    expect(writes.same).toBe(true);
    expect(writes.other).toBe(0);
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
});
