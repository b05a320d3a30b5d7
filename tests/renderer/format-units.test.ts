import { describe, expect, it } from 'vitest';
import { formatAxisSeconds, formatBitrate, formatBytes, formatCount, formatDuration, formatPercent, formatRtt, shareOf } from '../../src/renderer/src/format/units.ts';

const n = (s: string): string => s.replace(/\u202f/g, ' ');

describe('formatBitrate', () => {
  it('uses decimal units by default, three significant digits', () => {
    expect(n(formatBitrate(0))).toBe('0 bit/s');
    expect(n(formatBitrate(999))).toBe('999 bit/s');
    expect(n(formatBitrate(1000))).toBe('1 kbit/s');
    expect(n(formatBitrate(1536))).toBe('1.54 kbit/s');
    expect(n(formatBitrate(12_345))).toBe('12.3 kbit/s');
    expect(n(formatBitrate(2_500_000))).toBe('2.5 Mbit/s');
    expect(n(formatBitrate(123_456_789))).toBe('123 Mbit/s');
    expect(n(formatBitrate(4e9))).toBe('4 Gbit/s');
  });
  it('uses binary units on request', () => {
    expect(n(formatBitrate(1024, 'binary'))).toBe('1 Kibit/s');
    expect(n(formatBitrate(1_000_000, 'binary'))).toBe('977 Kibit/s');
    expect(n(formatBitrate(5 * 1024 * 1024, 'binary'))).toBe('5 Mibit/s');
  });
  it('moves up a unit instead of showing 1000', () => {
    expect(n(formatBitrate(999_700))).toBe('1 Mbit/s');
    expect(n(formatBytes(1023.8 * 1024, 'binary'))).toBe('1 MiB');
  });
  it('handles odd input', () => {
    expect(formatBitrate(Number.NaN)).toBe('–');
    expect(n(formatBitrate(-2000))).toBe('-2 kbit/s');
  });
});

describe('formatBytes', () => {
  it('decimal and binary', () => {
    expect(n(formatBytes(512))).toBe('512 B');
    expect(n(formatBytes(1_500_000))).toBe('1.5 MB');
    expect(n(formatBytes(2_500_000_000))).toBe('2.5 GB');
    expect(n(formatBytes(2_500_000_000, 'binary'))).toBe('2.33 GiB');
    expect(n(formatBytes(1024, 'binary'))).toBe('1 KiB');
  });
});

describe('formatDuration', () => {
  it('shows the two most significant parts', () => {
    expect(n(formatDuration(0))).toBe('0 s');
    expect(n(formatDuration(42_900))).toBe('42 s');
    expect(n(formatDuration(185_000))).toBe('3 min 05 s');
    expect(n(formatDuration(2 * 3600_000 + 7 * 60_000))).toBe('2 h 07 min');
    expect(n(formatDuration(3 * 86400_000 + 4 * 3600_000))).toBe('3 d 04 h');
    expect(n(formatDuration(-5000))).toBe('0 s');
  });
});

describe('counts, shares, rtt, axis', () => {
  it('formats', () => {
    expect(formatCount(10000)).toBe('10,000');
    expect(shareOf(5, 0)).toBeNull();
    expect(formatPercent(shareOf(5, 0))).toBe('no limit');
    expect(n(formatPercent(shareOf(25, 100)))).toBe('25 %');
    expect(n(formatPercent(0.2))).toBe('<1 %');
    expect(n(formatRtt(12.4))).toBe('12 ms');
    expect(n(formatRtt(1234))).toBe('1.2 s');
    expect(formatRtt(undefined)).toBe('–');
    expect(n(formatAxisSeconds(-300))).toBe('-5 min');
    expect(n(formatAxisSeconds(-30))).toBe('-30 s');
    expect(formatAxisSeconds(0)).toBe('now');
  });
});
