import { describe, expect, it } from 'vitest';
import type { AppSettings, MetricsHistory } from '../../src/shared/ipc.ts';
import { connect } from '../../src/renderer/src/store/connect.ts';
import { sessionKey } from '../../src/renderer/src/store/session-view.ts';
import { createAppStore } from '../../src/renderer/src/store/store.ts';
import type { SessionsFrame } from '../../src/renderer/src/store/sessions-engine.ts';
import { NO_STREAMS_QUERY, StreamsModel } from '../../src/renderer/src/store/streams-view.ts';
import { createFakeApi, fakeMain, row, settle, snapshot, totals } from './fake-api.ts';

const EMPTY_HISTORY: MetricsHistory = { stepMs: 1000, atMs: [], series: [] };

/** A store connected to a fake api with a manual frame scheduler. */
async function setup(initial = snapshot(1000, []), history = EMPTY_HISTORY) {
  const main = fakeMain();
  main.update(initial);
  const fake = createFakeApi({
    'app:info': () => ({ version: '0.1.0', mode: 'headless', listeners: { api: 'http://127.0.0.1:1' } }),
    'sessions:snapshot': () => main.full(),
    'metrics:history': () => history,
    'history:list': () => [{ core: 'local', collector: 'hls', group: 'remote', key: 'x', sessions: 2, rxBytes: 0, txBytes: 10 }],
  }, main);
  const frames: (() => void)[] = [];
  const store = createAppStore();
  const connection = connect(fake.api, store, { schedule: (cb) => frames.push(cb) });
  await settle();
  await settle();
  const frame = (): void => {
    for (const cb of frames.splice(0)) cb();
  };
  return { fake, store, frame, connection, main };
}

const A = row({ id: 'a', collector: 'hls', reference: 'alpha', rxBitsPerSec: 300, createdAtMs: 100 });
const B = row({ id: 'b', collector: 'rtmp', reference: 'beta', location: 'publish:/live/beta.stream', rxBitsPerSec: 100, createdAtMs: 200 });
const C = row({ id: 'c', core: 'r1', collector: 'hls', reference: 'gamma', rxBitsPerSec: 200, createdAtMs: 300 });

