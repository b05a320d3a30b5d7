import type { UnitSystem } from '../../../shared/ipc.ts';

/**
 * Human units for the whole page. Decimal: kbit/s, Mbit/s, kB, MB (powers of 1000); binary: Kibit/s, MiB (powers of
 * 1024). Three significant digits, the unit always shown, a narrow no-break space between number and unit.
 */

const SPACE = '\u202f';
const DECIMAL_BIT = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];
const BINARY_BIT = ['bit/s', 'Kibit/s', 'Mibit/s', 'Gibit/s', 'Tibit/s'];
const DECIMAL_BYTE = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
const BINARY_BYTE = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Three significant digits, no trailing ".0" on integers below 10. */
function sig3(x: number): string {
  if (x >= 100) return Math.round(x).toString();
  if (x >= 10) return trim(x.toFixed(1));
  return trim(x.toFixed(2));
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

function scaled(value: number, base: number, names: string[]): string {
  if (!Number.isFinite(value)) return '–';
  const sign = value < 0 ? '-' : '';
  let v = Math.abs(value);
  let i = 0;
  while (v >= base && i < names.length - 1) {
    v /= base;
    i++;
  }
  // 999.6 kB rounds to "1000 kB": move up a unit instead.
  if (i < names.length - 1 && Math.round(v) >= base && v >= 100) {
    v /= base;
    i++;
  }
  const text = i === 0 ? Math.round(v).toString() : sig3(v);
  return `${sign}${text}${SPACE}${names[i]}`;
}

export function formatBitrate(bitsPerSec: number, units: UnitSystem = 'decimal'): string {
  return units === 'binary' ? scaled(bitsPerSec, 1024, BINARY_BIT) : scaled(bitsPerSec, 1000, DECIMAL_BIT);
}

export function formatBytes(bytes: number, units: UnitSystem = 'decimal'): string {
  return units === 'binary' ? scaled(bytes, 1024, BINARY_BYTE) : scaled(bytes, 1000, DECIMAL_BYTE);
}

/** A duration as the two most significant parts: `42 s`, `3 min 05 s`, `2 h 07 min`, `3 d 04 h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const total = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number): string => n.toString().padStart(2, '0');
  if (d > 0) return `${d}${SPACE}d ${pad(h)}${SPACE}h`;
  if (h > 0) return `${h}${SPACE}h ${pad(m)}${SPACE}min`;
  if (m > 0) return `${m}${SPACE}min ${pad(s)}${SPACE}s`;
  return `${s}${SPACE}s`;
}

const COUNT = new Intl.NumberFormat('en-US');

/** 12345 → "12,345". */
export function formatCount(n: number): string {
  return Number.isFinite(n) ? COUNT.format(n) : '–';
}

/**
 * Viewer-hours to two decimals (whole hours from 100 on). A small non-zero amount reads "< 0.01", not "0": someone
 * watched, for less than 18 s in all.
 */
export function formatViewerHours(h: number): string {
  if (!Number.isFinite(h)) return '–';
  if (h > 0 && h < 0.005) return '< 0.01';
  return h >= 100 ? formatCount(Math.round(h)) : formatCount(Math.round(h * 100) / 100);
}

/** part/whole as a percentage, or null when there is no maximum (0 means "no limit" in Core). */
export function shareOf(part: number, whole: number): number | null {
  if (!(whole > 0)) return null;
  return (part / whole) * 100;
}

export function formatPercent(percent: number | null): string {
  if (percent === null) return 'no limit';
  if (percent > 0 && percent < 1) return `<1${SPACE}%`;
  return `${Math.round(percent)}${SPACE}%`;
}

/** Milliseconds as a round-trip time: `12 ms`, `1.2 s`. */
export function formatRtt(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)}${SPACE}ms`;
  return `${trim((ms / 1000).toFixed(1))}${SPACE}s`;
}

/** A past time relative to now: `5 s ago`. */
export function formatAgo(atMs: number | undefined, nowMs: number): string {
  if (atMs === undefined) return 'never';
  return `${formatDuration(nowMs - atMs)} ago`;
}

/** An axis tick for a series of seconds relative to now: -300 → "-5 min". */
export function formatAxisSeconds(secondsAgo: number): string {
  if (secondsAgo === 0) return 'now';
  const a = Math.abs(secondsAgo);
  if (a % 60 === 0) return `-${a / 60}${SPACE}min`;
  return `-${a}${SPACE}s`;
}

/** A count with its noun, singular for one: `1 row`, `2 rows`, `1,024 rows`. */
export function formatCountOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(n)} ${n === 1 ? singular : plural}`;
}

const MIB = 1024 * 1024;

/**
 * Bytes a remote Core reported in whole MiB, rounded down (its API's `traffic_*_mb`): shown as what is known,
 * `7 MiB`, `1,024 MiB`, never with digits the Core did not send. Whatever the unit setting, the unit is MiB.
 */
export function formatWholeMiB(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  return `${formatCount(Math.floor(bytes / MIB))}${SPACE}MiB`;
}
