/**
 * The app's own FFmpeg processes are not people, wherever people are counted (issue 16, allchart, stop 36): the local
 * core with a real RTMP publisher `cam`, a person's RTMP player, and a process that pulls `{rtmp,name=cam}` (its RTMP
 * player session is marked as the app's own) and writes `{memfs}/relay.m3u8` (its HLS ingest, marked as the app's own
 * too since ownhls: the upload comes in on the process's counting relay). The header counts 2 users: the publisher and
 * the player. Checked against it, in Chromium and over the API: the Overview "Users" chart with "All" (its label's
 * "now"), live and after a reload (the back-fill from the server's history), `/metrics`' `core_sessions_core_sessions`,
 * and the time series' viewers of `cam` (History's audience and the traffic report read them). The stream `relay`,
 * which no person publishes to, is live with the process's ingest; `cam`'s one publisher is the encoder (ownhls).
 * Screenshot: test-output/screenshots/own-processes-overview.png.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimeseriesResult } from '../../src/shared/timeseries.ts';
import { Children } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';
import { sleep, waitFor } from '../support/wait.ts';
import { closeE2e, createRestreamToHls, openPage, prepareE2e, rtmpPlayerArgs, rtmpPublisherArgs, SCREENSHOTS, type TestBrowser } from './support.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const children = new Children();
const pageErrors: string[] = [];
let h: Headless;
let browser: TestBrowser;
let page: Page;
/** What the last check of a `waitFor` read, named when it times out. */
let seen = '';

/** The people of this setup: the RTMP publisher and the person's RTMP player (the process's two sessions are no users). */
const USERS = 2;

interface ActiveSession {
  local: string;
  extra: string;
}

/** The header's users and the Overview sessions chart's label, read at one moment (run in the page). */
function readUsers(): { header: number; chart: string } {
  const b = document.querySelector('[data-testid="totals"] b');
  const chart = document.querySelector('[data-testid="chart-sessions"]');
  return { header: Number((b?.textContent ?? 'NaN').replace(/,/g, '')), chart: chart?.getAttribute('aria-label') ?? '' };
}

/**
 * Waits until the header shows USERS users and the chart reads the same now, then reads both for 3 s (three updates
 * or more): every read must agree, so one lucky moment does not pass. Returns the reads.
 */
async function chartAgreesWithHeader(what: string): Promise<{ header: number; chart: string }[]> {
  const read = async (): Promise<{ header: number; chart: string }> => (await page.evaluate(`(${readUsers.toString()})()`)) as { header: number; chart: string };
  await waitFor(
    async () => {
      const r = await read();
      seen = JSON.stringify(r);
      return r.header === USERS && r.chart.endsWith(`, now ${USERS}`);
    },
    () => `${what}: the header's ${USERS} users and the "Users" chart's now agree (last read ${seen})`,
    20_000,
    200,
  );
  const reads: { header: number; chart: string }[] = [];
  for (let i = 0; i < 7; i++) {
    reads.push(await read());
    await sleep(500);
  }
  expect(reads.map((r) => `${r.header} ${/now (\S+)$/.exec(r.chart)?.[1]}`), what).toEqual(reads.map(() => `${USERS} ${USERS}`));
  return reads;
}

beforeAll(async () => {
  await prepareE2e();
  h = await startHeadless(['--no-persist', '--srt', 'off', '--timeseries-interval-sec', '1'], { children });
  ({ browser, page } = await openPage(pageErrors));
}, 120_000);

afterAll(async () => {
  await closeE2e(browser, children);
});