describe('connect', () => {
  it('loads the initial state, says ready, and does nothing before it is called', async () => {
    const store = createAppStore();
    expect(store.getState().api).toBeNull();
    const { fake, store: s } = await setup(snapshot(1000, [A, B]));
    expect(s.getState().appInfo?.version).toBe('0.1.0');
    expect(s.getState().sessions).toHaveLength(2);
    expect(fake.sent).toEqual(['app:ready']);
    // settings/cores channels unsupported: not an error, the views say so.
    expect(s.getState().lastError).toBeNull();
    expect(s.getState().manageable).toBe(false);
  });

  it('batches pushes per animation frame: one render, every sample in the metrics', async () => {
    const { fake, store, frame } = await setup();
    let renders = 0;
    store.subscribe(() => renders++);
    fake.pushSnapshot(snapshot(2000, [A], [totals('local', 'hls', 1, 10, 20)]));
    fake.pushSnapshot(snapshot(3000, [A, B], [totals('local', 'hls', 2, 30, 40)]));
    expect(store.getState().sessions).toHaveLength(0);
    frame();
    expect(renders).toBe(1);
    expect(store.getState().sessions).toHaveLength(2);
    expect(store.getState().atMs).toBe(3000);
    expect(store.getState().metrics.atMs).toEqual([1000, 2000, 3000]);
    const { merged } = store.getState().metrics.sum(null, null);
    expect(merged.sessions).toEqual([null, 1, 2]);
    expect(merged.tx).toEqual([null, 20, 40]);
  });

  it('a missed push makes the page fetch the whole state again; pushes that arrive meanwhile are applied after it', async () => {
    const { fake, store, frame, main } = await setup(snapshot(1000, [A]));
    const fetches = (): number => fake.calls.filter((c) => c.channel === 'sessions:snapshot').length;
    expect(fetches()).toBe(1);
    fake.pushSnapshot(snapshot(2000, [A, B]));
    frame();
    const a = store.getState().sessions[0];
    main.update(snapshot(3000, [A, B, C])); // lost (a slow event-stream client skipped it)
    fake.pushSnapshot(snapshot(4000, [B, C]));
    expect(fetches()).toBe(2);
    // Before the answer arrives, the next push is held, then applied on top of it.
    fake.pushSnapshot(snapshot(5000, [A, B, C], [totals('local', 'hls', 3, 1, 2)]));
    await settle();
    frame();
    const s = store.getState();
    expect(s.atMs).toBe(5000);
    expect(s.sessions.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(s.collectors).toEqual([totals('local', 'hls', 3, 1, 2)]);
    expect(s.metrics.atMs).toEqual([1000, 2000, 4000, 5000]);
    expect(fetches()).toBe(2);
    // An unchanged session kept its object through deltas (not through the resync, which starts from whole rows).
    fake.pushSnapshot(snapshot(6000, [A, B, C], [totals('local', 'hls', 3, 1, 2)]));
    frame();
    expect(store.getState().sessions[1]).toBe(s.sessions[1]);
    expect(a).toEqual(A);
  });

  it('disconnect unsubscribes', async () => {
    const { fake, connection } = await setup();
    expect(fake.listenerCount('sessions:update')).toBe(1);
    connection.disconnect();
    expect(fake.listenerCount('sessions:update')).toBe(0);
  });

  it('a 401 shows the login form instead of an error', async () => {
    const fake = createFakeApi({
      'app:info': () => {
        throw Object.assign(new Error('Login required'), { code: 'unauthorized' });
      },
    });
    const store = createAppStore();
    connect(fake.api, store, { schedule: () => undefined });
    await settle();
    expect(store.getState().authRequired).toBe(true);
    expect(store.getState().lastError).toBeNull();
  });
});

describe('sessions view', () => {
  it('filters by collector chips (multi-select), core and text', async () => {
    const { store } = await setup(snapshot(1000, [A, B, C]));
    const ids = (): string[] => store.getState().visible.map((r) => r.id);
    store.getState().sortBy('id');
    expect(ids()).toEqual(['a', 'b', 'c']);
    store.getState().toggleCollector('rtmp');
    expect(ids()).toEqual(['b']);
    store.getState().toggleCollector('hls');
    expect(ids()).toEqual(['a', 'b', 'c']);
    store.getState().toggleCollector('rtmp');
    expect(ids()).toEqual(['a', 'c']);
    store.getState().setCoreFilter('r1');
    expect(ids()).toEqual(['c']);
    store.getState().setCoreFilter('');
    store.getState().setCollectors([]);
    store.getState().setText('PUBLISH:/live');
    expect(ids()).toEqual(['b']);
    // The core's display name is searchable too.
    store.getState().setText('studio');
    expect(ids()).toEqual(['c']);
  });

  it('sorts by any column; a second click flips; ties keep a stable order', async () => {
    const { store } = await setup(snapshot(1000, [A, B, C]));
    const ids = (): string[] => store.getState().visible.map((r) => r.id);
    // default: longest running first
    expect(ids()).toEqual(['a', 'b', 'c']);
    store.getState().sortBy('rxBitsPerSec');
    expect(store.getState().sort).toEqual({ key: 'rxBitsPerSec', dir: 'desc' });
    expect(ids()).toEqual(['a', 'c', 'b']);
    store.getState().sortBy('rxBitsPerSec');
    expect(ids()).toEqual(['b', 'c', 'a']);
    store.getState().sortBy('reference');
    expect(store.getState().sort.dir).toBe('asc');
    expect(ids()).toEqual(['a', 'b', 'c']);
    store.getState().sortBy('core');
    expect(ids()).toEqual(['c', 'a', 'b']); // "Studio A" < "This computer"; a, b tie → key order
  });

  it('keeps sort, filter and selection across live updates, and follows the selected row', async () => {
    const { fake, store, frame } = await setup(snapshot(1000, [A, B, C]));
    store.getState().sortBy('rxBitsPerSec');
    store.getState().setCollectors(['hls']);
    store.getState().select(sessionKey(C));
    expect(store.getState().selected?.id).toBe('c');
    // C gets faster than A; B leaves, D arrives.
    const D = row({ id: 'd', collector: 'hls', rxBitsPerSec: 50, createdAtMs: 400 });
    fake.pushSnapshot(snapshot(2000, [{ ...A }, { ...C, rxBitsPerSec: 900 }, D]));
    frame();
    const s = store.getState();
    expect(s.sort.key).toBe('rxBitsPerSec');
    expect(s.filter.collectors).toEqual(['hls']);
    expect(s.visible.map((r) => r.id)).toEqual(['c', 'a', 'd']);
    expect(s.selectedKey).toBe(sessionKey(C));
    expect(s.selected?.rxBitsPerSec).toBe(900);
    expect(s.selectedSeries.rx).toEqual([200, 900]);
    // The selected session ends: its details stay, marked as ended.
    fake.pushSnapshot(snapshot(3000, [A, D]));
    frame();
    expect(store.getState().selectedEnded).toBe(true);
    expect(store.getState().selected?.id).toBe('c');
  });

  it('arrow keys move the selection in the visible order and stop at the ends', async () => {
    const { store } = await setup(snapshot(1000, [A, B, C]));
    store.getState().sortBy('id');
    store.getState().moveSelection(1);
    expect(store.getState().selected?.id).toBe('a');
    store.getState().moveSelection(1);
    store.getState().moveSelection(1);
    store.getState().moveSelection(1);
    expect(store.getState().selected?.id).toBe('c');
    store.getState().moveSelection(-1e9);
    expect(store.getState().selected?.id).toBe('a');
    store.getState().select(null);
    expect(store.getState().selected).toBeNull();
  });

  it('handles 10 000 rows', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => row({ id: `s${i}`, collector: i % 3 === 0 ? 'rtmp' : 'hls', rxBitsPerSec: (i * 7919) % 10_000, createdAtMs: i }));
    const { fake, store, frame } = await setup(snapshot(1000, rows));
    store.getState().sortBy('rxBitsPerSec');
    store.getState().setText('s99');
    expect(store.getState().visible.length).toBe(111); // s99, s990-s999, s9900-s9999
    fake.pushSnapshot(snapshot(2000, rows.map((r) => ({ ...r, rxBitsPerSec: r.rxBitsPerSec + 1 }))));
    frame();
    expect(store.getState().visible.length).toBe(111);
    const v = store.getState().visible.map((r) => r.rxBitsPerSec);
    expect([...v].sort((a, b) => b - a)).toEqual(v);
  });
});

