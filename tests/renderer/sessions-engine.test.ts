import { afterEach, describe, expect, it } from 'vitest';
import type { MetricsHistory } from '../../src/shared/ipc.ts';
import { OWN_PROCESS_EXTRA_PREFIX } from '../../src/shared/processes.ts';
import type { SessionRow } from '../../src/shared/types.ts';
import { connect, type Connection } from '../../src/renderer/src/store/connect.ts';
import { engineClient } from '../../src/renderer/src/store/sessions-client.ts';
import { frameTransfer, serveSessionsEngine, SessionsEngine, type EnginePort } from '../../src/renderer/src/store/sessions-engine.ts';
import { streamId } from '../../src/renderer/src/store/stream-series.ts';
import { frameSpark, NO_STREAMS_QUERY, SPARK_STRIDE } from '../../src/renderer/src/store/streams-view.ts';
import type { StreamRow } from '../../src/shared/streams.ts';
import { sessionKey } from '../../src/renderer/src/store/session-view.ts';
import { createAppStore, type AppStore } from '../../src/renderer/src/store/store.ts';
import { createFakeApi, fakeMain, row, settle, snapshot, totals } from './fake-api.ts';

const EMPTY_HISTORY: MetricsHistory = { stepMs: 1000, atMs: [], series: [] };

/**
 * Sessions whose rates, membership and cold fields change with `step`: joins and leaves, reorders by rate, an own
 * FFmpeg process (the header's totals subtract it), a close mark, two cores and three collectors.
 */
function rowsAt(step: number): SessionRow[] {
  const out: SessionRow[] = [];
  for (let i = 0; i < 90; i++) {
    if ((i + step) % 11 === 0) continue; // leaves and comes back
    const collector = i % 3 === 0 ? 'rtmp' : i % 3 === 1 ? 'hls' : 'srt';
    out.push(
      row({
        id: `s${i}`,
        collector,
        core: i % 4 === 0 ? 'r1' : 'local',
        reference: `stream-${i % 7}`,
        extra: i === 5 ? `${OWN_PROCESS_EXTRA_PREFIX}p1` : '',
        rxBitsPerSec: ((i * 7919 + step * 104729) % 5000) * 8,
        txBitsPerSec: i % 5 === 0 ? 0 : ((i * 31 + step * 17) % 900) * 8,
        rxBytes: step * 1000 + i,
        createdAtMs: i * 10,
        ...(i === 17 && step > 6 ? { closedAtMs: 9000 } : {}),
      }),
    );
  }
  return out.sort((a, b) => (a.collector < b.collector ? -1 : a.collector > b.collector ? 1 : 0));
}

const collectorTotals = [totals('local', 'hls', 20, 0, 0), totals('local', 'rtmp', 20, 0, 0), totals('r1', 'srt', 5, 0, 0)];

/** The bytes of an invoke's answer as the HTTP api's `invokeBytes` resolves with them (the IpcResult's JSON). */
async function answerBytes(answer: Promise<unknown>): Promise<ArrayBuffer> {
  const result = await answer.then(
    (value) => ({ ok: true, value }),
    (e: { code?: string; message: string }) => ({ ok: false, error: { code: e.code ?? 'error', message: e.message } }),
  );
  return new TextEncoder().encode(JSON.stringify(result)).buffer as ArrayBuffer;
}

/**
 * One page: a store connected to a fake main, with or without the engine (over a MessageChannel, as in a worker);
 * `bytes`: whole snapshots reach the engine as the bytes of the answer (the HTTP api), else parsed (Electron).
 */