describe('own FFmpeg processes are not counted as people (headless server, real ffmpeg, Chromium)', () => {
  it('the Overview chart with "All", /metrics and the time series count the users the header counts', async () => {
    children.spawn('timeout', rtmpPublisherArgs(`${h.rtmpUrl}/live/cam`));
    const active = async (collectors: string): Promise<Record<string, ActiveSession[] | undefined>> =>
      (await (await fetch(`${h.url}/api/v3/session/active?collectors=${collectors}`)).json()) as Record<string, ActiveSession[] | undefined>;
    await waitFor(async () => (await active('rtmp')).rtmp?.some((s) => s.local === 'publish:/live/cam'), 'the publisher', 30_000, 200);
    children.spawn('timeout', rtmpPlayerArgs(`${h.rtmpUrl}/live/cam`));
    const created = await createRestreamToHls(h.url, 'relay', 'cam');
    expect(created.status).toBe(200);
    // Running: two RTMP players of cam (the person's and the process's, marked `ffmpeg:relay`) and the HLS ingest,
    // marked as the process's too (ownhls; before, its `extra` was FFmpeg's User-Agent).
    await waitFor(
      async () => {
        const s = await active('rtmp,hlsingress');
        const players = (s.rtmp ?? []).filter((x) => x.local === 'play:/live/cam');
        return players.length === 2 && players.filter((x) => x.extra === 'ffmpeg:relay').length === 1 && (s.hlsingress ?? []).length === 1;
      },
      'the process running, its RTMP player marked, its HLS ingest',
      30_000,
      200,
    );
    expect((await active('hlsingress')).hlsingress?.map((x) => x.extra)).toEqual(['ffmpeg:relay']);

    await page.goto(`${h.url}/ui/#overview`);
    await page.waitForSelector('[data-testid="view-overview"]');
    const live = await chartAgreesWithHeader('live');
    expect(live[0]!.chart).toMatch(/^users over the last 10 minutes/);
    // The RTMP card counts its 3 sessions as Core does, and says which of them is a process (the header leaves it out).
    expect(await page.textContent('[data-testid="card-rtmp"] [data-testid="card-sessions"]')).toMatch(/^3/);
    expect(await page.textContent('[data-testid="card-rtmp"] [data-testid="card-process-sessions"] b')).toBe('1');
    await page.screenshot({ path: join(SCREENSHOTS, 'own-processes-overview.png'), fullPage: true });
    // A reload draws the chart from the server's history first (metrics:history), then the pushes extend it.
    await page.reload();
    await page.waitForSelector('[data-testid="view-overview"]');
    await chartAgreesWithHeader('after a reload');

    // The server's history itself: its newest sample of each people collector with its own processes' sessions.
    const history = (await (await fetch(`${h.url}/api/ui/invoke/metrics:history`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' })).json()) as {
      value: { series: { core: string; collector: string; activeSessions: (number | null)[]; processSessions: (number | null)[] }[] };
    };
    const newest = (xs: (number | null)[]): number => xs[xs.length - 1] ?? 0;
    const rtmp = history.value.series.find((s) => s.collector === 'rtmp')!;
    expect([newest(rtmp.activeSessions), newest(rtmp.processSessions)]).toEqual([3, 1]);
    const hlsingress = history.value.series.find((s) => s.collector === 'hlsingress')!;
    expect([newest(hlsingress.activeSessions), newest(hlsingress.processSessions)]).toEqual([1, 1]);

    // The streams: `cam`'s one publisher is the encoder (RTMP, its rate); `relay`, which no person publishes to, is live
    // by the process's upload (HLS ingest, its rate), no viewer.
    const streams = ((await (await fetch(`${h.url}/api/streams`)).json()) as { streams: { key: string; state: string; publishers: number; ingestProtocol: string | null; ingestBitsPerSec: number; viewersTotal: number }[] }).streams;
    const brief = (key: string): unknown => {
      const r = streams.find((x) => x.key === key);
      return r && { state: r.state, publishers: r.publishers, ingestProtocol: r.ingestProtocol, ingesting: r.ingestBitsPerSec > 0, viewers: r.viewersTotal };
    };
    expect(brief('cam')).toEqual({ state: 'live', publishers: 1, ingestProtocol: 'rtmp', ingesting: true, viewers: 1 });
    expect(brief('relay')).toEqual({ state: 'live', publishers: 1, ingestProtocol: 'hlsingress', ingesting: true, viewers: 0 });

    // Prometheus: the core's people are the header's.
    await waitFor(
      async () => {
        const text = await (await fetch(`${h.url}/metrics`)).text();
        seen = /^core_sessions_core_sessions\{.*$/m.exec(text)?.[0] ?? '(none)';
        return new RegExp(` ${USERS}$`).test(seen);
      },
      () => `core_sessions_core_sessions ${USERS} (last read ${seen})`,
      10_000,
      250,
    );

    // The time series (History's audience, the report's viewer-hours and peak): cam has one viewer, the person.
    const from = Date.now() - 4000;
    const series = (await (await fetch(`${h.url}/api/timeseries?core=local&stream=cam&from=${from}&to=${Date.now()}&step=1s`)).json()) as TimeseriesResult;
    const peaks = series.viewersPeak.filter((v): v is number => v !== null);
    expect(peaks.length).toBeGreaterThan(0);
    expect(Math.max(...peaks)).toBe(1);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
