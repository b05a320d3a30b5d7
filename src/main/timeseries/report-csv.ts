/** The report as CSV records (for `GET /api/reports/daily?format=csv` and the page's export). */
import type { ReportResult } from '../../shared/timeseries.ts';
import type { CsvColumn } from '../export/csv.ts';

type ReportCsvRow = ReportResult['rows'][number];

/** The report's columns; the unique count is named an estimate wherever it appears. */
export const REPORT_COLUMNS: readonly CsvColumn<ReportCsvRow>[] = [
  { header: 'period', value: (r) => r.period },
  { header: 'core', value: (r) => r.core },
  { header: 'stream', value: (r) => r.stream },
  { header: 'egress_bytes', value: (r) => r.egressBytes },
  { header: 'ingress_bytes', value: (r) => r.ingressBytes },
  { header: 'viewer_hours', value: (r) => r.viewerHours },
  { header: 'peak_viewers', value: (r) => r.peakViewers },
  { header: 'unique_viewers_estimate', value: (r) => r.uniqueViewersEstimate },
];

/** The report's rows and, last, its totals as period `total`. */
export function reportCsvRows(r: ReportResult): ReportCsvRow[] {
  return [...r.rows, { period: 'total', core: '', stream: '', ...r.totals }];
}

