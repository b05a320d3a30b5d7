import { describe, expect, it } from 'vitest';
import {
  COLUMN_SPECS,
  DEFAULT_COLUMN_PREFS,
  fitColumns,
  formatExtra,
  formatLocal,
  moveColumn,
  parseColumnPrefs,
  splitExtra,
  toggleColumn,
} from '../../src/renderer/src/store/session-columns.ts';

const keys = (cols: readonly { key: string }[]): string[] => cols.map((c) => c.key);
const allMinPx = COLUMN_SPECS.reduce((n, c) => n + c.minWidthPx, 0);

describe('Sessions table columns', () => {
  it('shows every wanted column when there is room, the Core column only with more than one core', () => {
    const wide = fitColumns(DEFAULT_COLUMN_PREFS, allMinPx, { coreCount: 2 });
    expect(keys(wide.shown)).toEqual(keys(COLUMN_SPECS));
    expect(wide.squeezed).toEqual([]);
    const one = fitColumns(DEFAULT_COLUMN_PREFS, allMinPx, { coreCount: 1 });
    expect(keys(one.shown)).not.toContain('core');
    expect(keys(one.redundant)).toEqual(['core']);
  });

  it('drops the least important first as the table narrows, names what it dropped, keeps rx, tx and the sort column', () => {
    const fitted = fitColumns(DEFAULT_COLUMN_PREFS, 975, { coreCount: 2 });
    expect(keys(fitted.squeezed).slice(0, 2)).toEqual(['id', 'location']);
    expect(fitted.minWidthPx).toBeLessThanOrEqual(975);
    for (const k of ['rxBitsPerSec', 'txBitsPerSec', 'duration', 'reference', 'collector']) expect(keys(fitted.shown)).toContain(k);
    // Every wanted column is either shown or named as squeezed.
    expect(new Set([...keys(fitted.shown), ...keys(fitted.squeezed)])).toEqual(new Set(keys(COLUMN_SPECS)));
    const tiny = fitColumns(DEFAULT_COLUMN_PREFS, 100, { coreCount: 2, sortKey: 'id' });
    expect(keys(tiny.shown).sort()).toEqual(['id', 'rxBitsPerSec', 'txBitsPerSec']);
  });

  it('keeps the columns out of the width a drawer covers (an empty last track)', () => {
    const fitted = fitColumns(DEFAULT_COLUMN_PREFS, 990, { coreCount: 2, reservedPx: 388 });
    expect(fitted.minWidthPx).toBeLessThanOrEqual(990 - 388);
    expect(fitted.template.endsWith(' 388px')).toBe(true);
    expect(fitted.template.match(/minmax\([^)]*\)|\d+px/g)).toHaveLength(fitted.shown.length + 1);
  });

  it('follows the user order and choice, and reads a stored choice safely', () => {
    let prefs = toggleColumn(DEFAULT_COLUMN_PREFS, 'extra');
    prefs = moveColumn(prefs, 'duration', -1);
    const fitted = fitColumns(prefs, 5000, { coreCount: 2 });
    expect(keys(fitted.shown)).not.toContain('extra');
    expect(keys(fitted.shown).indexOf('duration')).toBe(keys(fitted.shown).indexOf('txBytes') - 1);
    expect(moveColumn(prefs, prefs.order[0]!, -1)).toBe(prefs);
    expect(parseColumnPrefs(JSON.stringify(prefs))).toEqual(prefs);
    expect(parseColumnPrefs('{not json')).toEqual(DEFAULT_COLUMN_PREFS);
    expect(parseColumnPrefs(null)).toEqual(DEFAULT_COLUMN_PREFS);
    // Unknown keys dropped, missing ones appended, duplicates removed.
    const odd = parseColumnPrefs(JSON.stringify({ order: ['tx', 'rxBitsPerSec', 'rxBitsPerSec', 42], hidden: ['nope', 'id'] }));
    expect(odd.order[0]).toBe('rxBitsPerSec');
    expect([...odd.order].sort()).toEqual(keys(COLUMN_SPECS).sort());
    expect(odd.hidden).toEqual(['id']);
  });

  it('reads a choice stored under the old column keys (local, remote, bytesRx, bytesTx) as the renamed columns', () => {
    const stored = { order: ['bytesTx', 'remote', 'id', 'local', 'bytesRx'], hidden: ['local', 'bytesRx'] };
    const prefs = parseColumnPrefs(JSON.stringify(stored));
    expect(prefs.order.slice(0, 5)).toEqual(['txBytes', 'peer', 'id', 'location', 'rxBytes']);
    expect([...prefs.order].sort()).toEqual(keys(COLUMN_SPECS).sort());
    expect(prefs.hidden).toEqual(['location', 'rxBytes']);
    // An old and a new key for the same column count once.
    expect(parseColumnPrefs(JSON.stringify({ order: ['peer', 'remote'], hidden: [] })).order.filter((k) => k === 'peer')).toHaveLength(1);
  });
});

describe('cell texts', () => {
  it('shows the zeroed address prefix of extra as "masked IP"', () => {
    expect(splitExtra('[127.0.0.0] Lavf/59.27.100')).toEqual({ maskedIp: '127.0.0.0', rest: 'Lavf/59.27.100' });
    expect(formatExtra('[127.0.0.0] Lavf/59.27.100')).toBe('Lavf/59.27.100 · masked IP');
    expect(formatExtra('[2001:db8::] VLC/3.0')).toBe('VLC/3.0 · masked IP');
    expect(formatExtra('[10.0.0.0] ')).toBe('masked IP');
    expect(formatExtra('Lavf/59.27.100')).toBe('Lavf/59.27.100');
    expect(formatExtra('[not an ip] x')).toBe('[not an ip] x');
  });

  it('shortens a local address that repeats the reference', () => {
    expect(formatLocal('publish:/live/a.stream', '/live/a.stream')).toBe('publish:…');
    expect(formatLocal('/memfs/studio-a.m3u8', 'studio-a')).toBe('/memfs/….m3u8');
    expect(formatLocal('any', '')).toBe('any');
    expect(formatLocal('peer-srt', 'peer-srt')).toBe('= reference');
    expect(formatLocal('127.0.0.1:1935', 'ab')).toBe('127.0.0.1:1935');
  });
});
