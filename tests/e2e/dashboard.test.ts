/**
 * The dashboard end to end: the real headless server (`src/main/headless.ts`), real traffic through the local core
 * (ffmpeg publishing HLS into /memfs, an ffmpeg HLS player, an RTMP publisher), a remote test Core, and the built
 * page in Debian's Chromium. Screenshots of each view go to test-output/screenshots/.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCore, type TestCore } from '../support/test-core.ts';
import {
  buildRenderer,
  CHROMIUM,
  closeE2e,
  hlsPlayerArgs,
  hlsPublisherArgs,
  launchChromium,
  loginPage,
  openPage,
  prepareE2e,
  rtmpPublisherArgs,
  SCREENSHOTS,
  sessionRowTexts,
  type TestBrowser,
} from './support.ts';
import { sleep, waitFor } from '../support/wait.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';

// Callbacks passed to page.$eval/waitForFunction run in Chromium; the node tsconfig has no DOM lib, so the few DOM
// names they use are declared loosely here (module scope only).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
type CanvasLike = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null };
type SelectLike = { options: ArrayLike<{ text: string; value: string }> };

const REMOTE_NAME = 'Studio Test';
/** A session id in the remote test Core's recorded snap-02 active list. */
const REMOTE_SESSION_ID = 'MJRZzW5wAkaseyHBU6UPov';

interface Row {
  key: string;
  cells: Record<string, string>;
}

/** The rendered (virtualised) rows, in table order. */
async function rows(page: Page): Promise<Row[]> {
  return (await sessionRowTexts(page)).sort((a, b) => a.index - b.index).map(({ key, cells }) => ({ key, cells }));
}

async function count(page: Page): Promise<{ shown: number; total: number }> {
  const text = (await page.textContent('[data-testid="sessions-count"]')) ?? '';
  const m = /([\d,]+) of ([\d,]+)/.exec(text);
  return { shown: Number(m?.[1]?.replace(/,/g, '')), total: Number(m?.[2]?.replace(/,/g, '')) };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Pixels of a line colour in the plot part of a canvas (the legend sits at the bottom and is left out). */
async function linePixels(page: Page, testId: string, rgb: [number, number, number]): Promise<number> {
  return page.$eval(
    `[data-testid="${testId}"]`,
    (el, [r, g, b]) => {
      const canvas = el as unknown as CanvasLike;
      const ctx = canvas.getContext('2d')!;
      const h = Math.floor(canvas.height * 0.75);
      const data = ctx.getImageData(0, 0, canvas.width, h).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! > 200 && Math.abs(data[i]! - r!) < 40 && Math.abs(data[i + 1]! - g!) < 40 && Math.abs(data[i + 2]! - b!) < 40) n++;
      }
      return n;
    },
    rgb,
  );
}

/** A loopback TCP proxy to `port`; `cut()` closes every connection through it (the page's next requests open new ones). */
async function tcpProxy(port: number): Promise<{ url: string; cut(): void; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const cut = (): void => sockets.forEach((s) => s.destroy());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, cut, close: () => (cut(), server.close()) };
}

const ready = existsSync(CHROMIUM) && existsSync('/usr/bin/ffmpeg');

