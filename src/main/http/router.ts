/**
 * The router of the API mount: route providers (api/, streams/, timeseries/, processes/, export/, the filesystem
 * API, the fleet's routes) hand it `ApiRoute`s side by side. Routing follows Core's echo server: a route needs an
 * access token unless it says `auth: false`; an unknown `/api/v3/*` path without a token is 401, with a token 404;
 * a known path with another method is 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseGoQuery, rawQueryOf, sendApiError, sendJson } from './http.ts';
import type { ApiContext, ApiRoute, HttpHandler } from './types.ts';

/** The path and raw query of a request target (an absolute-form target `http://host/path` gives its path). */
export function splitTarget(url: string | undefined): { path: string; rawQuery: string } {
  const u = url ?? '/';
  const q = u.indexOf('?');
  let path = q < 0 ? u : u.slice(0, q);
  if (path[0] !== '/') {
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/.exec(path);
    path = m ? path.slice(m[0].length) || '/' : path;
  }
  return { path, rawQuery: rawQueryOf(u) };
}

function matches(route: ApiRoute, path: string): boolean {
  return route.path.endsWith('/*') ? path.startsWith(route.path.slice(0, -1)) : route.path === path;
}

/** A route handler's context: the parsed target and Core's JSON and error replies (`?pretty` honoured). */
export function apiContext(req: IncomingMessage, res: ServerResponse): ApiContext {
  const { path, rawQuery } = splitTarget(req.url);
  const query = parseGoQuery(rawQuery);
  const pretty = query.has('pretty');
  return {
    req,
    res,
    path,
    query,
    pretty,
    json: (status, compact, opts) => sendJson(req, res, status, compact, { pretty, ...opts }),
    error: (status, details) => sendApiError(req, res, status, details, { pretty }),
  };
}

export interface RouterOptions {
  /** The routes, first match wins. Read on every request (a provider may add routes later). */
  routes: readonly ApiRoute[];
  /** Whether the request carries a valid access token; absent: no auth at all. */
  authorize?: (req: IncomingMessage) => boolean;
}

/** One handler that dispatches to the routes with Core's auth and 404 rules. */
export function createRouter({ routes, authorize }: RouterOptions): HttpHandler {
  return async (req, res) => {
    const ctx = apiContext(req, res);
    const method = req.method ?? 'GET';
    const onPath = routes.filter((r) => matches(r, ctx.path));
    const route = onPath.find((r) => r.method === method);
    const needsToken = route ? route.auth !== false : ctx.path.startsWith('/api/v3/') || onPath.some((r) => r.auth !== false);
    if (authorize && needsToken && !authorize(req)) {
      await ctx.error(401, ['Missing or invalid JWT token']);
      return;
    }
    if (!route) {
      await ctx.error(404);
      return;
    }
    await route.handler(ctx);
  };
}
