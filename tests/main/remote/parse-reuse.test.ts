/**
 * The remote parse with the last answer's parse (`previous`): a session's text fields that did not change keep the
 * last parse's strings. What it returns must be what a parse without `previous` returns, poll after poll, with
 * sessions coming and going, fields changing, lists reordered, ids moving between collectors and given twice.
 */
import { describe, expect, it } from 'vitest';
import { parseIssues, parseSessionSummary } from '../../../src/main/remote/parse.ts';
import type { CollectorSummary } from '../../../src/main/engine/types.ts';

/** The fields of Core's session JSON this test sets (the rest are left out: zero). */
type WireSession = Record<'id' | 'reference' | 'local' | 'remote', string> & { created_at: number; extra: string | Record<string, string>; bytes_tx: number; bandwidth_tx_kbit: number };

const COLLECTORS = ['hls', 'rtmp', 'srt'] as const;

function random(seed: number): () => number {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
}

/** A fleet of sessions that changes a little on every `next()`, as a Core's answer. */
function changingCore(seed: number): { next: () => unknown } {
  const rand = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const lists: Record<string, WireSession[]> = { hls: [], rtmp: [], srt: [] };
  let made = 0;
  const session = (): WireSession => {
    const n = made++;
    return {
      id: rand() < 0.05 && made > 1 ? `s${Math.floor(rand() * n)}` : `s${n}`,
      reference: `stream-${n % 7}`,
      created_at: 1_700_000_000 + Math.floor(rand() * 50),
      local: `/live/stream-${n % 7}`,
      remote: `198.51.100.${n % 250}:${40000 + n}`,
      extra: rand() < 0.2 ? { ip: `192.0.2.${n % 9}`, ua: 'player' } : `[192.0.2.0] player-${n % 3}`,
      bytes_tx: 0,
      bandwidth_tx_kbit: 0,
    };
  };
  for (let i = 0; i < 60; i++) lists[pick(COLLECTORS)]!.push(session());
  return {
    next: () => {
      for (const c of COLLECTORS) {
        const list = lists[c]!;
        for (let i = list.length - 1; i >= 0; i--) {
          const s = list[i]!;
          const r = rand();
          if (r < 0.05) list.splice(i, 1);
          else if (r < 0.08) lists[pick(COLLECTORS)]!.push(list.splice(i, 1)[0]!);
          else if (r < 0.11) s.reference = `stream-${Math.floor(rand() * 9)}`;
          else if (r < 0.14) s.local = rand() < 0.5 ? `/live/other-${Math.floor(rand() * 3)}` : '';
          else if (r < 0.17) s.remote = `203.0.113.${Math.floor(rand() * 4)}:1`;
          else if (r < 0.2) s.extra = rand() < 0.5 ? { ip: `192.0.2.${Math.floor(rand() * 3)}`, ua: 'player' } : `x${Math.floor(rand() * 3)}`;
          else if (r < 0.22) s.id = `s${Math.floor(rand() * made)}`;
          s.bandwidth_tx_kbit = Math.round(rand() * 4000);
          s.bytes_tx += Math.round(rand() * 100_000);
        }
        if (rand() < 0.3) list.reverse();
        const arrivals = Math.floor(rand() * 4);
        for (let i = 0; i < arrivals; i++) list.push(session());
      }
      // A copy through JSON, as a poll receives it: nothing shared with the last answer.
      return JSON.parse(JSON.stringify(Object.fromEntries(COLLECTORS.map((c) => [c, { active: { list: lists[c], sessions: lists[c]!.length } }]))));
    },
  };
}

describe('parseSessionSummary with the last parse', () => {
  it('gives what a parse without it gives, over 300 changing answers of 3 Cores', () => {
    for (const seed of [1, 2, 3]) {
      const core = changingCore(seed);
      let last: Map<string, CollectorSummary> | undefined;
      for (let poll = 0; poll < 100; poll++) {
        const body = core.next();
        const alone = parseSessionSummary(body, parseIssues(), 'studio');
        const reused = parseSessionSummary(body, parseIssues(), 'studio', last);
        expect(reused).toEqual(alone);
        last = reused;
      }
    }
  });

  it('never keeps a string of the last answer that differs from the new one (same id, other values)', () => {
    const session = (over: Partial<WireSession>): Partial<WireSession> => ({ id: 'a', reference: 'cam', created_at: 1, local: '/live/cam', remote: '1.2.3.4:5', extra: 'x', ...over });
    const first = parseSessionSummary({ rtmp: { active: { list: [session({}), session({ id: 'b' })] } } }, parseIssues(), 'studio');
    const changes: Partial<WireSession>[] = [{ reference: 'cam2' }, { local: '' }, { remote: '1.2.3.4:6' }, { extra: { ip: '1.2.3.4' } }, { extra: '' }];
    for (const change of changes) {
      // The changed session comes second: it is not where the first one was, so it is found by its id.
      const next = parseSessionSummary({ rtmp: { active: { list: [session({ id: 'b' }), session(change)] } } }, parseIssues(), 'studio', first);
      const a = next.get('rtmp')!.active.find((s) => s.id === 'a')!;
      expect(a).toEqual(parseSessionSummary({ rtmp: { active: { list: [session(change)] } } }, parseIssues(), 'studio').get('rtmp')!.active[0]);
    }
    // An id that moved to another collector is a new session there: nothing of the other collector's is taken.
    const moved = parseSessionSummary({ hls: { active: { list: [session({ reference: 'other' })] } } }, parseIssues(), 'studio', first);
    expect(moved.get('hls')!.active[0]).toMatchObject({ id: 'a', collector: 'hls', reference: 'other', location: '/live/cam' });
  });
});
