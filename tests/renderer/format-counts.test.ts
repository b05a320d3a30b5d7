import { describe, expect, it } from 'vitest';
import { formatCountOf, formatViewerHours, formatWholeMiB } from '../../src/renderer/src/format/units.ts';

describe('counts with their noun, and whole MiB', () => {
  it('says "1 row", "0 rows", "1,024 rows"', () => {
    expect(formatCountOf(1, 'row')).toBe('1 row');
    expect(formatCountOf(0, 'row')).toBe('0 rows');
    expect(formatCountOf(1024, 'row')).toBe('1,024 rows');
    expect(formatCountOf(2, 'child', 'children')).toBe('2 children');
  });

  it('shows a remote Core\'s floored MiB as what is known, without invented digits', () => {
    const mib = 1024 * 1024;
    expect(formatWholeMiB(7 * mib)).toBe('7\u202fMiB');
    expect(formatWholeMiB(0)).toBe('0\u202fMiB');
    expect(formatWholeMiB(2048 * mib)).toBe('2,048\u202fMiB');
    expect(formatWholeMiB(NaN)).toBe('–');
  });
});

describe('viewer-hours', () => {
  it('says "< 0.01" for a little watching, never "0", and 0 for none', () => {
    expect(formatViewerHours(0.004)).toBe('< 0.01');
    expect(formatViewerHours(1 / 3600)).toBe('< 0.01');
    expect(formatViewerHours(0)).toBe('0');
    expect(formatViewerHours(0.005)).toBe('0.01');
    expect(formatViewerHours(2.345)).toBe('2.35');
    expect(formatViewerHours(1234.4)).toBe('1,234');
    expect(formatViewerHours(NaN)).toBe('–');
  });
});
