import { describe, expect, it } from 'vitest';
import type { CoreInfo } from '../../src/shared/types.ts';
import type { StreamRow } from '../../src/shared/streams.ts';
import { NO_STREAMS_QUERY, StreamsModel, type StreamsQuery } from '../../src/renderer/src/store/streams-view.ts';
import { streamRowsWriter, type StreamRowsState, type StreamTableContext } from '../../src/renderer/src/views/streams-table.ts';

function stream(key: string, viewersTotal: number, core = 'local'): StreamRow {
  return {
    core, key, state: 'live', sinceMs: 0, ingestProtocol: 'rtmp', ingestBitsPerSec: 1000, publishers: 1,
    viewers: { hls: viewersTotal, rtmp: 0, srt: 0 }, viewersTotal, egressBitsPerSec: 0, processes: 0, peakViewersToday: 0, keys: [key],
  };
}

const core = (id: string, name: string, p: Partial<CoreInfo> = {}): CoreInfo => ({ id, name, kind: id === 'local' ? 'local' : 'remote', state: 'online', ...p }) as CoreInfo;

/** A writer over a state the test changes, with what it was given each time and a wall clock the test moves. */
function setup() {
  const model = new StreamsModel();
  model.append(1000, [stream('a', 3), stream('b', 2), stream('c', 1)]);
  const query: StreamsQuery = { ...NO_STREAMS_QUERY, open: true, end: 80, tag: 1 };
  const names: Record<string, string> = { local: 'This computer', r1: 'Studio' };
  let state: StreamRowsState = {
    streamsFrame: model.frame(query),
    streamsQuery: query,
    atMs: 1000,
    receivedAtMs: 5000,
    cores: [core('local', 'This computer')],
    units: 'decimal',
    coreName: (id) => names[id] ?? id,
  };
  let nowMs = 5100;
  const writes: { count: number; start: number; keys: string[]; ctx: StreamTableContext }[] = [];
  const write = streamRowsWriter((count, start, rows, ctx) => writes.push({ count, start, keys: rows.map((r) => r.key), ctx }), () => nowMs);
  return {
    model,
    writes,
    get state() {
      return state;
    },
    /** The store changed (`patch`), and its listeners ran. */
    set(patch: Partial<StreamRowsState>) {
      state = { ...state, ...patch };
      write(state);
    },
    /** The clock's tick (no store change). */
    tick(toMs: number) {
      nowMs = toMs;
      write(state);
    },
  };
}

