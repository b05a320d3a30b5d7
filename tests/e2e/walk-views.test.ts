/**
 * An operator's walk through the views stop 35's walk left (issue 16, walk2, stop 36): Processes, Alerts, History and
 * Cores, with real ffmpeg traffic on the local core and two remote test Cores (tests/support/test-core.ts).
 * - Processes: the first template (RTMP `cam` → HLS in memfs) created as is; it runs with its log tail showing its
 *   newest lines; its sessions in Sessions; on the Streams page `cam` has no viewer from it and one publisher, the
 *   encoder, whose RTMP rate is its ingest (its HLS upload is the process's, ownhls). The publisher leaves: the
 *   process fails and waits to restart, and offers Stop, which ends the restart loop; the publisher back, Start.
 * - Alerts: a webhook saved, then a rule made in the editor (HLS sessions on this computer above 0), fired by a real
 *   HLS player of the process's output; the receiver gets the raise; acknowledged, then muted.
 * - History: the stream's 1 h chart and the traffic report count that one viewer, not the process reading the stream;
 *   a first day after the last shows the message and no rows.
 * - Cores: a second Core added as host:port, renamed, refused (unreachable, no round trip shown, the row in the window
 *   at 1024 px), back online, removed.
 * Screenshots at 1440 and 1024 px, light and dark: test-output/screenshots/walk2-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Children, type TrackedChild } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';
import { startTestCore, type TestCore } from '../support/test-core.ts';
import { waitFor } from '../support/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';
import { clipProblems, closeE2e, hlsPlayerArgs, openPage, prepareE2e, rtmpPublisherArgs, shotsAtBothWidths, type TestBrowser } from './support.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

interface Delivery {
  event: string;
  alert: { ruleId: string; kind: string; core: string; collector?: string; message: string };
}

const children = new Children();
const pageErrors: string[] = [];
let remote: TestCore;
let second: TestCore;
let h: Headless;
let browser: TestBrowser;
let page: Page;
let receiver: WebhookReceiver<Delivery>;
/** What the last check of a `waitFor` read, named when it times out. */
let seen = '';

async function go(view: string): Promise<void> {
  await page.click(`[data-testid="nav-${view}"]`); // not the digit keys: the focus may be in a field
  await page.waitForSelector(`[data-testid="nav-${view}"][aria-current="page"]`, { timeout: 5000 });
}

/** The process row's state, its state column's text and its buttons' names (the words, shown or not: procview). */
async function processRow(id: string): Promise<{ exec: string; state: string; buttons: string[] } | null> {
  return page.evaluate((pid) => {
    const tr = document.querySelector(`[data-testid="process-row"][data-id="${pid}"]`);
    if (!tr) return null;
    return {
      exec: tr.getAttribute('data-exec') as string,
      state: (tr.children[2].textContent as string).trim(),
      buttons: [...tr.querySelectorAll('.actions button')].map((b: { textContent: string; getAttribute: (n: string) => string | null }) => b.getAttribute('aria-label') ?? b.textContent),
    };
  }, id);
}

/** The local stream `key` as `/api/streams` has it (the Streams view's row). */
interface StreamRead {
  publishers: number;
  ingestProtocol: string | null;
  viewersTotal: number;
  processes: number;
  peakViewersToday: number;
}

async function streamRow(key: string): Promise<StreamRead | undefined> {
  const s = ((await (await fetch(`${h.url}/api/streams`)).json()) as { streams: (StreamRead & { core: string; key: string })[] }).streams;
  return s.find((r) => r.core === 'local' && r.key === key);
}

function publish(): TrackedChild {
  return children.spawn('timeout', rtmpPublisherArgs(`${h.rtmpUrl}/live/cam`));
}

