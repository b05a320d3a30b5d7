/**
 * An operator's walk, stop 38 (walk3): one stream watched over RTMP, SRT and HLS at once, and a remote Core that goes
 * down and comes back. The local core has an RTMP publisher `cam`; two of the app's own FFmpeg processes restream it
 * to SRT (`{srt,name=cam,mode=publish}`) and to HLS in /memfs (`{memfs}/cam.m3u8`); one ffmpeg player each over RTMP,
 * SRT and HLS; a backup encoder `cam_backup` (an alias of `cam`) with one RTMP player. `cam` has 4 viewers and 2
 * publishers: the processes are neither; its page's 1 h history adds up both keys. A remote test Core
 * (Studio Remote) answers 500 for a while: the Overview's live chart and its 1 h chart mark the stretch in which the
 * sums lack it (amber, named), the Core's own series has the gap with its state, and both come back.
 * Screenshots: test-output/screenshots/walk3-*.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamRow } from '../../src/shared/streams.ts';
import type { TimeseriesResult } from '../../src/shared/timeseries.ts';
import { Children } from '../support/children.ts';
import { waitFor } from '../support/wait.ts';
import { hlsPlayerArgs, nullPlayerArgs, rtmpPublisherArgs, SCREENSHOTS, shotsAtBothWidths, startWalk, type Walk } from './support.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

const children = new Children();
const pageErrors: string[] = [];
/** The server, its remote Core and the page (startWalk). */
let w: Walk;
/** What the last check of a `waitFor` read, named when it times out. */
let seen = '';

async function streams(): Promise<StreamRow[]> {
  return ((await (await fetch(`${w.h.url}/api/streams`)).json()) as { streams: StreamRow[] }).streams;
}