describe('the Streams table rows written from the store', () => {
  it('writes the rows when the frame or their context changes, and for nothing else', () => {
    const t = setup();
    t.set({});
    expect(t.writes.map((w) => [w.count, w.start, w.keys])).toEqual([[3, 0, ['a', 'b', 'c']]]);
    expect(t.writes[0]!.ctx).toMatchObject({ clockMs: 1000, units: 'decimal', coreName: null, selectedId: null });
    expect([...t.writes[0]!.ctx.spark.keys()]).toHaveLength(3);
    // A filter click: the query changes, the rows do not until the worker's answer (a new frame) comes; an answer
    // with the same rows (every stream has HLS viewers) rewrites none.
    const hls: StreamsQuery = { ...t.state.streamsQuery, filter: { core: null, text: '', protocols: ['hls'] }, tag: 2 };
    t.set({ streamsQuery: hls });
    t.set({ units: 'decimal' });
    t.tick(5200);
    expect(t.writes).toHaveLength(1);
    t.set({ streamsFrame: t.model.frame(hls) });
    expect(t.writes).toHaveLength(1);
    // Rows that differ: a filter that drops one, a window from another row.
    const filtered: StreamsQuery = { ...hls, filter: { core: null, text: 'a', protocols: [] }, tag: 3 };
    t.set({ streamsQuery: filtered, streamsFrame: t.model.frame(filtered) });
    t.set({ streamsQuery: hls, streamsFrame: t.model.frame({ ...hls, start: 1, tag: 4 }) });
    // A push: a new frame, its clock.
    t.model.append(2000, [stream('a', 4), stream('c', 1)]);
    t.set({ streamsFrame: t.model.frame(hls), atMs: 2000, receivedAtMs: 5900 });
    expect(t.writes.map((w) => [w.count, w.start, w.keys, w.ctx.clockMs])).toEqual([
      [3, 0, ['a', 'b', 'c'], 1000],
      [1, 0, ['a'], 1000],
      [3, 1, ['b', 'c'], 1000],
      [2, 0, ['a', 'c'], 2000],
    ]);
    // The same frame with another context: the rows again, the sparklines of the frame as they were.
    const spark = t.writes[3]!.ctx.spark;
    t.set({ units: 'binary' });
    t.set({ streamsQuery: { ...filtered, page: 'local\u0000a' } });
    t.set({ cores: [core('local', 'This computer'), core('r1', 'Studio')] });
    t.set({ cores: [core('local', 'This computer'), core('r1', 'Studio', { rttMs: 4 })] });
    expect(t.writes.slice(4).map((w) => [w.ctx.units, w.ctx.selectedId, w.ctx.coreName?.('r1') ?? null])).toEqual([
      ['binary', null, null],
      ['binary', 'local\u0000a', null],
      ['binary', 'local\u0000a', 'Studio'],
      ['binary', 'local\u0000a', 'Studio'],
    ]);
    for (const w of t.writes.slice(4)) expect(w.ctx.spark).toBe(spark);
  });

  it('names a frame\'s rows: the same rowsId only for the same push\'s rows at the same place, and a model\'s own ids', () => {
    const model = new StreamsModel();
    model.append(1000, [stream('a', 3), stream('b', 2), stream('c', 1)]);
    const q: StreamsQuery = { ...NO_STREAMS_QUERY, open: true, end: 80, tag: 1 };
    const first = model.frame(q);
    // Another tag, a filter every stream passes, a stream page: the same rows.
    expect(model.frame({ ...q, tag: 2 }).rowsId).toBe(first.rowsId);
    expect(model.frame({ ...q, filter: { core: 'local', text: '', protocols: ['hls', 'rtmp'] } }).rowsId).toBe(first.rowsId);
    expect(model.frame({ ...q, page: 'local\u0000a' }).rowsId).toBe(first.rowsId);
    // Other rows, another place, fewer rows asked for, the next push (same numbers, new series): another.
    const ids = [
      model.frame({ ...q, filter: { core: null, text: 'b', protocols: [] } }).rowsId,
      model.frame({ ...q, start: 1 }).rowsId,
      model.frame({ ...q, end: 2 }).rowsId,
    ];
    model.append(2000, [stream('a', 3), stream('b', 2), stream('c', 1)]);
    ids.push(model.frame(q).rowsId);
    expect(new Set([first.rowsId, ...ids]).size).toBe(5);
    // Not the view's: no rows, named too.
    expect(model.frame({ ...q, open: false }).rows).toEqual([]);
    // Another model (a new worker) names its rows apart.
    const other = new StreamsModel();
    other.append(1000, [stream('a', 3)]);
    expect(other.frame(q).rowsId).not.toBe(model.frame(q).rowsId);
  });

  it('follows the wall clock once pushes stop, each tick that moves it', () => {
    const t = setup();
    t.set({});
    t.tick(6000);
    expect(t.writes).toHaveLength(1);
    // 2.5 s without a push: the durations count on from the wall clock.
    t.tick(7600);
    t.tick(7600);
    t.tick(8600);
    expect(t.writes.map((w) => w.ctx.clockMs)).toEqual([1000, 7600, 8600]);
    // Pushes again: the snapshot's time.
    t.set({ atMs: 9000, receivedAtMs: 9000 });
    expect(t.writes.map((w) => w.ctx.clockMs)).toEqual([1000, 7600, 8600, 9000]);
  });
});
