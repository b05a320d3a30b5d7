/**
 * The history bound (History's maxEntries): one client making many distinct keys (Referer hosts, RTMP client ports,
 * stream names) cannot grow the history without end, and no sum changes when entries are folded into `(other)`.
 */
import { describe, expect, it } from 'vitest';
import { History, OTHER_KEY, parseHistory } from '../../../src/main/engine/history.ts';

/** Every aggregate of a summary recomputed from the entries, to compare with the incrementally kept one. */
function recompute(h: History) {
  const totals = { sessions: 0, rxBytes: 0, txBytes: 0 };
  const refs = new Map<string, number>();
  const locs = new Map<string, number>();
  const peers = new Map<string, number>();
  for (const [, e] of h.entries()) {
    totals.sessions += e.totalSessions;
    totals.rxBytes += e.totalRxBytes;
    totals.txBytes += e.totalTxBytes;
    refs.set(e.reference, (refs.get(e.reference) ?? 0) + e.totalTxBytes);
    locs.set(e.location, (locs.get(e.location) ?? 0) + e.totalTxBytes);
    peers.set(e.peer, (peers.get(e.peer) ?? 0) + e.totalTxBytes);
  }
  return { totals, refs, locs, peers };
}

function expectConsistent(h: History): void {
  const s = h.summary();
  const r = recompute(h);
  expect({ ...s.totals }).toEqual(r.totals);
  expect(new Map([...s.references].map(([k, v]) => [k, v.txBytes]))).toEqual(r.refs);
  expect(new Map([...s.locations].map(([k, v]) => [k, v.txBytes]))).toEqual(r.locs);
  expect(new Map([...s.peers].map(([k, v]) => [k, v.txBytes]))).toEqual(r.peers);
}

describe('History with a bound', () => {
  it('folds the least recent referrers of one stream into location:(other):reference; totals and per-stream sums exact', () => {
    const h = new History(100);
    let tx = 0;
    for (let i = 0; i < 5000; i++) {
      h.add('/memfs/cam.m3u8', `referrer-${i}.example`, 'cam', 1, 0, 1000 + i);
      tx += 1000 + i;
    }
    expect(h.size).toBeLessThanOrEqual(100);
    expect(h.folded).toBeGreaterThan(4800);
    const s = h.summary();
    expect(s.totals).toEqual({ sessions: 5000, rxBytes: 0, txBytes: tx });
    expect(s.references.get('cam')).toEqual({ sessions: 5000, rxBytes: 0, txBytes: tx });
    expect(s.locations.get('/memfs/cam.m3u8')?.txBytes).toBe(tx);
    expect(s.peers.get(OTHER_KEY)?.sessions).toBeGreaterThan(4800);
    // The most recent referrers are still there by name.
    expect(s.peers.has('referrer-4999.example')).toBe(true);
    expect(s.peers.has('referrer-0.example')).toBe(false);
    expectConsistent(h);
  });

  it('a referrer seen again is recent again and keeps its own entry', () => {
    const h = new History(10);
    h.add('/memfs/a.m3u8', 'loyal.example', 'a', 1, 0, 5);
    for (let i = 0; i < 100; i++) {
      h.add('/memfs/a.m3u8', `r${i}`, 'a', 1, 0, 1);
      h.add('/memfs/a.m3u8', 'loyal.example', 'a', 1, 0, 5);
    }
    expect(h.summary().peers.get('loyal.example')?.sessions).toBe(101);
    expectConsistent(h);
  });

  it('distinct locations of one stream (more pairs than the bound) end in (other):(other):stream, the per-stream sum exact', () => {
    const h = new History(40);
    for (let i = 0; i < 2000; i++) h.add(`play:/live/cam.stream?token=${i}`, `127.0.0.1:${20000 + i}`, 'cam', 1, 0, 10);
    h.add('play:/live/other.stream', '127.0.0.1:1', 'other', 1, 0, 10);
    expect(h.size).toBeLessThanOrEqual(40);
    expect(h.summary().references.get('cam')).toEqual({ sessions: 2000, rxBytes: 0, txBytes: 20_000 });
    expect(h.summary().references.get('other')).toEqual({ sessions: 1, rxBytes: 0, txBytes: 10 });
    expect(h.summary().locations.get(OTHER_KEY)?.sessions).toBeGreaterThan(1900);
    expect(h.summary().references.has(OTHER_KEY)).toBe(false);
    expectConsistent(h);
  });

  it('distinct stream names too (one key per location/reference pair) end in (other):(other):(other), bounded, totals exact', () => {
    const h = new History(50);
    for (let i = 0; i < 3000; i++) h.add(`publish:/live/s${i}.stream`, `127.0.0.1:${10000 + i}`, `/live/s${i}`, 1, 100, 1);
    expect(h.size).toBeLessThanOrEqual(50);
    expect(h.summary().totals).toEqual({ sessions: 3000, rxBytes: 300_000, txBytes: 3000 });
    expect(h.summary().references.get(OTHER_KEY)?.sessions).toBeGreaterThan(2900);
    expectConsistent(h);
  });

  it('the persisted file stays Core format and loads back into the same sums', () => {
    const h = new History(20);
    for (let i = 0; i < 500; i++) h.add('/memfs/x.m3u8', `p${i}`, 'x', 1, 0, 7);
    const back = new History(20);
    for (const [key, e] of parseHistory(h.serialize())) back.add(e.location, e.peer, e.reference, e.totalSessions, e.totalRxBytes, e.totalTxBytes, key);
    expect({ ...back.summary().totals }).toEqual({ sessions: 500, rxBytes: 0, txBytes: 3500 });
    expect(back.size).toBe(h.size);
  });

  it('unbounded (0) keeps every key, as Core', () => {
    const h = new History(0);
    for (let i = 0; i < 2000; i++) h.add('l', `p${i}`, 'r', 1, 0, 1);
    expect(h.size).toBe(2000);
    expect(h.folded).toBe(0);
  });

  it('readers told to re-render after a fold (the change log is reset)', () => {
    const h = new History(10);
    for (let i = 0; i < 10; i++) h.add('l', `p${i}`, 'r', 1, 0, 1);
    const v = h.version;
    h.add('l', 'p-new', 'r', 1, 0, 1);
    expect(h.summary().order!.changedSince(v)).toBeUndefined();
  });
});
