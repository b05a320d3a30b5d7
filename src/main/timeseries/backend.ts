/**
 * The one small interface behind `GET /api/timeseries`, `GET /api/reports/daily` and the page's History and report
 * calls: the embedded store (service.ts, the default) and a Prometheus-compatible query API
 * (src/main/prometheus/history.ts, `--history-backend prometheus`) both implement it, so routes, parameter checks
 * and CSV are shared.
 */
import type { ReportQuery, ReportResult, TimeseriesQuery, TimeseriesResult, TimeseriesStatus } from '../../shared/timeseries.ts';
import { csvToString, toCsvChunks } from '../export/csv.ts';
import { reportQueryFromObject, timeseriesQueryFromObject } from './params.ts';
import { REPORT_COLUMNS, reportCsvRows } from './report-csv.ts';

export interface HistoryBackend {
  /** One series in buckets (outages as null). A remote backend answers asynchronously and may reject. */
  query(q: TimeseriesQuery): TimeseriesResult | Promise<TimeseriesResult>;
  report(q: ReportQuery): ReportResult | Promise<ReportResult>;
  /** Health shown beside the charts. */
  status(): TimeseriesStatus;
}

/** What the UI service needs from a backend (src/main/ui/service.ts `timeseries`): the page's queries, checked. */
export interface HistoryForUi {
  query(q: TimeseriesQuery): TimeseriesResult | Promise<TimeseriesResult>;
  report(q: ReportQuery): ReportResult | Promise<ReportResult>;
  reportCsv(q: ReportQuery): Promise<string>;
  parseQuery(value: unknown): TimeseriesQuery;
  parseReport(value: unknown): ReportQuery;
}

/** The UI's view of any backend. */
export function historyForUi(backend: HistoryBackend, now: () => number): HistoryForUi {
  return {
    query: (q) => backend.query(q),
    report: (q) => backend.report(q),
    reportCsv: async (q) => csvToString(toCsvChunks(REPORT_COLUMNS, reportCsvRows(await backend.report(q)))),
    parseQuery: (v) => timeseriesQueryFromObject(v, now()),
    parseReport: (v) => reportQueryFromObject(v, now()),
  };
}
