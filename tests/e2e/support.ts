import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { hashSources, withLock } from '../support/build-cache.ts';
import type { Children } from '../support/children.ts';
import { startHeadless, type Headless } from '../support/headless.ts';
import { startTestCore, type TestCore } from '../support/test-core.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

/** A hash of everything the renderer build reads (its sources, the shared contract, the dependency lock). */
function rendererSourceHash(): string {
  return hashSources(['src/renderer', 'src/shared'], ['package-lock.json', 'tests/e2e/support.ts', 'tests/support/build-cache.ts']);
}


/**
 * Builds the renderer into out/renderer with vite directly (the renderer part of electron.vite.config.ts), so the
 * e2e run does not depend on the main/preload bundles building. Several e2e files run in parallel: the build holds a
 * lock and is skipped when out/renderer was built from the same sources (a stamp with their hash), so one file never
 * empties the directory another file's server is serving.
 */
/** Builds one page of src/renderer (`index` or the bench page `bench`) with vite, as electron.vite.config.ts does. */
export async function viteBuildPage(page: 'index' | 'bench', outDir: string, minify = true): Promise<void> {
  const { build } = await import('vite');
  const react = (await import('@vitejs/plugin-react')).default;
  // The product's build whoever asks: under vitest NODE_ENV is 'test', and Vite and the React plugin read it, not the
  // mode, so the page would get React's development build (about 45 % more script, twice the per-update JavaScript),
  // and the bench reuses the build the tests made.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: false,
      root: join(ROOT, 'src/renderer'),
      base: './',
      logLevel: 'warn',
      plugins: [react()],
      mode: 'production',
      build: { outDir, emptyOutDir: true, minify, chunkSizeWarningLimit: 4000, rollupOptions: { input: { [page]: join(ROOT, `src/renderer/${page}.html`) } } },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/** What every e2e test's setup needs first: the dashboard built (once per source, `buildRenderer`) and the screenshots folder. */
export async function prepareE2e(): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await buildRenderer();
}

export async function buildRenderer(outDir = join(ROOT, 'out', 'renderer')): Promise<void> {
  mkdirSync(join(ROOT, 'out'), { recursive: true });
  await withLock(join(ROOT, 'out', '.renderer-build.lock'), async () => {
    const hash = `${rendererSourceHash()} production`;
    const stamp = join(outDir, '.build-stamp');
    if (existsSync(join(outDir, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return;
    await viteBuildPage('index', outDir);
    writeFileSync(stamp, hash);
  });
}

/** The headless server's listeners by name (`srt`, `rtmp`, `api`), as the app tells its page (`app:info`). */
export async function listeners(base: string): Promise<Record<string, string>> {
  const res = await fetch(`${base}/api/ui/invoke/app:info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
  return ((await res.json()) as { value: { listeners: Record<string, string> } }).value.listeners;
}

/**
 * Screenshots of the page as it is at 1440 and 1024 px, light and dark (`SCREENSHOTS/<name>-<width>-<scheme>.png`, the
 * whole page); the page is left at 1440 px, light.
 */
export async function shotsAtBothWidths(page: Page, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1440, 1024]) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(150);
      await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}-${scheme}.png`), fullPage: true });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1440, height: 900 });
}

/** Collects what a page should never show: uncaught errors, console errors and failed responses. */
/**
 * Logs `page` in through the dashboard's login form at `url` (a server started with `--auth user:password`) and waits
 * for `view` (a view's test id) to show. The page's calls before the login answer 401: callers clear their page errors.
 */
export async function loginPage(page: Page, url: string, user: string, password: string, view: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('[data-testid="login-form"]', { timeout: 10_000 });
  await page.fill('[data-testid="login-username"]', user);
  await page.fill('[data-testid="login-password"]', password);
  await page.click('[data-testid="login-submit"]');
  await page.waitForSelector(`[data-testid="${view}"]`, { timeout: 10_000 });
}

export function collectPageErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // Every console error counts, CSP notes included (the meta CSP carries no frame-ancestors: the header does).
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
}

