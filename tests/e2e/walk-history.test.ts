/**
 * An operator's walk through History with real traffic (issue 16, histproc, stop 38): on the local core an RTMP
 * publisher `cam`, a person's RTMP player of it, a process `relay` restreaming `cam` to HLS in the memfs, two ffmpeg HLS
 * viewers of `relay` (Referers alice.example and bob.example) and a person's HLS upload `studio`. Live, the header's
 * users, the Overview's cards and the sessions the Sessions view lists agree; when everything has ended, History's
 * finished sessions count the same people (the process's RTMP play and HLS upload are rows of their own, "FFmpeg
 * process relay", left out of the total), the CSV export says the same, and the traffic report's peaks are the Streams
 * view's viewers. Bytes cross the core's edge once (totalsb, stop 39): the header's rx/tx are the people's sessions'
 * rates, History's total and the CSV leave out the process's RTMP play and HLS upload (a hop between the core's own
 * servers), which the encoder's publish and the viewers' plays already count. Screenshots at 1440 and 1024 px, light and dark: test-output/screenshots/walk3h-*.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Children, type TrackedChild } from '../support/children.ts';
import { type Headless, startHeadless } from '../support/headless.ts';
import { waitFor } from '../support/wait.ts';
import { clipProblems, closeE2e, closeTo, createRestreamToHls, hlsPlayerArgs, hlsPublisherArgs, openPage, parseAmount, prepareE2e, rtmpPlayerArgs, rtmpPublisherArgs, shotsAtBothWidths, type TestBrowser } from './support.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const children = new Children();
const pageErrors: string[] = [];
let h: Headless;
let browser: TestBrowser;
let page: Page;
/** What the last check of a `waitFor` read, named when it times out. */
let seen = '';

interface Active {
  id: string;
  local: string;
  remote: string;
  extra: string;
}
const PEOPLE = ['hls', 'hlsingress', 'rtmp'] as const;

async function active(): Promise<Record<string, Active[] | undefined>> {
  return (await (await fetch(`${h.url}/api/v3/session/active?collectors=${PEOPLE.join(',')}`)).json()) as Record<string, Active[] | undefined>;
}

async function go(view: string): Promise<void> {
  await page.click(`[data-testid="nav-${view}"]`);
  await page.waitForSelector(`[data-testid="nav-${view}"][aria-current="page"]`, { timeout: 5000 });
}

async function headerUsers(): Promise<number> {
  return Number(((await page.textContent('[data-testid="totals"] b')) ?? 'NaN').replace(/,/g, ''));
}

/** History's finished-sessions table as shown: each row's cells, and the totals row. */
async function historyTable(): Promise<{ rows: string[][]; total: string[] }> {
  return page.evaluate(() => {
    const cells = (tr: { children: ArrayLike<{ textContent: string }> }): string[] => Array.from(tr.children, (td) => td.textContent.trim());
    return {
      rows: [...document.querySelectorAll('[data-testid="history-row"]')].map(cells),
      total: cells(document.querySelector('[data-testid="history-totals"]')),
    };
  });
}

beforeAll(async () => {
  await prepareE2e();
  h = await startHeadless(['--srt', 'off', '--session-timeout-sec', '5', '--timeseries-interval-sec', '1'], { children });
  ({ browser, page } = await openPage(pageErrors));
}, 120_000);

afterAll(async () => {
  await closeE2e(browser, children);
});

