import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { Collector, type CollectorOptions } from '../../../src/main/engine/collector.ts';
import { IpLimiter } from '../../../src/main/engine/ip-limiter.ts';

/** The spec §6 default: inactive 5 s, session 30 s, no limits, empty ignore list, fake clock at t=0. */
function setup(opts: CollectorOptions = {}): { clock: FakeClock; c: Collector } {
  const clock = new FakeClock(0);
  const c = new Collector('c', { clock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5_000, ...opts });
  return { clock, c };
}
const sec = (s: number): number => Math.round(s * 1000);
const history = (c: Collector): Record<string, unknown> => Object.fromEntries(c.historyEntries());

describe('Collector lifecycle (spec §1.3, §6 items 1–15)', () => {
  it('1: a registered session is known, pending, and not listed', () => {
    const { c } = setup();
    c.register('a', 'ref', 'loc', 'peer');
    expect(c.isKnownSession('a')).toBe(true);
    expect(c.activeSessions).toBe(0);
    expect(c.pendingSessions).toBe(1);
    expect(c.active()).toEqual([]);
    expect(c.summary().activeSessions).toBe(0);
  });

  it('2: a never-touched pending session is gone 5 s after registration; the history is unchanged', () => {
    const { clock, c } = setup();
    c.register('a', 'ref', 'loc', 'peer');
    clock.advance(sec(4));
    expect(c.isKnownSession('a')).toBe(true);
    clock.advance(sec(1));
    expect(c.isKnownSession('a')).toBe(false);
    expect(c.pendingSessions).toBe(0);
    expect(c.historyEntries()).toEqual([]);
    expect(c.summary().history.totals.sessions).toBe(0);
  });

  it('3: the pending timeout is min(inactive, session): 3 s with session timeout 3 s', () => {
    const { clock, c } = setup({ sessionTimeoutMs: 3_000, inactiveTimeoutMs: 5_000 });
    c.register('a', 'ref', 'loc', 'peer');
    clock.advance(sec(2));
    expect(c.isKnownSession('a')).toBe(true);
    clock.advance(sec(1));
    expect(c.isKnownSession('a')).toBe(false);
  });

  it('4: a pending session with egress at t=0 lives for the session timeout, is never listed and never in the history', () => {
    const { clock, c } = setup();
    c.register('a', 'ref', 'loc', 'peer');
    c.egress('a', 100);
    clock.advance(sec(29));
    expect(c.isKnownSession('a')).toBe(true);
    expect(c.active()).toEqual([]);
    clock.advance(sec(2));
    expect(c.isKnownSession('a')).toBe(false);
    expect(c.historyEntries()).toEqual([]);
    // its bytes counted for the collector while it lived
    expect(c.txBytesTotal).toBe(100);
  });

  it('4b: bytes re-arm a pending session too (each non-zero call restarts the full session timeout)', () => {
    const { clock, c } = setup();
    c.register('a', 'ref', 'loc', 'peer');
    clock.advance(sec(4));
    c.ingress('a', 1);
    clock.advance(sec(29));
    expect(c.isKnownSession('a')).toBe(true);
    clock.advance(sec(1));
    expect(c.isKnownSession('a')).toBe(false);
  });

  it('5: registering an existing id again changes nothing', () => {
    const { clock, c } = setup();
    clock.advance(sec(1));
    c.register('a', 'ref', 'loc', 'peer');
    clock.advance(sec(2));
    c.register('a', 'ref2', 'loc2', 'peer2');
    c.activate('a');
    expect(c.active()[0]).toMatchObject({ id: 'a', reference: 'ref', location: 'loc', peer: 'peer', createdAtMs: 1000 });
    // the timer was not re-armed by the second registration: pending timeout counted from t=1
    const { clock: clock2, c: c2 } = setup();
    c2.register('b', 'r', 'l', 'p');
    clock2.advance(sec(3));
    c2.register('b', 'r', 'l', 'p');
    clock2.advance(sec(2));
    expect(c2.isKnownSession('b')).toBe(false);
  });

  it('6: only empty location/peer become "unknown"; the reference stays empty', () => {
    const { c } = setup();
    c.registerAndActivate('a', '', '', ' ');
    expect(c.active()[0]).toMatchObject({ reference: '', location: 'unknown', peer: ' ' });
    c.registerAndActivate('b', 'r', 'l', '');
    expect(c.active()[1]).toMatchObject({ location: 'l', peer: 'unknown' });
  });

  it('7: activate is true exactly once; empty and unknown ids give false', () => {
    const { c } = setup();
    c.register('a', 'ref', 'loc', 'peer');
    expect(c.activate('a')).toBe(true);
    expect(c.activate('a')).toBe(false);
    expect(c.activate('')).toBe(false);
    expect(c.activate('unknown')).toBe(false);
    c.register('', 'ref', 'loc', 'peer');
    expect(c.isKnownSession('')).toBe(false);
  });

  it('8: after activation the session is counted and listed with createdAt = registration time', () => {
    const { clock, c } = setup({}, );
    clock.advance(sec(7));
    c.register('a', 'ref', 'loc', 'peer');
    clock.advance(sec(2));
    c.activate('a');
    expect(c.activeSessions).toBe(1);
    expect(c.pendingSessions).toBe(0);
    const list = c.active();
    expect(list).toHaveLength(1);
    expect(list[0]).toEqual({ id: 'a', reference: 'ref', createdAtMs: 7000, location: 'loc', peer: 'peer', extra: '', rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0 });
    expect(c.summary().activeSessions).toBe(1);
  });

  it('9: an active session idle for 30 s is closed into the history with its exact bytes', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    c.ingress('a', 1234);
    clock.advance(sec(3));
    c.egress('a', 5678);
    clock.advance(sec(29));
    expect(c.isKnownSession('a')).toBe(true);
    clock.advance(sec(1));
    expect(c.isKnownSession('a')).toBe(false);
    expect(c.activeSessions).toBe(0);
    expect(history(c)).toEqual({ 'loc:peer:ref': { location: 'loc', peer: 'peer', reference: 'ref', totalSessions: 1, totalRxBytes: 1234, totalTxBytes: 5678 } });
  });

  it('9b: an activated session that never sees a byte closes after the pending timeout (activation does not re-arm)', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    clock.advance(sec(5));
    expect(c.isKnownSession('a')).toBe(false);
    expect(c.summary().history.totals.sessions).toBe(1);
  });

  it('10: calls every 29 s keep a session alive indefinitely', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    for (let i = 0; i < 50; i++) {
      c.egress('a', 1);
      clock.advance(sec(29));
      expect(c.isKnownSession('a')).toBe(true);
    }
    clock.advance(sec(1));
    expect(c.isKnownSession('a')).toBe(false);
    expect(history(c)['loc:peer:ref']).toMatchObject({ totalSessions: 1, totalTxBytes: 50 });
  });

  it('11: ingress(id, 0) neither restarts the timer nor changes any counter', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    c.ingress('a', 10);
    clock.advance(sec(20));
    c.ingress('a', 0);
    c.egress('a', 0);
    expect(c.active()[0]).toMatchObject({ rxBytes: 10, txBytes: 0 });
    expect(c.rxBytesTotal).toBe(10);
    clock.advance(sec(10));
    expect(c.isKnownSession('a')).toBe(false);
  });

  it('12: ingress/egress on unknown or empty ids change nothing', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    c.ingress('nope', 1000);
    c.egress('', 1000);
    c.ingress('', 1000);
    clock.advance(sec(2.5));
    expect(c.rxBitsPerSec()).toBe(0);
    expect(c.txBitsPerSec()).toBe(0);
    expect(c.rxBytesTotal + c.txBytesTotal).toBe(0);
    expect(c.active()[0]).toMatchObject({ rxBytes: 0, txBytes: 0 });
  });

  it('§7.19: negative, NaN and non-finite byte counts are ignored; fractions are floored', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    for (const n of [-1, -1e9, NaN, Infinity, -Infinity, 0.5]) {
      c.ingress('a', n);
      c.egress('a', n);
    }
    expect(c.active()[0]).toMatchObject({ rxBytes: 0, txBytes: 0 });
    clock.advance(sec(5));
    expect(c.isKnownSession('a')).toBe(false); // none of them re-armed the timer
    const { c: c2 } = setup();
    c2.registerAndActivate('b', 'r', 'l', 'p');
    c2.egress('b', 2.9);
    expect(c2.active()[0].txBytes).toBe(2);
  });

  it('13: unregister adds an active session to the history exactly once, even at its idle deadline', () => {
    for (const unregisterFirst of [true, false]) {
      const clock = new FakeClock(0);
      // A timer created before the collector fires before its sweep at the same instant, and after it otherwise.
      if (unregisterFirst) clock.setTimeout(() => c.unregister('a'), sec(30));
      const c = new Collector('c', { clock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5_000 });
      if (!unregisterFirst) clock.setTimeout(() => c.unregister('a'), sec(30));
      c.registerAndActivate('a', 'ref', 'loc', 'peer');
      c.egress('a', 10);
      clock.advance(sec(31));
      c.unregister('a');
      expect(history(c)['loc:peer:ref']).toMatchObject({ totalSessions: 1, totalTxBytes: 10 });
      expect(c.activeSessions).toBe(0);
    }
  });

  it('13b: unregister is synchronous (no known-session lag) and works on pending sessions', () => {
    const { c } = setup();
    c.register('p', 'ref', 'loc', 'peer');
    c.egress('p', 100);
    c.unregister('p');
    expect(c.isKnownSession('p')).toBe(false);
    expect(c.pendingSessions).toBe(0);
    expect(c.historyEntries()).toEqual([]);
    c.unregister('p');
    c.unregister('never');
  });

  it('14: stop with 3 active and 2 pending sessions adds exactly 3 sessions to the history', async () => {
    const { c } = setup();
    for (const id of ['a1', 'a2', 'a3']) c.registerAndActivate(id, 'r', 'l', 'p');
    for (const id of ['p1', 'p2']) {
      c.register(id, 'r', 'l', 'p');
      c.egress(id, 5);
    }
    await c.stop();
    expect(c.summary().history.totals.sessions).toBe(3);
    expect(c.activeSessions + c.pendingSessions).toBe(0);
    // stopped: producers' calls are no-ops
    c.registerAndActivate('late', 'r', 'l', 'p');
    expect(c.isKnownSession('late')).toBe(false);
    await c.stop();
    expect(c.summary().history.totals.sessions).toBe(3);
  });

  it('15: two sessions with the same location, peer and reference make one entry with total_sessions 2', () => {
    const { c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    c.registerAndActivate('b', 'ref', 'loc', 'peer');
    c.ingress('a', 1);
    c.egress('b', 2);
    c.unregister('a');
    c.unregister('b');
    expect(history(c)).toEqual({ 'loc:peer:ref': { location: 'loc', peer: 'peer', reference: 'ref', totalSessions: 2, totalRxBytes: 1, totalTxBytes: 2 } });
  });

  it('§7.9: colliding keys keep the first triple\'s fields; the summary aggregates by fields', () => {
    const { c } = setup();
    c.registerAndActivate('a', 'c', 'a:b', 'x'); // key "a:b:x:c"
    c.registerAndActivate('b', 'x:c', 'a', 'b'); // key "a:b:x:c" too
    c.egress('a', 1);
    c.egress('b', 2);
    c.unregister('a');
    c.unregister('b');
    expect(history(c)).toEqual({ 'a:b:x:c': { location: 'a:b', peer: 'x', reference: 'c', totalSessions: 2, totalRxBytes: 0, totalTxBytes: 3 } });
    expect([...c.summary().history.locations.keys()]).toEqual(['a:b']);
  });

  it('§7.7: a new session with a reused id starts at zero bytes and empty extra', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    c.setExtra('a', 'old extra');
    c.ingress('a', 1000);
    c.unregister('a');
    clock.advance(sec(1));
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    expect(c.active()[0]).toMatchObject({ rxBytes: 0, txBytes: 0, extra: '', createdAtMs: 1000 });
    c.unregister('a');
    expect(history(c)['loc:peer:ref']).toMatchObject({ totalSessions: 2, totalRxBytes: 1000 });
  });

  it('setExtra sets a known session\'s extra and ignores unknown ids', () => {
    const { c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    c.setExtra('a', '[203.0.113.0] Mozilla/5.0');
    c.setExtra('zz', 'x');
    expect(c.active()[0].extra).toBe('[203.0.113.0] Mozilla/5.0');
  });

  it('30: the active list is ordered by registration time, not activation', () => {
    const { clock, c } = setup();
    clock.advance(sec(1));
    c.register('first', 'r', 'l', 'p');
    clock.advance(sec(1));
    c.register('second', 'r', 'l', 'p');
    c.register('third', 'r', 'l', 'p'); // same time: insertion order
    c.activate('third');
    c.activate('second');
    c.activate('first');
    expect(c.active().map((s) => s.id)).toEqual(['first', 'second', 'third']);
    expect(c.summary().active.map((s) => s.id)).toEqual(['first', 'second', 'third']);
  });
});

