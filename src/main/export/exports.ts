import type { SessionSource } from '../source.ts';
import { historyCsv, sessionsCsv, type CsvStreamOptions } from './csv.ts';
import type { SessionFilter } from '../../shared/session-filter.ts';

/** What to export: the active-sessions table (with its filters) or the history summary. */
export type ExportKind = 'sessions' | 'history';

export interface ExportQuery extends Partial<SessionFilter> {
  kind: ExportKind;
}

/**
 * The one function behind every export (save dialog, tray menu, `GET /api/export/*.csv`): the same query on the
 * same source gives the same bytes everywhere. The snapshot is taken once, when the export starts.
 */
export function exportCsv(source: SessionSource, query: ExportQuery, options: CsvStreamOptions = {}): AsyncGenerator<string, void, undefined> {
  if (query.kind === 'sessions') {
    const snapshot = source.snapshot();
    const coreNames = new Map(snapshot.cores.map((c) => [c.id, c.name]));
    return sessionsCsv(snapshot.sessions, { collectors: query.collectors, core: query.core, text: query.text }, options, (id) => coreNames.get(id) ?? '');
  }
  const historyQuery: { core?: string[]; collectors?: string[] } = {};
  if (query.core && query.core.length > 0) historyQuery.core = [...query.core];
  if (query.collectors && query.collectors.length > 0) historyQuery.collectors = [...query.collectors];
  return historyCsv(source.history(historyQuery), options);
}

/** File name offered for an export, e.g. `core-sessions-2026-11-26T01-51-34Z.csv` (no characters Windows rejects). */
export function exportFileName(kind: ExportKind, atMs: number): string {
  const stamp = new Date(atMs).toISOString().replace(/\.\d{3}Z$/, 'Z').replaceAll(':', '-');
  return `core-${kind === 'sessions' ? 'sessions' : 'history'}-${stamp}.csv`;
}
