import type { SessionSortKey } from './session-view.ts';

/**
 * The Sessions table's columns: which the user wants, in which order (remembered in localStorage), and which of
 * those fit the table's width. Columns that do not fit are dropped lowest priority first and named beside the table
 * ("+2 columns"), so a number is never cut silently.
 */

export type SessionColumnKey = SessionSortKey;

/** One column's layout facts. */
export interface ColumnSpec {
  key: SessionColumnKey;
  label: string;
  numeric: boolean;
  /** Narrowest width the column's content reads at. */
  minWidthPx: number;
  /** Share of the spare width (CSS fr); 0 keeps the column at its minimum. */
  grow: number;
  /** 1 is dropped last; higher numbers give way first when the table is narrow. */
  priority: number;
}

/** Every column, in the default order. */
export const COLUMN_SPECS: readonly ColumnSpec[] = [
  { key: 'collector', label: 'Collector', numeric: false, minWidthPx: 84, grow: 0, priority: 2 },
  { key: 'core', label: 'Core', numeric: false, minWidthPx: 110, grow: 0.8, priority: 4 },
  { key: 'reference', label: 'Reference', numeric: false, minWidthPx: 120, grow: 1.3, priority: 2 },
  { key: 'peer', label: 'Remote', numeric: false, minWidthPx: 132, grow: 1, priority: 4 },
  { key: 'extra', label: 'Client', numeric: false, minWidthPx: 150, grow: 1.6, priority: 5 },
  { key: 'rxBitsPerSec', label: 'rx', numeric: true, minWidthPx: 92, grow: 0, priority: 1 },
  { key: 'txBitsPerSec', label: 'tx', numeric: true, minWidthPx: 92, grow: 0, priority: 1 },
  { key: 'rxBytes', label: 'rx bytes', numeric: true, minWidthPx: 84, grow: 0, priority: 6 },
  { key: 'txBytes', label: 'tx bytes', numeric: true, minWidthPx: 84, grow: 0, priority: 6 },
  { key: 'duration', label: 'Duration', numeric: true, minWidthPx: 92, grow: 0, priority: 3 },
  { key: 'location', label: 'Local', numeric: false, minWidthPx: 100, grow: 0.8, priority: 7 },
  { key: 'id', label: 'Id', numeric: false, minWidthPx: 110, grow: 1, priority: 8 },
];

const SPEC = new Map(COLUMN_SPECS.map((c) => [c.key, c]));

/** The spec of one column. */
export function columnSpec(key: SessionColumnKey): ColumnSpec {
  return SPEC.get(key)!;
}

/** The user's choice: the order of all columns and the ones switched off. */
export interface ColumnPrefs {
  order: SessionColumnKey[];
  hidden: SessionColumnKey[];
}

/**
 * All columns on; the Id and Local go first when the table is narrow: the Id is random (HLS), the remote address
 * again (RTMP, SRT players) or the local path again (HLS ingress), and Local mostly repeats the reference. The
 * details drawer shows both.
 */
export const DEFAULT_COLUMN_PREFS: ColumnPrefs = { order: COLUMN_SPECS.map((c) => c.key), hidden: [] };

/** localStorage key of the column choice. */
export const COLUMN_PREFS_KEY = 'core-sessions.sessions-columns';

/** Column keys stored before the session's fields got their one name (Core's `local`/`remote`, `bytesRx`/`bytesTx`). */
const RENAMED_KEYS: Readonly<Record<string, SessionColumnKey>> = { local: 'location', remote: 'peer', bytesRx: 'rxBytes', bytesTx: 'txBytes' };

/** Reads a stored choice (old key names too); anything unreadable or stale gives the defaults, new columns are appended. */
export function parseColumnPrefs(text: string | null): ColumnPrefs {
  if (!text) return DEFAULT_COLUMN_PREFS;
  try {
    const raw = JSON.parse(text) as { order?: unknown; hidden?: unknown };
    const known = (list: unknown): SessionColumnKey[] =>
      Array.isArray(list)
        ? [
            ...new Set(
              list
                .map((k: unknown) => (typeof k === 'string' && Object.hasOwn(RENAMED_KEYS, k) ? RENAMED_KEYS[k] : k))
                .filter((k): k is SessionColumnKey => typeof k === 'string' && SPEC.has(k as SessionColumnKey)),
            ),
          ]
        : [];
    const order = known(raw.order);
    for (const c of COLUMN_SPECS) if (!order.includes(c.key)) order.push(c.key);
    return { order, hidden: known(raw.hidden) };
  } catch {
    return DEFAULT_COLUMN_PREFS;
  }
}

