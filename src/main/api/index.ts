/**
 * The Core-compatible API as HTTP mounts (`/api` and `/metrics`) for the one listener. The composition root
 * (app.ts / headless.ts) mounts what `createApi` returns; later features add routes through `extraRoutes`
 * (e.g. `GET /api/v3/cores`, `/api/export/*`), which sit behind the same auth.
 *
 * Routing follows Core's echo server (src/main/http/router.ts): every `/api/v3/*` path needs an access token when
 * auth is on (an unknown v3 path without a token is 401, with a token 404); a known path with another method is
 * 404; login routes exist only when auth is on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, SessionReader, SessionSelection } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { HttpMount } from '../http/types.ts';
import type { AboutInfo, AboutVersion } from './about.ts';
import { buildAboutFull, buildAboutShort, defaultVersion } from './about.ts';
import type { AuthOptions } from './auth.ts';
import { JwtAuth, LOGIN_BODY_LIMIT, parseLogin } from './auth.ts';
import { BodyTooLargeError, readBody } from '../http/http.ts';
import { apiContext, createRouter } from '../http/router.ts';
import { stringifyGo } from '../engine/go-json.ts';
import { buildMetricsText, PROMETHEUS_CONTENT_TYPE } from './metrics.ts';
import { buildActiveChunks, buildSummaryChunks, collectorNames, SessionCaches } from './sessions.ts';
import { clientKey, FailureBudget } from '../http/client-limits.ts';
import { throttledWarn } from '../http/throttled-warn.ts';

export { CORE_COMPATIBLE_VERSION } from './about.ts';
export type { AboutInfo, AboutVersion } from './about.ts';
export type { AuthOptions } from './auth.ts';

export type { ApiContext, ApiHandler, ApiRoute } from '../http/types.ts';
import type { ApiContext, ApiRoute } from '../http/types.ts';

export interface ApiOptions {
  reader: SessionReader;
  /**
   * Picks the reader of `/api/v3/session` and `/active` per request (the fleet's `?core=ID[,ID]` selection and merged
   * view, src/main/remote/api-routes.ts); its key keeps each selection's render caches apart. Default: `reader`.
   * `/metrics` always uses `reader`.
   */
  readerFor?: (ctx: ApiContext) => SessionSelection;
  /** The session bodies' render caches. Default: a new one (each API instance owns its caches); tests read its counters. */
  sessionCaches?: SessionCaches;
  /** Enables Core's local JWT auth and the login routes. Absent: no auth, `/api/login` is 404 (as Core). */
  auth?: AuthOptions;
  about: AboutInfo;
  log: Logger;
  clock?: Pick<Clock, 'now'>;
  extraRoutes?: ApiRoute[];
  /** `/metrics` needs an access token too. Default false: Core's /metrics has no JWT (scrapers cannot log in). */
  metricsRequireAuth?: boolean;
  /** More exposition text after Core's families (the fleet's series, src/main/prometheus/fleet-metrics.ts). */
  extraMetricsText?: () => string;
  /** Failed-login budget per client (default `LOGIN_BUDGET`); over it `POST /api/login` answers 429 unchecked. */
  loginBudget?: FailureBudget;
}

/** Default failed-login budget per client: 5 at once, then one every 5 s (on top of Core's 5 s delay per failure). */
export const LOGIN_BUDGET = { burst: 5, refillPerSec: 0.2 } as const;

const systemNow: Pick<Clock, 'now'> = { now: () => Date.now() };

