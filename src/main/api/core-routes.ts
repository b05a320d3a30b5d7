/**
 * More of Core's v3 API around the local core (issue 14), as routes behind the API's auth: `GET /api/v3/rtmp`,
 * `GET /api/v3/srt` (rendered by the servers' channel lists), `GET/POST /api/v3/metrics` (core-metrics.ts) and
 * `GET /api/v3/log` (Core's `?format=console` lines, default, or `raw` objects) from the root logger's ring.
 */
import type { LogRing } from '../log.ts';
import { MetricsQueryError, parseMetricsQuery, type SessionMetrics } from './core-metrics.ts';
import { BodyTooLargeError, errorJson, readBody } from '../http/http.ts';
import type { ApiRoute } from './index.ts';
import { stringifyGo, type JsonValue } from '../engine/go-json.ts';

export interface CoreRoutesOptions {
  metrics: SessionMetrics;
  logRing?: LogRing;
  /** `GET /api/v3/rtmp` and `/srt` bodies (compact JSON), now. */
  rtmpChannels: () => string;
  srtChannels: () => string;
}

const METRICS_QUERY_LIMIT_BYTES = 1024 * 1024;

/** A log event's fields as JSON values (anything else as its string form). */
function jsonFields(fields: Record<string, unknown>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : String(v);
  return out;
}

export function createCoreRoutes(options: CoreRoutesOptions): ApiRoute[] {
  const { metrics } = options;
  return [
    { method: 'GET', path: '/api/v3/rtmp', handler: (ctx) => ctx.json(200, options.rtmpChannels()) },
    { method: 'GET', path: '/api/v3/srt', handler: (ctx) => ctx.json(200, options.srtChannels()) },
    { method: 'GET', path: '/api/v3/metrics', handler: (ctx) => ctx.json(200, metrics.describeJson()) },
    {
      method: 'POST',
      path: '/api/v3/metrics',
      handler: async (ctx) => {
        let query;
        try {
          query = parseMetricsQuery(JSON.parse((await readBody(ctx.req, METRICS_QUERY_LIMIT_BYTES)).toString('utf8')));
        } catch (err) {
          const known = err instanceof MetricsQueryError || err instanceof SyntaxError || err instanceof BodyTooLargeError;
          return ctx.json(400, errorJson(400, [known ? (err as Error).message : 'unreadable body'], 'Invalid JSON'));
        }
        return ctx.json(200, metrics.queryJson(query.timerangeSec, query.intervalSec, query.patterns));
      },
    },
    {
      method: 'GET',
      path: '/api/v3/log',
      handler: (ctx) => {
        const events = options.logRing?.events() ?? [];
        if (ctx.query.get('format')?.[0] === 'raw') {
          // One map per event, keys sorted as Go writes its log event's Data map.
          const raw = events.map((e) => new Map(Object.entries({ ...jsonFields(e.fields), ts: new Date(e.tsMs).toISOString(), level: e.level.toUpperCase(), component: e.component, message: e.message })));
          return ctx.json(200, stringifyGo(raw));
        }
        return ctx.json(200, stringifyGo(events.map((e) => e.line)));
      },
    },
  ];
}