describe('metrics', () => {
  it('starts from main\'s history and appends pushes; an old push is ignored', async () => {
    const history: MetricsHistory = {
      stepMs: 1000,
      atMs: [1000, 2000],
      series: [
        { core: 'local', collector: 'hls', rxBitsPerSec: [1, 2], txBitsPerSec: [10, 20], activeSessions: [1, 1], processSessions: [0, 0], processRxBitsPerSec: [0, 0], processTxBitsPerSec: [0, 0] },
        { core: 'r1', collector: 'hls', rxBitsPerSec: [null, 5], txBitsPerSec: [null, 50], activeSessions: [null, 3], processSessions: [null, 0], processRxBitsPerSec: [null, 0], processTxBitsPerSec: [null, 0] },
      ],
    };
    const { fake, store, frame } = await setup(snapshot(2000, []), history);
    fake.pushSnapshot(snapshot(1500, [], [totals('local', 'hls', 9, 9, 9)]));
    fake.pushSnapshot(snapshot(3000, [], [totals('local', 'hls', 2, 3, 30), totals('local', 'rtmp', 1, 100, 0)]));
    frame();
    const m = store.getState().metrics;
    expect(m.atMs).toEqual([1000, 2000, 3000]);
    const all = m.sum(null, null);
    expect(all.merged.tx).toEqual([10, 70, 30]);
    expect(all.merged.rx).toEqual([1, 7, 103]);
    expect(all.byCore.get('r1')?.sessions).toEqual([null, 3, null]);
    const hlsOnly = m.sum(new Set(['hls']), new Set(['local']));
    expect(hlsOnly.merged.rx).toEqual([1, 2, 3]);
  });
});