/** Moves a column one place left (-1) or right (+1) in the order. */
export function moveColumn(prefs: ColumnPrefs, key: SessionColumnKey, delta: -1 | 1): ColumnPrefs {
  const order = [...prefs.order];
  const i = order.indexOf(key);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= order.length) return prefs;
  [order[i], order[j]] = [order[j]!, order[i]!];
  return { ...prefs, order };
}

/** Switches a column on or off. */
export function toggleColumn(prefs: ColumnPrefs, key: SessionColumnKey): ColumnPrefs {
  return { ...prefs, hidden: prefs.hidden.includes(key) ? prefs.hidden.filter((k) => k !== key) : [...prefs.hidden, key] };
}

/** The columns the table shows and the ones it had to leave out. */
export interface FittedColumns {
  shown: ColumnSpec[];
  /** Wanted but left out for lack of width (named beside the table). */
  squeezed: ColumnSpec[];
  /** Left out because they would say nothing (the Core column with one core). */
  redundant: ColumnSpec[];
  /** CSS grid-template-columns for `shown`. */
  template: string;
  /** Sum of the shown columns' minimum widths. */
  minWidthPx: number;
}

/**
 * Fits the wanted columns into `widthPx`: drops the least important (highest priority number, the rightmost of equal
 * ones) until the minimum widths fit in `widthPx` less `reservedPx` (covered by a drawer). The two rates and the
 * column the table is sorted by stay, whatever the width.
 */
export function fitColumns(
  prefs: ColumnPrefs,
  widthPx: number,
  opts: { coreCount: number; reservedPx?: number; sortKey?: SessionColumnKey },
): FittedColumns {
  const reservedPx = Math.max(0, Math.round(opts.reservedPx ?? 0));
  const room = widthPx - reservedPx;
  const redundant: ColumnSpec[] = [];
  let wanted: ColumnSpec[] = [];
  for (const key of prefs.order) {
    if (prefs.hidden.includes(key)) continue;
    const spec = SPEC.get(key);
    if (!spec) continue;
    if (key === 'core' && opts.coreCount <= 1) redundant.push(spec);
    else wanted.push(spec);
  }
  const squeezed: ColumnSpec[] = [];
  const sum = (cols: readonly ColumnSpec[]): number => cols.reduce((n, c) => n + c.minWidthPx, 0);
  while (sum(wanted) > room && wanted.length > 2) {
    let drop = -1;
    for (let i = 0; i < wanted.length; i++) {
      const c = wanted[i]!;
      if (c.priority > 1 && c.key !== opts.sortKey && (drop < 0 || c.priority >= wanted[drop]!.priority)) drop = i;
    }
    if (drop < 0) break;
    squeezed.push(wanted[drop]!);
    wanted = wanted.filter((_, i) => i !== drop);
  }
  const tracks = wanted.map((c) => (c.grow > 0 ? `minmax(${c.minWidthPx}px, ${c.grow}fr)` : `${c.minWidthPx}px`));
  // An empty last track keeps the columns out of the reserved part (under the details drawer).
  if (reservedPx > 0) tracks.push(`${reservedPx}px`);
  const template = tracks.join(' ');
  return { shown: wanted, squeezed, redundant, template, minWidthPx: sum(wanted) };
}

/** `[127.0.0.0] Lavf/59.27.100` (Core's extra for HLS viewers: the IP with its last part zeroed, the user agent). */
const MASKED_PREFIX_RE = /^\[([0-9a-fA-F.:]+)\]\s*/;

/** Core's `extra` split into the masked client address it starts with (if any) and the rest (a user agent). */
export function splitExtra(extra: string): { maskedIp: string | null; rest: string } {
  const m = MASKED_PREFIX_RE.exec(extra);
  if (!m) return { maskedIp: null, rest: extra };
  return { maskedIp: m[1]!, rest: extra.slice(m[0].length) };
}

/** The Client cell: the user agent, then "masked IP" in place of the zeroed address Core puts before it. */
export function formatExtra(extra: string): string {
  const { maskedIp, rest } = splitExtra(extra);
  if (maskedIp === null) return rest;
  return rest === '' ? 'masked IP' : `${rest} · masked IP`;
}

/**
 * The Local cell: the part of the local address that the reference does not already say (`publish:/live/a` with
 * reference `/live/a` reads `publish:…`); the whole address otherwise.
 */
export function formatLocal(local: string, reference: string): string {
  if (reference.length < 3 || local === reference) return local === reference && local !== '' ? '= reference' : local;
  const at = local.indexOf(reference);
  if (at < 0) return local;
  return `${local.slice(0, at)}…${local.slice(at + reference.length)}`;
}
