/**
 * The one SessionFilter and matcher (src/shared/session-filter.ts): the sessions table (visibleSessions) and the CSV
 * export (sessionsCsv) show the same sessions for the same filter, on random rows and filters; and the matcher's own
 * rules (empty lists mean all, text trimmed and case-insensitive, core names searched, no match across two fields).
 */
import { describe, expect, it } from 'vitest';
import type { SessionRow } from '../../src/shared/types.ts';
import { filterShowsCore, NO_SESSION_FILTER, sessionMatcher, sessionSearchText, type SessionFilter } from '../../src/shared/session-filter.ts';
import { sessionKey, visibleSessions } from '../../src/renderer/src/store/session-view.ts';
import { csvToString, sessionsCsv } from '../../src/main/export/csv.ts';
import { row } from '../renderer/fake-api.ts';

const NAMES: Record<string, string> = { local: 'This computer', r1: 'Studio A', zz: 'Backup' };
const coreName = (id: string): string => NAMES[id] ?? id;

function rows(n: number, seed: number): SessionRow[] {
  let s = seed;
  const rand = (m: number): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) % m);
  return Array.from({ length: n }, (_, i) =>
    row({
      id: `s${i}`,
      core: ['local', 'r1', 'zz'][rand(3)]!,
      collector: ['hls', 'rtmp', 'srt', 'http'][rand(4)]!,
      reference: `Ref-${rand(20)}`,
      location: `/live/Cam${rand(5)}`,
      peer: `10.0.${rand(4)}.${rand(255)}:${1000 + rand(9000)}`,
      extra: ['', 'Mozilla/5.0 (X11)', 'OBS 30.1', 'ffmpeg:p1'][rand(4)]!,
    }),
  );
}

/** The sessions an export of this filter writes, as session keys (ids are CSV-safe here: core,collector,id first). */
async function exported(list: SessionRow[], filter: SessionFilter): Promise<string[]> {
  const text = await csvToString(sessionsCsv(list, filter, { bom: false }, coreName));
  return text
    .split('\r\n')
    .slice(1, -1)
    .map((line) => {
      const [core, collector, id] = line.split(',');
      return sessionKey({ core: core!, collector: collector!, id: id! });
    });
}

describe('one SessionFilter for the table and the export', () => {
  it('the table and the export show the same sessions, for random filters', async () => {
    const list = rows(600, 11);
    let seed = 5;
    const rand = (m: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % m);
    const texts = ['', '  ', 'ref-1', 'REF-1', 'studio', 'this comp', 'mozilla', 'cam3', '10.0.2.', 'r1', 'obs 30', 'nothing-like-this', ' srt '];
    let nonEmpty = 0;
    for (let round = 0; round < 60; round++) {
      const filter: SessionFilter = {
        collectors: ['hls', 'rtmp', 'srt', 'http'].filter(() => rand(3) === 0),
        core: ['local', 'r1', 'zz'].filter(() => rand(3) === 0),
        text: texts[rand(texts.length)]!,
      };
      const table = visibleSessions(list, filter, { key: 'id', dir: 'asc' }, coreName, new Map()).map(sessionKey).sort();
      expect((await exported(list, filter)).sort(), JSON.stringify(filter)).toEqual(table);
      if (table.length > 0 && table.length < list.length) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(10); // the filters did select something, and not everything
  });

  it('empty lists and a blank text show all; parts left out of an export query show all', () => {
    const list = rows(50, 3);
    const all = sessionMatcher(NO_SESSION_FILTER, coreName);
    expect(list.every(all)).toBe(true);
    expect(list.every(sessionMatcher({}, coreName))).toBe(true);
    expect(list.every(sessionMatcher({ text: ' \t ' }, coreName))).toBe(true);
  });

  it('selects by collector and core, and finds a core by its name or id, case-insensitively', () => {
    const a = row({ id: 'a', core: 'r1', collector: 'rtmp', reference: 'Main' });
    const b = row({ id: 'b', core: 'local', collector: 'hls', extra: 'Firefox' });
    const match = (f: Partial<SessionFilter>): string[] => [a, b].filter(sessionMatcher(f, coreName)).map((r) => r.id);
    expect(match({ collectors: ['rtmp'] })).toEqual(['a']);
    expect(match({ core: ['local', 'zz'] })).toEqual(['b']);
    expect(match({ text: 'STUDIO a' })).toEqual(['a']);
    expect(match({ text: 'r1' })).toEqual(['a']);
    expect(match({ text: ' firefox ' })).toEqual(['b']);
    expect(match({ text: 'main', collectors: ['hls'] })).toEqual([]);
    expect(filterShowsCore({ core: [] }, 'x')).toBe(true);
    expect(filterShowsCore({ core: ['r1'] }, 'x')).toBe(false);
  });

  it('never matches a text across two fields', () => {
    const r = row({ id: 'abc', reference: 'def' });
    expect(sessionSearchText(r, coreName).startsWith('abc\0def\0')).toBe(true);
    expect(sessionMatcher({ text: 'c\0d' }, coreName)(r)).toBe(false);
    expect(sessionMatcher({ text: 'c\nd' }, coreName)(r)).toBe(false);
    expect(sessionMatcher({ text: 'e\0f' }, coreName)(row({ id: 'x', extra: 'e\0f' }))).toBe(true);
  });
});
