/**
 * `GET /metrics` (spec §5): Prometheus text format 0.0.4 with Core's session families (`session_total`,
 * `session_active`, `session_rx_bytes`, `session_tx_bytes`; labels `collector` and `core`; totals and bytes are
 * finished sessions only, from the history) plus live gauges of the collector windows in bit/s.
 * Families are sorted by name and series by label values, as Go's prometheus registry writes them.
 */
import type { SessionReader } from '../engine/types.ts';
import { sortUtf8 } from '../engine/go-json.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  /** `sessions`: finished sessions (Core's history total); `activeSessions`: the sessions active now. */
  value: (s: { sessions: number; activeSessions: number; rxBytes: number; txBytes: number; rxBitsPerSec: number; txBitsPerSec: number }) => number;
}

/** Core's four families (names, HELP and TYPE exactly as Core) and our two live gauges, in name order. */
const FAMILIES: Family[] = [
  { name: 'session_active', help: 'Current number of active sessions by collector', type: 'gauge', value: (s) => s.activeSessions },
  {
    name: 'session_rx_bitrate_bits_per_second',
    help: 'Current receive bitrate of the collector (10 s sliding window) in bit/s',
    type: 'gauge',
    value: (s) => s.rxBitsPerSec,
  },
  { name: 'session_rx_bytes', help: 'Total received bytes by collector', type: 'counter', value: (s) => s.rxBytes },
  { name: 'session_total', help: 'Total number of sessions by collector', type: 'counter', value: (s) => s.sessions },
  {
    name: 'session_tx_bitrate_bits_per_second',
    help: 'Current send bitrate of the collector (10 s sliding window) in bit/s',
    type: 'gauge',
    value: (s) => s.txBitsPerSec,
  },
  { name: 'session_tx_bytes', help: 'Total sent bytes by collector', type: 'counter', value: (s) => s.txBytes },
];

/**
 * Go's strconv.FormatFloat(v, 'g', -1, 64), which Prometheus' text writer uses: shortest round-trip digits,
 * exponent form when the decimal exponent is < -4 or >= 6 (e.g. `1.5204352e+09`, `1e+08`), plain otherwise.
 */
export function formatPromValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  const exp = v.toExponential(); // shortest round-trip digits, e.g. "1.5204352e+9"
  const e = exp.indexOf('e');
  const x = Number(exp.slice(e + 1));
  if (x < -4 || x >= 6) {
    const ax = Math.abs(x);
    return `${exp.slice(0, e)}e${x < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  }
  return String(v); // JS prints 1e-4 <= |v| < 1e6 without exponent, with the same shortest digits
}

function labelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The exposition text for every collector of the reader. Empty when the reader has no collectors. */
export function buildMetricsText(reader: SessionReader, coreId: string): string {
  const ids = sortUtf8([...reader.ids()]);
  if (ids.length === 0) return '';
  const stats = ids.map((id) => {
    const s = reader.summary(id);
    return {
      id,
      sessions: s.history.totals.sessions,
      activeSessions: s.activeSessions,
      rxBytes: s.history.totals.rxBytes,
      txBytes: s.history.totals.txBytes,
      rxBitsPerSec: s.rxBitsPerSec,
      txBitsPerSec: s.txBitsPerSec,
    };
  });
  const core = labelValue(coreId);
  let out = '';
  for (const f of FAMILIES) {
    out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of stats) out += `${f.name}{collector="${labelValue(s.id)}",core="${core}"} ${formatPromValue(f.value(s))}\n`;
  }
  return out;
}
