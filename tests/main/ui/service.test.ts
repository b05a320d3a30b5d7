import { describe, expect, it } from 'vitest';
import type { AppSettings, RemoteCoreConfig } from '../../../src/shared/ipc.ts';
import type { AppControl } from '../../../src/main/ui/app-control.ts';
import { MetricsHistoryBuffer } from '../../../src/main/ui/metrics-history.ts';
import { createUiService, type UiPush } from '../../../src/main/ui/service.ts';
import { FakeSource, snap } from './fake-source.ts';
import { SessionsDecoder, type LiveSnapshot, type SessionsUpdate } from '../../../src/shared/sessions-wire.ts';

const INFO = { version: '0.1.0', mode: 'headless' as const, listeners: {} };

const SETTINGS: AppSettings = {
  values: { pollIntervalMs: '1000', listen: '127.0.0.1:8787', units: 'decimal', ignoreIps: '127.0.0.0/8' },
  secretsSet: [],
  setAtStart: {},
};

function fakeControl(): AppControl & { added: unknown[]; patches: unknown[]; clusterCalls: unknown[][] } {
  const added: unknown[] = [];
  const patches: unknown[] = [];
  const clusterCalls: unknown[][] = [];
  let settings = { ...SETTINGS };
  const cfg = (id: string): RemoteCoreConfig => ({ id, name: 'A', url: 'http://10.0.0.1:8080', username: '', hasPassword: false, pollIntervalMs: 1000, enabled: true });
  return {
    added,
    patches,
    clusterCalls,
    listCores: async () => [cfg('c1')],
    addCore: async (input) => (added.push(input), cfg('c2')),
    updateCore: async (id) => cfg(id),
    removeCore: async () => undefined,
    testCore: async () => ({ ok: true, state: 'online', version: '16.14.0', rttMs: 2 }),
    clusterNodes: async (id) => (clusterCalls.push(['list', id]), [{ id: 'n1', name: 'one', url: 'http://10.0.0.1:8080', addedAs: 'c1' }, { id: 'n2', name: 'two', url: 'http://10.0.0.2:8080' }]),
    addClusterNodes: async (...args) => (clusterCalls.push(['add', ...args]), [cfg('10.0.0.2:8080')]),
    getSettings: async () => settings,
    updateSettings: async (patch) => (patches.push(patch), (settings = { ...settings, values: { ...settings.values, ...patch.values } })),
  };
}