describe('history', () => {
  it('loads through the api', async () => {
    const { store } = await setup();
    await store.getState().loadHistory();
    expect(store.getState().history).toHaveLength(1);
  });
});

describe('the selected session chart is backfilled from main', () => {
  it('puts the last 10 minutes (10 s averages) before the live points', async () => {
    const A = row({ id: 'a', rxBitsPerSec: 5, txBitsPerSec: 6 });
    const fake = createFakeApi({
      'app:info': () => ({ version: '0.1.0', mode: 'headless', listeners: {} }),
      'sessions:snapshot': () => fakeMain().full(snapshot(100_000, [A])),
      'metrics:history': () => EMPTY_HISTORY,
      'history:list': () => [],
      'sessions:series': () => ({ bucketMs: 10_000, atMs: [80_000, 90_000, 100_000], rxBitsPerSec: [1, 2, 3], txBitsPerSec: [4, 5, 6] }),
    });
    const store = createAppStore();
    connect(fake.api, store, { schedule: (cb) => cb() });
    await settle();
    await settle();
    store.getState().select(sessionKey(A));
    await settle();
    // The bucket at 100 000 is not older than the first live point (100 000): the live one stays.
    expect(store.getState().selectedSeries).toEqual({ atMs: [80_000, 90_000, 100_000], rx: [1, 2, 5], tx: [4, 5, 6] });
    expect(fake.calls.find((c) => c.channel === 'sessions:series')?.args).toEqual(['local', 'hls', 'a']);
  });
});

describe('units choice', () => {
  it('two quick choices end on the second, whatever order the answers and pushes for the first arrive in', async () => {
    const answers: (() => void)[] = [];
    const base: AppSettings = { values: { units: 'decimal' }, secretsSet: [], setAtStart: {} };
    const withUnits = (units: string): AppSettings => ({ ...base, values: { ...base.values, units } });
    const fake = createFakeApi({
      'app:info': () => ({ version: '0.1.0', mode: 'headless', listeners: { api: 'http://127.0.0.1:1' } }),
      'sessions:snapshot': () => fakeMain().full(snapshot(1000, [])),
      'metrics:history': () => EMPTY_HISTORY,
      'settings:update': (patch) => new Promise<AppSettings>((resolve) => answers.push(() => resolve(withUnits(String(patch.values.units))))),
    });
    const store = createAppStore();
    connect(fake.api, store, { schedule: (cb) => cb() });
    await settle();
    const choose = (u: 'binary' | 'decimal'): Promise<AppSettings> => {
      store.getState().setUnits(u);
      return store.getState().updateSettings({ values: { units: u } });
    };
    const first = choose('binary');
    const second = choose('decimal');
    expect(store.getState().units).toBe('decimal');
    // The first answer, and main's push for it, arrive while the second is still on its way.
    answers[0]!();
    await first;
    fake.push('settings:changed', withUnits('binary'));
    expect(store.getState().units).toBe('decimal');
    answers[1]!();
    await second;
    expect(store.getState().units).toBe('decimal');
    expect(store.getState().settings?.values.units).toBe('decimal');
  });
});

describe('the sessions worker frames the store shows', () => {
  it('keeps the counts it shows when a frame brings the same ones (no render of the totals per answer), takes new ones', () => {
    const store = createAppStore();
    const streams = new StreamsModel().frame(NO_STREAMS_QUERY);
    let version = 0;
    const frame = (collectorCounts: [string, number][]): SessionsFrame => ({
      total: 0, count: 0, start: 0, rows: [], collectorCounts, selected: null, selectedIndex: -1, streamSessions: null, stream: null, streams, version: ++version,
    });
    store.getState().applySessionsFrame(frame([['hls', 5], ['rtmp', 1]]));
    const { collectorCounts } = store.getState();
    expect(collectorCounts).toEqual([['hls', 5], ['rtmp', 1]]);
    store.getState().applySessionsFrame(frame([['hls', 5], ['rtmp', 1]]));
    expect(store.getState().collectorCounts).toBe(collectorCounts);
    store.getState().applySessionsFrame(frame([['hls', 5]]));
    expect(store.getState().collectorCounts).toEqual([['hls', 5]]);
  });
});