describe('Collector rates (spec §2, §6 items 16–24)', () => {
  it('16: bytes before the first tick read 0 until the next tick', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'r', 'l', 'p');
    clock.advance(sec(0.3));
    c.egress('a', 100);
    expect(c.active()[0].txBitsPerSec).toBe(0);
    expect(c.txBitsPerSec()).toBe(0);
    clock.advance(sec(0.69));
    expect(c.active()[0].txBitsPerSec).toBe(0);
    clock.advance(sec(0.01));
    expect(c.active()[0].txBitsPerSec).toBe(800);
    expect(c.txBitsPerSec()).toBe(800);
  });

  it('17: 1001 B at t=1.5 → 0 at 1.5, 4004 bit/s at 2.5, 800.8 at 10.5, 0 at 11.5', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'r', 'l', 'p');
    const rx = (): number => c.active()[0].rxBitsPerSec;
    clock.advance(sec(1.5));
    c.ingress('a', 1001);
    expect(rx()).toBe(0);
    clock.advance(sec(1));
    expect(rx()).toBe(4004); // 3.910 kbit
    clock.advance(sec(8));
    expect(rx()).toBe(800.8); // 0.782 kbit
    clock.advance(sec(0.5));
    expect(rx()).toBe(0);
    clock.advance(sec(0.5));
    expect(rx()).toBe(0);
  });

  it('18: 1000 B every second reads 8000 bit/s in steady state (7.8125 kbit, rendered 7.812)', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'r', 'l', 'p');
    for (let s = 0; s < 40; s++) {
      c.ingress('a', 1000);
      clock.advance(sec(0.5));
      if (s >= 10) expect(c.active()[0].rxBitsPerSec).toBe(8000);
      clock.advance(sec(0.5));
    }
  });

  it('19: two sessions of 524 288 bit/s make a collector rate of exactly 1 048 576 bit/s (1 mbit)', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'r', 'l', 'p');
    c.registerAndActivate('b', 'r', 'l', 'p');
    for (let s = 0; s < 20; s++) {
      c.ingress('a', 65_536);
      c.ingress('b', 65_536);
      clock.advance(sec(1));
    }
    c.ingress('a', 65_536);
    c.ingress('b', 65_536);
    expect(c.active().map((x) => x.rxBitsPerSec)).toEqual([524_288, 524_288]);
    expect(c.summary().rxBitsPerSec).toBe(1_048_576);
  });

  it('20: a collector at 2 510 028.8 bit/s and a session at 1536 bit/s', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'r', 'l', 'p');
    c.registerAndActivate('b', 'r', 'l', 'p');
    clock.advance(sec(1.5));
    c.egress('a', 1920);
    c.egress('b', 3_137_536 - 1920);
    clock.advance(sec(9));
    expect(c.active()[0].txBitsPerSec).toBe(1536); // 1.500 kbit
    expect(c.summary().txBitsPerSec).toBe(2_510_028.8); // 2.394 mbit
  });

  it('the collector window keeps closed and pending sessions\' bytes until they age out (§2.2)', () => {
    const { clock, c } = setup();
    c.register('pending', 'r', 'l', 'p');
    c.registerAndActivate('gone', 'r', 'l', 'p');
    c.egress('pending', 500);
    c.egress('gone', 500);
    c.unregister('gone');
    clock.advance(sec(1));
    expect(c.summary().txBitsPerSec).toBe(8000);
    expect(c.txBytesTotal).toBe(1000);
  });

  it('22/23: history keeps raw bytes per entry; groups are summed from entry fields', () => {
    const { c } = setup();
    const close = (id: string, loc: string, peer: string, tx: number): void => {
      c.registerAndActivate(id, 'ref', loc, peer);
      c.egress(id, tx);
      c.unregister(id);
    };
    close('a', '/a.m3u8', 'host', 629_146);
    close('b', '/b.m3u8', 'host', 629_146);
    close('c', '/c.m3u8', 'other', 1_048_575);
    const h = c.summary().history;
    expect(h.locations.get('/a.m3u8')).toEqual({ sessions: 1, rxBytes: 0, txBytes: 629_146 });
    expect(h.peers.get('host')).toMatchObject({ sessions: 2, rxBytes: 0, txBytes: 1_258_292 });
    expect(h.peers.get('host')!.locations.get('/b.m3u8')).toEqual({ sessions: 1, rxBytes: 0, txBytes: 629_146 });
    expect(h.peers.get('other')!.txBytes).toBe(1_048_575);
    expect(h.references.get('ref')).toEqual({ sessions: 3, rxBytes: 0, txBytes: 2_306_867 });
    expect(h.totals).toEqual({ sessions: 3, rxBytes: 0, txBytes: 2_306_867 });
  });

  it('the history summary is one live view whose version changes with every change (types.ts HistorySummary)', () => {
    const { c } = setup();
    c.registerAndActivate('a', 'ref', 'loc', 'peer');
    c.egress('a', 10);
    c.unregister('a');
    const before = c.summary().history;
    const v1 = before.version!;
    expect(c.summary().history).toBe(before); // the same object
    expect(c.summary().history.version).toBe(v1); // unchanged content, unchanged version
    expect(before.order!.changedSince(v1)).toEqual({ peers: new Set(), locations: new Set(), references: new Set() });
    c.registerAndActivate('b', 'ref', 'loc', 'peer');
    c.egress('b', 5);
    c.unregister('b');
    c.registerAndActivate('x', 'ref2', 'loc2', 'peer');
    c.unregister('x');
    c.registerAndActivate('p', 'ref', 'loc', 'pending-only'); // never closed: no change
    const after = c.summary().history;
    expect(after).toBe(before);
    expect(after.version).toBe(v1 + 2);
    expect(after.totals).toEqual({ sessions: 3, rxBytes: 0, txBytes: 15 });
    expect(after.peers.get('peer')!.locations.size).toBe(2);
    expect(after.order!.changedSince(v1)).toEqual({ peers: new Set(['peer']), locations: new Set(['loc', 'loc2']), references: new Set(['ref', 'ref2']) });
    expect(after.order!.changedSince(v1 + 1)).toEqual({ peers: new Set(['peer']), locations: new Set(['loc2']), references: new Set(['ref2']) });
    expect(after.order!.locations()).toEqual(['loc', 'loc2']);
    // version and order are not own data fields: copies and structural comparisons see plain data only
    expect(Object.keys(after).sort()).toEqual(['locations', 'peers', 'references', 'totals']);
  });
});