async function createProcess(id: string, output: { address: string; options: string[] }): Promise<void> {
  const res = await fetch(`${w.h.url}/api/v3/process`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, reference: 'cam', input: [{ id: 'in', address: '{rtmp,name=cam}', options: [] }], output: [{ id: 'out', ...output }], autostart: true }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function series(query: string): Promise<TimeseriesResult> {
  return (await (await fetch(`${w.h.url}/api/timeseries?${query}`)).json()) as TimeseriesResult;
}

beforeAll(async () => {
  // `cam_backup` is shown as `cam` (an alias): one stream made of two keys.
  w = await startWalk(children, pageErrors, { 'stream-aliases.json': JSON.stringify({ aliases: { cam_backup: 'cam' } }) });
}, 120_000);
afterAll(() => w?.close());

describe('an operator\'s walk, stop 38 (headless server, real ffmpeg, a remote Core, Chromium)', () => {
  it('a stream watched over RTMP, SRT and HLS at once: its viewers per protocol add up, its restreams are no viewers', async () => {
    const { h, page, srtUrl } = w;
    children.spawn('timeout', rtmpPublisherArgs(`${h.rtmpUrl}/live/cam`));
    await waitFor(async () => (await streams()).find((s) => s.key === 'cam')?.publishers === 1, 'the RTMP publisher', 30_000, 200);
    await createProcess('tosrt', { address: '{srt,name=cam,mode=publish}', options: ['-c', 'copy', '-f', 'mpegts'] });
    await createProcess('tohls', { address: '{memfs}/cam.m3u8', options: ['-c', 'copy', '-f', 'hls', '-hls_time', '1', '-hls_list_size', '5', '-method', 'PUT'] });
    await waitFor(async () => (await fetch(`${h.url}/memfs/cam.m3u8`)).status === 200, 'the process\'s HLS playlist', 30_000, 300);
    children.spawn('timeout', nullPlayerArgs(`${h.rtmpUrl}/live/cam`));
    children.spawn('timeout', nullPlayerArgs(`${srtUrl}?streamid=cam`));
    children.spawn('timeout', hlsPlayerArgs(h.url, 'cam', 'viewer-hls'));
    // The backup encoder and its one RTMP viewer: the same stream by the alias.
    children.spawn('timeout', rtmpPublisherArgs(`${h.rtmpUrl}/live/cam_backup`));
    await waitFor(async () => (await streams()).find((s) => s.key === 'cam')?.publishers === 2, 'the backup publisher', 30_000, 200);
    children.spawn('timeout', nullPlayerArgs(`${h.rtmpUrl}/live/cam_backup`));

    const cam = await waitFor(
      async () => {
        const row = (await streams()).find((s) => s.key === 'cam' && s.core === 'local');
        seen = JSON.stringify(row);
        return row && row.viewers.hls === 1 && row.viewers.rtmp === 2 && row.viewers.srt === 1 ? row : undefined;
      },
      () => `cam watched over each protocol, twice over RTMP (last read ${seen})`,
      45_000,
      300,
    );
    // Four viewers, two publishers (the encoders; the processes' SRT publish and HLS upload are not publishers here).
    expect({ keys: [...cam.keys].sort(), viewersTotal: cam.viewersTotal, publishers: cam.publishers, ingestProtocol: cam.ingestProtocol }).toEqual({
      keys: ['cam', 'cam_backup'],
      viewersTotal: 4,
      publishers: 2,
      ingestProtocol: 'rtmp',
    });

    // The page: the header's users are every row's viewers and publishers; cam's row reads 3 = 1 + 1 + 1.
    await page.goto(`${h.url}/ui/#streams`);
    await page.waitForSelector('[data-testid="stream-row-cam"]');
    await waitFor(
      async () => {
        const all = await streams();
        const read = (await page.evaluate(() => {
          const b = document.querySelector('[data-testid="totals"] b');
          return Number((b?.textContent ?? 'NaN').replace(/,/g, ''));
        })) as number;
        const people = all.reduce((a, s) => a + s.viewersTotal + s.publishers, 0);
        seen = JSON.stringify({ header: read, people, rows: all.map((s) => [s.core, s.key, s.viewersTotal, s.publishers]) });
        return read === people;
      },
      () => `the header's users = the streams' viewers and publishers (last read ${seen})`,
      20_000,
      300,
    );
    await shotsAtBothWidths(page, 'walk3-streams');

    // The stream's page, 1 h: its history adds up both keys (4 viewers at the peak; it read one key's before).
    await page.click('[data-testid="stream-row-cam"] button.link');
    await page.click('[data-testid="stream-range-1h"]');
    const peak = await waitFor(
      async () => {
        const p = Number(await page.getAttribute('[data-testid="stream-history-charts"]:not([data-stale])', 'data-peak-viewers'));
        seen = String(p);
        return p >= 4 ? p : undefined;
      },
      () => `the stream page's 1 h peak of 4 viewers (last read ${seen})`,
      20_000,
      500,
    );
    expect(peak).toBe(4);
    await shotsAtBothWidths(page, 'walk3-stream-page-1h');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('a remote Core answering 500 and back: the Overview marks the sums that lack it, its history has the gap', async () => {
    const { h, page, remote } = w;
    await page.goto(`${h.url}/ui/#overview`);
    await page.waitForSelector('[data-testid="view-overview"]');
    await waitFor(async () => (await (await fetch(`${h.url}/api/v3/cores`)).text()).includes('"online"'), 'the remote Core online', 20_000, 300);
    const downFromMs = Date.now();
    remote.setFault({ kind: 'http500' });
    // The fleet keeps its last answer max(5 s, 3 polls), then the sums lack it: the live charts shade those seconds.
    const note = await waitFor(
      async () => (await page.$('[data-testid="chart-missing-cores"]')) && (await page.textContent('[data-testid="chart-missing-cores"]')),
      'the live charts\' amber note',
      30_000,
      300,
    );
    expect(note).toMatch(/Studio Remote: unreachable/);
    // A few more seconds down, so the screenshots show the shaded stretch.
    await page.waitForTimeout(8000);
    await shotsAtBothWidths(page, 'walk3-overview-live-down');
    // The 1 h chart (the time series): the stretch is listed as missing from the sums, named in the hint.
    await page.click('[data-testid="range-1h"]');
    await waitFor(async () => Number(await page.getAttribute('[data-testid="history-charts"]:not([data-stale])', 'data-missing-cores')) > 0, 'the 1 h chart\'s missing Core', 20_000, 500);
    expect(await page.textContent('[data-testid="history-missing-cores"]')).toMatch(/Studio Remote \(unreachable\)/);
    await shotsAtBothWidths(page, 'walk3-overview-1h-down');

    remote.setFault(undefined);
    await waitFor(async () => (await (await fetch(`${h.url}/api/v3/cores`)).text()).includes('"online"'), 'the remote Core back online', 45_000, 500);
    const upMs = Date.now();
    const cores = (await (await fetch(`${h.url}/api/v3/cores`)).json()) as Array<{ id: string; name: string }>;
    const remoteId = cores.find((c) => c.name === 'Studio Remote')?.id;
    seen = JSON.stringify(cores);
    expect(remoteId, seen).toBeDefined();
    // Its own series: a gap with its state; the fleet's: no gap, the stretch named; the live chart still shows it.
    const own = await series(`core=${encodeURIComponent(remoteId!)}&from=${downFromMs - 2000}&to=${upMs}&step=1s`);
    expect(own.gaps.map((g) => g.state)).toContain('unreachable');
    expect(own.missingCores).toEqual([]);
    const fleet = await series(`from=${downFromMs - 2000}&to=${upMs}&step=1s`);
    expect(fleet.gaps).toEqual([]);
    expect(fleet.missingCores.map((m) => [m.core, m.state])).toContainEqual([remoteId, 'unreachable']);
    await page.click('[data-testid="range-live"]');
    await waitFor(async () => (await page.textContent('[data-testid="chart-missing-cores"]'))?.includes('Amber: a Core was not answering;'), 'the note without a Core down now', 10_000, 300);
    await shotsAtBothWidths(page, 'walk3-overview-live-back');

    // "All cores (per core)" over 1 h: a line per Core, so the chart's peak is one Core's, below the merged one's.
    await page.click('[data-testid="range-1h"]');
    // The peak of the answer to what is asked now (not the last answer, kept while a new one loads: `data-stale`).
    const peakOf = async (): Promise<number> => Number(await page.getAttribute('[data-testid="history-charts"]:not([data-stale])', 'data-peak-viewers', { timeout: 10_000 }));
    const merged = await waitFor(async () => ((await peakOf()) > 0 ? peakOf() : undefined), 'the merged 1 h peak', 20_000, 300);
    await page.selectOption('[data-testid="overview-scope"]', 'each');
    await waitFor(async () => (await page.textContent('[data-testid="history-charts"] .hint'))?.includes('one line per core'), 'the per-core history', 10_000, 300);
    const perCore = await waitFor(async () => ((await peakOf()) > 0 ? peakOf() : undefined), 'the per-core 1 h peak', 20_000, 300);
    seen = JSON.stringify({ merged, perCore });
    expect(perCore, seen).toBeLessThan(merged);
    await shotsAtBothWidths(page, 'walk3-overview-1h-per-core');
    expect(pageErrors).toEqual([]);
  }, 150_000);

  it('a remote Core that hangs, then refuses, then comes back: the live note names its state at each step', async () => {
    const { h, page, remote } = w;
    await page.selectOption('[data-testid="overview-scope"]', '*');
    await page.click('[data-testid="range-live"]');
    const note = async (): Promise<string> => ((await page.$('[data-testid="chart-missing-cores"]')) ? ((await page.textContent('[data-testid="chart-missing-cores"]')) ?? '') : '');
    const fromMs = Date.now();
    // A hang: the poll waits; the fleet drops the Core's last answer after max(5 s, 3 polls) while it is `stale`.
    remote.setFault({ kind: 'hang' });
    await waitFor(async () => ((seen = await note()).includes('Studio Remote: stale') ? true : undefined), () => `the note names the hung Core stale (last read ${seen})`, 30_000, 300);
    // Refused: unreachable.
    await remote.refuse();
    remote.setFault(undefined);
    await waitFor(async () => ((seen = await note()).includes('Studio Remote: unreachable') ? true : undefined), () => `the note names the refused Core unreachable (last read ${seen})`, 30_000, 300);
    await page.screenshot({ path: `${SCREENSHOTS}/walk3-overview-live-refused-1440.png`, fullPage: true });
    await remote.accept();
    await waitFor(async () => (await (await fetch(`${h.url}/api/v3/cores`)).text()).includes('"online"'), 'the remote Core back online', 60_000, 500);
    const fleet = await series(`from=${fromMs}&to=${Date.now()}&step=1s`);
    seen = JSON.stringify(fleet.missingCores);
    expect(new Set(fleet.missingCores.map((m) => m.state)), seen).toEqual(new Set(['stale', 'unreachable']));
    expect(pageErrors).toEqual([]);
  }, 150_000);
});
