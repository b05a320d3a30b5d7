/**
 * The streams API for other tools (same auth as the rest of the app's API): `GET /api/streams` (all cores;
 * `?core=a,b`, `?protocol=hls,rtmp` keeps streams with viewers or ingest on one of them; `?format=csv` for the table
 * as CSV) and `GET /api/streams/{core}/{key}` (one stream with the sessions behind its numbers). Rows come from the
 * stream model the UI service updates once a second (src/shared/streams.ts).
 */
import { csvRecord, kbit, UTF8_BOM } from '../export/csv.ts';
import { CSV_CONTENT_TYPE, listParam } from '../export/routes.ts';
import type { ApiContext, ApiRoute } from '../http/types.ts';
import type { SessionSource } from '../source.ts';
import { streamSessions, type StreamModel, type StreamRow } from '../../shared/streams.ts';

export interface StreamRoutesOptions {
  model: StreamModel;
  source: SessionSource;
}

const CSV_HEADER = ['core', 'stream', 'state', 'since', 'ingest_protocol', 'ingest_kbit', 'publishers', 'viewers', 'viewers_hls', 'viewers_rtmp', 'viewers_srt', 'egress_kbit', 'peak_viewers_today', 'stale_since'];

function csvRow(r: StreamRow): string {
  return csvRecord([
    r.core,
    r.key,
    r.state,
    new Date(r.sinceMs).toISOString(),
    r.ingestProtocol ?? '',
    kbit(r.ingestBitsPerSec),
    r.publishers,
    r.viewersTotal,
    r.viewers.hls,
    r.viewers.rtmp,
    r.viewers.srt,
    kbit(r.egressBitsPerSec),
    r.peakViewersToday,
    r.staleSinceMs === undefined ? '' : new Date(r.staleSinceMs).toISOString(),
  ]);
}

function selected(model: StreamModel, params: URLSearchParams): StreamRow[] {
  const cores = listParam(params, 'core');
  const protocols = listParam(params, 'protocol');
  return model.rows().filter(
    (r) =>
      (!cores || cores.includes(r.core)) &&
      (!protocols || protocols.some((p) => (r.ingestProtocol === p) || (p in r.viewers && r.viewers[p as keyof StreamRow['viewers']] > 0))),
  );
}

function sendJson(ctx: ApiContext, status: number, value: unknown): Promise<void> {
  // Our own API (not Core's): plain JSON.stringify, compact, with the trailing newline Core's bodies have too.
  return ctx.json(status, JSON.stringify(value));
}

export function createStreamRoutes(options: StreamRoutesOptions): ApiRoute[] {
  const { model, source } = options;
  return [
    {
      method: 'GET',
      path: '/api/streams',
      handler: (ctx) => {
        const params = new URL(ctx.req.url ?? '/', 'http://local').searchParams;
        const rows = selected(model, params);
        if (params.get('format') === 'csv') {
          const body = UTF8_BOM + csvRecord(CSV_HEADER) + rows.map(csvRow).join('');
          ctx.res.writeHead(200, { 'Content-Type': CSV_CONTENT_TYPE, 'Content-Disposition': 'attachment; filename="streams.csv"', 'X-Content-Type-Options': 'nosniff' });
          ctx.res.end(body);
          return;
        }
        return sendJson(ctx, 200, { streams: rows });
      },
    },
    {
      method: 'GET',
      path: '/api/streams/*',
      handler: (ctx) => {
        const parts = ctx.path.slice('/api/streams/'.length).split('/');
        if (parts.length !== 2) return ctx.error(404, ['expected /api/streams/{core}/{key}']);
        let core: string;
        let key: string;
        try {
          [core, key] = parts.map((p) => decodeURIComponent(p)) as [string, string];
        } catch {
          return ctx.error(400, ['the core or stream key is not valid percent-encoding']);
        }
        const row = model.rows().find((r) => r.core === core && r.key === key);
        if (!row) return ctx.error(404, [`no stream ${JSON.stringify(key)} on core ${JSON.stringify(core)}`]);
        const sessions = streamSessions(row, source.snapshot().sessions);
        return sendJson(ctx, 200, { stream: row, sessions });
      },
    },
  ];
}
