/**
 * Issue 7's in-window parts end to end, in headless mode with API auth on: the alert service runs in the shared
 * wiring (an alerts.json in the data dir with a low threshold), the page lists the alert with a badge, and the
 * Sessions view's CSV export downloads (fetch with the bearer token → Blob → <a download>) exactly what
 * `GET /api/export/sessions.csv` returns for the same filters. Screenshot: test-output/screenshots/alerts.png.
 */
import { readFileSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCore, type TestCore } from '../support/test-core.ts';
import { CHROMIUM, closeE2e, openPage, SCREENSHOTS, sessionRowTexts, type TestBrowser, prepareE2e, loginPage } from './support.ts';
import { waitFor } from '../support/wait.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';

// Callbacks passed to page.$eval/waitForFunction run in Chromium; the node tsconfig has no DOM lib.
type SelectLike = { options: ArrayLike<{ text: string; value: string }> };

const USER = 'admin';
const PASSWORD = 'e2e-alerts-pass';
const REMOTE_NAME = 'Studio Test';
/** docs/csv.md: the header row of sessions.csv (after the UTF-8 BOM). */
const SESSIONS_HEADER = 'core,collector,id,reference,local,remote,extra,created_at,rx_bytes,tx_bytes,rx_kbit_s,tx_kbit_s\r\n';

const ALERT_RULES = {
  rules: [
    // Any HTTP request to the local core (other than the dashboard's own) makes the `http` collector's session active.
    { id: 'local-http-busy', kind: 'sessions-above', core: 'local', collector: 'http', raiseAbove: 0, clearAtOrBelow: 0, raiseAfterMs: 0, clearAfterMs: 0 },
  ],
};

const ready = existsSync(CHROMIUM);

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