describe('History aggregates under many closes', () => {
  it('stay exact across many closes; the change log is bounded', () => {
    const { c } = setup();
    const close = (i: number): void => {
      const id = `s${i}`;
      c.registerAndActivate(id, `ref${i % 7}`, `/loc${i % 13}`, `peer${i % 101}`);
      c.egress(id, i);
      c.unregister(id);
    };
    for (let i = 0; i < 500; i++) close(i);
    const early = c.summary().history;
    const earlySessions = early.totals.sessions;
    const earlyVersion = early.version!;
    for (let i = 500; i < 5000; i++) close(i); // more changes than the change log keeps for a small history
    const h = c.summary().history;
    expect(earlySessions).toBe(500);
    expect(h.version).toBe(earlyVersion + 4500);
    expect(h.order!.changedSince(earlyVersion)).toBeUndefined(); // too far behind: the reader renders everything
    expect(h.order!.peers()).toEqual([...h.peers.keys()].sort());
    expect(h.totals).toEqual({ sessions: 5000, rxBytes: 0, txBytes: (4999 * 5000) / 2 });
    let peerSum = 0;
    for (const p of h.peers.values()) {
      let locSum = 0;
      for (const l of p.locations.values()) locSum += l.sessions;
      expect(locSum).toBe(p.sessions);
      peerSum += p.sessions;
    }
    expect(peerSum).toBe(5000);
    expect(h.references.get('ref3')!.sessions).toBe([...Array(5000).keys()].filter((i) => i % 7 === 3).length);
    expect([...h.locations.values()].reduce((a, l) => a + l.txBytes, 0)).toBe(h.totals.txBytes);
  });
});