/** A Chromium with a fresh profile, as launchChromium gives it. */
export type TestBrowser = Awaited<ReturnType<typeof launchChromium>>;

/** A fresh Chromium and one page in it whose errors go to `errors` (collectPageErrors). */
export async function openPage(errors: string[]): Promise<{ browser: TestBrowser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  collectPageErrors(page, errors);
  return { browser, page };
}

/**
 * The operator walks' setup: the renderer built, a remote test Core "Studio Remote" (snap-02, 12 users, with login)
 * and the headless server watching it (polled and sampled every second, nothing persisted), its SRT address, a page.
 * `files`: written into the server's data folder before it starts (name → text).
 */
export async function startWalk(children: Children, pageErrors: string[], files: Record<string, string> = {}): Promise<Walk> {
  await buildRenderer();
  const remote = await startTestCore({ auth: true, phase: 'snap-02', coreName: 'Studio Remote', coreId: 'studio-remote' });
  const h = await startHeadless(['--no-persist', '--core', remote.urlWithCredentials, '--poll-interval', '1000', '--timeseries-interval-sec', '1'], { children, files });
  const srtUrl = (await listeners(h.url)).srt!;
  const { browser, page } = await openPage(pageErrors);
  return {
    remote,
    h,
    srtUrl,
    page,
    close: async () => {
      await closeE2e(browser, children);
      await remote.close();
    },
  };
}

/** What `startWalk` started; `close` ends the browser, the server and its children, and the remote test Core. */
export interface Walk {
  remote: TestCore;
  h: Headless;
  srtUrl: string;
  page: Page;
  close: () => Promise<void>;
}

/** `timeout` arguments for an ffmpeg player of `url` (RTMP or SRT) that reads and drops what it gets, for 60 s. */
export function nullPlayerArgs(url: string): string[] {
  return ['60', 'ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error', '-i', url, '-c', 'copy', '-f', 'null', '-'];
}

/** An e2e test's teardown: the browser closed, then its processes ended (SIGTERM, SIGKILL after 5 s). */
export async function closeE2e(browser: TestBrowser | undefined, children: Children): Promise<void> {
  await browser?.close();
  await children.killAll({ termGraceMs: 5000 });
}

/**
 * Chromium with a fresh profile directory; `extraArgs` after the usual switches (the renderer bench's
 * BENCH_CHROMIUM_ARGS); `timezoneId`: the page's time zone (the machine's without it).
 */
export async function launchChromium(extraArgs: readonly string[] = [], timezoneId?: string): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed`);
  const profile = mkdtempSync(join(tmpdir(), 'e2e-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    ...(timezoneId !== undefined ? { timezoneId } : {}),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** ffmpeg: HLS into /memfs by HTTP PUT (the hlsingress collector). */
export function hlsPublisherArgs(base: string, name: string): string[] {
  return [
    '60', '/usr/bin/ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25', '-c:a', 'aac', '-b:a', '64k',
    '-f', 'hls', '-method', 'PUT', '-hls_time', '1', '-hls_list_size', '5', `${base}/memfs/${name}.m3u8`,
  ];
}

/** ffmpeg as an HLS player (the hls collector), with its own Referer and User-Agent. */
export function hlsPlayerArgs(base: string, name: string, viewer: string): string[] {
  return [
    '60', '/usr/bin/ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-headers', `Referer: http://${viewer}.example/\r\nUser-Agent: ${viewer}/1.0\r\n`,
    '-re', '-i', `${base}/memfs/${name}.m3u8`, '-c', 'copy', '-f', 'null', '-',
  ];
}

/** ffmpeg publishing RTMP (the rtmp collector). */
export function rtmpPublisherArgs(url: string): string[] {
  return [
    '60', '/usr/bin/ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac', '-f', 'flv', url,
  ];
}

/** ffmpeg playing an RTMP stream (the rtmp collector), for up to 60 s. */
export function rtmpPlayerArgs(url: string): string[] {
  return ['60', '/usr/bin/ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error', '-i', url, '-c', 'copy', '-f', 'null', '-'];
}

