import { describe, expect, it } from 'vitest';
import { SessionsDecoder, SessionsEncoder, type LiveSnapshot, type SessionsUpdate } from '../../src/shared/sessions-wire.ts';
import { StreamModel } from '../../src/shared/streams.ts';
import type { CoreInfo, SessionRow, Snapshot } from '../../src/shared/types.ts';

/** As the page receives a push over either transport: a copy (JSON for the event stream, a structured clone for IPC). */
const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const CORES: CoreInfo[] = [
  { id: 'local', name: 'This computer', kind: 'local', url: 'http://127.0.0.1:8787', state: 'running' },
  { id: 'r1', name: 'Studio A', kind: 'remote', url: 'http://10.0.0.2:8080', state: 'online', rttMs: 3, lastSuccessMs: 1000 },
];

function session(core: string, collector: string, id: string, p: Partial<SessionRow> = {}): SessionRow {
  return {
    core,
    collector,
    id,
    reference: `ref-${id}`,
    location: collector === 'rtmp' ? `publish:/live/${id}` : `/memfs/${id}.m3u8`,
    peer: '198.51.100.7:5000',
    extra: '',
    createdAtMs: 1000,
    rxBytes: 0,
    txBytes: 0,
    rxBitsPerSec: 0,
    txBitsPerSec: 0,
    ...p,
  };
}

/**
 * A scripted live state: each step changes rates and counters of some sessions and adds, removes, closes or renames
 * others (new ones also in the middle of the list, as the engine lists them per core and collector), and a core's
 * rtt and state. The snapshots are built fresh each step, as the source builds them.
 */
function script(): Snapshot[] {
  let rows: SessionRow[] = [
    ...Array.from({ length: 6 }, (_, i) => session('local', 'hls', `h${i}`, { reference: `s${i % 2}`, location: `/memfs/s${i % 2}.m3u8` })),
    session('local', 'rtmp', 'pub', { reference: 's0', location: 'publish:/live/s0' }),
    ...Array.from({ length: 4 }, (_, i) => session('r1', 'hls', `r${i}`, { reference: 's9', location: '/memfs/s9.m3u8' })),
  ];
  const out: Snapshot[] = [];
  const cores = CORES.map((c) => ({ ...c }));
  const emit = (atMs: number): void => {
    const collectors = ['hls', 'rtmp'].flatMap((collector) =>
      ['local', 'r1'].map((core) => {
        const of = rows.filter((r) => r.core === core && r.collector === collector);
        return {
          core,
          collector,
          activeSessions: of.length,
          processSessions: 0,
          rxBitsPerSec: of.reduce((a, r) => a + r.rxBitsPerSec, 0),
          txBitsPerSec: of.reduce((a, r) => a + r.txBitsPerSec, 0),
          // As if the first were a process's: the hot fields change with its rates.
          processRxBitsPerSec: of[0]?.rxBitsPerSec ?? 0,
          processTxBitsPerSec: of[0]?.txBitsPerSec ?? 0,
          maxSessions: 0,
          maxTxBitsPerSec: 0,
        };
      }),
    );
    out.push({ atMs, cores: cores.map((c) => ({ ...c })), collectors, sessions: rows.map((r) => ({ ...r })) });
  };
  emit(1000);
  const tick = (k: number): void => {
    rows = rows.map((r, i) => {
      if ((i + k) % 3 === 0) return r; // some rows do not change at all
      const tx = ((i + 1) * 7919 * k) % 5_000_000;
      return { ...r, txBitsPerSec: tx, txBytes: r.txBytes + Math.floor(tx / 8), rxBitsPerSec: r.collector === 'rtmp' ? tx : 0, rxBytes: r.rxBytes + (r.collector === 'rtmp' ? tx / 8 : 0) };
    });
  };
  tick(1);
  emit(2000);
  // A viewer leaves; one arrives in the middle (local hls, before rtmp) and one at the end.
  tick(2);
  rows = rows.filter((r) => r.id !== 'h2');
  rows.splice(5, 0, session('local', 'hls', 'h9', { createdAtMs: 3000 }));
  rows.push(session('r1', 'hls', 'r9', { createdAtMs: 3000 }));
  cores[1]!.rttMs = 4;
  cores[1]!.lastSuccessMs = 3000;
  emit(3000);
  // The publisher's connection closes (a field that is not a rate changes); a user agent changes; fractions.
  tick(3);
  rows = rows.map((r) => (r.id === 'pub' ? { ...r, closedAtMs: 3500 } : r.id === 'r1' ? { ...r, extra: '[192.0.2.0] VLC' } : r.id === 'h0' ? { ...r, rxBytes: 0.1 + 0.2 } : r));
  emit(4000);
  // The remote Core goes stale: its rtt is gone (a hot field that is no longer a number).
  tick(4);
  cores[1] = { ...cores[1]!, state: 'stale' };
  delete cores[1].rttMs;
  rows = rows.filter((r, i) => i % 4 !== 1); // several leave at once
  emit(5000);
  // Everything leaves, then a new session reuses a free slot.
  rows = [];
  emit(6000);
  rows = [session('local', 'srt', 'new', { txBitsPerSec: 5 })];
  emit(7000);
  return out;
}