describe('Top bitrate, limits and companions (spec §2.3, §3.4, §3.5)', () => {
  it('a single burst never raises top; a steady stream does', () => {
    const { clock, c } = setup();
    c.registerAndActivate('a', 'r', 'l', 'p');
    c.ingress('a', 100_000);
    expect(c.topIngressBitrate('a')).toBe(0);
    clock.advance(sec(1));
    c.ingress('a', 1000); // reads 800 000 bit/s of the previous second
    expect(c.topIngressBitrate('a')).toBe(800_000);
    expect(c.topIngressBitrate('unknown')).toBe(0);
  });

  it('top decays by 0.95 per second from activation; pending sessions do not decay', () => {
    const { clock, c } = setup();
    c.register('a', 'r', 'l', 'p');
    c.setTopEgressBitrate('a', 1000);
    clock.advance(sec(3));
    expect(c.topEgressBitrateOf('a')).toBe(1000);
    c.egress('a', 1); // keep it alive
    clock.advance(sec(0.5));
    c.activate('a'); // activated at t=3.5: decay ticks at 4.5, 5.5, ...
    clock.advance(sec(0.99));
    expect(c.topEgressBitrateOf('a')).toBe(1000);
    clock.advance(sec(0.01));
    expect(c.topEgressBitrateOf('a')).toBe(950);
    clock.advance(sec(2));
    expect(c.topEgressBitrateOf('a')).toBeCloseTo(1000 * 0.95 ** 3, 9);
  });

  it('companionTopEgressBitrate sums active sessions of the collector and its companions', () => {
    const clock = new FakeClock(0);
    const hls = new Collector('hls', { clock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5_000 });
    const rtmp = new Collector('rtmp', { clock, sessionTimeoutMs: 30_000, inactiveTimeoutMs: 5_000 });
    hls.addCompanion(rtmp);
    rtmp.addCompanion(hls);
    hls.registerAndActivate('h', 'r', 'l', 'p');
    hls.register('pending', 'r', 'l', 'p');
    rtmp.registerAndActivate('x', 'r', 'l', 'p');
    hls.setTopEgressBitrate('h', 100);
    hls.setTopEgressBitrate('pending', 1_000_000);
    rtmp.setTopEgressBitrate('x', 50);
    expect(hls.topEgressBitrate()).toBe(100);
    expect(hls.companionTopEgressBitrate()).toBe(150);
    expect(rtmp.companionTopEgressBitrate()).toBe(150);
  });

  it('isSessionsExceeded counts active sessions only; limits are reported', () => {
    const { c } = setup({ maxSessions: 2, maxTxBitsPerSec: 100 * 1024 * 1024 });
    c.registerAndActivate('a', 'r', 'l', 'p');
    for (let i = 0; i < 5; i++) c.register(`p${i}`, 'r', 'l', 'p');
    expect(c.isSessionsExceeded()).toBe(false);
    c.registerAndActivate('b', 'r', 'l', 'p');
    expect(c.isSessionsExceeded()).toBe(true);
    const s = c.summary();
    expect([s.maxSessions, s.maxTxBitsPerSec, s.maxRxBitsPerSec]).toEqual([2, 104_857_600, 0]);
    const { c: unlimited } = setup();
    unlimited.registerAndActivate('a', 'r', 'l', 'p');
    expect(unlimited.isSessionsExceeded()).toBe(false);
  });

  it('isCollectableIp consults the limiter; construction defaults follow Core', () => {
    const { c } = setup({ limiter: IpLimiter.fromCidrs(['127.0.0.1/32']) });
    expect(c.isCollectableIp('127.0.0.1')).toBe(false);
    expect(c.isCollectableIp('10.1.1.1')).toBe(true);
    expect(c.isCollectableIp('')).toBe(false);
    const d = new Collector('d', { clock: new FakeClock(), sessionTimeoutMs: 0, inactiveTimeoutMs: -1 });
    expect([d.sessionTimeoutMs, d.inactiveTimeoutMs, d.maxSessions, d.maxTxBitsPerSec]).toEqual([5000, 5000, 0, 0]);
    expect(d.isCollectableIp('127.0.0.1')).toBe(true);
    const e = new Collector('e', { clock: new FakeClock(), sessionTimeoutMs: 30_000 });
    expect(e.inactiveTimeoutMs).toBe(30_000);
  });
});

