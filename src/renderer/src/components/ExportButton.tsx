import type { ExportRequest, UnitSystem } from '../../../shared/ipc.ts';
import { formatBytes, formatCountOf } from '../format/units.ts';
import { useApp } from '../store/hooks.ts';
import type { ExportStatus } from '../store/store.ts';

/** What the export control says about the last export of its kind. */
export function exportStatusText(status: ExportStatus | undefined, units: UnitSystem = 'decimal'): string {
  if (!status) return '';
  const amount = status.rows !== undefined ? formatCountOf(status.rows, 'row') : status.bytes !== undefined ? formatBytes(status.bytes, units) : '';
  switch (status.state) {
    case 'running':
      return `Exporting… ${amount}`;
    case 'done':
      return `Saved ${amount}${status.target ? ` to ${status.target}` : ''}`;
    case 'cancelled':
      return 'Export cancelled';
    case 'error':
      return `Export failed: ${status.error ?? 'unknown error'}`;
  }
}

/**
 * "Export CSV" for what a view shows: a save dialog in the app (`export:save`, progress in rows), a download in the
 * browser (`GET /api/export/*.csv`, progress in bytes). `request` is read when clicked (the filters of that moment).
 */
export function ExportButton({ request, title }: { request: () => ExportRequest; title: string }): React.JSX.Element {
  const kind = request().kind;
  const status = useApp((s) => s.exports[kind]);
  const exportCsv = useApp((s) => s.exportCsv);
  const units = useApp((s) => s.units);
  const running = status?.state === 'running';
  const text = exportStatusText(status, units);
  return (
    <span className="export">
      <button type="button" onClick={() => void exportCsv(request())} disabled={running} title={title} data-testid={`export-${kind}`}>
        {running ? 'Exporting…' : 'Export CSV'}
      </button>
      {text && (
        <span
          className={status?.state === 'error' ? 'export-status error-text' : 'export-status muted'}
          role="status"
          aria-live="polite"
          title={text}
          data-testid={`export-status-${kind}`}
          data-state={status?.state}
        >
          {text}
        </span>
      )}
    </span>
  );
}