beforeAll(async () => {
  await prepareE2e();
  receiver = await startWebhookReceiver<Delivery>();
  [remote, second] = await Promise.all([
    startTestCore({ auth: true, phase: 'snap-02', coreName: 'Studio Remote', coreId: 'studio-remote' }),
    startTestCore({ auth: true, phase: 'snap-01', coreName: 'Studio B', coreId: 'studio-b', failedLoginDelayMs: 100 }),
  ]);
  h = await startHeadless(['--core', remote.urlWithCredentials, '--poll-interval', '1000', '--timeseries-interval-sec', '1'], { children });
  ({ browser, page } = await openPage(pageErrors));
}, 120_000);

afterAll(async () => {
  await closeE2e(browser, children);
  await Promise.all([remote?.close(), second?.close()]);
  await receiver?.close();
});

describe("an operator's walk through Processes, Alerts, History and Cores (headless server, real ffmpeg, two remote Cores, Chromium)", () => {
  it('a restream made from the template, an alert fired by its viewer, the history of both, a Core added, refused and removed', async () => {
    const publisher = publish();
    await page.goto(`${h.url}/`);
    await waitFor(async () => (await streamRow('cam'))?.publishers === 1, 'the publisher of cam', 20_000, 200);

    // Alerts: the webhook first, then a rule an HLS viewer of this computer fires.
    await go('alerts');
    await page.fill('[data-testid="alert-webhook-url"]', receiver.url);
    await page.click('[data-testid="alert-webhook-save"]');
    await waitFor(async () => (await page.textContent('[data-testid="alert-editor-status"]')) === 'Webhook saved.', 'the webhook saved', 5000, 100);
    await page.fill('[data-testid="alert-draft-id"]', 'cam-watched');
    await page.selectOption('[data-testid="alert-draft-kind"]', 'sessions-above');
    await page.fill('[data-testid="alert-draft-core"]', 'local');
    await page.fill('[data-testid="alert-draft-collector"]', 'hls');
    await page.fill('[data-testid="alert-draft-raise"]', '0');
    await page.click('[data-testid="alert-draft-add"]');
    await waitFor(async () => (await page.textContent('[data-testid="alert-editor-status"]')) === 'Rule "cam-watched" added and active.', 'the rule added', 5000, 100);
    expect(await page.textContent('[data-testid="alerts-active-count"]')).toBe('0');

    // Processes: the first template as it is: cam pulled from the local RTMP server into HLS in memfs.
    await go('processes');
    await page.waitForSelector('[data-testid="ffmpeg-version"]');
    await page.click('[data-testid="process-create"]');
    await waitFor(async () => (await processRow('cam-hls'))?.exec === 'running', 'cam-hls running', 20_000, 200);
    await page.click('[data-testid="process-row"][data-id="cam-hls"] button.link');
    // The log tail shows its newest lines: scrolled to its end once it holds more than it shows.
    const log = await waitFor(async () => {
      const l = await page.evaluate(() => {
        const el = document.querySelector('[data-testid="process-log"]');
        return { scrolls: el.scrollHeight > el.clientHeight + 4, atEnd: el.scrollTop + el.clientHeight >= el.scrollHeight - 4, text: el.textContent as string };
      });
      seen = JSON.stringify({ ...l, text: l.text.slice(-300) });
      return l.scrolls && /Opening '.*cam\d+\.ts' for writing/.test(l.text) ? l : undefined;
    }, () => `a log tail longer than its box; last read ${seen}`, 20_000, 250);
    expect(log.atEnd, 'the log tail at its newest line').toBe(true);
    await shotsAtBothWidths(page, 'walk2-processes-running');

    // Its sessions: its RTMP play and its HLS upload, found by its id (the upload is marked as the process's since
    // ownhls). No ffmpeg session: every byte it moves goes through the core's own servers, which count it (edgebytes).
    // On Streams, cam has no viewer yet, and one publisher: the encoder (RTMP), not the upload.
    await page.click('[data-testid="process-row"][data-id="cam-hls"] [data-testid="process-sessions"]');
    await page.waitForSelector('[data-testid="view-sessions"]');
    await waitFor(async () => /^2 of \d+ sessions$/.test((await page.textContent('[data-testid="sessions-count"]')) ?? ''), 'the process\'s 2 sessions', 10_000, 200);
    await waitFor(async () => ((await streamRow('cam'))?.processes ?? 0) >= 2, 'cam with the process', 10_000, 200);
    expect(await streamRow('cam')).toMatchObject({ viewersTotal: 0, peakViewersToday: 0, publishers: 1, ingestProtocol: 'rtmp' });

    // An HLS player of the process's output fires the rule; the webhook receives the raise; acknowledged, muted.
    children.spawn('timeout', hlsPlayerArgs(h.url, 'cam', 'viewer-a'));
    await go('alerts');
    await page.waitForSelector('[data-testid="alerts-active"] [data-testid="alert-row"][data-kind="sessions-above"]', { timeout: 20_000 });
    expect(await page.textContent('[data-testid="alerts-badge"]')).toBe('1');
    await waitFor(() => receiver.deliveries.find((d) => d.event === 'raised' && d.alert.ruleId === 'cam-watched'), 'the raise at the webhook', 10_000, 100);
    await page.click('[data-testid="alert-acknowledge"]');
    await page.waitForSelector('[data-testid="alert-acknowledged"]');
    await page.click('[data-testid="alert-mute-rule"]');
    await page.waitForSelector('[data-testid="alert-muted"]');
    await page.waitForSelector('[data-testid="alert-rule"][data-rule="cam-watched"] [data-testid="alert-rule-muted"]');
    expect(await clipProblems(page)).toEqual([]);
    await shotsAtBothWidths(page, 'walk2-alerts');

    // History: cam's 1 h chart and today's report count the one HLS viewer, not the process that reads cam.
    await waitFor(async () => (await streamRow('cam'))?.viewersTotal === 1, 'cam watched by one', 20_000, 200);
    await page.waitForTimeout(3000); // a few samples of the time series (one per second here)
    await go('streams');
    await page.click('[data-testid="stream-row-cam"] button.link');
    await page.click('[data-testid="stream-range-1h"]');
    // One read of the answer to the 1 h asked (not a stale one): its points and its peak together.
    const chart = await waitFor(
      async () => {
        const figures = await page.$eval('[data-testid="stream-history-charts"]:not([data-stale])', (el) => [Number(el.getAttribute('data-points')), Number(el.getAttribute('data-peak-viewers'))]).catch(() => [0, 0]);
        return figures[0]! > 0 ? figures : undefined;
      },
      'the 1 h chart',
      10_000,
      200,
    );
    expect(chart[1]).toBe(1);
    await go('history');
    const report = await waitFor(async () => {
      const rows = await page.evaluate(() =>
        [...document.querySelectorAll('[data-testid="report-row"]')].map((tr: { querySelectorAll(s: string): ArrayLike<{ textContent: string }> }) => [...(tr.querySelectorAll('td') as unknown as { textContent: string }[])].map((c) => c.textContent)),
      );
      seen = JSON.stringify(rows);
      // Columns: day, core, stream, egress, ingress, viewer-hours, peak, unique.
      return rows.find((c) => c[1] === 'This computer' && c[2] === 'cam');
    }, () => `cam in the report; last read ${seen}`, 10_000, 300);
    expect(report[6], 'cam\'s peak viewers today').toBe('1');
    await shotsAtBothWidths(page, 'walk2-history');
    // A first day after the last: the message, and not the last range's rows under it as if they were this range's.
    const tomorrow = new Date(Date.now() + 86_400_000);
    await page.fill('[data-testid="report-from"]', `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`);
    await page.waitForSelector('text=Choose a first day before the last day.', { timeout: 5000 });
    expect(await page.$$('[data-testid="report-row"], [data-testid="report-totals"]')).toHaveLength(0);

    // The publisher leaves: the process reaches the end of its input, then fails while cam has no publisher, and waits
    // to restart. It offers Stop, which ends the loop; with the publisher back, Start runs it again.
    publisher.kill('SIGTERM'); // timeout passes it on to its ffmpeg
    await go('processes');
    const waiting = await waitFor(async () => {
      const r = await processRow('cam-hls');
      seen = JSON.stringify(r);
      return r && /restart in \d+ s/.test(r.state) ? r : undefined;
    }, () => `cam-hls waiting to restart; last read ${seen}`, 20_000, 200);
    expect(waiting.buttons).toContain('Stop');
    await shotsAtBothWidths(page, 'walk2-processes-input-gone');
    await page.click('[data-testid="process-row"][data-id="cam-hls"] [data-testid="process-stop"]');
    await waitFor(async () => {
      const r = await processRow('cam-hls');
      return r && !/restart in/.test(r.state) && r.buttons.includes('Start');
    }, 'the restart loop ended', 5000, 100);
    const stopped = ((await (await fetch(`${h.url}/api/v3/process/cam-hls/state`)).json()) as { order: string; reconnect_seconds: number });
    expect(stopped).toMatchObject({ order: 'stop', reconnect_seconds: -1 });
    publish();
    await waitFor(async () => (await streamRow('cam'))?.publishers === 1, 'the publisher back', 20_000, 200);
    await page.click('[data-testid="process-row"][data-id="cam-hls"] [data-testid="process-start"]');
    await waitFor(async () => (await processRow('cam-hls'))?.exec === 'running', 'cam-hls running again', 20_000, 200);

    // Cores: a second Core added by host:port with its login, tested, saved, renamed.
    await go('cores');
    await page.click('[data-testid="core-add"]');
    await page.fill('[data-testid="core-form-name"]', 'Second studio');
    await page.fill('[data-testid="core-form-url"]', `127.0.0.1:${second.port}`);
    await page.fill('[data-testid="core-form-username"]', 'admin');
    await page.fill('[data-testid="core-form-password"]', 'datarhei');
    await page.click('[data-testid="core-form-test"]');
    await waitFor(async () => /^OK: Studio B 16\.14\.0, /.test((await page.textContent('[data-testid="core-form-result"]', { timeout: 1000 })) ?? ''), 'the test OK', 10_000, 100);
    await page.click('[data-testid="core-form-save"]');
    const row = 'tr[data-testid^="core-row-"]:has-text("Second studio")';
    await waitFor(async () => (await page.textContent(`${row} .badge`, { timeout: 1000 })) === 'online', 'the second Core online', 15_000, 200);
    const id = ((await page.getAttribute(row, 'data-testid')) ?? '').slice('core-row-'.length);
    await page.click(`[data-testid="core-edit-${id}"]`);
    await page.fill('[data-testid="core-form-name"]', 'Studio B (backup)');
    await page.click('[data-testid="core-form-save"]');
    await page.waitForSelector(`[data-testid="core-row-${id}"]:has-text("Studio B (backup)")`);

    // It refuses: unreachable, its error in the row, no round trip shown beside it, and the row fits at 1024 px.
    await second.refuse();
    const down = await waitFor(async () => {
      const cells = await page.evaluate((rowId) => [...document.querySelectorAll(`[data-testid="core-row-${rowId}"] td`)].map((td: { textContent: string }) => td.textContent), id);
      seen = JSON.stringify(cells);
      // Columns: name, state, address, version, round trip, last success, last error.
      return cells[1] === 'unreachable' && /connection refused/.test(cells[6] ?? '') ? cells : undefined;
    }, () => `the second Core unreachable; last read ${seen}`, 20_000, 200);
    expect(down[4], 'no round trip beside "unreachable"').toBe('–');
    await page.setViewportSize({ width: 1024, height: 900 });
    await page.waitForTimeout(150);
    expect(await clipProblems(page)).toEqual([]);
    await shotsAtBothWidths(page, 'walk2-cores-refused');
    await second.accept();
    await waitFor(async () => (await page.textContent(`[data-testid="core-row-${id}"] .badge`)) === 'online', 'the second Core back online', 30_000, 250);
    await page.click(`[data-testid="core-remove-${id}"]`);
    await page.click(`[data-testid="core-remove-confirm-${id}"]`);
    await waitFor(async () => (await page.$(`[data-testid="core-row-${id}"]`)) === null, 'the second Core removed', 5000, 100);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
