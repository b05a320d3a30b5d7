/**
 * An operator's walk through the views with real traffic (issue 16, stop 35): ffmpeg publishers and players of RTMP,
 * SRT and HLS (an HLS ingest into /memfs) on the local core, and a remote test Core. Each check reads the numbers of
 * two places in one `page.evaluate` (one moment) and checks they add up: the header's users against the Streams rows,
 * the Overview cards and the Sessions chips; the header's rx and tx against the cards; a Streams row against its
 * stream page and the page's sessions; the Sessions count against the CSV export; the traffic report's total against
 * its rows. Then the remote Core goes down: the header says its totals are incomplete on every view.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegSrtPublishArgs } from '../main/servers/srt/support.ts';
import { Children } from '../support/children.ts';
import type { Headless } from '../support/headless.ts';
import type { TestCore } from '../support/test-core.ts';
import { waitFor } from '../support/wait.ts';
import { clipProblems, closeTo, hlsPlayerArgs, hlsPublisherArgs, nullPlayerArgs, parseAmount, rtmpPublisherArgs, shotsAtBothWidths, startWalk, type Walk } from './support.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const children = new Children();
const pageErrors: string[] = [];
let remote: TestCore;
let h: Headless;
let srtUrl = '';
let page: Page;
/** What the last check of a `waitFor` read, named when it times out. */
let seen = '';

/** The collectors whose sessions are people and whose bytes count once (src/shared/totals.ts). */
const PEOPLE = ['hls', 'hlsingress', 'rtmp', 'srt'];
const TRAFFIC = [...PEOPLE, 'ffmpeg'];

/** The header's numbers as shown: users counted, rx and tx as texts. */
interface HeaderRead {
  users: number;
  rx: string;
  tx: string;
}

/** The header's numbers (run in the page). */
function readHeader(): HeaderRead {
  const b = [...document.querySelectorAll('[data-testid="totals"] b')].map((e: { textContent: string }) => e.textContent);
  return { users: Number(b[0].replace(/,/g, '')), rx: b[1], tx: b[2] };
}

/**
 * The header and one view's numbers, read by `read` (run in the page) at one moment: one evaluation, so no update
 * lands between the two reads (the functions go to the page as their source, as `page.evaluate` sends a function).
 */
async function atOneMoment<T>(read: () => T): Promise<{ header: HeaderRead; view: T }> {
  return (await page.evaluate(`({ header: (${readHeader.toString()})(), view: (${read.toString()})() })`)) as { header: HeaderRead; view: T };
}

async function go(view: string, key: string): Promise<void> {
  await page.keyboard.press(key); // the view's shortcut (1-8), as an operator switches
  await page.waitForSelector(`[data-testid="nav-${view}"][aria-current="page"]`, { timeout: 5000 });
}

let walk: Walk | undefined;
beforeAll(async () => {
  walk = await startWalk(children, pageErrors);
  ({ remote, h, srtUrl, page } = walk);
}, 120_000);
afterAll(() => walk?.close());