async function page(main: ReturnType<typeof fakeMain>, withEngine: boolean, bytes = true) {
  const fake = createFakeApi(
    {
      'app:info': () => ({ version: '0.1.0', mode: 'headless', listeners: {} }),
      'sessions:snapshot': () => main.full(),
      'metrics:history': () => EMPTY_HISTORY,
    },
    main,
  );
  const store = createAppStore({ lazyVisible: true });
  let channel: MessageChannel | null = null;
  let connection: Connection;
  if (withEngine) {
    channel = new MessageChannel();
    serveSessionsEngine(channel.port2 as unknown as EnginePort);
    const rawSnapshot = bytes ? () => answerBytes(fake.api.invoke('sessions:snapshot')) : undefined;
    connection = connect(fake.api, store, { schedule: (cb) => cb(), engine: engineClient(channel.port1 as unknown as EnginePort), rawSnapshot });
  } else {
    connection = connect(fake.api, store, { schedule: (cb) => cb() });
  }
  return {
    fake,
    store,
    close: () => {
      connection.disconnect();
      channel?.port1.close();
      channel?.port2.close();
    },
  };
}

/** Lets the MessageChannel's messages (both ways) and the fake api's promises run. */
async function drain(): Promise<void> {
  for (let i = 0; i < 6; i++) await settle();
}

/** What a table shows between `start` and `end` (keys), its counts and the selection. */
function shown(store: AppStore, start: number, end: number) {
  const s = store.getState();
  const w = s.sessionsWindow;
  const rows: string[] = [];
  for (let i = start; i < Math.min(end, w.count); i++) {
    const r = w.rows[i - w.start];
    rows.push(r ? `${sessionKey(r)} ${r.rxBitsPerSec} ${r.rxBytes} ${r.closedAtMs ?? ''}` : 'missing');
  }
  return {
    total: w.total,
    count: w.count,
    rows,
    chips: s.collectorCounts,
    selected: s.selected ? sessionKey(s.selected) : null,
    selectedRx: s.selected?.rxBitsPerSec ?? null,
    selectedEnded: s.selectedEnded,
    atMs: s.atMs,
    streams: s.streamsFrame.total,
  };
}

const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((c) => c()));

/** One fake main and two pages on it: one doing the work itself, one through the engine; `both` acts on each store. */
async function twoPages(bytes = true) {
  const main = fakeMain();
  main.update(snapshot(1000, rowsAt(0), collectorTotals));
  const inPage = await page(main, false);
  const viaEngine = await page(main, true, bytes);
  closers.push(inPage.close, viaEngine.close);
  const both = (f: (s: AppStore) => void): void => [inPage.store, viaEngine.store].forEach(f);
  return { inPage, viaEngine, both };
}