/**
 * Creates and starts a local process `id` that restreams the local RTMP stream `stream` to HLS `{memfs}/<id>.m3u8`
 * (its RTMP play and its HLS upload are the app's own sessions); answers the API's response.
 */
export function createRestreamToHls(base: string, id: string, stream: string): Promise<Response> {
  return fetch(`${base}/api/v3/process`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      id,
      reference: id,
      input: [{ id: 'in', address: `{rtmp,name=${stream}}`, options: [] }],
      output: [{ id: 'hls', address: `{memfs}/${id}.m3u8`, options: ['-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '5', '-method', 'PUT'] }],
      autostart: true,
    }),
  });
}

/** A rendered Sessions row: its `aria-rowindex`, session key, class, selection and cells by column. */
export interface SessionRowText {
  index: number;
  key: string;
  cls: string;
  selected: string | null;
  cells: Record<string, string>;
}

/**
 * In the page (source, an expression): a promise that resolves after a posted message's round trip. The painted tables
 * write their cells' `aria-label`s in a task after the update's (`CellTexts`, table-canvas.ts), from a posted message;
 * posted messages run in the order posted, so the labels an update left are written when this resolves.
 */
export const AFTER_POSTED = `new Promise((resolve) => {
  const ch = new MessageChannel();
  ch.port1.onmessage = () => {
    ch.port1.close();
    resolve();
  };
  ch.port2.postMessage(0);
})`;

/**
 * `read(arg)` in the page after a posted message's round trip (`AFTER_POSTED`): the painted tables' `aria-label`s an
 * update left are written. One evaluation, so no update runs between the wait and the read. `read` goes as its source
 * (as `page.evaluate` sends a function): it may use the page's globals and `arg` (JSON), nothing of the test's scope.
 */
export function readAfterLabels<A, R>(page: Page, read: (arg: A) => R, arg?: A): Promise<R> {
  return page.evaluate(`${AFTER_POSTED}.then(() => (${read.toString()})(${JSON.stringify(arg ?? null)}))`) as Promise<R>;
}

/**
 * The rendered Sessions rows in DOM order, each cell's text as assistive technology reads it: its `aria-label`. The
 * table paints its texts on a canvas (sessions-table.ts) and holds them as DOM text only while a selection is in it.
 * One evaluation: the rows and their cells read at one moment (not elements taken, then read after an update), after
 * the labels an update left are written (`readAfterLabels`).
 */
export function sessionRowTexts(page: Page, rowSelector = '[data-testid="session-row"]'): Promise<SessionRowText[]> {
  return readAfterLabels(page, (selector: string) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const doc = (globalThis as any).document;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return [...doc.querySelectorAll(selector)].map((el: any) => ({
      index: Number(el.getAttribute('aria-rowindex')),
      key: el.getAttribute('data-key') ?? '',
      cls: el.className,
      selected: el.getAttribute('aria-selected'),
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      cells: Object.fromEntries([...el.querySelectorAll('[role="cell"]')].map((c: any) => [c.getAttribute('data-col') ?? '', c.getAttribute('aria-label') ?? c.textContent ?? ''])),
    }));
  }, rowSelector);
}

/** A Streams table row as assistive technology reads it: its index, test id, class, selection and cells' names. */
export interface StreamRowText {
  index: number;
  testId: string;
  cls: string;
  selected: string | null;
  /** Per cell, in order: its `aria-label` (the stream's button's, the sparkline's), else its text. */
  cells: string[];
}

/**
 * The Streams table's rendered rows (`rowSelector`) in DOM order; their texts are painted, so they are read as a reader
 * reads them, after the labels an update left are written (`readAfterLabels`).
 */
export function streamRowTexts(page: Page, rowSelector = '[data-testid="streams-table"] tbody tr[data-index]'): Promise<StreamRowText[]> {
  return readAfterLabels(page, (selector: string) => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const doc = (globalThis as any).document;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return [...doc.querySelectorAll(selector)].map((el: any) => ({
      index: Number(el.getAttribute('aria-rowindex')),
      testId: el.getAttribute('data-testid') ?? '',
      cls: el.className,
      selected: el.getAttribute('aria-selected'),
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      cells: [...el.children].map((c: any) => (c.querySelector('[aria-label]') ?? c).getAttribute('aria-label') ?? c.textContent ?? ''),
    }));
  }, rowSelector);
}

