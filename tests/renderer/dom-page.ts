/**
 * A blank page in real Chromium that can import the renderer's own modules: a loopback server serves `src/` with
 * Node's type stripping applied (the sources are erasable TypeScript with `.ts` imports, so the browser loads them as
 * they are, no bundler), for tests of code that writes the DOM (table bodies). A page's `import('/src/…/x.ts')`
 * gets the module, a `<link href="/src/…/styles.css">` the stylesheet.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { stripTypeScriptTypes } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import type { Page } from 'playwright-core';
import { AFTER_POSTED, launchChromium, ROOT, type TestBrowser } from '../e2e/support.ts';

/** Chromium on a blank page of a loopback server for `src/`; `close` ends both. */
export async function openDomPage(): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><html><head><meta charset="utf-8"></head><body></body></html>');
      return;
    }
    const css = path.endsWith('.css');
    if (!path.startsWith('/src/') || !(path.endsWith('.ts') || css)) {
      res.writeHead(404).end();
      return;
    }
    readFile(join(ROOT, path), 'utf8').then(
      (code) =>
        css
          ? res.writeHead(200, { 'Content-Type': 'text/css' }).end(code)
          : res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(stripTypeScriptTypes(code, { mode: 'strip' })),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let browser: TestBrowser | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const b = browser;
    return {
      page,
      errors,
      close: async () => {
        await b.close();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  } catch (error) {
    await browser?.close();
    server.close();
    throw error;
  }
}

/** A box in CSS px, from a cell's left and its row's top. */
export interface CellBox {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/**
 * Where the canvas in `group` (a painted table body, table-canvas.ts) has ink in each cell of its first `rows` rows
 * (`rowSelector` inside `group`; the cells are each row's children, in order); null for a cell without ink. Ink is a
 * pixel that differs from the cell's top left one (its background: transparent, or the row's on opaque tiles) by
 * more than 40 in a premultiplied channel (on transparent tiles: an alpha over 40); a row's border (on opaque tiles)
 * differs from its background by less.
 */
export function cellInk(page: Page, group: string, rowSelector: string, rows = 6): Promise<(CellBox | null)[][]> {
  return page.evaluate(
    ([group, rowSelector, rows]) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const doc = (globalThis as any).document;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { canvas, rect: c, dpr } = (globalThis as any).paintedRows(group);
      const ctx = canvas.getContext('2d');
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      return [...doc.querySelectorAll(`${group} ${rowSelector}`)].slice(0, rows as number).map((row: any) =>
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        [...row.children].map((cell: any) => {
          const b = cell.getBoundingClientRect();
          const r = row.getBoundingClientRect();
          const [x0, y0, w, h] = [b.left - c.left, r.top - c.top, b.width, r.height].map((v) => Math.round(v * dpr)) as [number, number, number, number];
          const { data } = ctx.getImageData(x0, y0, w, h);
          // A channel premultiplied by the pixel's alpha (a transparent edge pixel keeps its colour's full channels).
          const pre = (d: number[], i: number, k: number): number => (k === 3 ? d[i + 3] : (d[i + k] * d[i + 3]) / 255);
          let [left, right, top, bottom] = [Infinity, -Infinity, Infinity, -Infinity];
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++)
              if ([0, 1, 2, 3].some((k) => Math.abs(pre(data, (y * w + x) * 4, k) - pre(data, 0, k)) > 40)) [left, right, top, bottom] = [Math.min(left, x), Math.max(right, x + 1), Math.min(top, y), Math.max(bottom, y + 1)];
          return left === Infinity ? null : { left: left / dpr, right: right / dpr, top: top / dpr, bottom: bottom / dpr };
        }),
      );
    },
    [group, rowSelector, rows] as const,
  );
}

/** Hashes of the top and bottom halves of the first `heightPx` CSS px of the painted rows in `group` (`paintedRows`). */
export function canvasHalves(page: Page, group: string, heightPx: number): Promise<number[]> {
  return page.evaluate(
    ([group, heightPx]) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const { canvas, dpr } = (globalThis as any).paintedRows(group);
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, Math.round((heightPx as number) * dpr));
      const half = data.length / 2;
      let [a, b] = [0, 0];
      for (let i = 0; i < half; i++) a = (a * 31 + data[i]) >>> 0;
      for (let i = half; i < data.length; i++) b = (b * 31 + data[i]) >>> 0;
      return [a, b];
    },
    [group, heightPx] as const,
  );
}

/**
 * In the page, `paintedRows(group)`: what the tiles in `group` (a painted table body, table-canvas.ts) show over its
 * rendered rows (`[aria-rowindex]`, from the first one's top to the last one's bottom), put together on one canvas;
 * `rect` its box in the page (CSS px), `dpr` its device pixels per CSS px. The tiles' places out of the rendered rows
 * are left out (they may keep a row's pixels from before).
 */
const PAINTED_ROWS = `window.paintedRows = (group) => {
  const rows = [...document.querySelectorAll(group + ' [aria-rowindex]')].map((r) => r.getBoundingClientRect());
  const tiles = [...document.querySelectorAll(group + ' canvas')].filter((t) => !t.hidden);
  const t0 = tiles[0].getBoundingClientRect();
  const dpr = tiles[0].width / t0.width;
  const rect = new DOMRect(t0.left, rows[0].top, t0.width, rows.at(-1).bottom - rows[0].top);
  const canvas = document.createElement('canvas');
  canvas.width = tiles[0].width;
  canvas.height = Math.round(rect.height * dpr);
  const ctx = canvas.getContext('2d');
  for (const t of tiles) ctx.drawImage(t, 0, Math.round((t.getBoundingClientRect().top - rect.top) * dpr));
  return { canvas, rect, dpr };
};`;

/**
 * `openDomPage` with the app's stylesheet and the renderer's `modules` imported, each as `window[name]`
 * (`{ st: '/src/renderer/src/views/streams-table.ts' }`), `paintedRows` (above) and `afterPosted()`: a promise that
 * resolves after a posted message's round trip, when the cells' labels an update left are written (`AFTER_POSTED`).
 */
export async function openStyledPage(modules: Record<string, string>): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const opened = await openDomPage();
  const imports = Object.entries(modules).map(([name, path]) => `window[${JSON.stringify(name)}] = await import(${JSON.stringify(path)});`);
  // A string, not a function: vitest rewrites `import()` in a test's functions.
  await opened.page.evaluate(`(async () => {
    ${imports.join('\n')}
    ${PAINTED_ROWS}
    window.afterPosted = () => ${AFTER_POSTED};
    const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/src/renderer/src/styles.css' });
    await new Promise((r) => { link.onload = r; document.head.appendChild(link); });
  })()`);
  return opened;
}

/** Drags with the primary button from the left edge of `from` to the right edge of `to` (their middles); the page's selection as text. */
export async function dragSelect(page: Page, from: string, to: string): Promise<string> {
  const box = async (sel: string): Promise<{ x: number; y: number; width: number; height: number }> => (await page.locator(sel).boundingBox())!;
  const a = await box(from);
  const b = await box(to);
  await page.mouse.move(a.x + 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width - 2, b.y + b.height / 2, { steps: 5 });
  await page.mouse.up();
  return page.evaluate(() => String((globalThis as unknown as { document: { getSelection: () => unknown } }).document.getSelection()));
}