/** The script's snapshots with their streams, as the UI service pushes them. */
function withStreams(snapshots: Snapshot[]): LiveSnapshot[] {
  const model = new StreamModel();
  return snapshots.map((s) => ({ ...s, streams: model.update(s) }));
}

const live = (s: LiveSnapshot): LiveSnapshot => ({ atMs: s.atMs, cores: s.cores, collectors: s.collectors, sessions: s.sessions, streams: s.streams });

describe('sessions wire format', () => {
  it('round-trips a scripted sequence of adds, removes and changes: every decoded state equals the snapshot', () => {
    const encoder = new SessionsEncoder();
    const decoder = new SessionsDecoder();
    const states = withStreams(script());
    const kinds: string[] = [];
    for (const s of states) {
      const push = overTheWire(encoder.encode(s));
      kinds.push(push.kind);
      const out = decoder.apply(push);
      if (!out.ok) throw new Error(`push ${push.seq} not applied: ${out.reason}`);
      expect(out.snapshot).toEqual(live(s));
      // The whole state main answers `sessions:snapshot` with is the same.
      expect(live(encoder.full())).toEqual(live(s));
    }
    expect(kinds).toEqual(['full', ...states.slice(1).map(() => 'delta')]);
    expect(decoder.seq).toBe(states.length);
  });

  it('a page that starts from sessions:snapshot part-way follows the deltas from there', () => {
    const encoder = new SessionsEncoder();
    const states = withStreams(script());
    for (const s of states.slice(0, 3)) encoder.encode(s);
    const decoder = new SessionsDecoder();
    const start = decoder.apply(overTheWire(encoder.full()));
    expect(start.ok && start.snapshot).toEqual(live(states[2]!));
    for (const s of states.slice(3)) {
      const out = decoder.apply(overTheWire(encoder.encode(s)));
      expect(out.ok && out.snapshot).toEqual(live(s));
    }
  });

  it('rows that did not change keep their identity; only changed rows are new objects', () => {
    const encoder = new SessionsEncoder();
    const decoder = new SessionsDecoder();
    const rows = Array.from({ length: 5 }, (_, i) => session('local', 'hls', `h${i}`));
    const s1 = { atMs: 1000, cores: CORES, collectors: [], sessions: rows, streams: [] };
    const a = decoder.apply(overTheWire(encoder.encode(s1)));
    const s2 = { ...s1, atMs: 2000, sessions: rows.map((r, i) => (i === 3 ? { ...r, txBitsPerSec: 9, txBytes: 2 } : { ...r })) };
    const b = decoder.apply(overTheWire(encoder.encode(s2)));
    if (!a.ok || !b.ok) throw new Error('not applied');
    expect(b.snapshot.sessions.map((r, i) => r === a.snapshot.sessions[i])).toEqual([true, true, true, false, true]);
    expect(b.snapshot.sessions[3]).toEqual(s2.sessions[3]);
    // Lists in which nothing changed are the same arrays.
    expect(b.snapshot.cores).toBe(a.snapshot.cores);
    expect(b.snapshot.streams).toBe(a.snapshot.streams);
  });

  it('decoded in place (the sessions worker): every state equals the snapshot, rows that stay are the same objects', () => {
    const encoder = new SessionsEncoder();
    const decoder = new SessionsDecoder({ inPlace: true });
    const copying = new SessionsDecoder();
    const states = withStreams(script());
    let prevKeys = new Map<string, object>();
    let reused = 0;
    for (const s of states) {
      const text = JSON.stringify(encoder.encode(s));
      const out = decoder.apply(JSON.parse(text) as SessionsUpdate);
      const same = copying.apply(JSON.parse(text) as SessionsUpdate);
      if (!out.ok || !same.ok) throw new Error('not applied');
      expect(out.snapshot).toEqual(live(s));
      expect(out.snapshot).toEqual(same.snapshot);
      // A session listed before and after is the object it was, with its new numbers (unless its cold fields changed).
      const keys = new Map(out.snapshot.sessions.map((r) => [`${r.core}/${r.collector}/${r.id}`, r] as const));
      for (const [k, r] of keys) if (prevKeys.get(k) === r) reused++;
      prevKeys = keys;
    }
    expect(reused).toBeGreaterThan(20);
  });

  it('in place: a list whose rows only changed numbers is the same array; a cold change makes a new row and list', () => {
    const encoder = new SessionsEncoder();
    const decoder = new SessionsDecoder({ inPlace: true });
    const rows = Array.from({ length: 5 }, (_, i) => session('local', 'hls', `h${i}`));
    const s1 = { atMs: 1000, cores: CORES, collectors: [], sessions: rows, streams: [] };
    const a = decoder.apply(overTheWire(encoder.encode(s1)));
    if (!a.ok) throw new Error('not applied');
    const list = a.snapshot.sessions;
    const objects = [...list];
    const s2 = { ...s1, atMs: 2000, sessions: rows.map((r, i) => (i === 3 ? { ...r, txBitsPerSec: 9, txBytes: 2 } : { ...r })) };
    const b = decoder.apply(overTheWire(encoder.encode(s2)));
    if (!b.ok) throw new Error('not applied');
    expect(b.snapshot.sessions).toBe(list);
    expect(b.snapshot.sessions.every((r, i) => r === objects[i])).toBe(true);
    expect(b.snapshot.sessions[3]).toEqual(s2.sessions[3]);
    const s3 = { ...s2, atMs: 3000, sessions: s2.sessions.map((r, i) => (i === 1 ? { ...r, reference: 'renamed', rxBitsPerSec: 4 } : { ...r, rxBitsPerSec: 7 })) };
    const c = decoder.apply(overTheWire(encoder.encode(s3)));
    if (!c.ok) throw new Error('not applied');
    expect(c.snapshot.sessions).not.toBe(list);
    expect(c.snapshot.sessions.map((r, i) => r === objects[i])).toEqual([true, false, true, true, true]);
    expect(c.snapshot.sessions).toEqual(s3.sessions);
  });

  it('a missed push is a gap: the page resyncs from a whole snapshot and goes on', () => {
    const encoder = new SessionsEncoder();
    const decoder = new SessionsDecoder();
    const [s1, s2, s3, s4] = withStreams(script());
    decoder.apply(overTheWire(encoder.encode(s1!)));
    encoder.encode(s2!); // lost: a slow event-stream client skipped it
    const third = overTheWire(encoder.encode(s3!));
    expect(decoder.apply(third)).toEqual({ ok: false, reason: 'gap' });
    const resync = decoder.apply(overTheWire(encoder.full()));
    expect(resync.ok && resync.snapshot).toEqual(live(s3!));
    // A push that arrives late (older than the state) is ignored, the next one applies.
    expect(decoder.apply(third)).toEqual({ ok: false, reason: 'stale' });
    const next = decoder.apply(overTheWire(encoder.encode(s4!)));
    expect(next.ok && next.snapshot).toEqual(live(s4!));
  });

  it('a push of another encoder (main restarted) is a gap, as is a delta before any whole snapshot', () => {
    const [s1, s2] = withStreams(script());
    const before = new SessionsEncoder();
    const decoder = new SessionsDecoder();
    before.encode(s1!);
    expect(decoder.apply(overTheWire(before.encode(s2!)))).toEqual({ ok: false, reason: 'gap' });
    decoder.apply(overTheWire(before.full()));
    const restarted = new SessionsEncoder();
    restarted.encode(s1!);
    const delta = overTheWire(restarted.encode(s2!));
    expect(delta.seq).toBe(2);
    expect(decoder.apply(delta)).toEqual({ ok: false, reason: 'gap' });
  });

  it('a delta that does not fit the state is a gap, not a crash', () => {
    const [s1, s2] = withStreams(script());
    const encoder = new SessionsEncoder();
    const decoder = new SessionsDecoder();
    decoder.apply(overTheWire(encoder.encode(s1!)));
    const delta = overTheWire(encoder.encode(s2!)) as SessionsUpdate & { kind: 'delta' };
    delta.sessions.removed.push(999);
    expect(decoder.apply(delta)).toEqual({ ok: false, reason: 'gap' });
    const full = overTheWire(encoder.full());
    full.slots.sessions = full.slots.sessions.slice(1);
    expect(decoder.apply(full)).toEqual({ ok: false, reason: 'gap' });
  });

  it('the streams keep their order (sorted by viewers) when it changes', () => {
    const encoder = new SessionsEncoder();
    const decoder = new SessionsDecoder();
    const stream = (key: string, viewersTotal: number) => ({
      core: 'local', key, state: 'live' as const, sinceMs: 0, ingestProtocol: null, ingestBitsPerSec: 0, publishers: 1,
      viewers: { hls: viewersTotal, rtmp: 0, srt: 0 }, viewersTotal, egressBitsPerSec: 0, processes: 0, peakViewersToday: viewersTotal, keys: [key],
    });
    const base = { cores: CORES, collectors: [], sessions: [] };
    decoder.apply(overTheWire(encoder.encode({ ...base, atMs: 1, streams: [stream('a', 3), stream('b', 2), stream('c', 1)] })));
    const next = { ...base, atMs: 2, streams: [stream('c', 5), stream('a', 3), stream('b', 2)] };
    const push = overTheWire(encoder.encode(next));
    expect(push.kind === 'delta' && push.streams.order).toBeDefined();
    const out = decoder.apply(push);
    expect(out.ok && out.snapshot.streams).toEqual(next.streams);
  });

  it('rate and counter changes of 10 000 sessions take a small part of the whole snapshot', () => {
    const encoder = new SessionsEncoder();
    const rows = Array.from({ length: 10_000 }, (_, i) =>
      session(['local', 'r1'][i % 2]!, 'hls', `viewer-${i}`, { peer: `198.51.100.${i % 250}:${40000 + i}`, extra: '[192.0.2.0] Mozilla/5.0 (X11; Linux x86_64)', txBytes: 1e9 + i }),
    );
    const s1 = { atMs: 1000, cores: CORES, collectors: [], sessions: rows, streams: [] };
    const fullBytes = JSON.stringify(encoder.encode(s1)).length;
    const s2 = { ...s1, atMs: 2000, sessions: rows.map((r, i) => ({ ...r, txBitsPerSec: 3_000_000 + i, txBytes: r.txBytes + 375_000 })) };
    const delta = encoder.encode(s2);
    const deltaBytes = JSON.stringify(delta).length;
    expect(delta.kind).toBe('delta');
    expect(deltaBytes).toBeLessThan(fullBytes / 8);
  });

  it("a change of any one of a stream's hot fields travels in the numbers and is decoded into the row, in place and copied", () => {
    const [first] = withStreams([{ atMs: 1000, cores: CORES, collectors: [], sessions: [session('r1', 'rtmp', 'cam', { reference: 'cam', location: 'publish:/live/cam' })] }]);
    const base = first!.streams[0]!;
    for (const field of ['sinceMs', 'ingestBitsPerSec', 'viewersTotal', 'egressBitsPerSec', 'peakViewersToday'] as const) {
      const encoder = new SessionsEncoder();
      const decoders = [new SessionsDecoder({ inPlace: true }), new SessionsDecoder()];
      const start = encoder.encode({ ...first!, streams: [{ ...base }] });
      for (const d of decoders) d.apply(overTheWire(start));
      const changed = { ...base, [field]: base[field] + 7.5 };
      const delta = encoder.encode({ ...first!, atMs: 2000, streams: [changed] });
      if (delta.kind !== 'delta') throw new Error('expected a delta');
      expect(delta.streams.replaced, field).toEqual([]);
      expect(delta.streams.hot.length, field).toBe(3);
      for (const d of decoders) {
        const out = d.apply(overTheWire(delta));
        if (!out.ok) throw new Error('not applied');
        expect(out.snapshot.streams, field).toEqual([changed]);
      }
    }
  });

  it('a change of any one field of a session travels: a cold one as the replaced row, a hot one in the numbers', () => {
    // Every field of a session (Required: a field added to the type must be added here), each changed alone.
    const base: Required<SessionRow> = { ...session('r1', 'rtmp', 'cam'), closedAtMs: 5000, rxBytes: 100, txBytes: 200.5, rxBitsPerSec: 300, txBitsPerSec: 400.25 };
    const key = new Set(['core', 'collector', 'id']);
    const hot = ['rxBytes', 'txBytes', 'rxBitsPerSec', 'txBitsPerSec'];
    for (const field of Object.keys(base) as (keyof SessionRow)[]) {
      if (key.has(field)) continue;
      const encoder = new SessionsEncoder();
      // Decoded both ways (the fields written by name in place, SESSIONS.access.writeHot, and into copies).
      const decoders = [new SessionsDecoder({ inPlace: true }), new SessionsDecoder()];
      const other = session('r1', 'hls', 'x');
      const first = encoder.encode({ atMs: 1000, cores: CORES, collectors: [], sessions: [other, { ...base }], streams: [] });
      for (const d of decoders) d.apply(overTheWire(first));
      const value = base[field];
      const changed = { ...base, [field]: typeof value === 'number' ? value + 7 : `${value}-changed` };
      const delta = encoder.encode({ atMs: 2000, cores: CORES, collectors: [], sessions: [other, changed], streams: [] });
      if (delta.kind !== 'delta') throw new Error('expected a delta');
      for (const d of decoders) {
        const out = d.apply(overTheWire(delta));
        if (!out.ok) throw new Error('not applied');
        expect(out.snapshot.sessions, field).toEqual([other, changed]);
      }
      const { replaced, hot: numbers, added, removed } = delta.sessions;
      expect([added.length, removed.length], field).toEqual([0, 0]);
      if (hot.includes(field)) {
        expect(replaced, field).toEqual([]);
        // slot, mask of the one field, its new value (a counter: the increment)
        expect(numbers, field).toEqual([1, 1 << hot.indexOf(field), field.endsWith('Bytes') ? 7 : (value as number) + 7]);
      } else {
        expect(replaced, field).toEqual([[1, changed]]);
        expect(numbers, field).toEqual([]);
      }
    }
  });
});
