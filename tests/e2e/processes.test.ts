/**
 * The Processes view end to end: the built page in Debian's Chromium against the real headless server and Debian's
 * ffmpeg. Create a process from JSON, see it run with its log tail, stop it, delete it (confirmed); and a missing
 * FFmpeg binary is a clear message in the view, the API and the process's state, not a crash.
 * Screenshots go to test-output/screenshots/processes-*.png.
 */

import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeE2e, openPage, SCREENSHOTS, type TestBrowser, prepareE2e } from './support.ts';
import { waitFor } from '../support/wait.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';

const GENERATOR = {
  id: 'gen',
  reference: 'bars',
  input: [{ id: 'in', address: 'testsrc=size=160x120:rate=10', options: ['-re', '-f', 'lavfi'] }],
  output: [{ id: 'out', address: '-', options: ['-f', 'null'] }],
  autostart: true,
};

describe('Processes view', { timeout: 120_000 }, () => {
  const children = new Children();
  let server: Headless;
  let broken: Headless;
  let browser: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await prepareE2e();
    [server, broken] = await Promise.all([startHeadless(['--no-persist'], { children }), startHeadless(['--no-persist', '--ffmpeg', '/nonexistent/ffmpeg'], { children })]);
    ({ browser, page } = await openPage(pageErrors));
  }, 120_000);

  afterAll(async () => {
    await closeE2e(browser, children);
  });

  const rowState = (id: string): Promise<string | null> => page.getAttribute(`[data-testid="process-row"][data-id="${id}"]`, 'data-exec').catch(() => null);

  it('creates a process from JSON, shows it running with its log, stops and deletes it', async () => {
    await page.goto(`${server.url}/ui/#processes`);
    await page.waitForSelector('[data-testid="ffmpeg-version"]');
    await page.fill('[data-testid="process-json"]', JSON.stringify(GENERATOR));
    await page.click('[data-testid="process-create"]');
    await waitFor(async () => (await rowState('gen')) === 'running', 'the process running', 20_000, 200);
    await page.click('[data-testid="process-row"][data-id="gen"] button.link');
    await waitFor(async () => /Output #0, null/.test((await page.textContent('[data-testid="process-log"]')) ?? ''), 'the log tail', 10_000, 200);
    await page.screenshot({ path: join(SCREENSHOTS, 'processes-running.png'), fullPage: true });

    // "Sessions" opens the Sessions view searching for the process id (its ffmpeg session, the sessions it marked).
    await page.click('[data-testid="process-row"][data-id="gen"] [data-testid="process-sessions"]');
    await page.waitForSelector('[data-testid="view-sessions"]');
    expect(await page.inputValue('[data-search]')).toBe('gen');
    await page.click('[data-testid="nav-processes"]');
    await page.waitForSelector('[data-testid="process-row"][data-id="gen"]');

    await page.click('[data-testid="process-row"][data-id="gen"] [data-testid="process-stop"]');
    await waitFor(async () => (await rowState('gen')) === 'finished', 'the process stopped', 15_000, 200);
    expect(await page.textContent('[data-testid="process-row"][data-id="gen"] [data-testid="process-reason"]')).toBe('stopped by command');

    await page.click('[data-testid="process-row"][data-id="gen"] [data-testid="process-delete"]');
    expect(await rowState('gen')).toBe('finished'); // the first click only asks
    await page.click('[data-testid="process-row"][data-id="gen"] [data-testid="process-delete-confirm"]');
    await waitFor(async () => (await page.$('[data-testid="process-row"][data-id="gen"]')) === null, 'the row gone', 10_000, 200);
    const list = (await (await fetch(`${server.url}/api/v3/process`)).json()) as unknown[];
    expect(list).toEqual([]);
  });

  it('shows a refused configuration as a message and creates nothing', async () => {
    await page.fill('[data-testid="process-json"]', JSON.stringify({ ...GENERATOR, output: [{ address: '/etc/evil.mp4' }] }));
    await page.click('[data-testid="process-create"]');
    await waitFor(async () => /writes outside memfs and the disk folder/.test((await page.textContent('[data-testid="process-create-message"]')) ?? ''), 'the message', 10_000, 200);
    expect(await page.$$('[data-testid="process-row"]')).toHaveLength(0);
  });

  it('says so clearly when the FFmpeg binary is missing: view, API and process state', async () => {
    const skills = await fetch(`${broken.url}/api/v3/skills`);
    expect(skills.status).toBe(503);
    expect(((await skills.json()) as { details: string[] }).details[0]).toMatch(/FFmpeg not found: "\/nonexistent\/ffmpeg"/);
    const created = await fetch(`${broken.url}/api/v3/process`, { method: 'POST', body: JSON.stringify(GENERATOR) });
    expect(created.status).toBe(200);
    const state = await waitFor(async () => {
      const s = (await (await fetch(`${broken.url}/api/v3/process/gen/state`)).json()) as { exec: string; exit_reason: string };
      return s.exec === 'failed' ? s : undefined;
    }, 'the process failed', 10_000, 200);
    expect(state.exit_reason).toMatch(/FFmpeg not found/);

    await page.goto(`${broken.url}/ui/#processes`);
    await page.waitForSelector('[data-testid="ffmpeg-problem"]');
    expect(await page.textContent('[data-testid="ffmpeg-problem"]')).toMatch(/FFmpeg not found: "\/nonexistent\/ffmpeg" \(install ffmpeg, or choose one with --ffmpeg PATH\)/);
    await waitFor(async () => (await rowState('gen')) === 'failed', 'the failed row', 10_000, 200);
    await page.screenshot({ path: join(SCREENSHOTS, 'processes-no-ffmpeg.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
