/**
 * The Settings view's older panels and the Prometheus auth end to end, in Chromium against the real headless server:
 * every field takes the one path (the flag's text, the flag's parser, settings.json in a --config file's form), and
 * the Prometheus auth can be removed from the page, by a page that proved the API's login, never by the anonymous
 * page (auth off); the limits on what clients can make the server hold are read-only on the anonymous page. Screenshots: test-output/screenshots/settings-panels-*.png.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, closeE2e, launchChromium, SCREENSHOTS, type TestBrowser, prepareE2e, collectPageErrors, loginPage } from './support.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';

// Callbacks passed to page.evaluate run in Chromium; the node tsconfig has no DOM lib.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const requestAnimationFrame: any;

const USER = 'admin';
const PASSWORD = 's3cret-pass';

/** The headless secret store's file (mode 0600, the data dir). */
const secretsFile = (server: Headless): string => {
  const path = join(server.dataDir, 'remote-credentials.json');
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
};
const settingsJson = (server: Headless): unknown => JSON.parse(readFileSync(join(server.dataDir, 'settings.json'), 'utf8'));

/** Clicks Save and reads the status line the answer to `settings:update` leaves (its text may repeat the last one's). */
async function save(page: Page): Promise<{ ok: boolean; text: string }> {
  const answered = page.waitForResponse((r) => decodeURIComponent(r.url()).endsWith('/api/ui/invoke/settings:update'));
  await page.click('[data-testid="settings-save"]');
  await answered;
  // The answer's promise, the store and React's commit: two frames after it.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  const status = await page.waitForSelector('[data-testid="settings-status"]');
  return { ok: (await status.getAttribute('class')) === 'ok-text', text: (await status.textContent()) ?? '' };
}

async function openSettings(page: Page, url: string): Promise<void> {
  await page.goto(`${url}/ui/#settings`);
  await page.waitForSelector('[data-testid="settings-form"]', { timeout: 10_000 });
}

