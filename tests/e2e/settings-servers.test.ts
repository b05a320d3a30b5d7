/**
 * The Settings view's servers end to end: in Chromium, against the real headless server, the operator sets the RTMP
 * address and the write hold, a bad hold is refused with the flag's error and nothing is written, the good ones are
 * saved; the server restarted on the same data dir (without `--rtmp`) listens for RTMP at the new address, and the
 * view shows it. Screenshots: test-output/screenshots/settings-servers-*.png.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, closeE2e, openPage, SCREENSHOTS, type TestBrowser, prepareE2e } from './support.ts';
import { waitFor } from '../support/wait.ts';
import { unusedLoopbackPort } from '../support/ports.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless, tempDataDir } from '../support/headless.ts';

// Callbacks passed to page.evaluate run in Chromium; the node tsconfig has no DOM lib.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

/** Whether a TCP connection to 127.0.0.1:port is accepted within 2 s. */
function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => finish(false), 2000);
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      done(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

async function openSettings(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/ui/#settings`);
  await page.waitForSelector('[data-testid="settings-form"]', { timeout: 10_000 });
}

describe.skipIf(!existsSync(CHROMIUM))('Settings: the RTMP server set in the view applies at the next start (headless server, Chromium)', () => {
  const children = new Children();
  const dataDir = tempDataDir();
  let server: Headless | undefined;
  let browser: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await prepareE2e();
    server = await startHeadless(['--no-persist'], { children, dataDir });
    ({ browser, page } = await openPage(pageErrors));
    await page.setViewportSize({ width: 1024, height: 900 });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await closeE2e(browser, children);
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('saves the RTMP address and write hold; a restart on the same data dir listens there and the view shows it', async () => {
    await openSettings(page, server!.url);
    // Started with --rtmp (the test server's ephemeral port): the field says so.
    expect(await page.textContent('[data-testid="settings-rtmp-set-at-start"]')).toContain('Set by --rtmp at start; the saved value applies when started without it.');
    expect(await page.inputValue('[data-testid="settings-rtmpWriteHoldMs"]')).toBe('100');

    const port = await unusedLoopbackPort();
    await page.fill('[data-testid="settings-rtmp"]', `127.0.0.1:${port}`);
    await page.fill('[data-testid="settings-rtmpWriteHoldMs"]', '1001');
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-status"].error-text');
    expect(await page.textContent('[data-testid="settings-status"]')).toBe('RTMP write hold (ms): expected a number from 0 to 1000, got "1001"');
    expect(existsSync(join(dataDir, 'settings.json'))).toBe(false);
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-servers-refused-1024.png') });

    await page.fill('[data-testid="settings-rtmpWriteHoldMs"]', '40');
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-status"].ok-text');
    const status = (await page.textContent('[data-testid="settings-status"]')) ?? '';
    expect(status).toContain('Restart needed for: RTMP write hold (ms).');
    expect(status).toContain('RTMP address: --rtmp at start wins; the saved value applies when started without it.');
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toEqual({ rtmp: `127.0.0.1:${port}`, rtmpWriteHoldMs: 40 });
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-servers-saved-1024.png') });

    // The same data dir, without --rtmp: the saved address applies.
    expect(await server!.stop()).toBe(0);
    expect(await accepts(port)).toBe(false);
    server = await startHeadless(['--no-persist'], { children, dataDir, omit: ['--rtmp'] });
    expect(server.rtmpUrl).toBe(`rtmp://127.0.0.1:${port}`);
    await waitFor(() => accepts(port), `RTMP listening at 127.0.0.1:${port}`, 5000, 200);

    await openSettings(page, server.url);
    expect(await page.inputValue('[data-testid="settings-rtmp"]')).toBe(`127.0.0.1:${port}`);
    expect(await page.inputValue('[data-testid="settings-rtmpWriteHoldMs"]')).toBe('40');
    expect(await page.$('[data-testid="settings-rtmp-set-at-start"]')).toBeNull();
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-servers-restarted-1024.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 90_000);

  it("the desktop app's Desktop panel: start at login, start in the tray and the tray gauge's scale, checked as the others", async () => {
    // The page is told it is the desktop app (the shell answers app:info's mode and autostart:get there).
    const invoke = (channel: string) => (url: URL): boolean => decodeURIComponent(url.pathname).endsWith(`/api/ui/invoke/${channel}`);
    await page.route(invoke('app:info'), async (route) => {
      const res = await route.fetch();
      const body = (await res.json()) as { ok: boolean; value: { mode: string } };
      await route.fulfill({ response: res, json: { ...body, value: { ...body.value, mode: 'electron' } } });
    });
    await page.route(invoke('autostart:get'), (route) => route.fulfill({ json: { ok: true, value: false } }));
    // A new page load (the page is at #settings already: a hash change would not load it again).
    await page.reload();
    await page.waitForSelector('[data-testid="settings-form"]', { timeout: 10_000 });
    await page.waitForSelector('[data-testid="settings-group-desktop"] [data-testid="settings-autostart"]');
    expect(await page.isChecked('[data-testid="settings-startHidden"]')).toBe(false);
    await page.fill('[data-testid="settings-trayScaleMbit"]', '-1');
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-status"].error-text');
    expect(await page.textContent('[data-testid="settings-status"]')).toBe('Tray gauge scale (Mbit/s): expected a number >= 0, got "-1"');
    await page.fill('[data-testid="settings-trayScaleMbit"]', '50');
    await page.check('[data-testid="settings-startHidden"]');
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-status"].ok-text');
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ trayScaleMbit: 50, startHidden: true });
    await page.evaluate(() => document.querySelector('[data-testid="settings-group-desktop"]')?.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-servers-desktop-1024.png') });
    await page.unrouteAll();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('a token: saved, shown as "(unchanged)" and never sent back; its removal not offered to the anonymous web page (which says why) and refused if sent', async () => {
    await openSettings(page, server!.url);
    await page.reload();
    await page.waitForSelector('[data-testid="settings-form"]', { timeout: 10_000 });
    await page.fill('[data-testid="settings-rtmpToken"]', 's3cret-token');
    await page.click('[data-testid="settings-save"]');
    await page.waitForSelector('[data-testid="settings-status"].ok-text');
    expect(await page.textContent('[data-testid="settings-status"]')).toContain('RTMP token');
    expect(await page.getAttribute('[data-testid="settings-rtmpToken"]', 'placeholder')).toBe('(unchanged)');
    expect(await page.inputValue('[data-testid="settings-rtmpToken"]')).toBe('');
    const answer = await (await fetch(`${server!.url}/api/ui/invoke/settings%3Aget`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: server!.url }, body: '[]' })).text();
    expect(answer).toContain('"secretsSet":["rtmpToken"]');
    expect(answer).not.toContain('s3cret');
    expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).not.toContain('s3cret');
    // Its removal: not offered to the anonymous web page, which says why; the server refuses it if sent anyway.
    expect(await page.$('[data-testid="settings-rtmpToken-remove"]')).toBeNull();
    expect(await page.textContent('[data-testid="settings-rtmpToken-kept"]')).toContain('With API auth off this page cannot remove it');
    const removal = (await (
      await fetch(`${server!.url}/api/ui/invoke/settings%3Aupdate`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: server!.url }, body: JSON.stringify([{ values: { rtmpToken: '' } }]) })
    ).json()) as { ok: boolean; error?: { message: string } };
    expect(removal.ok).toBe(false);
    expect(removal.error?.message).toContain('the web page cannot change the RTMP token to none');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});

