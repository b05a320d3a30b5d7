/**
 * Every view at 1024 and 1440 px, light and dark, with data in it: the real headless server with real ffmpeg traffic
 * through the local core (an HLS publisher into /memfs, HLS players, an RTMP publisher and players, an ffmpeg
 * process) and a remote test Core. Screenshots go to test-output/screenshots/layout-<view>-<width>-<scheme>.png.
 * At 1024 px no column header may sit outside the window, no number cell or card may be cut, and no table may need
 * sideways scrolling (issue 16, "Layout and reading").
 */
import { rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCore, type TestCore } from '../support/test-core.ts';
import {
  CHROMIUM,
  clipProblems,
  closeE2e,
  hlsPlayerArgs,
  hlsPublisherArgs,
  openPage,
  prepareE2e,
  rtmpPublisherArgs,
  SCREENSHOTS,
  sessionRowTexts,
  type TestBrowser,
} from './support.ts';
import { waitFor } from '../support/wait.ts';
import { PROCESS_TEMPLATES } from '../../src/shared/processes.ts';
import { unusedLoopbackPort } from '../support/ports.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';

// Callbacks passed to page.evaluate run in Chromium; the node tsconfig has no DOM lib.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const REMOTE_NAME = 'Studio Test';
const VIEWS = ['streams', 'overview', 'sessions', 'cores', 'processes', 'history', 'alerts', 'settings'] as const;
const WIDTHS = [1024, 1440] as const;
const SCHEMES = ['light', 'dark'] as const;
const HEIGHT_PX = 768;

/**
 * `clipProblems` with a painted table's texts as DOM text: the Sessions and Streams tables paint them on a canvas
 * (table-canvas.ts), fitted with an ellipsis as the cells' CSS does, and write them as DOM text while a selection is
 * in the table; with the page selected, the same check as before finds a number its column cuts. `group`: the row
 * group's selector.
 */
async function clipProblemsAsText(page: Page, group = '[role="rowgroup"]'): Promise<string[]> {
  await page.evaluate(() => document.getSelection()?.selectAllChildren(document.body));
  await page.waitForSelector(`${group}.text-mode`, { timeout: 5000 });
  const problems = await clipProblems(page);
  await page.evaluate(() => document.getSelection()?.removeAllRanges());
  await page.waitForSelector(`${group}:not(.text-mode)`, { timeout: 5000 });
  return problems;
}

/** host:port of a loopback port nothing listens on (bound, then closed). */
async function deadPortUrl(): Promise<string> {
  return `127.0.0.1:${await unusedLoopbackPort()}`;
}

async function openView(page: Page, view: (typeof VIEWS)[number]): Promise<void> {
  await page.click(`[data-testid="nav-${view}"]`);
  await page.waitForSelector(`[data-testid="view-${view}"]`);
}

const ready = existsSync(CHROMIUM) && existsSync('/usr/bin/ffmpeg');

