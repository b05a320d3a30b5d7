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

  it("edits a running process's configuration: the form filled in, a refused change said and nothing changed, a saved one restarts it (issue 16, procview)", async () => {
    await page.goto(`${server.url}/ui/#processes`);
    await page.waitForSelector('[data-testid="ffmpeg-version"]');
    await page.fill('[data-testid="process-json"]', JSON.stringify(GENERATOR));
    await page.click('[data-testid="process-create"]');
    await waitFor(async () => (await rowState('gen')) === 'running', 'the process running', 20_000, 200);
    const pidOf = async (): Promise<number> => ((await (await fetch(`${server.url}/api/v3/process/gen/state`)).json()) as { pid: number }).pid;
    const firstPid = await waitFor(async () => ((await pidOf()) > 0 ? pidOf() : undefined), 'the pid', 10_000, 200);

    await page.click('[data-testid="process-row"][data-id="gen"] [data-testid="process-edit"]');
    await page.waitForSelector('[data-testid="process-form"][data-editing="gen"]');
    expect(await page.textContent('[data-testid="process-form"] h2')).toBe('Edit gen');
    const shown = JSON.parse(await page.inputValue('[data-testid="process-json"]')) as Record<string, unknown>;
    expect(shown).toMatchObject({ id: 'gen', reference: 'bars', input: [{ address: 'testsrc=size=160x120:rate=10' }] });
    await page.screenshot({ path: join(SCREENSHOTS, 'processes-edit.png'), fullPage: true });

    // Refused as a new configuration would be: said in the form, the process as it was, still running.
    await page.fill('[data-testid="process-json"]', JSON.stringify({ ...shown, output: [{ address: '/etc/evil.mp4' }] }));
    await page.click('[data-testid="process-create"]');
    await waitFor(async () => /writes outside memfs and the disk folder/.test((await page.textContent('[data-testid="process-create-message"]')) ?? ''), 'the refusal', 10_000, 200);
    expect(await page.getAttribute('[data-testid="process-create-message"]', 'role')).toBe('alert');
    expect(await page.$('[data-testid="process-form"][data-editing="gen"]')).not.toBeNull();
    expect(await pidOf()).toBe(firstPid);

    // Saved: the row shows the new reference, FFmpeg restarted with it (Core's update of a started process).
    await page.fill('[data-testid="process-json"]', JSON.stringify({ ...shown, reference: 'colour', input: [{ id: 'in', address: 'testsrc=size=160x120:rate=5', options: ['-re', '-f', 'lavfi'] }] }));
    await page.click('[data-testid="process-create"]');
    await waitFor(async () => (await page.textContent('[data-testid="process-row"][data-id="gen"] td:nth-child(2)')) === 'colour', 'the new reference', 10_000, 200);
    expect(await page.textContent('[data-testid="process-create-message"]')).toBe('saved gen');
    expect(await page.textContent('[data-testid="process-form"] h2')).toBe('New process');
    await waitFor(async () => (await rowState('gen')) === 'running' && (await pidOf()) > 0 && (await pidOf()) !== firstPid, 'FFmpeg restarted', 15_000, 200);
    const config = (await (await fetch(`${server.url}/api/v3/process/gen/config`)).json()) as { reference: string; input: { address: string }[] };
    expect(config).toMatchObject({ reference: 'colour', input: [{ address: 'testsrc=size=160x120:rate=5' }] });

    // Cancel leaves an edit unsaved.
    await page.click('[data-testid="process-row"][data-id="gen"] [data-testid="process-edit"]');
    await page.waitForSelector('[data-testid="process-form"][data-editing="gen"]');
    await page.click('[data-testid="process-edit-cancel"]');
    await page.waitForSelector('[data-testid="process-form"]:not([data-editing])');

    await page.click('[data-testid="process-row"][data-id="gen"] [data-testid="process-delete"]');
    await page.click('[data-testid="process-row"][data-id="gen"] [data-testid="process-delete-confirm"]');
    await waitFor(async () => (await page.$('[data-testid="process-row"][data-id="gen"]')) === null, 'the row gone', 10_000, 200);
    expect(pageErrors).toEqual([]);
  });

  it('shows a refused configuration as a message and creates nothing', async () => {
    await page.fill('[data-testid="process-json"]', JSON.stringify({ ...GENERATOR, output: [{ address: '/etc/evil.mp4' }] }));
    await page.click('[data-testid="process-create"]');
    await waitFor(async () => /writes outside memfs and the disk folder/.test((await page.textContent('[data-testid="process-create-message"]')) ?? ''), 'the message', 10_000, 200);
    expect(await page.$$('[data-testid="process-row"]')).toHaveLength(0);
    // With API auth off the page is anonymous: a filter outside the restreaming profile is refused, and the form says
    // which, why, and how to get full FFmpeg (security, procaccess, stop 38).
    const drawtext = { ...GENERATOR, output: [{ address: '-', options: ['-vf', 'drawtext=textfile=/etc/passwd', '-f', 'null'] }] };
    await page.fill('[data-testid="process-json"]', JSON.stringify(drawtext));
    await page.click('[data-testid="process-create"]');
    await waitFor(async () => /filter "drawtext", which is not in the restreaming profile: .*start the app with --auth and log in, or use the desktop app/.test((await page.textContent('[data-testid="process-create-message"]')) ?? ''), 'the profile message', 10_000, 200);
    expect(await page.getAttribute('[data-testid="process-create-message"]', 'role')).toBe('alert');
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