describe('sessions engine (the worker)', () => {
  it.each([
    ['whole snapshots as bytes', true],
    ['whole snapshots parsed', false],
  ])('shows the same rows, counts, totals, selection and stream sessions as the store that does the work itself, over scripted pushes (%s)', async (_, bytes) => {
    const { inPage, viaEngine, both } = await twoPages(bytes);
    await drain();
    both((s) => s.getState().setView('sessions'));
    await drain();
    let compared = 0;
    let streamsCompared = 0;
    for (let step = 1; step <= 24; step++) {
      // The user filters, sorts, scrolls and selects now and then; a view switch leaves the table and comes back.
      if (step === 3) both((s) => s.getState().sortBy('rxBitsPerSec'));
      if (step === 6) both((s) => s.getState().toggleCollector('hls'));
      if (step === 8) both((s) => s.getState().setCoreFilter('r1'));
      if (step === 10) both((s) => s.getState().setCoreFilter(''));
      if (step === 12) both((s) => s.getState().setText('stream-3'));
      if (step === 14) both((s) => s.getState().setText(''));
      if (step === 15) both((s) => s.getState().sortBy('id'));
      if (step === 16) both((s) => s.getState().setView('streams'));
      // A stream's page opens, shows another stream, and closes (the merged keys of a renamed stream too).
      if (step === 16) both((s) => s.getState().setOpenStream({ core: 'local', keys: ['stream-3'] }));
      if (step === 17) both((s) => s.getState().setOpenStream({ core: 'r1', keys: ['stream-0', 'stream-4'] }));
      if (step === 18) both((s) => s.getState().setOpenStream(null));
      if (step === 18) both((s) => s.getState().setView('sessions'));
      if (step === 19) both((s) => s.getState().sortBy('txBitsPerSec'));
      const [start, end] = step % 2 === 0 ? [0, 20] : [25, 60];
      both((s) => s.getState().setSessionsWindow(start, end));
      if (step === 4 || step === 20) {
        const key = sessionKey(inPage.store.getState().visible[3]!);
        const r = viaEngine.store.getState().sessionsWindow.rows.find((x) => sessionKey(x) === key);
        inPage.store.getState().select(key);
        viaEngine.store.getState().select(key, r);
      }
      await drain();
      const rows = rowsAt(step);
      if (step === 11) rows.push(row({ id: 'late', collector: 'hls', rxBitsPerSec: 4_000_000 }));
      inPage.fake.pushSnapshot(snapshot(1000 + step * 1000, rows, collectorTotals));
      viaEngine.fake.pushSnapshot(snapshot(1000 + step * 1000, rows, collectorTotals));
      await drain();
      const view = inPage.store.getState().view;
      const a = shown(inPage.store, start, end);
      const b = shown(viaEngine.store, start, end);
      expect(b.atMs).toBe(1000 + step * 1000);
      expect(b.selected).toBe(a.selected);
      expect(b.selectedRx).toBe(a.selectedRx);
      // The page never holds the sessions the engine has; a stream's page gets that stream's sessions.
      expect(viaEngine.store.getState().sessions).toEqual([]);
      const streamRows = (st: AppStore) => st.getState().streamSessions.map((r) => `${sessionKey(r)} ${r.rxBitsPerSec}`);
      expect(streamRows(viaEngine.store)).toEqual(streamRows(inPage.store));
      if (viaEngine.store.getState().openStream) {
        expect(streamRows(viaEngine.store).length).toBeGreaterThan(3);
        streamsCompared++;
      } else expect(streamRows(viaEngine.store)).toEqual([]);
      if (view === 'sessions') {
        expect(b).toEqual(a);
        if (b.count > start) expect(b.rows.length).toBeGreaterThan(0);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(15);
    expect(streamsCompared).toBe(2);
  });

  it('moves the selection in the table order as the store does (arrow keys, Home, End)', async () => {
    const { inPage, viaEngine, both } = await twoPages();
    both((s) => s.getState().setView('sessions'));
    both((s) => s.getState().sortBy('rxBitsPerSec'));
    await drain();
    const moves = [1, 1, 5, -2, 1e9, -1, -1e9, 3];
    // First with no rows in the page (the worker makes every move), then with rows in view (moves within them are
    // made at once, Home and End by the worker); keys pressed faster than the worker answers keep their order.
    for (const settleEach of [true, false]) {
      both((s) => s.getState().select(null));
      for (const delta of moves) {
        both((s) => s.getState().moveSelection(delta));
        if (settleEach) await drain();
      }
      await drain();
      expect(viaEngine.store.getState().selectedKey).toBe(inPage.store.getState().selectedKey);
      expect(viaEngine.store.getState().selectedIndex).toBe(inPage.store.getState().selectedIndex);
      expect(viaEngine.store.getState().selectionMoves).toBe(inPage.store.getState().selectionMoves);
      expect(viaEngine.store.getState().selectedIndex).toBe(3);
      both((s) => s.getState().setSessionsWindow(0, 20));
      await drain();
    }
    expect(viaEngine.store.getState().sessionsWindow.rows.length).toBeGreaterThan(20);
  });

  it('resyncs after a missed push, and drops a malformed one without a crash', async () => {
    const main = fakeMain();
    main.update(snapshot(1000, rowsAt(0), collectorTotals));
    const viaEngine = await page(main, true);
    closers.push(viaEngine.close);
    viaEngine.store.getState().setView('sessions');
    await drain();
    const snapshots = viaEngine.fake.calls.filter((c) => c.channel === 'sessions:snapshot').length;
    main.update(snapshot(2000, rowsAt(1), collectorTotals)); // never reaches the page: a gap
    viaEngine.fake.pushSnapshot(snapshot(3000, rowsAt(2), collectorTotals));
    await drain();
    expect(viaEngine.fake.calls.filter((c) => c.channel === 'sessions:snapshot').length).toBe(snapshots + 1);
    expect(viaEngine.store.getState().atMs).toBe(3000);
    expect(viaEngine.store.getState().sessionsWindow.total).toBe(rowsAt(2).length);
    viaEngine.fake.push('sessions:update', { kind: 'nonsense' } as never);
    await drain();
    expect(viaEngine.store.getState().atMs).toBe(3000);
    viaEngine.fake.pushSnapshot(snapshot(4000, rowsAt(3), collectorTotals));
    await drain();
    expect(viaEngine.store.getState().atMs).toBe(4000);
  });

  it("applies Electron's pushes as JSON text as it applies parsed ones, with and without the engine; drops a text that is not JSON", async () => {
    // Three pages, each with its own main: one gets the pushes parsed (the HTTP api), two as text (Electron's IPC).
    const pages = await Promise.all(
      (['object', 'text', 'text+engine'] as const).map(async (kind) => {
        const main = fakeMain();
        main.update(snapshot(1000, rowsAt(0), collectorTotals));
        const p = await page(main, kind === 'text+engine');
        closers.push(p.close);
        p.store.getState().setView('sessions');
        return { kind, main, ...p };
      }),
    );
    await drain();
    for (let step = 1; step <= 6; step++) {
      for (const p of pages) {
        const update = p.main.update(snapshot(1000 + step * 1000, rowsAt(step), collectorTotals));
        p.fake.push('sessions:update', p.kind === 'object' ? update : JSON.stringify(update));
        p.store.getState().setSessionsWindow(0, 40);
      }
      await drain();
      const [object, ...texts] = pages.map((p) => shown(p.store, 0, 40));
      expect(object!.atMs).toBe(1000 + step * 1000);
      expect(object!.rows.length).toBeGreaterThan(20);
      for (const t of texts) expect(t).toEqual(object);
    }
    for (const p of pages.slice(1)) p.fake.push('sessions:update', '{"kind": "delta", cut sh');
    await drain();
    for (const p of pages) expect(p.store.getState().atMs).toBe(7000);
    expect(pages.every((p) => p.fake.calls.filter((c) => c.channel === 'sessions:snapshot').length === 1)).toBe(true);
  });

  it('parses whole snapshots from the bytes the page fetched (first load, resync), and reports an error answer', async () => {
    const main = fakeMain();
    main.update(snapshot(1000, rowsAt(0), collectorTotals));
    let fail = true;
    const fake = createFakeApi(
      {
        'app:info': () => ({ version: '0.1.0', mode: 'headless', listeners: {} }),
        'sessions:snapshot': () => {
          if (fail) throw Object.assign(new Error('snapshot unavailable'), { code: 'internal' });
          return main.full();
        },
        'metrics:history': () => EMPTY_HISTORY,
      },
      main,
    );
    const channel = new MessageChannel();
    const engine = serveSessionsEngine(channel.port2 as unknown as EnginePort);
    const fulls: number[] = [];
    const full = engine.full.bind(engine);
    engine.full = (bytes) => {
      fulls.push(bytes.byteLength);
      return full(bytes);
    };
    const store = createAppStore({ lazyVisible: true });
    const connection = connect(fake.api, store, {
      schedule: (cb) => cb(),
      engine: engineClient(channel.port1 as unknown as EnginePort),
      rawSnapshot: () => answerBytes(fake.api.invoke('sessions:snapshot')),
    });
    closers.push(() => {
      connection.disconnect();
      channel.port1.close();
      channel.port2.close();
    });
    store.getState().setView('sessions');
    await drain();
    // The first load's answer is an error: reported as an invoke's error would be, nothing applied.
    expect(fulls).toHaveLength(1);
    expect(store.getState().lastError).toBe('snapshot unavailable');
    expect(store.getState().atMs).toBe(0);
    fail = false;
    // The next push does not follow any state the page has: the page fetches a whole snapshot again.
    fake.pushSnapshot(snapshot(2000, rowsAt(1), collectorTotals));
    await drain();
    expect(fulls).toHaveLength(2);
    expect(fulls[1]).toBeGreaterThan(10_000);
    expect(store.getState().atMs).toBe(2000);
    expect(store.getState().sessionsWindow.total).toBe(rowsAt(1).length);
    expect(store.getState().streamsFrame.total).toBe(0);
    expect(store.getState().collectors).toHaveLength(collectorTotals.length);
    // Deltas apply on top of it.
    fake.pushSnapshot(snapshot(3000, rowsAt(2), collectorTotals));
    await drain();
    expect(fulls).toHaveLength(2);
    expect(store.getState().atMs).toBe(3000);
    expect(store.getState().sessionsWindow.total).toBe(rowsAt(2).length);
    // Bytes that are not an answer are dropped without a crash.
    expect(engine.full(new TextEncoder().encode('{"ok":').buffer as ArrayBuffer)).toEqual({ ok: false, reason: 'malformed' });
    expect(engine.full(new TextEncoder().encode('{"ok":true,"value":{"kind":"delta"}}').buffer as ArrayBuffer)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('parses a push from the UTF-8 bytes of its JSON (the event stream hands them over undecoded)', () => {
    const main = fakeMain();
    const engine = new SessionsEngine();
    engine.query({ open: true, start: 0, end: 5, sort: { key: 'rxBitsPerSec', dir: 'desc' } });
    const out = engine.push(new TextEncoder().encode(JSON.stringify(main.full(snapshot(1000, rowsAt(0), collectorTotals)))));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.frame.total).toBe(rowsAt(0).length);
    expect(out.frame.rows).toHaveLength(5);
    expect(out.frame.rows[0]!.rxBitsPerSec).toBe(Math.max(...rowsAt(0).map((r) => r.rxBitsPerSec)));
    // The page decodes the rest of the push: the sessions are left out of it.
    expect(out.live.kind === 'full' && out.live.sessions).toEqual([]);
    expect(engine.push(new TextEncoder().encode('{"kind":'))).toEqual({ ok: false, reason: 'malformed' });
    expect(engine.push(new TextEncoder().encode('[1,2]'))).toEqual({ ok: false, reason: 'malformed' });
  });

  it("asks the engine for the cores' names only when a name changes, not with every push's round trips", async () => {
    const main = fakeMain();
    main.update(snapshot(1000, rowsAt(0), collectorTotals));
    const p = await page(main, true);
    closers.push(p.close);
    await drain();
    p.store.getState().setView('sessions');
    p.store.getState().sortBy('core');
    await drain();
    // The queries the page sends the engine: wrapped at the store's client, as they leave.
    const engine = p.store.getState().engine!;
    const patches: string[][] = [];
    const query = engine.query.bind(engine);
    engine.query = (patch, done) => {
      patches.push(Object.keys(patch));
      query(patch, done);
    };
    const at = (step: number, name: string, rttMs: number) => {
      const s = snapshot(1000 + step * 1000, rowsAt(step), collectorTotals);
      return { ...s, cores: s.cores.map((c) => (c.id === 'r1' ? { ...c, name, rttMs, lastSuccessMs: 1000 + step * 1000 } : c)) };
    };
    for (let step = 1; step <= 3; step++) {
      p.fake.pushSnapshot(at(step, 'Studio A', 3 + step));
      await drain();
      expect(p.store.getState().atMs).toBe(1000 + step * 1000);
    }
    expect(patches.filter((k) => k.includes('coreNames'))).toEqual([]);
    p.store.getState().setSessionsWindow(0, 5);
    await drain();
    expect(p.store.getState().sessionsWindow.rows[0]!.core).toBe('r1'); // 'Studio A' before 'This computer'
    // A renamed core: asked once, and the table sorted by core puts its sessions at the new name's place.
    p.fake.pushSnapshot(at(4, 'Zulu Studio', 9));
    await drain();
    expect(patches.filter((k) => k.includes('coreNames'))).toHaveLength(1);
    expect(p.store.getState().sessionsWindow.rows[0]!.core).toBe('local');
  });
});

/**
 * Streams whose numbers, membership and order change with `step`: 30 streams on two cores, sorted by viewers as main
 * sorts them, some leaving and coming back, one merged from two keys, one core's streams stale for a while.
 */
function streamsAt(step: number): StreamRow[] {
  const out: StreamRow[] = [];
  for (let i = 0; i < 30; i++) {
    if ((i + step) % 13 === 0) continue; // leaves and comes back
    const core = i % 3 === 0 ? 'r1' : 'local';
    const hls = (i * 7 + step * 3) % 11;
    const rtmp = i % 4 === 0 ? (step + i) % 3 : 0;
    const srt = i % 5 === 0 ? 1 : 0;
    out.push({
      core,
      key: i === 7 ? 'stage' : `cam-${i}`,
      keys: i === 7 ? ['stage-a', 'stage-b'] : [`cam-${i}`],
      state: i % 9 === 0 ? 'idle' : 'live',
      sinceMs: i * 1000,
      ingestProtocol: i % 9 === 0 ? null : i % 2 === 0 ? 'rtmp' : 'srt',
      ingestBitsPerSec: ((i * 7919 + step * 104729) % 5000) * 800,
      publishers: i % 9 === 0 ? 0 : 1,
      viewers: { hls, rtmp, srt },
      viewersTotal: hls + rtmp + srt,
      egressBitsPerSec: (hls + rtmp + srt) * 1_000_000,
      processes: 0,
      peakViewersToday: 20,
      ...(core === 'r1' && step >= 9 && step <= 11 ? { staleSinceMs: 9000 } : {}),
    });
  }
  return out.sort((a, b) => b.viewersTotal - a.viewersTotal || (a.key < b.key ? -1 : 1));
}

/** What the page shows of the streams: counts, the rows in `[start, end)` with their sparklines, the page, the keys. */
function streamsShown(store: AppStore, start: number, end: number) {
  const f = store.getState().streamsFrame;
  const rows: string[] = [];
  for (let i = start; i < Math.min(end, f.count); i++) {
    const at = i - f.start;
    const r = f.rows[at];
    if (!r) {
      rows.push('missing');
      continue;
    }
    const c = frameSpark(f, at);
    rows.push(`${streamId(r)} ${r.viewersTotal} ${r.ingestBitsPerSec} ${r.staleSinceMs ?? ''} | ${c.top} ${c.samples} ${[...c.min].join()} ${[...c.max].join()} ${[...c.lift].join('')}`);
  }
  return {
    total: f.total,
    count: f.count,
    rows,
    page: f.page && { id: f.page.id, row: f.page.row, series: f.page.series },
    keys: f.keys,
  };
}

describe('sessions engine: the streams (the worker decodes the stream rows and keeps their series)', () => {
  const push = (pages: { fake: ReturnType<typeof createFakeApi> }[], step: number): void => {
    for (const p of pages) p.fake.pushSnapshot({ ...snapshot(1000 + step * 1000, rowsAt(step), collectorTotals), streams: streamsAt(step) });
  };

  it.each([
    ['whole snapshots as bytes', true],
    ['whole snapshots parsed, as from Electron', false],
  ])('shows the same Streams rows, sparklines, stream page and keys as the store that does the work itself, over scripted pushes (%s)', async (_, bytes) => {
    const { inPage, viaEngine, both } = await twoPages(bytes);
    await drain();
    let compared = 0;
    let pagesCompared = 0;
    for (let step = 1; step <= 30; step++) {
      // The user opens the view, filters, scrolls, opens a stream's page, leaves and comes back.
      if (step === 2) both((s) => s.getState().setView('streams'));
      if (step === 5) both((s) => s.getState().setStreamsFilter({ core: 'local', text: '', protocols: [] }));
      if (step === 7) both((s) => s.getState().setStreamsFilter({ core: null, text: '', protocols: ['rtmp'] }));
      if (step === 8) both((s) => s.getState().setStreamsFilter({ core: null, text: ' CAM-4 ', protocols: [] }));
      if (step === 9) both((s) => s.getState().setStreamsFilter({ core: null, text: '', protocols: [] }));
      if (step === 10) both((s) => s.getState().openStreamPage('local\u0000cam-4'));
      if (step === 12) both((s) => s.getState().openStreamPage('local\u0000stage'));
      if (step === 14) both((s) => s.getState().openStreamPage(null));
      if (step === 15) both((s) => s.getState().setView('sessions'));
      if (step === 17) both((s) => s.getState().listStreamKeys(true));
      if (step === 18) both((s) => s.getState().setView('alerts'));
      if (step === 19) both((s) => s.getState().listStreamKeys(false));
      if (step === 20) both((s) => s.getState().setView('streams'));
      const [start, end] = step % 3 === 0 ? [0, 8] : step % 3 === 1 ? [5, 12] : [14, 30];
      // The table asks for the rows it renders (both stores window the same way, with a margin).
      both((s) => s.getState().setStreamsWindow(start, end));
      await drain();
      push([inPage, viaEngine], step);
      await drain();
      const a = streamsShown(inPage.store, start, end);
      const b = streamsShown(viaEngine.store, start, end);
      expect(b).toEqual(a);
      const view = viaEngine.store.getState().view;
      const frame = viaEngine.store.getState().streamsFrame;
      if (view === 'streams') {
        if (step === 8) expect(b.count).toBe(1); // a whole name, any case
        if (b.count > start) expect(b.rows.length).toBeGreaterThan(0);
        expect(b.rows).not.toContain('missing');
        // Only the rows in view and a margin, never every stream.
        expect(frame.rows.length).toBeLessThanOrEqual(end - start + 2 * 40);
        compared++;
      } else {
        // Outside the Streams view the page gets no stream row at all (the alert editor: the keys only).
        expect(frame.rows).toEqual([]);
        expect(frame.spark.length).toBe(0);
      }
      expect(b.total).toBe(streamsAt(step).length);
      if (b.page) {
        expect(b.page.row).not.toBeNull();
        pagesCompared++;
      }
      // The alert editor (shown from step 17 to 18) gets every stream's keys, and nothing else of them.
      if (step === 17 || step === 18) expect(b.keys?.length).toBe(streamsAt(step).length);
      else expect(b.keys).toBeNull();
      // The page decodes no stream row of the push with the worker.
      expect(viaEngine.store.getState().sessions).toEqual([]);
    }
    expect(compared).toBeGreaterThan(20);
    expect(pagesCompared).toBe(4);
  });

  it('names the rows of each push apart, though the worker decodes a push of new numbers into the same rows and list', () => {
    const main = fakeMain();
    const engine = new SessionsEngine({ ownsPushes: true });
    const bytes = (u: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(u));
    engine.query({ streams: { ...NO_STREAMS_QUERY, open: true, end: 40 } });
    const first = engine.push(bytes(main.full({ ...snapshot(1000, rowsAt(0), collectorTotals), streams: streamsAt(0) })));
    if (!first.ok) throw new Error('the first push did not apply');
    // The next push changes only the streams' hot numbers: a delta the decoder applies in place.
    const next = streamsAt(0).map((r) => ({ ...r, ingestBitsPerSec: r.ingestBitsPerSec + 8000, egressBitsPerSec: r.egressBitsPerSec + 8000 }));
    const second = engine.push(bytes(main.update({ ...snapshot(2000, rowsAt(0), collectorTotals), streams: next })));
    if (!second.ok) throw new Error('the second push did not apply');
    expect(second.frame.streams.rowsId).not.toBe(first.frame.streams.rowsId);
    expect(second.frame.streams.rows.map((r) => r.egressBitsPerSec)).toEqual(next.map((r) => r.egressBitsPerSec));
    // An answer to a query that keeps the push's rows keeps its name.
    expect(engine.query({ streams: { ...NO_STREAMS_QUERY, open: true, end: 40, tag: 7 } }).streams.rowsId).toBe(second.frame.streams.rowsId);
  });

  it('keeps every stream series while another view is shown: the sparklines and a stream page open with their past', async () => {
    const { inPage, viaEngine, both } = await twoPages();
    await drain();
    both((s) => s.getState().setView('sessions'));
    for (let step = 1; step <= 12; step++) {
      push([inPage, viaEngine], step);
      await drain();
    }
    both((s) => s.getState().setView('streams'));
    both((s) => s.getState().openStreamPage('local\u0000cam-1'));
    await drain();
    for (const store of [inPage.store, viaEngine.store]) {
      const f = store.getState().streamsFrame;
      // cam-1 left at step 12 ((1 + 12) % 13 === 0): its page shows the row as gone, and its series until then.
      expect(f.page?.row).toBeNull();
      expect(f.page?.series?.atMs).toEqual([2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000, 12000]);
      // cam-13 was in every push (12), cam-2 left at step 11.
      const samples = (id: string): number => frameSpark(f, f.rows.findIndex((r) => streamId(r) === id)).samples;
      expect(samples('local\u0000cam-13')).toBe(12);
      expect(samples('local\u0000cam-2')).toBe(11);
    }
    expect(streamsShown(viaEngine.store, 0, 30)).toEqual(streamsShown(inPage.store, 0, 30));
  });

  it('does not show an answer made for a view, filter or page already left', async () => {
    const { viaEngine } = await twoPages();
    const store = viaEngine.store;
    store.getState().setView('streams');
    await drain();
    push([viaEngine], 1);
    await drain();
    expect(store.getState().streamsFrame.rows.length).toBeGreaterThan(0);
    const shownTags: number[] = [];
    const off = store.subscribe((s, prev) => {
      if (s.streamsFrame !== prev.streamsFrame) shownTags.push(s.streamsFrame.tag);
    });
    // The push goes to the worker, then the view is left before its answer (rows for the Streams view) comes.
    push([viaEngine], 2);
    store.getState().setView('sessions');
    const left = store.getState().streamsQuery.tag;
    // A filter typed and a page opened and closed before the answers come: only the last query's answers are shown.
    await drain();
    store.getState().setView('streams');
    store.getState().setStreamsFilter({ core: 'r1', text: '', protocols: [] });
    store.getState().openStreamPage('r1\u0000cam-3');
    store.getState().openStreamPage(null);
    const last = store.getState().streamsQuery.tag;
    push([viaEngine], 3);
    await drain();
    off();
    expect(shownTags.length).toBeGreaterThan(1);
    expect(shownTags.filter((t) => t !== left && t !== last)).toEqual([]);
    expect(store.getState().streamsFrame.tag).toBe(last);
    expect(store.getState().streamsFrame.rows.every((r) => r.core === 'r1')).toBe(true);
    expect(store.getState().streamsFrame.page).toBeNull();
  });

  it('moves the sparklines to the page as two typed arrays (transferred), not the series', () => {
    const main = fakeMain();
    const engine = new SessionsEngine();
    engine.query({ streams: { ...NO_STREAMS_QUERY, open: true, start: 0, end: 10, tag: 1 } });
    let out = engine.push(main.full({ ...snapshot(1000, rowsAt(0), collectorTotals), streams: streamsAt(0) }));
    for (let step = 1; step <= 3; step++) out = engine.push(main.update({ ...snapshot(1000 + step * 1000, rowsAt(step), collectorTotals), streams: streamsAt(step) }));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    const f = out.frame.streams;
    expect(f.rows).toHaveLength(10);
    expect(f.spark).toBeInstanceOf(Float32Array);
    expect(f.spark.length).toBe(10 * SPARK_STRIDE);
    expect(frameTransfer(out.frame)).toEqual([f.spark.buffer, f.lift.buffer]);
    // The page decodes the rest of the push: its sessions and streams are left out.
    expect(out.live.kind === 'delta' && out.live.streams).toEqual({ removed: [], added: [], replaced: [], hot: [] });
  });
});