describe.skipIf(!ready)('screenshots of every view at 1024 and 1440 px, light and dark; nothing clipped at 1024 px', () => {
  const children = new Children();
  let server: Headless;
  let remote: TestCore;
  /** A second remote Core after its sessions closed: finished sessions in its summary. */
  let archive: TestCore;
  let browser: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await prepareE2e();
    remote = await startTestCore({ auth: true, phase: 'snap-02', coreName: REMOTE_NAME, coreId: 'studio-test' });
    archive = await startTestCore({ auth: true, phase: 'after-close', coreName: 'Archive Test', coreId: 'archive-test' });
    server = await startHeadless(['--no-persist', '--core', remote.urlWithCredentials, '--core', archive.urlWithCredentials, '--session-timeout', '10'], { children });
    // Real traffic: HLS into memfs with three players, RTMP in with two players, an ffmpeg process.
    children.spawn('timeout', hlsPublisherArgs(server.url, 'studio-a'));
    children.spawn('timeout', rtmpPublisherArgs(`${server.rtmpUrl}/live/studio-b.stream`));
    await waitFor(async () => (await fetch(`${server.url}/memfs/studio-a.m3u8`, { method: 'HEAD' })).ok, 'the HLS upload to be live', 30_000, 200);
    for (const viewer of ['viewer-one', 'viewer-two', 'viewer-three']) children.spawn('timeout', hlsPlayerArgs(server.url, 'studio-a', viewer));
    for (let i = 0; i < 2; i++) {
      children.spawn('timeout', ['60', '/usr/bin/ffmpeg', '-hide_banner', '-nostdin', '-loglevel', 'error', '-i', `${server.rtmpUrl}/live/studio-b.stream`, '-c', 'copy', '-f', 'null', '-']);
    }
    const created = await fetch(`${server.url}/api/v3/process`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: 'bars',
        reference: 'bars',
        input: [{ id: 'in', address: 'testsrc=size=160x120:rate=10', options: ['-re', '-f', 'lavfi'] }],
        output: [{ id: 'out', address: '-', options: ['-f', 'null'] }],
        autostart: true,
      }),
    });
    expect(created.ok).toBe(true);
    // The Processes view's widest rows (issue 16, procview): the first template restreaming the RTMP publisher to HLS
    // (both addresses with bytes), and the same reading a stream nobody publishes: failed, its exit reason, a restart
    // pending (the row offers Stop).
    const template = PROCESS_TEMPLATES[0].config as { output: { options: string[] }[] };
    for (const [id, stream] of [['studio-b-hls', 'studio-b.stream'], ['nobody-hls', 'nobody']]) {
      const made = await fetch(`${server.url}/api/v3/process`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          ...PROCESS_TEMPLATES[0].config,
          id,
          reference: stream,
          input: [{ id: 'in', address: `{rtmp,name=${stream}}`, options: [] }],
          output: [{ id: 'hls', address: `{memfs}/${id}.m3u8`, options: template.output[0].options }],
          reconnect_delay_seconds: 30,
        }),
      });
      expect(made.ok).toBe(true);
    }
    ({ browser, page } = await openPage(pageErrors));
  }, 120_000);

  afterAll(async () => {
    await closeE2e(browser, children);
    await remote?.close();
    await archive?.close();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  }, 30_000);

  it('saves every view and finds nothing clipped at 1024 px', async () => {
    await page.setViewportSize({ width: 1440, height: HEIGHT_PX });
    await page.goto(`${server.url}/ui/#sessions`);
    await page.waitForSelector('[data-testid="view-sessions"]');
    // Busy: local players and publishers plus the remote Core's recorded sessions, and the charts have some history.
    await waitFor(async () => {
      const cells = (await sessionRowTexts(page)).flatMap((r) => Object.values(r.cells));
      return cells.includes(REMOTE_NAME) && cells.includes('rtmp') && cells.includes('hls');
    }, 'local and remote sessions in the table', 30_000, 200);
    await page.waitForTimeout(3000); // a few seconds of chart
    // The alert editor with a rule scoped to a stream (the longest kind of description) besides the defaults.
    await openView(page, 'alerts');
    await page.fill('[data-testid="alert-draft-id"]', 'studio-a-ingest');
    await page.selectOption('[data-testid="alert-draft-kind"]', 'ingest-below-median');
    await page.fill('[data-testid="alert-draft-stream"]', 'studio-a');
    await page.click('[data-testid="alert-draft-add"]');
    await page.waitForSelector('[data-testid="alert-rule"][data-rule="studio-a-ingest"]');

    const problems: string[] = [];
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: HEIGHT_PX });
        for (const view of VIEWS) {
          await openView(page, view);
          if (view === 'history') await page.waitForSelector('[data-testid="report-table"]', { timeout: 10_000 }); // loads from the server
          if (view === 'processes') {
            // Every kind of row is there before the check: running with bytes, and failed with its reason.
            await page.waitForSelector('[data-testid="process-row"][data-id="nobody-hls"] [data-testid="process-reason"]', { timeout: 15_000 });
            if (scheme === 'light' && width === 1024) await page.waitForSelector('[data-testid="process-row"][data-id="studio-b-hls"][data-exec="running"]', { timeout: 15_000 });
            expect(await page.$$('[data-testid="process-row"]')).toHaveLength(3);
            // Where the buttons show their icons only, their words are on screen in the key (issue 16, histproc).
            expect(await page.isVisible('[data-testid="process-action-key"]'), `the buttons' key at ${width} px`).toBe(width < 1240);
            // An address's name with a `-` (studio-b.stream, studio-b-hls.m3u8) is on one line: no wrap after its `-`.
            const cut = await page.$$eval('[data-testid="process-row"] .whole', (els) => els.filter((e) => (e as unknown as { getClientRects(): { length: number } }).getClientRects().length !== 1).map((e) => e.textContent));
            expect(cut, `names cut at ${width} px`).toEqual([]);
          }
          await page.waitForTimeout(250);
          await page.screenshot({ path: join(SCREENSHOTS, `layout-${view}-${width}-${scheme}.png`) });
          if (width === 1024) for (const p of await clipProblems(page)) problems.push(`${view} ${scheme}: ${p}`);
          if (view === 'settings') {
            // Every panel is a group of the schema (the Desktop one in the desktop app only); Save stays in view.
            for (const group of ['servers', 'security', 'sessions-history', 'time-series', 'prometheus', 'remote-cores']) expect(await page.$(`[data-testid="settings-group-${group}"]`), group).not.toBeNull();
            await page.evaluate(() => {
              // The view's scrolling box to its end.
              let box = document.querySelector('[data-testid="settings-form"]');
              while (box && box.scrollHeight <= box.clientHeight + 1) box = box.parentElement;
              if (box) box.scrollTop = box.scrollHeight;
            });
            await page.waitForTimeout(100);
            await page.screenshot({ path: join(SCREENSHOTS, `layout-settings-end-${width}-${scheme}.png`) });
            if (width === 1024) for (const p of await clipProblems(page)) problems.push(`settings (end) ${scheme}: ${p}`);
            const save = await page.$('[data-testid="settings-save"]');
            const box = await save?.boundingBox();
            if (!box || box.y + box.height > HEIGHT_PX) problems.push(`settings ${width} ${scheme}: Save is not in view`);
            await page.evaluate(() => document.querySelector('[data-testid="view-settings"]')?.scrollIntoView({ block: 'start' }));
          }
          if (width === 1024 && view === 'sessions') for (const p of await clipProblemsAsText(page)) problems.push(`${view} as text ${scheme}: ${p}`);
          if (width === 1024 && view === 'streams') for (const p of await clipProblemsAsText(page, '[data-testid="streams-table"] tbody')) problems.push(`${view} as text ${scheme}: ${p}`);
          if (view === 'history') {
            // The finished-session summary per core: the remote Core's bytes are whole MiB, said so.
            await page.click('[data-testid="history-mode-sessions"]');
            await page.selectOption('[data-testid="history-scope"]', 'each');
            await page.waitForSelector('[data-testid="history-rounding-note"]', { timeout: 10_000 });
            await page.screenshot({ path: join(SCREENSHOTS, `layout-history-sessions-${width}-${scheme}.png`) });
            if (width === 1024) for (const p of await clipProblems(page)) problems.push(`finished sessions ${scheme}: ${p}`);
            await page.click('[data-testid="history-mode-report"]');
          }
        }
        // The session details, open over the table.
        await openView(page, 'sessions');
        await page.click('[data-testid="session-row"]');
        await page.waitForSelector('[data-testid="session-details"]');
        await page.waitForTimeout(400);
        await page.screenshot({ path: join(SCREENSHOTS, `layout-session-details-${width}-${scheme}.png`) });
        if (width === 1024) for (const p of await clipProblemsAsText(page)) problems.push(`session details ${scheme}: ${p}`);
        await page.keyboard.press('Escape');
      }
    }
    expect(problems).toEqual([]);

    // 1–6 switch views also while a checkbox or radio button has focus.
    await page.emulateMedia({ colorScheme: 'light' });
    await openView(page, 'sessions');
    await page.setViewportSize({ width: 1024, height: HEIGHT_PX });
    await page.click('[data-testid="columns-button"]');
    await page.waitForSelector('[data-testid="column-chooser"]');
    await page.screenshot({ path: join(SCREENSHOTS, 'layout-sessions-columns-1024-light.png') });
    await page.focus('[data-testid="column-extra"]');
    await page.keyboard.press('2');
    await page.waitForSelector('[data-testid="view-overview"]');
    await openView(page, 'settings');
    const radio = await page.$('input[type="radio"]');
    if (radio) {
      await radio.focus();
      await page.keyboard.press('3');
      await page.waitForSelector('[data-testid="view-sessions"]');
    }

    // The add-Core form: host:port without http:// is taken; errors are plain, said once, and replace the old result.
    await openView(page, 'cores');
    await page.click('[data-testid="core-add"]');
    await page.fill('[data-testid="core-form-url"]', `127.0.0.1:${new URL(server.url).port}`);
    await page.click('[data-testid="core-form-test"]');
    await page.waitForSelector('[data-testid="core-form-result"]', { timeout: 15_000 });
    const refused = await deadPortUrl();
    await page.fill('[data-testid="core-form-url"]', refused);
    await page.click('[data-testid="core-form-test"]');
    await waitFor(async () => /refused/.test((await page.textContent('[data-testid="core-form-result"]').catch(() => '')) ?? ''), 'the refused test', 15_000, 200);
    const refusedText = (await page.textContent('[data-testid="core-form-result"]')) ?? '';
    expect(refusedText.match(/ECONNREFUSED/g) ?? []).toHaveLength(1);
    await page.fill('[data-testid="core-form-url"]', 'studio:port');
    await page.click('[data-testid="core-form-save"]');
    await page.waitForSelector('[data-testid="core-form-error"]');
    expect(await page.textContent('[data-testid="core-form-error"]')).toContain('"studio:port" is not an address: enter host:port or http(s)://host:port');
    expect(await page.$('[data-testid="core-form-result"]')).toBeNull();
    await page.screenshot({ path: join(SCREENSHOTS, 'layout-core-form-1024-light.png') });
    await openView(page, 'sessions');

    // Collector chip counts follow the Core filter: with the remote Core chosen they add up to its sessions.
    await openView(page, 'sessions');
    const remoteOption = await page.$eval('[data-testid="core-filter"]', (sel, name) => [...sel.options].find((o: { text: string }) => o.text === name)?.value, REMOTE_NAME);
    await page.selectOption('[data-testid="core-filter"]', remoteOption!);
    await waitFor(async () => {
      const chips = await page.$$eval('[data-testid^="collector-chip-"] .chip-count', (els) => els.reduce((n, e) => n + Number(e.textContent), 0));
      const shown = Number(/([\d,]+) of/.exec((await page.textContent('[data-testid="sessions-count"]')) ?? '')?.[1]?.replace(/,/g, ''));
      return chips === shown && shown > 0;
    }, 'chip counts of the remote Core', 5000, 200);
    await page.selectOption('[data-testid="core-filter"]', '');

    // Export CSV shows its progress without moving the table.
    const before = (await page.$eval('[data-testid="sessions-table"]', (el) => el.getBoundingClientRect().top)) as number;
    await page.click('[data-testid="export-sessions"]');
    await page.waitForSelector('[data-testid="export-status-sessions"]');
    expect(await page.$eval('[data-testid="sessions-table"]', (el) => el.getBoundingClientRect().top)).toBe(before);
    await page.waitForSelector('[data-testid="export-status-sessions"][data-state="done"]', { timeout: 10_000 });
    expect(await page.$eval('[data-testid="sessions-table"]', (el) => el.getBoundingClientRect().top)).toBe(before);
    expect(pageErrors).toEqual([]);

    // The server dies: the page dims its numbers and says since when they are stale.
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 1024, height: HEIGHT_PX });
    await openView(page, 'overview');
    server.proc.kill('SIGTERM');
    await page.waitForFunction(() => document.body.classList.contains('stale'), undefined, { timeout: 15_000 });
    expect(await page.textContent('[data-testid="connection"]')).toMatch(/^stale since .+ \(\d+/);
    await page.screenshot({ path: join(SCREENSHOTS, 'layout-stale-1024-light.png') });
  }, 180_000);
});