describe.skipIf(!existsSync(CHROMIUM))('Settings: the older panels through the flags\' text, and the Prometheus auth removable (headless server, Chromium)', () => {
  const children = new Children();
  const servers: Headless[] = [];
  let browser: TestBrowser;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await prepareE2e();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) await s.stop();
    await closeE2e(browser, children);
    for (const s of servers) rmSync(s.dataDir, { recursive: true, force: true });
  }, 30_000);

  async function newPage(): Promise<Page> {
    const page = await browser.context.newPage();
    collectPageErrors(page, pageErrors);
    await page.setViewportSize({ width: 1024, height: 900 });
    return page;
  }

  it("the anonymous page: numbers and ignored IPs checked by the flags' parsers and saved; the limits on what clients can make the server hold read-only, with why; the Prometheus auth set, its removal not offered, with why", async () => {
    const server = await startHeadless(['--no-persist'], { children });
    servers.push(server);
    const page = await newPage();
    await openSettings(page, server.url);

    await page.fill('[data-testid="settings-rtmpWriteHoldMs"]', '2.5');
    expect(await save(page)).toEqual({ ok: false, text: 'RTMP write hold (ms): expected a whole number, got "2.5"' });
    expect(existsSync(join(server.dataDir, 'settings.json'))).toBe(false);

    await page.fill('[data-testid="settings-rtmpWriteHoldMs"]', '7');
    await page.fill('[data-testid="settings-ignoreIps"]', '10.0.0.0/8\n192.168.0.0/16');
    const saved = await save(page);
    expect(saved).toEqual({ ok: true, text: 'Saved. Restart needed for: RTMP write hold (ms), Ignored IPs.' });
    expect(settingsJson(server)).toEqual({ ignoreIps: ['10.0.0.0/8', '192.168.0.0/16'], rtmpWriteHoldMs: 7 });

    // The limits on what clients can make the server hold are the owner's (page-guards): shown, read-only, with why.
    for (const key of ['memfsMaxMb', 'maxSessions', 'maxBitrateMbit', 'sessionTimeoutSec', 'timeseriesMaxMb']) {
      expect({ key, readOnly: await page.getAttribute(`[data-testid="settings-${key}"]`, 'readonly') }).toEqual({ key, readOnly: '' });
      expect(await page.textContent(`[data-testid="settings-${key}-owner-only"]`)).toMatch(/^With API auth off, read-only here \(any local program could change it\): use its flag, the desktop app or the API login\.$/);
    }
    expect(await page.inputValue('[data-testid="settings-memfsMaxMb"]')).toBe('256');
    await page.evaluate(() => document.querySelector('[data-testid="settings-memfsMaxMb"]')?.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-panels-owner-only-1024.png') });

    // The history backend's choices read as what they are, the value as the flag takes it.
    const backends = await page.$$eval('[data-testid="settings-historyBackend"] option', (os: { value: string; textContent: string }[]) => os.map((o) => `${o.value}: ${o.textContent}`));
    expect(backends).toEqual(['embedded: Embedded (timeseries.sqlite in the data dir)', 'prometheus: Prometheus-compatible query API']);
    // The Prometheus history: a new auth may be set from any page; it is never sent back.
    await page.fill('[data-testid="settings-prometheusUrl"]', 'http://127.0.0.1:9');
    await page.fill('[data-testid="settings-prometheusAuth"]', 'Bearer t0ken');
    expect(await save(page)).toMatchObject({ ok: true });
    expect(secretsFile(server)).toContain('t0ken');
    expect(readFileSync(join(server.dataDir, 'settings.json'), 'utf8')).not.toContain('t0ken');
    expect(await page.getAttribute('[data-testid="settings-prometheusAuth"]', 'placeholder')).toBe('(unchanged)');
    expect(await page.inputValue('[data-testid="settings-prometheusAuth"]')).toBe('');

    // Its removal widens exposure: the server refuses it to the anonymous page (page-guards), and tells the page so,
    // which says why instead of offering "Remove on Save".
    expect(await page.$('[data-testid="settings-prometheusAuth-remove"]')).toBeNull();
    expect(await page.textContent('[data-testid="settings-prometheusAuth-kept"]')).toMatch(/^Set\. With API auth off this page cannot remove it: .* a page with the API login\.$/);
    expect(secretsFile(server)).toContain('t0ken');
    await page.evaluate(() => document.querySelector('[data-testid="settings-group-prometheus"]')?.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-panels-prometheus-kept-1024.png') });

    // A new load shows what was saved, the list one a line.
    await page.reload();
    await page.waitForSelector('[data-testid="settings-form"]', { timeout: 10_000 });
    expect(await page.inputValue('[data-testid="settings-rtmpWriteHoldMs"]')).toBe('7');
    expect(await page.inputValue('[data-testid="settings-ignoreIps"]')).toBe('10.0.0.0/8\n192.168.0.0/16');
    expect(await page.inputValue('[data-testid="settings-prometheusUrl"]')).toBe('http://127.0.0.1:9');
    expect(await page.$('[data-testid="settings-prometheusAuth-kept"]')).not.toBeNull();
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('a page that proved the API login removes the Prometheus auth: gone from the secret store, the field back to none', async () => {
    const server = await startHeadless(['--no-persist', '--auth', `${USER}:${PASSWORD}`], { children });
    servers.push(server);
    const page = await newPage();
    await loginPage(page, `${server.url}/ui/#settings`, USER, PASSWORD, 'settings-form');
    // Before the login, the page's first calls answer 401 (that is how it learns to show the form): not errors.
    pageErrors.length = 0;

    // A page with the login is the owner: the limits are editable, without the anonymous page's note.
    expect(await page.$('[data-testid="settings-maxSessions-owner-only"]')).toBeNull();
    await page.fill('[data-testid="settings-maxSessions"]', '7');
    await page.fill('[data-testid="settings-prometheusUrl"]', 'http://127.0.0.1:9');
    await page.fill('[data-testid="settings-prometheusAuth"]', 'Bearer t0ken');
    expect(await save(page)).toMatchObject({ ok: true });
    expect(settingsJson(server)).toMatchObject({ maxSessions: 7 });
    expect(secretsFile(server)).toContain('t0ken');

    await page.check('[data-testid="settings-prometheusAuth-remove"]');
    expect(await page.isDisabled('[data-testid="settings-prometheusAuth"]')).toBe(true);
    const removed = await save(page);
    expect(removed).toEqual({ ok: true, text: 'Saved. Restart needed for: Max sessions, Prometheus URL, Prometheus auth.' });
    expect(secretsFile(server)).not.toContain('t0ken');
    expect(await page.getAttribute('[data-testid="settings-prometheusAuth"]', 'placeholder')).toBe('none');
    expect(await page.$('[data-testid="settings-prometheusAuth-remove"]')).toBeNull();
    await page.evaluate(() => document.querySelector('[data-testid="settings-group-prometheus"]')?.scrollIntoView({ block: 'center' }));
    await page.screenshot({ path: join(SCREENSHOTS, 'settings-panels-prometheus-removed-1024.png') });
    await page.close();
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