describe.skipIf(!ready)('dashboard e2e (headless server, real traffic, Chromium)', () => {
  const children = new Children();
  let server: Headless;
  let remote: TestCore;
  let browser: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await prepareE2e();
    remote = await startTestCore({ auth: true, phase: 'snap-02', coreName: REMOTE_NAME, coreId: 'studio-test' });
    server = await startHeadless(['--no-persist', '--core', remote.urlWithCredentials, '--session-timeout', '10'], { children });
    ({ browser, page } = await openPage(pageErrors));
  }, 120_000);

  afterAll(async () => {
    await closeE2e(browser, children);
    await remote?.close();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  }, 30_000);

  it('shows live sessions within 3 s, filters, searches, sorts, selects, draws charts; every view has a screenshot', async () => {
    await page.goto(`${server.url}/`);
    // Streams is the first screen; with nothing published yet it tells how to publish.
    await page.waitForSelector('[data-testid="view-streams"]');
    expect(page.url()).toBe(`${server.url}/ui/#streams`);
    await page.waitForSelector('[data-testid="streams-table"]'); // the remote test Core's recorded streams
    await page.click('[data-testid="nav-sessions"]');
    await page.waitForSelector('[data-testid="view-sessions"]');

    // Real traffic: HLS into memfs, a player, an RTMP publisher.
    children.spawn('timeout', hlsPublisherArgs(server.url, 'e2e-hls'));
    children.spawn('timeout', rtmpPublisherArgs(`${server.rtmpUrl}/live/e2e-rtmp.stream`));
    const api = async (collectors: string): Promise<Record<string, { id: string }[]>> =>
      (await (await fetch(`${server.url}/api/v3/session/active?collectors=${collectors}`)).json()) as Record<string, { id: string }[]>;
    await waitFor(async () => existsSync('/usr/bin/ffmpeg') && (await fetch(`${server.url}/memfs/e2e-hls.m3u8`, { method: 'HEAD' })).ok, 'the HLS upload to be live', 30_000, 200);
    children.spawn('timeout', hlsPlayerArgs(server.url, 'e2e-hls', 'viewer-e2e'));

    // Each session shows on the page within 3 s of the API listing it.
    for (const collector of ['hlsingress', 'rtmp', 'hls']) {
      const id = await waitFor(async () => (await api(collector))[collector]?.[0]?.id, `an active ${collector} session in the API`, 30_000, 200);
      await waitFor(async () => (await rows(page)).some((r) => r.cells.collector === collector && r.cells.id === id), `the ${collector} session ${id} in the table`, 3000, 50);
    }
    // The remote Core's sessions show under its name.
    await waitFor(async () => (await rows(page)).some((r) => r.cells.id === REMOTE_SESSION_ID), 'the remote session in the table', 10_000, 50);
    const remoteRow = (await rows(page)).find((r) => r.cells.id === REMOTE_SESSION_ID)!;
    expect(remoteRow.cells.core).toBe(REMOTE_NAME);
    await shot(page, 'sessions');

    // Collector chips narrow the table.
    const all = await count(page);
    await page.click('[data-testid="collector-chip-rtmp"]');
    await page.waitForFunction(() => /^\d+ of/.test(document.querySelector('[data-testid="sessions-count"]')?.textContent ?? ''));
    // The filtered rows come from the sessions worker, a frame or two after the count.
    await waitFor(async () => {
      const rs = await rows(page);
      return rs.length > 0 && rs.every((r) => r.cells.collector === 'rtmp');
    }, 'only rtmp rows', 5000, 100);
    expect((await count(page)).shown).toBeLessThan(all.total);
    await page.click('[data-testid="collector-chip-hlsingress"]'); // multi-select: rtmp + hlsingress
    await waitFor(async () => {
      const cs = new Set((await rows(page)).map((r) => r.cells.collector));
      return cs.has('rtmp') && cs.has('hlsingress') && cs.size === 2;
    }, 'rtmp and hlsingress rows', 5000, 200);
    await page.click('[data-testid="collector-chip-all"]');

    // The core filter.
    const remoteOption = await page.$eval('[data-testid="core-filter"]', (s, name) => [...Array.from((s as unknown as SelectLike).options)].find((o) => o.text === name)?.value, REMOTE_NAME);
    expect(remoteOption).toBeTruthy();
    await page.selectOption('[data-testid="core-filter"]', remoteOption!);
    await waitFor(async () => {
      const rs = await rows(page);
      return rs.length > 0 && rs.every((r) => r.cells.core === REMOTE_NAME);
    }, 'only remote rows', 5000, 200);
    await page.selectOption('[data-testid="core-filter"]', '');

    // `/` focuses the search; free text narrows; Esc clears.
    await page.click('[data-testid="view-sessions"] .count');
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('session-search');
    await page.keyboard.type('e2e-rtmp');
    await waitFor(async () => {
      const rs = await rows(page);
      return rs.length > 0 && rs.every((r) => Object.values(r.cells).join(' ').toLowerCase().includes('e2e-rtmp'));
    }, 'search results', 5000, 200);
    expect((await count(page)).shown).toBeLessThan((await count(page)).total);
    await page.keyboard.press('Escape');
    expect(await page.inputValue('[data-testid="session-search"]')).toBe('');

    // Sorting by id, both directions (one snapshot's worth of rows; they stay sorted across updates). The sorted rows
    // come from the sessions worker a frame or two after the click: wait for them, then check a later read as well.
    const ids = async (): Promise<string[]> => (await rows(page)).map((r) => r.cells.id!);
    const ascending = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
    const sortedIds = async (cmp: (a: string, b: string) => number): Promise<boolean> => {
      const got = await ids();
      return got.length > 3 && [...got].sort(cmp).join('\n') === got.join('\n');
    };
    await page.click('[data-testid="sort-id"]');
    await waitFor(() => sortedIds(ascending), 'rows sorted by id, ascending', 5000, 100);
    const asc = await ids();
    expect([...asc].sort(ascending)).toEqual(asc);
    await page.click('[data-testid="sort-id"]');
    await waitFor(() => sortedIds((a, b) => ascending(b, a)), 'rows sorted by id, descending', 5000, 100);
    const desc = await ids();
    expect([...desc].sort((a, b) => ascending(b, a))).toEqual(desc);
    expect(await page.getAttribute('[data-testid="sort-id"]', 'aria-sort')).toBe('descending');

    // A shortened cell's tooltip is its session's full text, looked up when the pointer reaches the cell.
    const shortened = page.locator('[data-testid="session-row"] [data-col="location"][aria-label*="…"]').first();
    await shortened.hover();
    const [shortText, fullText] = [(await shortened.getAttribute('aria-label')) ?? '', (await shortened.getAttribute('title')) ?? ''];
    expect(fullText).not.toBe('');
    expect(fullText).not.toContain('…');
    expect(fullText.startsWith(shortText.split('…')[0]!)).toBe(true);
    expect(fullText.length).toBeGreaterThan(shortText.length);

    // Arrow keys select; the details open with their own chart; the selection survives live updates.
    await page.focus('[data-testid="sessions-table"]');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector('[data-testid="session-details"]');
    // Live traffic may sort a new session in above it by now: the selection is a session, not a place.
    const selected = await page.getAttribute('[data-testid="session-row"][aria-selected="true"]', 'data-key');
    expect((await rows(page)).some((r) => r.key === selected)).toBe(true);
    expect(await page.textContent('[data-testid="session-details"]')).toContain(selected!.split('\u0001')[2]);
    const atBefore = await page.textContent('[data-testid="totals"]');
    await page.waitForTimeout(2500); // two or more live updates
    expect(await page.getAttribute('[data-testid="session-row"][aria-selected="true"]', 'data-key')).toBe(selected);
    expect(await page.getAttribute('[data-testid="sort-id"]', 'aria-sort')).toBe('descending');
    expect(atBefore).toBeTruthy();
    await shot(page, 'session-details');
    await page.keyboard.press('Escape');

    // Overview: cards and a chart that draws lines.
    await page.click('[data-testid="nav-overview"]');
    await page.waitForSelector('[data-testid="card-hls"]');
    await waitFor(async () => (await linePixels(page, 'chart-bandwidth', [0x2f, 0x7d, 0xe1])) + (await linePixels(page, 'chart-bandwidth', [0xe8, 0x77, 0x2e])) > 5, 'bandwidth lines in the chart', 10_000, 200);
    await waitFor(async () => (await linePixels(page, 'chart-sessions', [0x2a, 0xa8, 0x76])) > 5, 'session-count line in the chart', 10_000, 200);
    expect(await page.textContent('[data-testid="core-health"]')).toContain(REMOTE_NAME);
    await page.selectOption('[data-testid="overview-scope"]', 'each');
    await page.waitForTimeout(1200);
    await shot(page, 'overview');
    await page.selectOption('[data-testid="overview-scope"]', '*');

    // History: the remote Core's recorded summary, merged and per core.
    // The recorded remote Core moves to its after-close state, whose summary holds finished sessions.
    remote.setPhase('after-close');
    await sleep(1500);
    await page.click('[data-testid="nav-history"]');
    // The History view opens on the traffic report (issue 12); the finished-session summary is its second tab.
    await page.click('[data-testid="history-mode-sessions"]');
    await page.waitForSelector('[data-testid="history-row"]', { timeout: 15_000 });
    const merged = await page.$$eval('[data-testid="history-row"]', (rs) => rs.length);
    await page.selectOption('[data-testid="history-scope"]', 'each');
    await waitFor(async () => (await page.textContent('[data-testid="history-table"]'))?.includes(REMOTE_NAME), 'per-core history rows naming the remote Core', 5000, 200);
    expect(await page.$$eval('[data-testid="history-row"]', (rs) => rs.length)).toBeGreaterThanOrEqual(merged);
    await page.click('[data-testid="history-sort-sessions"]');
    await shot(page, 'history');

    // Cores: the remote test Core online under its name, with its version; the local listeners.
    await page.click('[data-testid="nav-cores"]');
    await page.waitForFunction((name) => [...document.querySelectorAll('[data-testid^="core-row-"]')].some((r) => r.textContent?.includes(name) && r.textContent.includes('online')), REMOTE_NAME, { timeout: 10_000 });
    expect(await page.textContent('[data-testid="listeners"]')).toContain(server.url);
    await shot(page, 'cores');

    // Settings: units switch to binary everywhere.
    await page.click('[data-testid="nav-settings"]');
    await page.waitForSelector('[data-testid="settings-form"]');
    await shot(page, 'settings');
    await page.check('[data-testid="units-binary"]');
    await waitFor(async () => /ibit\/s/.test((await page.textContent('[data-testid="totals"]')) ?? ''), 'binary units in the header', 5000, 200);
    await page.check('[data-testid="units-decimal"]');

    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('Cores: a single Core says it is not a cluster; a cluster leader added in the form offers its node, added with the same login', async () => {
    const node = await startTestCore({ auth: true, coreName: 'E2E Node', coreId: 'e2e-node' });
    const leader = await startTestCore({
      auth: true,
      coreName: 'E2E Leader',
      coreId: 'e2e-leader',
      cluster: { id: 'e2e', nodes: [{ id: 'node-b', name: 'bee', core: { address: node.url } }] },
    });
    try {
      await page.click('[data-testid="nav-cores"]');
      await page.waitForSelector('[data-testid="view-cores"]');
      const remoteId = new URL(remote.url).host;
      await page.click(`[data-testid="core-cluster-${remoteId}"]`);
      await page.waitForSelector('[data-testid="cluster-none"]', { timeout: 10_000 });
      expect(await page.textContent('[data-testid="cluster-none"]')).toContain('does not run as a cluster');
      await page.click('[data-testid="cluster-close"]');

      await page.click('[data-testid="core-add"]');
      await page.fill('[data-testid="core-form-name"]', 'E2E Leader');
      await page.fill('[data-testid="core-form-url"]', leader.url);
      await page.fill('[data-testid="core-form-username"]', 'admin');
      await page.fill('[data-testid="core-form-password"]', 'datarhei');
      await page.click('[data-testid="core-form-save"]');
      const leaderId = new URL(leader.url).host;
      await page.waitForSelector(`[data-testid="core-cluster-${leaderId}"]`, { timeout: 10_000 }); // shown once online
      await page.click(`[data-testid="core-cluster-${leaderId}"]`);
      await page.waitForSelector('[data-testid="cluster-node-node-b"]', { timeout: 10_000 });
      expect(await page.textContent('[data-testid="cluster-node-node-b"]')).toContain(node.url);
      await shot(page, 'cluster-nodes');
      await page.click('[data-testid="cluster-add"]');
      await page.waitForSelector('[data-testid="cluster-result"]', { timeout: 10_000 });
      // Marked as added, and online with the leader's credentials.
      expect(await page.textContent('[data-testid="cluster-node-node-b"]')).toContain(`yes (${new URL(node.url).host})`);
      await page.waitForFunction(
        () => [...document.querySelectorAll('[data-testid^="core-row-"]')].some((r) => r.textContent?.includes('bee') && r.textContent.includes('online')),
        undefined,
        { timeout: 10_000 },
      );
      expect(node.loginsOk).toBeGreaterThan(0);
      expect(pageErrors).toEqual([]);
    } finally {
      await leader.close();
      await node.close();
    }
  }, 60_000);
});