describe.skipIf(!ready)('alerts and CSV export e2e (headless server with auth, Chromium)', () => {
  const children = new Children();
  let server: Headless;
  let remote: TestCore;
  let browser: TestBrowser;
  let page: Page;
  let token = '';
  const pageErrors: string[] = [];

  const login = async (): Promise<string> => {
    const res = await fetch(`${server.url}/api/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: USER, password: PASSWORD }) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { access_token: string }).access_token;
  };

  beforeAll(async () => {
    await prepareE2e();
    remote = await startTestCore({ auth: true, phase: 'snap-02', coreName: REMOTE_NAME, coreId: 'studio-test' });
    // A short session timeout, so the `http` collector's session (and with it the alert) ends soon after the traffic.
    server = await startHeadless(['--no-persist', '--core', remote.urlWithCredentials, '--auth', `${USER}:${PASSWORD}`, '--session-timeout', '2'], {
      children,
      files: { 'alerts.json': JSON.stringify(ALERT_RULES) },
    });
    token = await login();
    ({ browser, page } = await openPage(pageErrors));
    await loginPage(page, `${server.url}/ui/`, USER, PASSWORD, 'view-streams');
    // Before the login, the page's first calls answer 401 (that is how it learns to show the form): not errors.
    pageErrors.length = 0;
  }, 120_000);

  afterAll(async () => {
    await closeE2e(browser, children);
    await remote?.close();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  }, 30_000);

  it('an alert from alerts.json is raised, pushed to the page, listed with a badge; cleared ones are listed too', async () => {
    type Item = { ruleId: string; core: string; collector?: string; kind: string; clearedAtMs?: number };
    // Headless mode serves the alert list (it is not an Electron-only channel any more).
    const list = async (): Promise<{ active: Item[]; recent: Item[] }> => {
      const res = await fetch(`${server.url}/api/ui/invoke/alerts:list`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: '[]' });
      const body = (await res.json()) as { ok: boolean; value: { active: Item[]; recent: Item[] } };
      expect(body.ok).toBe(true);
      return body.value;
    };
    // The logins above were HTTP requests to the local core: the alert was raised, and clears once that session ends.
    const cleared = await waitFor(async () => {
      const l = await list();
      return l.active.length === 0 && l.recent.find((a) => a.ruleId === 'local-http-busy');
    }, 'the first alert to clear', 20_000, 200);
    expect(cleared.clearedAtMs).toBeGreaterThan(0);
    await page.click('[data-testid="nav-alerts"]');
    await page.waitForSelector('[data-testid="view-alerts"]');
    await page.waitForSelector('[data-testid="alerts-active"] td.empty', { timeout: 5000 });
    expect(await page.textContent('[data-testid="alerts-active"]')).toContain('No active alerts.');
    await page.waitForSelector('[data-testid="alerts-recent"] [data-testid="alert-row"]', { timeout: 5000 });
    // The clear reaches the page by push, which can trail main's list on a busy machine.
    await page.waitForSelector('[data-testid="alerts-badge"]', { state: 'detached', timeout: 5000 });
    expect(await page.$('[data-testid="alerts-badge"]')).toBeNull();

    // Plain HTTP traffic to the local core: its `http` collector gets an active session (counted per request).
    const poke = setInterval(() => void fetch(`${server.url}/api`).catch(() => undefined), 500);
    try {
      await fetch(`${server.url}/api`);
      const raised = await waitFor(async () => (await list()).active.find((a) => a.ruleId === 'local-http-busy'), 'the alert in main', 10_000, 200);
      expect(raised).toMatchObject({ kind: 'sessions-above', core: 'local', collector: 'http' });
      // The page learns it by push (alerts:update over the event stream), without a reload.
      await page.waitForSelector('[data-testid="alerts-active"] [data-testid="alert-row"][data-kind="sessions-above"]', { timeout: 15_000 });
      const row = await page.$eval('[data-testid="alerts-active"] [data-testid="alert-row"]', (el) => [...el.querySelectorAll('td')].map((td) => td.textContent ?? ''));
      expect(row[0]).toBe('Sessions above');
      expect(row[2]).toBe('http');
      expect(row[3]).toMatch(/http/);
      expect(row[4]).toMatch(/ago$/);
      expect(await page.textContent('[data-testid="alerts-badge"]')).toBe('1');
      expect(await page.textContent('[data-testid="alerts-active-count"]')).toBe('1');
      await shot(page, 'alerts');
    } finally {
      clearInterval(poke);
    }
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('the Sessions view downloads the CSV the API returns for the same filters', async () => {
    await page.click('[data-testid="nav-sessions"]');
    await page.waitForSelector('[data-testid="view-sessions"]');
    await waitFor(async () => (await sessionRowTexts(page)).some((r) => r.cells.core === 'Studio Test'), 'a session of the remote Core in the table', 15_000, 50);

    // The table's filters: the remote core, two collectors, a search text.
    const remoteOption = await page.$eval('[data-testid="core-filter"]', (s, name) => [...Array.from((s as unknown as SelectLike).options)].find((o) => o.text === name)?.value, REMOTE_NAME);
    expect(remoteOption).toBeTruthy();
    await page.selectOption('[data-testid="core-filter"]', remoteOption!);
    await page.click('[data-testid="collector-chip-hls"]');
    await page.click('[data-testid="collector-chip-hlsingress"]');
    await page.fill('[data-testid="session-search"]', 'peer-hls');
    const shownIds = await waitFor(async () => {
      const ids = (await sessionRowTexts(page)).map((r) => r.cells.id ?? '');
      const text = (await page.textContent('[data-testid="sessions-count"]')) ?? '';
      return ids.length > 0 && text.startsWith(`${ids.length} of`) ? ids : undefined;
    }, 'the filtered table', 5000, 200);

    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), page.click('[data-testid="export-sessions"]')]);
    expect(download.suggestedFilename()).toMatch(/^core-sessions-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.csv$/);
    const file = await download.path();
    const downloaded = readFileSync(file!);
    await page.waitForSelector('[data-testid="export-status-sessions"][data-state="done"]', { timeout: 5000 });
    expect(await page.textContent('[data-testid="export-status-sessions"]')).toMatch(/^Saved [\d.,]+\s*(B|kB) to core-sessions-/);

    // The same filters over the API, with the API's auth (without a token: 401).
    const url = `${server.url}/api/export/sessions.csv?collectors=hls,hlsingress&core=${encodeURIComponent(remoteOption!)}&text=peer-hls`;
    expect((await fetch(url)).status).toBe(401);
    const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const fromApi = Buffer.from(await res.arrayBuffer());

    expect(downloaded.equals(fromApi)).toBe(true);
    const text = downloaded.toString('utf8');
    expect(text.startsWith('\uFEFF' + SESSIONS_HEADER)).toBe(true);
    const records = text.slice(1 + SESSIONS_HEADER.length).split('\r\n').filter((l) => l !== '');
    // What the table shows: the same sessions (ids are the third column; these ids hold no quotes or commas).
    expect(records.map((r) => r.split(',')[2]).sort()).toEqual([...shownIds].sort());
    expect(records.length).toBe(4); // the recorded remote Core: three hls viewers and one hlsingress upload of peer-hls
    expect(records.every((r) => r.startsWith(`${remoteOption},hls`))).toBe(true);
    await shot(page, 'sessions-export');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
