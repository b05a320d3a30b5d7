/**
 * Which active sessions a view or an export shows: the one filter type and matcher of the sessions table
 * (renderer/src/store/session-view.ts) and of the CSV export (main/export/csv.ts), so the export of the table is
 * the table.
 */
import type { SessionRow } from './types.ts';

/** The sessions table's filters. Empty lists mean "all". */
export interface SessionFilter {
  /** Collectors shown; empty: all. */
  collectors: readonly string[];
  /** Core ids shown; empty: all cores. (The table picks one core or all; an export may name several.) */
  core: readonly string[];
  /** Free text, matched case-insensitively (trimmed) in the fields of `sessionSearchText`; blank: all. */
  text: string;
}

/** Shows every session. */
export const NO_SESSION_FILTER: SessionFilter = { collectors: [], core: [], text: '' };

/** The fields the text searches: id, reference, local, remote, extra, collector, the core's name and its id. */
function searchFields(row: SessionRow, coreName: (coreId: string) => string): string[] {
  return [row.id, row.reference, row.location, row.peer, row.extra, row.collector, coreName(row.core), row.core];
}

/**
 * The fields the text searches, lower-cased and joined by NUL (the table shows a core by its name, so "studio" finds
 * the sessions of "Studio A"). A text without NUL is in this string exactly when it is in one of the fields.
 */
export function sessionSearchText(row: SessionRow, coreName: (coreId: string) => string): string {
  return searchFields(row, coreName).join('\0').toLowerCase();
}

/**
 * The filter as a predicate, set up once per pass over the rows (a Set of collectors, the text lower-cased once);
 * missing parts of `filter` show all. `searchText` may supply a row's `sessionSearchText` from a cache (the table
 * keeps one per session).
 */
export function sessionMatcher(
  filter: Partial<SessionFilter>,
  coreName: (coreId: string) => string,
  searchText: (row: SessionRow) => string = (row) => sessionSearchText(row, coreName),
): (row: SessionRow) => boolean {
  const collectors = filter.collectors && filter.collectors.length > 0 ? new Set(filter.collectors) : null;
  const cores = filter.core && filter.core.length > 0 ? new Set(filter.core) : null;
  const text = (filter.text ?? '').trim().toLowerCase();
  // A text holding the separator could match across two fields of the joined string: check the fields one by one.
  const perField = text.includes('\0');
  return (row) => {
    if (collectors !== null && !collectors.has(row.collector)) return false;
    if (cores !== null && !cores.has(row.core)) return false;
    if (text === '') return true;
    if (perField) return searchFields(row, coreName).some((field) => field.toLowerCase().includes(text));
    return searchText(row).includes(text);
  };
}

/** Whether a row of this core passes the filter's core choice (e.g. counts shown "under the Core filter"). */
export function filterShowsCore(filter: Pick<SessionFilter, 'core'>, coreId: string): boolean {
  return filter.core.length === 0 || filter.core.includes(coreId);
}
