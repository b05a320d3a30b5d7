/**
 * Credentials to cluster nodes on other hosts (issue 10), end to end: the real headless server watches a cluster
 * leader (a test Core, `--core` with credentials) whose cluster lists a node under another host name (`localhost`
 * instead of the leader's `127.0.0.1`). In Chromium, "Add selected" asks before the leader's username and password go
 * there: a "no" adds nothing and sends nothing (no login reaches the node), a "yes" adds the node, which logs in.
 */
import { existsSync, rmSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCore, type TestCore } from '../support/test-core.ts';
import { waitFor } from '../support/wait.ts';
import { buildRenderer, CHROMIUM, closeE2e, openPage, type TestBrowser } from './support.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';

// The waitForFunction callback runs in Chromium; the node tsconfig has no DOM lib.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const ready = existsSync(CHROMIUM);

describe.skipIf(!ready)('cluster nodes on another host need the user\'s yes', () => {
  const children = new Children();
  let server: Headless;
  let node: TestCore;
  let leader: TestCore;
  let browser: TestBrowser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await buildRenderer();
    node = await startTestCore({ coreName: 'Far Node', coreId: 'far-node', failedLoginDelayMs: 100 });
    const farUrl = node.url.replace('127.0.0.1', 'localhost');
    leader = await startTestCore({ coreName: 'Leader', coreId: 'leader', failedLoginDelayMs: 100, cluster: { id: 'c', nodes: [{ id: 'far', name: 'far', core: { address: farUrl } }] } });
    server = await startHeadless(['--no-persist', '--core', leader.urlWithCredentials, '--poll-interval', '300'], { children });
    ({ browser, page } = await openPage(pageErrors));
  }, 120_000);

  afterAll(async () => {
    await closeE2e(browser, children);
    await leader?.close();
    await node?.close();
    if (server) rmSync(server.dataDir, { recursive: true, force: true });
  }, 30_000);

  it('"no" sends nothing and adds nothing; "yes" adds the node, which logs in with the leader\'s credentials', async () => {
    await page.goto(`${server.url}/`);
    await page.click('[data-testid="nav-cores"]');
    const leaderId = new URL(leader.url).host;
    await page.waitForSelector(`[data-testid="core-cluster-${leaderId}"]`, { timeout: 15_000 }); // shown once online
    await page.click(`[data-testid="core-cluster-${leaderId}"]`);
    await page.waitForSelector('[data-testid="cluster-node-far"]', { timeout: 10_000 });

    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.click('[data-testid="cluster-add"]');
    await page.waitForSelector('[data-testid="cluster-result"]', { timeout: 10_000 });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toContain('localhost');
    expect(asked[0]).toContain('username and password');
    expect(await page.textContent('[data-testid="cluster-result"]')).toContain('not sent');
    expect(await page.textContent('[data-testid="cluster-node-far"]')).toContain('no');
    expect(node.loginsOk + node.loginsFailed).toBe(0);

    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.accept();
    });
    await page.click('[data-testid="cluster-add"]');
    await page.waitForFunction(() => /^Added/.test(document.querySelector('[data-testid="cluster-result"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    expect(asked).toHaveLength(2);
    expect(await page.textContent('[data-testid="cluster-node-far"]')).toContain('yes');
    await waitFor(() => node.loginsOk > 0, 'a login on the far node', 15_000, 100);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
