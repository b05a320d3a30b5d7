import type { CoreInfo, Snapshot } from '../../shared/types.ts';
import { addToTotals } from '../../shared/totals.ts';

/** Totals of one core as the tray shows them. */
export interface CoreLine {
  id: string;
  name: string;
  state: CoreInfo['state'];
  activeSessions: number;
  rxBitsPerSec: number;
  txBitsPerSec: number;
}

export interface TrayTotals {
  rxBitsPerSec: number;
  txBitsPerSec: number;
  activeSessions: number;
  cores: CoreLine[];
}

/** Sums each core's collectors (the snapshot's `collectors` are already per core). Cores keep the snapshot's order. */
export function trayTotals(snapshot: Snapshot): TrayTotals {
  const lines = new Map<string, CoreLine>();
  for (const c of snapshot.cores) lines.set(c.id, { id: c.id, name: c.name, state: c.state, activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 });
  let rx = 0;
  let tx = 0;
  let activeSessions = 0;
  for (const t of snapshot.collectors) {
    let line = lines.get(t.core);
    if (!line) {
      line = { id: t.core, name: t.core, state: 'online', activeSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
      lines.set(t.core, line);
    }
    // People and traffic counted once, the app's own FFmpeg processes left out (src/shared/totals.ts).
    addToTotals(line, t);
  }
  for (const line of lines.values()) {
    rx += line.rxBitsPerSec;
    tx += line.txBitsPerSec;
    activeSessions += line.activeSessions;
  }
  return { rxBitsPerSec: rx, txBitsPerSec: tx, activeSessions, cores: [...lines.values()] };
}

/** "12.3 Mbit/s" with SI prefixes (10^3), the unit the tray figure uses. */
export function formatRate(bitsPerSec: number): string {
  const v = Number.isFinite(bitsPerSec) && bitsPerSec > 0 ? bitsPerSec : 0;
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)} Gbit/s`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)} Mbit/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(0)} kbit/s`;
  return `${v.toFixed(0)} bit/s`;
}

/** Windows truncates tray tooltips at 127 UTF-16 units (NOTIFYICONDATA.szTip), so the tooltip stays below that. */
export const TOOLTIP_MAX = 127;

/** The tooltip: totals first, then one line per core while they fit, then "+N more". */
export function trayTooltip(totals: TrayTotals, paused: boolean): string {
  const head = `Core Sessions${paused ? ' (paused)' : ''}\n↓ ${formatRate(totals.rxBitsPerSec)} ↑ ${formatRate(totals.txBitsPerSec)}`;
  let text = head;
  for (let i = 0; i < totals.cores.length; i++) {
    const c = totals.cores[i];
    const line = `\n${c.name}: ${c.state}, ${c.activeSessions} session${c.activeSessions === 1 ? '' : 's'}`;
    const rest = totals.cores.length - i - 1;
    const more = rest > 0 ? `\n+${rest} more` : '';
    if ((text + line + more).length > TOOLTIP_MAX) {
      const remaining = `\n+${totals.cores.length - i} more`;
      return (text + remaining).length <= TOOLTIP_MAX ? text + remaining : text.slice(0, TOOLTIP_MAX);
    }
    text += line;
  }
  return text.slice(0, TOOLTIP_MAX);
}

/** What the tray menu offers; the shell maps each item to an Electron MenuItem. */
export type TrayMenuItem =
  | { kind: 'open'; label: string }
  | { kind: 'core'; label: string; coreId: string }
  | { kind: 'pause'; label: string; checked: boolean }
  | { kind: 'export'; label: string; what: 'sessions' | 'history' }
  | { kind: 'quit'; label: string }
  | { kind: 'separator' };

export function trayMenuModel(totals: TrayTotals, paused: boolean): TrayMenuItem[] {
  return [
    { kind: 'open', label: 'Open Core Sessions' },
    { kind: 'separator' },
    ...totals.cores.map((c): TrayMenuItem => ({ kind: 'core', coreId: c.id, label: `${c.name}: ${c.state}` })),
    { kind: 'separator' },
    { kind: 'pause', label: 'Pause polling', checked: paused },
    { kind: 'export', label: 'Export active sessions (CSV)…', what: 'sessions' },
    { kind: 'export', label: 'Export history (CSV)…', what: 'history' },
    { kind: 'separator' },
    { kind: 'quit', label: 'Quit' },
  ];
}

/** The smallest 1-2-5 step (10, 20, 50, 100 … Mbit/s) at or above `peakBitsPerSec`, at least `floorBitsPerSec`. */
export function niceScaleMax(peakBitsPerSec: number, floorBitsPerSec = 10e6): number {
  const peak = Number.isFinite(peakBitsPerSec) && peakBitsPerSec > floorBitsPerSec ? peakBitsPerSec : floorBitsPerSec;
  let decade = 10 ** Math.floor(Math.log10(peak));
  for (;;) {
    for (const m of [1, 2, 5]) if (m * decade >= peak) return m * decade;
    decade *= 10;
  }
}

/**
 * The gauge's full scale: a fixed maximum when configured (then higher values show as over-scale), else the 1-2-5
 * step above the highest rx or tx of the last `windowSamples` updates, so the bars stay readable at any traffic.
 */
export class GaugeScale {
  readonly #fixedBitsPerSec: number;
  readonly #window: number;
  readonly #samples: number[] = [];
  constructor(fixedBitsPerSec = 0, windowSamples = 60) {
    this.#fixedBitsPerSec = fixedBitsPerSec > 0 ? fixedBitsPerSec : 0;
    this.#window = Math.max(1, windowSamples);
  }
  /** Records one update's rates and returns the scale to draw with. */
  update(rxBitsPerSec: number, txBitsPerSec: number): number {
    this.#samples.push(Math.max(rxBitsPerSec || 0, txBitsPerSec || 0));
    if (this.#samples.length > this.#window) this.#samples.shift();
    if (this.#fixedBitsPerSec > 0) return this.#fixedBitsPerSec;
    return niceScaleMax(Math.max(...this.#samples));
  }
}