describe('Collector closed mark (RTMP/SRT connection closed before the timeout)', () => {
  it('marks the session, keeps it listed until the timeout (Core), and a re-register of the id clears the mark', () => {
    const { clock, c } = setup();
    c.registerAndActivate('/live/cam', '/live/cam', 'publish:/live/cam', '127.0.0.1:5000');
    c.ingress('/live/cam', 1000);
    expect(c.active()[0]!.closedAtMs).toBeUndefined();
    clock.advance(sec(2));
    c.markClosed('/live/cam');
    c.markClosed('/live/cam'); // the first close time stays
    c.markClosed('unknown'); // ignored
    expect(c.active().map((s) => [s.id, s.closedAtMs])).toEqual([['/live/cam', sec(2)]]);
    // The publisher is back on its path before the timeout: the same session, open again.
    c.registerAndActivate('/live/cam', '/live/cam', 'publish:/live/cam', '127.0.0.1:5001');
    expect(c.active()[0]!.closedAtMs).toBeUndefined();
    c.markClosed('/live/cam');
    // The timeout still counts from the last byte (t = 0), as in Core.
    clock.advance(sec(27));
    expect(c.activeSessions).toBe(1);
    clock.advance(sec(1));
    expect(c.activeSessions).toBe(0);
  });

  it("the owner hook names a new session's extra from its peer, or from the connection it came in on (issue 16, ownhls)", () => {
    const { c } = setup();
    const asked: string[] = [];
    c.setOwnerOf((peer) => {
      asked.push(peer);
      return peer === '127.0.0.1:40000' ? 'ffmpeg:p1' : undefined;
    });
    // An RTMP play from the relay's socket; a person's encoder.
    c.registerAndActivate('play', 'cam', 'play:/cam', '127.0.0.1:40000');
    c.registerAndActivate('enc', 'cam', 'publish:/cam', '198.51.100.1:5000');
    // HLS uploads: peer `unknown` as Core's, the User-Agent as `extra` unless the connection is the process's.
    c.registerAndActivate('/memfs/cam.m3u8', 'cam', '/memfs/cam.m3u8', '', 'Lavf/60', '127.0.0.1:40000');
    c.registerAndActivate('/memfs/own.m3u8', 'own', '/memfs/own.m3u8', '', 'Lavf/60', '198.51.100.2:6000');
    expect(asked).toEqual(['127.0.0.1:40000', '198.51.100.1:5000', '127.0.0.1:40000', '198.51.100.2:6000']);
    expect(c.active().map((s) => [s.id, s.peer, s.extra])).toEqual([
      ['play', '127.0.0.1:40000', 'ffmpeg:p1'],
      ['enc', '198.51.100.1:5000', ''],
      ['/memfs/cam.m3u8', 'unknown', 'ffmpeg:p1'],
      ['/memfs/own.m3u8', 'unknown', 'Lavf/60'],
    ]);
  });
});
