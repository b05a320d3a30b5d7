/**
 * The history over HTTP, behind the API's auth (mounted through `createApi`'s `extraRoutes`, like /api/export/*):
 * - `GET /api/timeseries?core=&stream=&protocol=&from=&to=&step=`: one series in buckets, outages as null;
 * - `GET /api/reports/daily?from=&to=&period=day|month&core=`: per stream and core, with a totals row;
 * both as CSV with `format=csv` (src/main/export/csv.ts: BOM, CRLF, formula guard).
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { TimeseriesResult } from '../../shared/timeseries.ts';
import type { ApiContext, ApiRoute } from '../http/types.ts';
import { toCsvChunks, type CsvColumn } from '../export/csv.ts';
import { CSV_CONTENT_TYPE } from '../export/routes.ts';
import { REPORT_COLUMNS, reportCsvRows } from './report-csv.ts';
import { QueryError, reportQueryOf, timeseriesQueryOf } from './params.ts';
import type { HistoryBackend } from './backend.ts';

interface SeriesCsvRow {
  atMs: number;
  viewers: number | null;
  viewersPeak: number | null;
  publishers: number | null;
  rxBytes: number | null;
  txBytes: number | null;
  observedSec: number;
}

const SERIES_COLUMNS: readonly CsvColumn<SeriesCsvRow>[] = [
  { header: 'time', value: (r) => new Date(r.atMs).toISOString() },
  { header: 'viewers_avg', value: (r) => r.viewers },
  { header: 'viewers_peak', value: (r) => r.viewersPeak },
  { header: 'publishers_avg', value: (r) => r.publishers },
  { header: 'rx_bytes', value: (r) => r.rxBytes },
  { header: 'tx_bytes', value: (r) => r.txBytes },
  { header: 'observed_s', value: (r) => r.observedSec },
];

function* seriesRows(s: TimeseriesResult): Generator<SeriesCsvRow> {
  for (let i = 0; i < s.atMs.length; i++) {
    yield { atMs: s.atMs[i], viewers: s.viewers[i], viewersPeak: s.viewersPeak[i], publishers: s.publishers[i], rxBytes: s.rxBytes[i], txBytes: s.txBytes[i], observedSec: s.observedSec[i] };
  }
}

async function sendCsv(res: ServerResponse, fileName: string, chunks: AsyncIterable<string>): Promise<void> {
  res.writeHead(200, {
    'Content-Type': CSV_CONTENT_TYPE,
    'Content-Disposition': `attachment; filename="${fileName}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  try {
    for await (const chunk of chunks) if (!res.write(chunk)) await once(res, 'drain');
    res.end();
  } catch {
    res.destroy();
  }
}

function getter(ctx: ApiContext): (name: string) => string | undefined {
  return (name) => ctx.query.get(name)?.[0];
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface TimeseriesRoutesOptions {
  /** The embedded store or Prometheus (src/main/timeseries/backend.ts). */
  service: HistoryBackend;
  now: () => number;
}

/** The two routes, for the API's `extraRoutes`. */
export function createTimeseriesRoutes(options: TimeseriesRoutesOptions): ApiRoute[] {
  const { service } = options;
  const run = async (ctx: ApiContext, answer: () => Promise<void>): Promise<void> => {
    try {
      await answer();
    } catch (err) {
      if (err instanceof QueryError) return ctx.error(400, [err.message]);
      // A history backend that cannot answer now (Prometheus down or slow): 503, with its one-line reason.
      if ((err as { code?: unknown }).code === 'unavailable') return ctx.error(503, [(err as Error).message]);
      return ctx.error(500, [`time series: ${(err as Error).message}`]);
    }
  };
  return [
    {
      method: 'GET',
      path: '/api/timeseries',
      handler: (ctx) =>
        run(ctx, async () => {
          const q = timeseriesQueryOf(getter(ctx), options.now());
          const result = await service.query(q);
          if (getter(ctx)('format') === 'csv') return sendCsv(ctx.res, `timeseries-${stamp(q.fromMs)}-${stamp(q.toMs)}.csv`, toCsvChunks(SERIES_COLUMNS, seriesRows(result)));
          return ctx.json(200, JSON.stringify({ ...result, status: service.status() }));
        }),
    },
    {
      method: 'GET',
      path: '/api/reports/daily',
      handler: (ctx) =>
        run(ctx, async () => {
          const q = reportQueryOf(getter(ctx), options.now());
          const result = await service.report(q);
          if (getter(ctx)('format') === 'csv') return sendCsv(ctx.res, `report-${q.period}-${stamp(q.fromMs)}-${stamp(q.toMs)}.csv`, toCsvChunks(REPORT_COLUMNS, reportCsvRows(result)));
          return ctx.json(200, JSON.stringify(result));
        }),
    },
  ];
}