/**
 * What is cut or out of the window in the page as it is now (empty when nothing is): a column header outside the
 * window, cut or covered, a number or card cut, a table that scrolls sideways, one-line buttons stacked.
 */
export function clipProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const window = globalThis as any;
    const document = window.document;
    const out: string[] = [];
    const width = window.innerWidth as number;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const shown = (el: any): boolean => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && window.getComputedStyle(el).visibility !== 'hidden';
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const name = (el: any): string => `${el.getAttribute('data-testid') ?? el.getAttribute('data-col') ?? el.className ?? el.tagName} "${(el.textContent ?? '').trim().slice(0, 40)}"`;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const cut = (el: any): boolean => el.scrollWidth > el.clientWidth + 1;
    if (document.documentElement.scrollWidth > width + 1) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px)`);
    for (const el of document.querySelectorAll('[role="columnheader"], th')) {
      if (!shown(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.left < -1 || r.right > width + 1) out.push(`column header outside the window: ${name(el)} (${Math.round(r.left)}..${Math.round(r.right)})`);
      else if (cut(el)) out.push(`column header cut: ${name(el)}`);
      else if (r.bottom > 0 && r.top < window.innerHeight) {
        // Not covered (e.g. by the session details drawer).
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (hit && hit !== el && !el.contains(hit)) out.push(`column header covered: ${name(el)} by ${name(hit)}`);
      }
    }
    for (const el of document.querySelectorAll('.td.num, td.num, th.num')) {
      if (shown(el) && cut(el)) out.push(`number cut: ${name(el)} (${el.scrollWidth} > ${el.clientWidth})`);
    }
    for (const el of document.querySelectorAll('.tbody, .plain-table-wrap')) {
      if (shown(el) && cut(el)) out.push(`table scrolls sideways: ${name(el)} (${el.scrollWidth} > ${el.clientWidth})`);
    }
    // Buttons that must keep one line (the alert editor's row buttons): wrapped means stacked.
    for (const el of document.querySelectorAll('[data-one-line]')) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const tops = new Set([...el.children].filter(shown).map((c: any) => Math.round(c.getBoundingClientRect().top)));
      if (shown(el) && tops.size > 1) out.push(`buttons stacked: ${name(el)}`);
    }
    for (const card of document.querySelectorAll('.card')) {
      if (!shown(card)) continue;
      const r = card.getBoundingClientRect();
      if (r.right > width + 1) out.push(`card outside the window: ${name(card)}`);
      for (const el of [card, ...card.querySelectorAll('*')]) if (shown(el) && cut(el)) out.push(`card content cut: ${name(el)}`);
    }
    return out;
  });
}

const UNITS: Record<string, number> = { 'bit/s': 1, 'kbit/s': 1e3, 'Mbit/s': 1e6, 'Gbit/s': 1e9, B: 1, kB: 1e3, MB: 1e6, GB: 1e9 };

/** "5.57 Mbit/s" or "2.74 MB" as the page shows them (a narrow space between), in bits per second or bytes. */
export function parseAmount(text: string): number {
  const m = /^(-?[\d.]+)\s*([a-zA-Z/]+)$/.exec(text.replace(/\u202f/g, ' ').trim());
  if (!m || UNITS[m[2]!] === undefined) throw new Error(`not an amount: ${JSON.stringify(text)}`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** Each shown amount has three significant digits: a sum of n of them is off by at most half a unit of the third. */
export function closeTo(sum: number, parts: number[]): boolean {
  const slack = parts.reduce((a, p) => a + Math.abs(p) * 0.005, 0) + Math.abs(sum) * 0.005 + 1;
  return Math.abs(sum - parts.reduce((a, p) => a + p, 0)) <= slack;
}