export function createApi(options: ApiOptions): HttpMount[] {
  const { reader, log } = options;
  const clock = options.clock ?? systemNow;
  const auth = options.auth ? new JwtAuth(options.auth, clock) : null;
  const auths = auth ? ['localjwt'] : [];
  const version: AboutVersion = { ...defaultVersion(), ...options.about.version };
  const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const caches = options.sessionCaches ?? new SessionCaches();
  const select = (ctx: ApiContext): SessionSelection => options.readerFor?.(ctx) ?? { reader, key: '' };

  const routes: ApiRoute[] = [
    {
      method: 'GET',
      path: '/api',
      auth: false,
      handler: (ctx) => {
        const full = !auth || auth.authorize(ctx.req) !== null;
        const body = full ? buildAboutFull(auths, options.about, version, clock.now()) : buildAboutShort(auths, version);
        return ctx.json(200, body);
      },
    },
    {
      method: 'GET',
      path: '/api/v3/session',
      handler: (ctx) => {
        const { reader: selected, key } = select(ctx);
        return ctx.json(200, buildSummaryChunks(selected, collectorNames(ctx.query), caches, key), { compressible: true });
      },
    },
    {
      method: 'GET',
      path: '/api/v3/session/active',
      handler: (ctx) => {
        const { reader: selected, key } = select(ctx);
        return ctx.json(200, buildActiveChunks(selected, collectorNames(ctx.query), caches, key), { compressible: true });
      },
    },
  ];

  if (auth) {
    const budget = options.loginBudget ?? new FailureBudget(LOGIN_BUDGET);
    const warnRefused = throttledWarn(log);
    routes.push(
      {
        method: 'POST',
        path: '/api/login',
        auth: false,
        handler: async (ctx) => {
          let body: Buffer;
          try {
            body = await readBody(ctx.req, LOGIN_BODY_LIMIT);
          } catch (err) {
            if (err instanceof BodyTooLargeError) return ctx.error(413, [`Request body larger than ${err.limit} bytes`]);
            throw err;
          }
          // Security guard: the attempt is taken from the client's budget before the password is checked, so
          // parallel guesses from one client are not all evaluated (Core's delay alone lets 200 finish in 5 s).
          const client = clientKey(ctx.req.socket.remoteAddress);
          if (!budget.take(client)) {
            warnRefused('login refused: too many failed attempts from this client', { client, refusedSoFar: budget.refused });
            ctx.res.setHeader('Retry-After', String(budget.retryAfterSec(client)));
            return ctx.error(429, ['Too many failed login attempts; try again later']);
          }
          const parsed = parseLogin(ctx.req.headers['content-type'], body);
          if (parsed.kind === 'credentials' && auth.checkCredentials(parsed.username, parsed.password)) {
            budget.refund(client);
            const tokens = { access_token: auth.issue('access'), refresh_token: auth.issue('refresh') };
            return ctx.json(200, stringifyGo(tokens));
          }
          await delay(auth.loginDelayMs);
          if (parsed.kind === 'missing') {
            budget.refund(client);
            log.info('login without credentials', { ip: ctx.req.socket.remoteAddress });
            return ctx.error(400, ['Missing authorization credentials']);
          }
          log.warn('login failed: invalid username or password', { ip: ctx.req.socket.remoteAddress });
          return ctx.error(401, ['Invalid authorization credentials: invalid username or password']);
        },
      },
      {
        method: 'GET',
        path: '/api/login/refresh',
        auth: false,
        handler: (ctx) => {
          if (!auth.authorize(ctx.req, 'refresh')) return ctx.error(401, ['Missing or invalid JWT token']);
          return ctx.json(200, stringifyGo({ access_token: auth.issue('access') }));
        },
      },
    );
  }
  routes.push(...(options.extraRoutes ?? []));

  const apiHandler = createRouter({ routes, authorize: auth ? (req) => auth.authorize(req) !== null : undefined });

  const metricsHandler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const ctx = apiContext(req, res);
    if (ctx.path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      await ctx.error(404);
      return;
    }
    if (auth && options.metricsRequireAuth && !auth.authorize(req)) {
      await ctx.error(401, ['Missing or invalid JWT token']);
      return;
    }
    const body = Buffer.from(buildMetricsText(reader, options.about.id) + (options.extraMetricsText?.() ?? ''), 'utf8');
    res.statusCode = 200;
    res.setHeader('Content-Type', PROMETHEUS_CONTENT_TYPE);
    res.setHeader('Content-Length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  return [
    { prefix: '/api', handler: apiHandler },
    { prefix: '/metrics', handler: metricsHandler },
  ];
}