describe('createUiService', () => {
  it('answers from the source and pushes each update', async () => {
    const source = new FakeSource(snap(1000, 2));
    const ui = createUiService({ source, appInfo: INFO });
    const pushes: UiPush[] = [];
    ui.onPush((p) => pushes.push(p));
    // Before the first update the snapshot asked for becomes the first push (the base of the deltas that follow).
    const first = await ui.handlers['sessions:snapshot']();
    expect(first.sessions).toHaveLength(2);
    expect(pushes.map((p) => p.channel)).toEqual(['sessions:update']);
    expect(await ui.handlers['app:info']()).toEqual(INFO);
    source.emit(snap(2000, 3));
    expect(pushes).toHaveLength(2);
    const update = pushes[1]!;
    if (update.channel !== 'sessions:update') throw new Error('expected a sessions:update push');
    expect(update.payload).toMatchObject({ kind: 'delta', epoch: first.epoch, seq: first.seq + 1, atMs: 2000 });
    await ui.handlers['history:list']({ core: ['local'] });
    expect(source.queries).toEqual([{ core: ['local'] }]);
    ui.dispose();
    expect(source.listenerCount).toBe(0);
  });

  it('keeps the metrics history in main, whether or not a page listens', async () => {
    const source = new FakeSource(snap(0));
    const ui = createUiService({ source, appInfo: INFO, metricsSamples: 3 });
    for (let t = 1; t <= 5; t++) source.emit(snap(t * 1000, t));
    const h = await ui.handlers['metrics:history']();
    expect(h.atMs).toEqual([3000, 4000, 5000]);
    expect(h.series).toEqual([{ core: 'local', collector: 'hls', rxBitsPerSec: [0, 0, 0], txBitsPerSec: [3000, 4000, 5000], activeSessions: [3, 4, 5], processSessions: [0, 0, 0], processRxBitsPerSec: [0, 0, 0], processTxBitsPerSec: [0, 0, 0] }]);
  });

  it('with no page listening it pushes nothing, yet a page opened later gets current streams, their peak and the metrics history', async () => {
    const source = new FakeSource(snap(0));
    const ui = createUiService({ source, appInfo: INFO, metricsSamples: 600 });
    // Nobody listens while the audience peaks at 5 and falls back to 2.
    for (const [t, n] of [[1, 1], [2, 5], [3, 2]] as const) source.emit(snap(t * 1000, n));
    const answer = await ui.handlers['sessions:snapshot']();
    expect(answer.atMs).toBe(3000);
    expect(answer.streams).toHaveLength(1);
    expect(answer.streams[0]).toMatchObject({ core: 'local', viewersTotal: 2, peakViewersToday: 5 });
    expect((await ui.handlers['metrics:history']()).series[0]!.activeSessions).toEqual([1, 5, 2]);
    // The page subscribes and starts from the answer: the next update is a delta on top of it, with its streams and
    // the peak seen while nobody listened.
    const page = new SessionsDecoder();
    page.apply(answer);
    const pushes: UiPush[] = [];
    ui.onPush((p) => pushes.push(p));
    source.emit(snap(4000, 3));
    expect(pushes).toHaveLength(1);
    const push = pushes[0]!;
    if (push.channel !== 'sessions:update') throw new Error(`unexpected push ${push.channel}`);
    expect(push.payload.kind).toBe('delta');
    const state = page.apply(push.payload);
    if (!state.ok) throw new Error(`the push does not follow the answer: ${state.reason}`);
    expect(state.snapshot.sessions).toEqual(snap(4000, 3).sessions);
    expect(state.snapshot.streams[0]).toMatchObject({ viewersTotal: 3, peakViewersToday: 5 });
    expect((await ui.handlers['metrics:history']()).atMs).toEqual([1000, 2000, 3000, 4000]);
  });

  it('every page that decodes the pushes holds what the source last sent, however it joined', async () => {
    const source = new FakeSource(snap(0));
    const ui = createUiService({ source, appInfo: INFO });
    const early = new SessionsDecoder();
    const late = new SessionsDecoder();
    const pushes: UiPush[] = [];
    ui.onPush((p) => pushes.push(p));
    const held = new Map<SessionsDecoder, LiveSnapshot>();
    const apply = (page: SessionsDecoder, payload: SessionsUpdate): void => {
      const out = page.apply(JSON.parse(JSON.stringify(payload)) as SessionsUpdate);
      if (!out.ok) throw new Error(`push ${payload.seq} not applied: ${out.reason}`);
      held.set(page, out.snapshot);
    };
    const updates = (): SessionsUpdate[] => pushes.flatMap((p) => (p.channel === 'sessions:update' ? [p.payload] : []));
    for (let t = 1; t <= 3; t++) source.emit(snap(t * 1000, t));
    updates().forEach((u) => apply(early, u));
    apply(late, await ui.handlers['sessions:snapshot']());
    pushes.length = 0;
    for (let t = 4; t <= 6; t++) source.emit(snap(t * 1000, 7 - t));
    for (const u of updates()) {
      apply(early, u);
      apply(late, u);
    }
    for (const page of [early, late]) {
      expect(page.seq).toBe((await ui.handlers['sessions:snapshot']()).seq);
      expect(held.get(page)!.sessions).toEqual(snap(6000, 1).sessions);
      expect(held.get(page)!.collectors).toEqual(snap(6000, 1).collectors);
      expect(held.get(page)!.atMs).toBe(6000);
    }
  });

  it('validates arguments from the page', async () => {
    const control = fakeControl();
    const ui = createUiService({ source: new FakeSource(snap(0)), appInfo: INFO, control });
    const h = ui.handlers as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    await expect(h['history:list']!('x')).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['app:info']!(1)).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:add']!({ name: 'x', url: 'ftp://h' })).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:add']!({ name: 'x', url: 'http://u:p@h:1' })).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:remove']!('')).rejects.toMatchObject({ code: 'bad-args' });
    // A settings patch is `values` by key, text or booleans; the typed fields of before are refused, not dropped.
    await expect(h['settings:update']!({ units: 'binary' })).rejects.toMatchObject({ code: 'bad-args', message: expect.stringContaining('settings.units is not a field') });
    await expect(h['settings:update']!({ values: { units: 'binary' }, listen: '0.0.0.0:1' })).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['settings:update']!({ values: { pollIntervalMs: 100 } })).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['settings:update']!({ values: { logLevel: 'debug' } })).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['settings:update']!({})).rejects.toMatchObject({ code: 'bad-args' });
    expect(control.patches).toEqual([]);
    // Unknown fields are dropped, known ones pass.
    await h['cores:add']!({ name: '', url: 'http://10.0.0.9:8080', password: 's', evil: true });
    expect(control.added).toEqual([{ name: '10.0.0.9:8080', url: 'http://10.0.0.9:8080', password: 's' }]);
  });

  it('cluster nodes: lists and adds through the control, arguments checked', async () => {
    const control = fakeControl();
    const ui = createUiService({ source: new FakeSource(snap(0)), appInfo: INFO, control });
    const offers = await ui.handlers['cores:cluster-nodes']('c1');
    expect(offers.map((o) => [o.id, o.addedAs])).toEqual([['n1', 'c1'], ['n2', undefined]]);
    expect((await ui.handlers['cores:add-cluster-nodes']('c1', ['n2'])).map((c) => c.id)).toEqual(['10.0.0.2:8080']);
    await ui.handlers['cores:add-cluster-nodes']('c1');
    const h = ui.handlers as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    await h['cores:add-cluster-nodes']!('c1', null); // an omitted argument as JSON carries it: all nodes
    expect(control.clusterCalls).toEqual([['list', 'c1'], ['add', 'c1', ['n2']], ['add', 'c1'], ['add', 'c1']]);
    await expect(h['cores:cluster-nodes']!()).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:cluster-nodes']!('')).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:cluster-nodes']!(7)).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:cluster-nodes']!('c1', 'x')).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:add-cluster-nodes']!('c1', 'n2')).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:add-cluster-nodes']!('c1', [1])).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:add-cluster-nodes']!('c1', [''])).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:add-cluster-nodes']!('c1', ['x'.repeat(257)])).rejects.toMatchObject({ code: 'bad-args' });
    await expect(h['cores:add-cluster-nodes']!('c1', [], 3)).rejects.toMatchObject({ code: 'bad-args' });
    expect(control.clusterCalls).toHaveLength(4); // nothing invalid reached the control
    const bare = createUiService({ source: new FakeSource(snap(0)), appInfo: INFO });
    await expect(bare.handlers['cores:cluster-nodes']('c1')).rejects.toMatchObject({ code: 'unsupported' });
    await expect(bare.handlers['cores:add-cluster-nodes']('c1')).rejects.toMatchObject({ code: 'unsupported' });
  });

  it('settings: update pushes settings:changed; without a control the channels say unsupported', async () => {
    const source = new FakeSource(snap(0));
    const ui = createUiService({ source, appInfo: INFO, control: fakeControl() });
    const pushes: UiPush[] = [];
    ui.onPush((p) => pushes.push(p));
    const s = await ui.handlers['settings:update']({ values: { units: 'binary', ignoreIps: '10.0.0.0/8' } });
    expect(s.values).toMatchObject({ units: 'binary', ignoreIps: '10.0.0.0/8' });
    expect(pushes.map((p) => p.channel)).toEqual(['settings:changed']);
    const bare = createUiService({ source, appInfo: INFO });
    await expect(bare.handlers['settings:get']()).rejects.toMatchObject({ code: 'unsupported' });
    await expect(bare.handlers['cores:configs']()).rejects.toMatchObject({ code: 'unsupported' });
  });

  it('a throwing subscriber does not stop the others', () => {
    const source = new FakeSource(snap(0));
    const ui = createUiService({ source, appInfo: INFO });
    let got = 0;
    ui.onPush(() => {
      throw new Error('dead window');
    });
    ui.onPush(() => got++);
    source.emit(snap(1000));
    expect(got).toBe(1);
  });
});

describe('MetricsHistoryBuffer', () => {
  it('marks missing samples null and drops series that left the window', () => {
    const m = new MetricsHistoryBuffer(2);
    m.record(snap(1000, 1));
    m.record({ ...snap(2000), collectors: [] });
    expect(m.toJSON().series[0]!.activeSessions).toEqual([1, null]);
    m.record({ ...snap(3000), collectors: [] });
    expect(m.toJSON().series).toEqual([]);
    m.record(snap(2500, 1)); // older than the last sample: ignored
    expect(m.toJSON().atMs).toEqual([2000, 3000]);
  });
});