describe("an operator's walk through History (headless server, real ffmpeg, Chromium)", () => {
  it('live and finished, the people History counts are the header\'s, the Sessions view\'s and the CSV\'s', async () => {
    const cam = children.spawn('timeout', rtmpPublisherArgs(`${h.rtmpUrl}/live/cam`));
    await waitFor(async () => (await active()).rtmp?.some((s) => s.local === 'publish:/live/cam'), 'the publisher', 30_000, 200);
    const created = await createRestreamToHls(h.url, 'relay', 'cam');
    expect(created.status).toBe(200);
    await waitFor(async () => (await active()).hlsingress?.some((s) => s.extra === 'ffmpeg:relay'), 'the process uploading relay.m3u8', 30_000, 200);
    const people: TrackedChild[] = [
      children.spawn('timeout', rtmpPlayerArgs(`${h.rtmpUrl}/live/cam`)),
      children.spawn('timeout', hlsPlayerArgs(h.url, 'relay', 'alice')),
      children.spawn('timeout', hlsPlayerArgs(h.url, 'relay', 'bob')),
      children.spawn('timeout', hlsPublisherArgs(h.url, 'studio')),
    ];

    // Live: 5 people (the encoder, the RTMP player, two HLS viewers, the studio's upload); the process's two sessions are
    // Core's sessions too, no people. Every people session seen live is remembered, to be found in History after.
    const seenPeople = new Map<string, Set<string>>(PEOPLE.map((c) => [c, new Set<string>()]));
    const livePeople = async (): Promise<number> => {
      const a = await active();
      let n = 0;
      for (const c of PEOPLE) {
        for (const s of a[c] ?? []) {
          if (s.extra.startsWith('ffmpeg:')) continue;
          seenPeople.get(c)!.add(s.id);
          n++;
        }
      }
      return n;
    };
    await page.goto(`${h.url}/ui/#overview`);
    await page.waitForSelector('[data-testid="view-overview"]');
    await waitFor(
      async () => {
        const [api, header] = [await livePeople(), await headerUsers()];
        seen = `api ${api}, header ${header}`;
        return api === 5 && header === 5;
      },
      () => `5 people live in the API and the header (last read ${seen})`,
      30_000,
      250,
    );
    await page.waitForTimeout(3000); // the time series' samples of the live viewers
    expect(await livePeople()).toBe(5);
    // The header's traffic leaves out the process's RTMP play (tx) and HLS upload (rx), a hop between the core's own
    // servers: each card shows its collector's rx/tx (Core's) and, where the process has sessions, their part; the cards
    // less those parts add up to the header, in one render. (A live comparison with the people's sessions' rates is no
    // test: Core's 10 s windows differ by up to a tenth with their phase; the bytes are compared after the end.)
    await waitFor(
      async () => {
        const shown = (await page.evaluate(() => ({
          header: [...document.querySelectorAll('[data-testid="totals"] b')].map((b: { textContent: string }) => b.textContent),
          cards: [...document.querySelectorAll('[data-testid^="card-"]')]
            .filter((c: { getAttribute(n: string): string }) => /^card-(hls|hlsingress|rtmp|srt|ffmpeg)$/.test(c.getAttribute('data-testid')))
            .map((c: { querySelectorAll(s: string): ArrayLike<{ querySelector(s: string): { textContent: string } | null }>; querySelector(s: string): { textContent: string } | null }) => {
              const line = (name: string): string => Array.from(c.querySelectorAll('.card-line')).find((l) => l.querySelector('span')?.textContent === name)?.querySelector('b')?.textContent ?? '';
              const part = (id: string): string => c.querySelector(`[data-testid="${id}"] b`)?.textContent ?? '';
              return { rx: line('rx'), tx: line('tx'), processRx: part('card-process-rx'), processTx: part('card-process-tx') };
            }),
        }))) as { header: string[]; cards: { rx: string; tx: string; processRx: string; processTx: string }[] };
        seen = JSON.stringify(shown);
        const processes = shown.cards.filter((c) => c.processRx !== '' && c.processTx !== '').map((c) => [parseAmount(c.processRx), parseAmount(c.processTx)]);
        const parts = (i: 0 | 1): number[] => [...shown.cards.map((c) => parseAmount(i === 0 ? c.rx : c.tx)), ...processes.map((p) => -p[i]!)];
        return (
          processes.length === 2 &&
          processes.reduce((a, p) => a + p[0]!, 0) > 0 &&
          processes.reduce((a, p) => a + p[1]!, 0) > 0 &&
          closeTo(parseAmount(shown.header[1]!), parts(0)) &&
          closeTo(parseAmount(shown.header[2]!), parts(1))
        );
      },
      () => `the cards less their processes' rx/tx to add up to the header's (last read ${seen})`,
      30_000,
      500,
    );
    // The process's bytes cross the core's edge once: its RTMP play and HLS upload are counted by the core's own
    // servers, so the ffmpeg collector has no session of it (edgebytes; Core's ignore list holds its own address).
    const ffmpegLive = (await (await fetch(`${h.url}/api/v3/session/active?collectors=ffmpeg`)).json()) as Record<string, Active[] | undefined>;
    expect((ffmpegLive.ffmpeg ?? []).map((s) => s.id)).toEqual([]);
    // The Overview's cards: Core's sessions per collector, with the process's said; they add up to the header.
    const card = async (c: string): Promise<[number, number]> => {
      const n = Number(((await page.textContent(`[data-testid="card-${c}"] [data-testid="card-sessions"]`)) ?? '').replace(/\D.*$/s, ''));
      const proc = await page.$(`[data-testid="card-${c}"] [data-testid="card-process-sessions"] b`);
      return [n, proc ? Number(await proc.textContent()) : 0];
    };
    const cards = { rtmp: await card('rtmp'), hlsingress: await card('hlsingress'), hls: await card('hls') };
    expect(cards).toEqual({ rtmp: [3, 1], hlsingress: [2, 1], hls: [2, 0] });
    await shotsAtBothWidths(page, 'walk3h-overview');
    await go('streams');
    await shotsAtBothWidths(page, 'walk3h-streams');
    const streams = ((await (await fetch(`${h.url}/api/streams`)).json()) as { streams: { key: string; viewersTotal: number; publishers: number }[] }).streams;
    const liveStream = (key: string): unknown => streams.filter((s) => s.key === key).map((s) => [s.publishers, s.viewersTotal]);
    expect([liveStream('cam'), liveStream('relay'), liveStream('studio')]).toEqual([[[1, 1]], [[1, 2]], [[1, 0]]]);

    // Everything ends: the people, then the process, then the encoder. HLS sessions close at their timeouts (5 s for
    // viewers; 30 s for an upload, Core's).
    for (const p of people) p.kill();
    const stopped = await fetch(`${h.url}/api/v3/process/relay/command`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: 'stop' }) });
    expect(stopped.status).toBe(200);
    cam.kill();
    await waitFor(
      async () => {
        const a = await active();
        seen = JSON.stringify(Object.fromEntries(PEOPLE.map((c) => [c, (a[c] ?? []).length])));
        return PEOPLE.every((c) => (a[c] ?? []).length === 0);
      },
      () => `every session closed (last read ${seen})`,
      60_000,
      500,
    );
    const finishedPeople = [...seenPeople.values()].reduce((n, s) => n + s.size, 0);

    // History, finished sessions per remote, every collector, merged over cores (no Core column): the people total is
    // the people seen live; the process's RTMP play and HLS upload are its own rows.
    await go('history');
    await page.click('[data-testid="history-mode-sessions"]');
    await page.waitForSelector('[data-testid="history-row"]');
    await waitFor(
      async () => {
        const t = await historyTable();
        seen = JSON.stringify(t);
        return t.total[2] === String(finishedPeople) && t.rows.filter((r) => r[0] === 'FFmpeg process relay').length === 2;
      },
      () => `History's people total ${finishedPeople} and the process's two rows (last read ${seen})`,
      15_000,
      500,
    );
    const table = await historyTable();
    // What the total leaves out of the process's bytes is said under the table.
    expect(await page.textContent('[data-testid="history-process-note"]')).toMatch(/^The total leaves out \S+\s\S+ rx and \S+\s\S+ tx of this app's own FFmpeg processes/);
    expect(table.rows.filter((r) => r[0] === 'FFmpeg process relay').map((r) => [r[1], r[2]]).sort()).toEqual([
      ['hlsingress', '1'],
      ['rtmp', '1'],
    ]);
    // The HLS viewers by Referer, the studio's upload as Core's peer `unknown`.
    expect(table.rows.filter((r) => r[1] === 'hls').map((r) => r[0]).sort()).toEqual(['alice.example', 'bob.example']);
    expect(table.rows.filter((r) => r[1] === 'hlsingress' && r[0] !== 'FFmpeg process relay').map((r) => [r[0], r[2]])).toEqual([['unknown', String(seenPeople.get('hlsingress')!.size)]]);
    // The total is not the rows' sum with every collector shown (the http rows, the ffmpeg run, the process's sessions):
    // the note under the table says what it leaves out; with collectors chosen it is their rows' sum and says nothing.
    const note = (await page.textContent('[data-testid="history-total-note"]')) ?? '';
    // (The local core's history has no http rows; a remote Core's has: the note names them only when they are shown.)
    expect(note.includes("http rows are all HTTP traffic, the HLS rows' bytes and the API's included: not added")).toBe(table.rows.some((r) => r[1] === 'http'));
    expect(note).toMatch(/2 sessions of the app's own FFmpeg processes in the people's rows: no people, not added/);
    expect(table.total[0]).toMatch(/^Total \(\d+ rows\) \*$/);
    await shotsAtBothWidths(page, 'walk3h-finished');
    await page.click('[data-testid="history-chip-hls"]');
    await page.waitForSelector('[data-testid="history-total-note"]', { state: 'detached', timeout: 5000 });
    const hlsOnly = await historyTable();
    expect(hlsOnly.rows.map((r) => r[1])).toEqual(['hls', 'hls']);
    expect(hlsOnly.total[2]).toBe(String(hlsOnly.rows.reduce((n, r) => n + Number(r[2]), 0)));
    await shotsAtBothWidths(page, 'walk4-finished-hls');
    await page.click('[data-testid="history-chip-hls"]');
    await page.waitForSelector('[data-testid="history-total-note"]', { timeout: 5000 });
    await page.setViewportSize({ width: 1024, height: 900 });
    expect(await clipProblems(page)).toEqual([]);
    await page.setViewportSize({ width: 1440, height: 900 });

    // The CSV export: people are `sessions` less `process_sessions` in the people collectors, as the view's total.
    const csv = (await (await fetch(`${h.url}/api/export/history.csv`)).text()).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(csv[0]).toBe('core,collector,group,key,sessions,rx_bytes,tx_bytes,process_sessions,process,process_rx_bytes,process_tx_bytes');
    const records = csv.slice(1).map((l) => l.split(','));
    const csvPeople = records.filter((r) => r[2] === 'remote' && (PEOPLE as readonly string[]).includes(r[1]!)).reduce((n, r) => n + Number(r[4]) - Number(r[7]), 0);
    expect(csvPeople).toBe(finishedPeople);
    expect(records.filter((r) => r[8] === 'relay').map((r) => `${r[1]} ${r[2]} ${r[4]} ${r[7]}`).sort()).toEqual([
      'hlsingress local 1 1',
      'hlsingress reference 1 1',
      'hlsingress remote 1 1',
      'rtmp remote 1 1',
    ]);
    // No ffmpeg row: the process's bytes are in its rtmp and hlsingress rows only (edgebytes).
    expect(records.filter((r) => r[1] === 'ffmpeg')).toEqual([]);
    // Those rows' bytes are all a hop between the core's own servers (totalsb): every byte of them is the process's.
    const relayRows = records.filter((r) => r[8] === 'relay');
    expect(relayRows.every((r) => r[9] === r[5] && r[10] === r[6])).toBe(true);
    expect(relayRows.find((r) => r[1] === 'rtmp' && r[2] === 'remote')).toSatisfy((r: string[]) => Number(r[6]) > 100_000);
    expect(relayRows.find((r) => r[1] === 'hlsingress' && r[2] === 'remote')).toSatisfy((r: string[]) => Number(r[5]) > 100_000);
    // Per remote, the bytes at the edge (rx_bytes less process_rx_bytes) are the people's rows' bytes, and History's
    // total shows them (three digits).
    const remoteRows = records.filter((r) => r[2] === 'remote' && (PEOPLE as readonly string[]).includes(r[1]!));
    const edge = (i: 5 | 6): number => remoteRows.reduce((n, r) => n + Number(r[i]) - Number(r[i + 4]), 0);
    const peopleBytes = (i: 5 | 6): number => remoteRows.filter((r) => r[8] === '').reduce((n, r) => n + Number(r[i]), 0);
    expect([edge(5), edge(6)]).toEqual([peopleBytes(5), peopleBytes(6)]);
    for (const [shown, bytes] of [[table.total[3]!, edge(5)], [table.total[4]!, edge(6)]] as const) expect(Math.abs(parseAmount(shown) - bytes)).toBeLessThanOrEqual(bytes * 0.005 + 1);
    // Per local and reference the process's play of cam is counted in cam's row, not a row of its own.
    expect(records.filter((r) => r[1] === 'rtmp' && r[2] === 'local' && r[3] === 'play:/live/cam').map((r) => [r[4], r[7], r[8]])).toEqual([['2', '1', '']]);

    // The traffic report's bytes (the time series, sampled each second) are the same edge bytes: its totals row is
    // within 2 % of History's people rows (a session's bytes after its last sample are its only loss); on A it held
    // the process's hops too (about a third more).
    await waitFor(
      async () => {
        const report = (await (await fetch(`${h.url}/api/reports/daily?format=csv`)).text()).replace(/^\uFEFF/, '').trim().split('\r\n');
        const total = report.find((l) => l.startsWith('total,'))?.split(',');
        seen = JSON.stringify({ total, edge: [edge(5), edge(6)] });
        const near = (v: number, want: number): boolean => Math.abs(v - want) <= want * 0.02;
        return total !== undefined && near(Number(total[4]), edge(5)) && near(Number(total[3]), edge(6));
      },
      () => `the report's ingress/egress within 2 % of History's edge bytes (last read ${seen})`,
      15_000,
      500,
    );
    // The traffic report: today's peaks are the Streams view's live viewers (the process reading cam is no viewer).
    await page.click('[data-testid="history-mode-report"]');
    await page.waitForSelector('[data-testid="report-row"]');
    const report = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="report-row"]')].map((tr: { children: ArrayLike<{ textContent: string }> }) => Array.from(tr.children, (td) => td.textContent.trim())),
    );
    const peak = (stream: string): string | undefined => (report as string[][]).find((r) => r[2] === stream)?.[6];
    expect([peak('cam'), peak('relay'), peak('studio')]).toEqual(['1', '2', '0']);
    await shotsAtBothWidths(page, 'walk3h-report');
    expect(pageErrors).toEqual([]);
  }, 240_000);
});
