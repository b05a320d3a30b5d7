import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { ApiRoute } from '../http/types.ts';
import type { SessionSource } from '../source.ts';
import { exportCsv, exportFileName, type ExportKind } from './exports.ts';

export interface ExportRoutesOptions {
  source: SessionSource;
  /** Clock for the file name in Content-Disposition (tests). */
  now?: () => number;
}

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8; header=present';

/** `?collectors=hls,rtmp&collectors=srt` → ['hls', 'rtmp', 'srt']; missing or empty → undefined (all). */
export function listParam(params: URLSearchParams, name: string): string[] | undefined {
  const items = params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  return items.length > 0 ? items : undefined;
}

/** Streams one export to an HTTP response with backpressure; stops early when the client goes away. */
async function serve(kind: ExportKind, options: ExportRoutesOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const params = new URL(req.url ?? '/', 'http://localhost').searchParams;
  const text = params.get('text') ?? undefined;
  const abort = new AbortController();
  res.on('close', () => abort.abort(new Error('client closed the connection')));
  let chunks: AsyncGenerator<string, void, undefined>;
  try {
    // Reads the snapshot/history now, so a failing source still gets a proper error status.
    chunks = exportCsv(options.source, { kind, collectors: listParam(params, 'collectors'), core: listParam(params, 'core'), text }, { signal: abort.signal });
  } catch {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('export failed\n');
    return;
  }
  res.writeHead(200, {
    'Content-Type': CSV_CONTENT_TYPE,
    'Content-Disposition': `attachment; filename="${exportFileName(kind, (options.now ?? Date.now)())}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  try {
    for await (const chunk of chunks) {
      if (!res.write(chunk)) await once(res, 'drain', { signal: abort.signal });
    }
    res.end();
  } catch {
    // The client went away (or the source failed mid-stream after the 200 was sent): cut the connection.
    res.destroy();
  }
}

/** The two export endpoints, as routes of the API (mounted behind its auth). */
export function createExportRoutes(options: ExportRoutesOptions): ApiRoute[] {
  return [
    { method: 'GET', path: '/api/export/sessions.csv', handler: (ctx) => serve('sessions', options, ctx.req, ctx.res) },
    { method: 'GET', path: '/api/export/history.csv', handler: (ctx) => serve('history', options, ctx.req, ctx.res) },
  ];
}