describe.skipIf(!ready)('dashboard e2e with API auth on', () => {
  const children = new Children();
  let server: Headless;
  let remote: TestCore;
  let browser: TestBrowser;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    if (!existsSync(join(import.meta.dirname, '../../out/renderer/index.html'))) await buildRenderer();
    remote = await startTestCore({ auth: true, phase: 'snap-02', coreName: REMOTE_NAME, coreId: 'studio-test' });
    server = await startHeadless(['--no-persist', '--auth', 'admin:s3cret-pass', '--core', remote.urlWithCredentials], { children });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await closeE2e(browser, children);
    await remote?.close();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  }, 30_000);

  const login = (page: Page, url: string): Promise<void> => loginPage(page, `${url}/ui/`, 'admin', 's3cret-pass', 'view-streams');

  it("pushes reach the Sessions table through the sessions worker, and again after the event stream is cut and reconnects with the token", async () => {
    const proxy = await tcpProxy(Number(new URL(server.url).port));
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // The event stream's requests, with their Authorization header (the first, before the login, has none).
    const streams: Promise<string>[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/api/ui/events')) streams.push(r.allHeaders().then((h) => h['authorization'] ?? ''));
    });
    await login(page, proxy.url);
    await page.click('[data-testid="nav-sessions"]');
    // The remote Core's sessions arrive by push, decoded in the worker: the table counts them.
    await page.waitForFunction(() => /^[1-9][\d,]* of [1-9]/.test(document.querySelector('[data-testid="sessions-count"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    // The worker reads the event stream itself (its fetch is in its own resource timings, not the page's).
    const worker = page.workers().find((w) => w.url().includes('sessions.worker'));
    expect(worker).toBeDefined();
    const readsEvents = (): boolean => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/api/ui/events'));
    expect(await worker!.evaluate(readsEvents)).toBe(true);
    expect(await page.evaluate(readsEvents)).toBe(false);
    await page.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === 'live', undefined, { timeout: 10_000 });

    // The connection drops (the proxy closes every socket; the open event stream fails): the stream reconnects.
    const opened = streams.length;
    proxy.cut();
    await waitFor(async () => streams.length > opened, 'the event stream reopened', 15_000, 100);
    // A push after it reaches the table through the worker again: the status goes on saying live.
    const reopenedAtMs = Date.now();
    await page.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === 'live', undefined, { timeout: 10_000 });
    await sleep(Math.max(0, reopenedAtMs + 6000 - Date.now())); // past the 5 s after which a page without pushes says stale
    expect(await page.textContent('[data-testid="connection"]')).toBe('live');
    expect(streams.length).toBeGreaterThan(opened);
    for (const h of await Promise.all(streams.slice(opened))) expect(h).toMatch(/^Bearer \S+$/);
    expect(await page.textContent('[data-testid="sessions-count"]')).toMatch(/^[1-9][\d,]* of [1-9]/);
    expect(errors).toEqual([]);
    await page.close();
    proxy.close();
  }, 60_000);

  it('shows a login form, logs in with the API login, then streams', async () => {
    const page = await browser.context.newPage();
    const invoke = await fetch(`${server.url}/api/ui/invoke/app:info`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[]' });
    expect(invoke.status).toBe(401);
    await page.goto(`${server.url}/ui/`);
    await page.waitForSelector('[data-testid="login-form"]', { timeout: 10_000 });
    await shot(page, 'login');
    await page.fill('[data-testid="login-username"]', 'admin');
    await page.fill('[data-testid="login-password"]', 's3cret-pass');
    await page.click('[data-testid="login-submit"]');
    await page.waitForSelector('[data-testid="view-streams"]', { timeout: 10_000 });
    // Live pushes arrive over the authorised event stream.
    await page.waitForFunction(() => document.querySelector('[data-testid="connection"]')?.textContent === 'live', undefined, { timeout: 10_000 });
    // The token never appears in a URL.
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.click('[data-testid="nav-sessions"]');
    await page.waitForTimeout(1500);
    expect(urls.some((u) => /token/i.test(u))).toBe(false);
  }, 60_000);
});