describe('an operator\'s walk (headless server, real ffmpeg, a remote Core, Chromium)', () => {
  it('the numbers of the header, Streams, a stream\'s page, Overview, Sessions, the CSV and the report add up', async () => {
    children.spawn('timeout', rtmpPublisherArgs(`${h.rtmpUrl}/live/cam`));
    children.spawn('timeout', ['60', 'ffmpeg', ...ffmpegSrtPublishArgs(`${srtUrl}?streamid=srtcam,mode:publish`)]);
    children.spawn('timeout', hlsPublisherArgs(h.url, 'hlscam'));
    await waitFor(async () => {
      const s = ((await (await fetch(`${h.url}/api/streams`)).json()) as { streams: { key: string; publishers: number }[] }).streams;
      return ['cam', 'srtcam', 'hlscam'].every((k) => s.find((r) => r.key === k)?.publishers === 1);
    }, 'the three publishers', 30_000, 200);
    for (const v of ['viewer-a', 'viewer-b']) children.spawn('timeout', hlsPlayerArgs(h.url, 'hlscam', v));
    for (let i = 0; i < 2; i++) children.spawn('timeout', nullPlayerArgs(`${h.rtmpUrl}/live/cam`));
    children.spawn('timeout', nullPlayerArgs(`${srtUrl}?streamid=srtcam`));
    await page.goto(`${h.url}/`);

    // Streams: the header's users are the rows' viewers and publishers (one publisher per live stream here), and each
    // row's viewers are its protocols' (one moment: the rows and the header as the page shows them).
    await go('streams', '1');
    const streams = await waitFor(async () => {
      const { header, view } = await atOneMoment(() =>
        [...document.querySelectorAll('[data-testid="streams-table"] tbody tr[data-index]')].map((tr: { children: ArrayLike<unknown> }) =>
          // A cell's text as a reader gets it: its own label, or its button's (the stream's name), the cells are painted.
          [...(tr.children as unknown as { querySelector(s: string): { getAttribute(n: string): string | null } | null; getAttribute(n: string): string | null; textContent: string }[])].map(
            (c) => (c.querySelector('[aria-label]') ?? c).getAttribute('aria-label') ?? c.textContent,
          ),
        ),
      );
      // Columns: stream, core, state, ingest, viewers, HLS, RTMP, SRT, egress, peak today, sparkline.
      const rows = view.map((c) => ({ key: c[0]!, ingest: c[3]!, viewers: Number(c[4]), hls: Number(c[5] || 0), rtmp: Number(c[6] || 0), srt: Number(c[7] || 0) }));
      seen = JSON.stringify({ header, view });
      const local = rows.filter((r) => ['cam', 'srtcam', 'hlscam'].includes(r.key));
      if (local.map((r) => r.viewers).sort().join() !== '1,2,2') return undefined; // every viewer in
      const people = rows.reduce((a, r) => a + r.viewers + (r.ingest === '—' ? 0 : 1), 0);
      return header.users === people && rows.every((r) => r.viewers === r.hls + r.rtmp + r.srt) ? { header, rows } : undefined;
    }, () => `the header's users to equal the Streams rows' viewers and publishers; last read ${seen}`, 45_000, 300);
    expect(streams.rows.find((r) => r.key === 'cam')).toMatchObject({ viewers: 2, rtmp: 2 });
    await shotsAtBothWidths(page, 'walk-streams');

    // A stream's page: its viewers per protocol are the row's, its sessions are its publisher and viewers, and its
    // egress is the sum of its sessions' tx (each shown with three digits).
    await page.click('[data-testid="stream-row-cam"] button.link');
    await page.waitForSelector('[data-testid="stream-page"]');
    await waitFor(async () => {
      const now = await page.evaluate(() => {
        const text = (sel: string): string => document.querySelector(sel)?.textContent ?? '';
        const row = '[data-testid="stream-row-cam"]';
        const label = (sel: string): string => document.querySelector(sel)?.getAttribute('aria-label') ?? '';
        const sessions = [...document.querySelectorAll('[data-testid="stream-sessions"] tbody tr')].map((tr: { querySelectorAll(s: string): ArrayLike<{ textContent: string }> }) =>
          [...(tr.querySelectorAll('td') as unknown as { textContent: string }[])].map((td) => td.textContent),
        );
        return { egress: text('[data-testid="stream-page-egress"]'), rowEgress: label(`${row} [data-testid="stream-egress"]`), page: text('[data-testid="stream-page"]'), sessions };
      });
      seen = JSON.stringify(now);
      // Sessions table columns: collector, role, remote, player, rx, tx.
      const viewers = now.sessions.filter((s) => s[1] === 'viewer');
      const egress = parseAmount(now.egress);
      return (
        now.egress === now.rowEgress &&
        /2 rtmp/.test(now.page) &&
        viewers.length === 2 &&
        now.sessions.filter((s) => s[1] === 'publisher').length === 1 &&
        egress > 0 &&
        closeTo(egress, viewers.map((s) => parseAmount(s[5]!)))
      );
    }, () => `the cam page: the row's egress, 2 RTMP viewers and 1 publisher whose tx add up to its egress; last read ${seen}`, 20_000, 300);
    await page.click('[data-testid="stream-page-close"]');

    // Overview: the cards of the people collectors add up to the header's users, the traffic collectors' rx and tx to
    // its rx and tx (http is left out: it counts HLS again).
    await go('overview', '2');
    await waitFor(async () => {
      const { header, view } = await atOneMoment(() =>
        Object.fromEntries(
          [...document.querySelectorAll('[data-testid^="card-"]')]
            .filter((c: { getAttribute(n: string): string }) => c.getAttribute('data-testid') !== 'card-sessions')
            .map((c: { getAttribute(n: string): string; querySelector(s: string): { textContent: string }; querySelectorAll(s: string): ArrayLike<{ textContent: string }> }) => [
              c.getAttribute('data-testid').slice('card-'.length),
              { sessions: c.querySelector('[data-testid="card-sessions"]').textContent, lines: [...(c.querySelectorAll('.card-line b') as unknown as { textContent: string }[])].map((b) => b.textContent) },
            ]),
        ) as Record<string, { sessions: string; lines: string[] }>,
      );
      seen = JSON.stringify({ header, view });
      const sessions = PEOPLE.reduce((a, c) => a + (view[c] ? parseInt(view[c].sessions.replace(/,/g, ''), 10) : 0), 0);
      const rx = TRAFFIC.filter((c) => view[c]).map((c) => parseAmount(view[c]!.lines[0]!));
      const tx = TRAFFIC.filter((c) => view[c]).map((c) => parseAmount(view[c]!.lines[1]!));
      return sessions === header.users && closeTo(parseAmount(header.rx), rx) && closeTo(parseAmount(header.tx), tx);
    }, () => `the Overview cards to add up to the header; last read ${seen}`, 20_000, 300);
    // The sessions chart with "All" counts what the header counts (people), not the cards' sessions: its caption says so.
    expect(await page.textContent('[data-testid="chart-sessions-caption"]')).toBe('Users (viewers and publishers, as in the header)');
    await shotsAtBothWidths(page, 'walk-overview');

    // Sessions: the chips' counts add up to "N of N sessions"; the people collectors' to the header's users; the CSV
    // export lists the same sessions per collector.
    await go('sessions', '3');
    const counts = await waitFor(async () => {
      const { header, view } = await atOneMoment(() => ({
        count: document.querySelector('[data-testid="sessions-count"]')?.textContent ?? '',
        chips: Object.fromEntries(
          [...document.querySelectorAll('[data-testid^="collector-chip-"]')]
            .filter((c: { getAttribute(n: string): string }) => c.getAttribute('data-testid') !== 'collector-chip-all')
            .map((c: { getAttribute(n: string): string; querySelector(s: string): { textContent: string } | null }) => [c.getAttribute('data-testid').slice('collector-chip-'.length), Number(c.querySelector('.chip-count')?.textContent ?? 0)]),
        ) as Record<string, number>,
      }));
      seen = JSON.stringify({ header, view });
      const m = /^([\d,]+) of ([\d,]+) sessions$/.exec(view.count);
      const total = Number(m?.[2]?.replace(/,/g, ''));
      const chips = Object.values(view.chips).reduce((a, n) => a + n, 0);
      const people = PEOPLE.reduce((a, c) => a + (view.chips[c] ?? 0), 0);
      return m && m[1] === m[2] && chips === total && people === header.users ? view.chips : undefined;
    }, () => `the Sessions chips to add up to the count, and their people to the header; last read ${seen}`, 20_000, 300);
    const csv = await waitFor(async () => {
      const lines = (await (await fetch(`${h.url}/api/export/sessions.csv`)).text()).trim().split(/\r?\n/).slice(1);
      seen = JSON.stringify(lines);
      const perCollector: Record<string, number> = {};
      for (const l of lines) perCollector[l.split(',')[1]!] = (perCollector[l.split(',')[1]!] ?? 0) + 1;
      return Object.entries(counts).every(([c, n]) => (perCollector[c] ?? 0) === n) ? perCollector : undefined;
    }, () => `the CSV export to list the sessions the chips count; last read ${seen}`, 10_000, 500);
    expect(Object.values(csv).reduce((a, n) => a + n, 0)).toBe(Object.values(counts).reduce((a, n) => a + n, 0));
    await shotsAtBothWidths(page, 'walk-sessions');

    // The traffic report: the totals row is its rows' sum (bytes, each shown with three digits), and the local
    // streams moved bytes.
    await waitFor(async () => {
      await go('alerts', '5');
      await go('history', '4'); // the report is read as the view opens (then once a minute)
      await page.waitForSelector('[data-testid="report-totals"]', { timeout: 5000 });
      const r = await page.evaluate(() => {
        const cells = (tr: { querySelectorAll(s: string): ArrayLike<{ textContent: string }> }): string[] => [...(tr.querySelectorAll('td, th') as unknown as { textContent: string }[])].map((c) => c.textContent);
        return { rows: [...document.querySelectorAll('[data-testid="report-row"]')].map(cells), totals: cells(document.querySelector('[data-testid="report-totals"]')) };
      });
      // Columns: day, core, stream, egress, ingress, viewer-hours, peak, unique; the totals row: label, egress, ingress, ….
      seen = JSON.stringify(r);
      const rows = r.rows.filter((c) => c.length >= 8);
      const cam = rows.find((c) => c[1] === 'This computer' && c[2] === 'cam');
      // Peaks do not add up across rows: the totals row names the highest one as such.
      const peak = `max ${Math.max(...rows.map((c) => Number(c[6]!.replace(/\D/g, ''))))}`;
      return cam && parseAmount(cam[3]!) > 0 && closeTo(parseAmount(r.totals[1]!), rows.map((c) => parseAmount(c[3]!))) && closeTo(parseAmount(r.totals[2]!), rows.map((c) => parseAmount(c[4]!))) && r.totals[4] === peak;
    }, () => `the traffic report: cam's egress, a totals row that is its rows' sum, and the highest peak named as such; last read ${seen}`, 30_000, 500);

    // The remote Core goes down. For a few seconds the header counts its last known numbers and says so; then its
    // users leave the totals, and the header says they are incomplete, on every view.
    remote.refuse();
    await go('overview', '2');
    await waitFor(
      async () => /^Totals are incomplete: Studio Remote is \w+ \(last answer .+\); its sessions are not counted\.$/.test((await page.getAttribute('[data-testid="totals-incomplete"]', 'aria-label', { timeout: 1000 })) ?? ''),
      'the header to say Studio Remote\'s sessions are not counted',
      30_000,
      250,
    );
    expect((await atOneMoment(() => null)).header.users).toBe(8); // the local core's 3 publishers and 5 viewers
    for (const [view, key] of [['sessions', '3'], ['cores', '6']] as const) {
      await go(view, key);
      expect(await page.textContent('[data-testid="totals-incomplete"]')).toBe('incomplete');
    }
    // The Cores view at 1024 px with the remote Core's error: the error wraps, the row's buttons stay in the window.
    await page.setViewportSize({ width: 1024, height: 900 });
    await page.waitForTimeout(150);
    expect(await clipProblems(page)).toEqual([]);
    await shotsAtBothWidths(page, 'walk-remote-down-cores');
    await go('overview', '2');
    await shotsAtBothWidths(page, 'walk-remote-down-overview');
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
