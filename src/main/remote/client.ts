/**
 * One client per remote datarhei Core (spec §4.4–4.6) on an undici `Pool` for its origin: keep-alive, a connect
 * timeout, headers/body timeouts, and a longer timeout for login because Core delays every failed login by 5 s.
 *
 * Auth: `GET /api` identifies the Core; an absent or empty `id` means "log in" (`POST /api/login`). The access token is
 * refreshed proactively (`GET /api/login/refresh`) at exp − 60 s (80 % of its life for short tokens), a fresh login
 * replaces the refresh when the refresh token is near its end or the refresh answers 401 (a Core restarted with a
 * random JWT secret, spec §7.26), and a 401 on a call triggers one renewal and one retry (plus one login and one more
 * retry when that renewal was only a refresh and the token is still refused). Refused credentials throw
 * RemoteError('auth'); the caller decides not to retry (no login loop against Core's 5 s delay).
 *
 * Secrets: the password and the tokens live only in this object's private fields. They are never logged, never part
 * of an error message and never returned.
 */
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import type { Clock } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import { RemoteError, toRemoteError } from './errors.ts';
import { holdToken, type HeldToken } from './jwt.ts';
import { parseAbout, parseClusterNodes, parseVersion, type ClusterNodeOffer, type CoreAbout } from './parse.ts';

export interface Credentials {
  username: string;
  password: string;
}

export interface ClientTimeouts {
  /** TCP/TLS connect. Default 5 s. */
  connectTimeoutMs: number;
  /**
   * Ordinary calls (identify, session polls, refresh): a deadline for the whole exchange, from sending to the last
   * byte of the body, besides undici's idle timers (which a Core dripping one byte at a time keeps happy). Default 10 s.
   */
  requestTimeoutMs: number;
  /** The whole exchange of `POST /api/login`: must exceed Core's 5 s failed-login delay. Default 15 s. */
  loginTimeoutMs: number;
  /** Idle keep-alive of pooled sockets. Default 30 s (polls come every second, so the socket stays warm). */
  keepAliveTimeoutMs: number;
  /**
   * The poller's deadline for one whole poll round (identify, login, refresh and both session calls, each also under
   * its own deadline): a Core that answers each request just in time cannot hold the poller for their sum. Default 20 s.
   */
  pollTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: ClientTimeouts = {
  connectTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  loginTimeoutMs: 15_000,
  keepAliveTimeoutMs: 30_000,
  pollTimeoutMs: 20_000,
};

export interface CoreClientOptions {
  /** Base URL without credentials, e.g. `http://10.0.0.5:8080` or `https://host/core` (path prefix kept). */
  url: string;
  credentials?: Credentials;
  clock: Clock;
  log: Logger;
  timeouts?: Partial<ClientTimeouts>;
  /** Largest accepted response body. Default 64 MiB. */
  maxResponseBytes?: number;
}

export interface JsonResponse {
  status: number;
  body: unknown;
  /** Wall time of the HTTP exchange that produced the answer (the retried one after a 401), ms. */
  rttMs: number;
  /** The body's bytes as received (the caller may keep a copy to pass as `unchangedBytes` next time). */
  bytes: Uint8Array;
  /** The bytes equal the caller's `unchangedBytes`: `body` was not parsed again (it is undefined). */
  unchanged: boolean;
}

interface RawResponse {
  status: number;
  contentType: string;
  bytes: Uint8Array;
  /** The bytes as text (UTF-8), decoded when first needed (`textOf`): an unchanged answer is never decoded. */
  text?: string;
  rttMs: number;
}

/** Counters for tests and the bench; no secrets. */
export interface ClientStats {
  requests: number;
  logins: number;
  failedLogins: number;
  refreshes: number;
  failedRefreshes: number;
  reactive401: number;
}

export class CoreClient {
  readonly baseUrl: string;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #timeouts: ClientTimeouts;
  readonly #pool: Pool;
  #credentials: Credentials | undefined;
  #access: HeldToken | undefined;
  #refresh: HeldToken | undefined;
  #authInFlight: Promise<void> | undefined;
  #closed = false;
  readonly stats: ClientStats = { requests: 0, logins: 0, failedLogins: 0, refreshes: 0, failedRefreshes: 0, reactive401: 0 };

  constructor(options: CoreClientOptions) {
    const u = new URL(options.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`remote Core URL must be http(s): ${u.protocol}`);
    this.#origin = u.origin;
    this.#basePath = u.pathname.replace(/\/+$/, '');
    this.baseUrl = this.#origin + this.#basePath;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#credentials = options.credentials;
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const t = this.#timeouts;
    this.#pool = new Pool(this.#origin, {
      connections: 2,
      pipelining: 1,
      connectTimeout: t.connectTimeoutMs,
      headersTimeout: t.requestTimeoutMs,
      bodyTimeout: t.requestTimeoutMs,
      keepAliveTimeout: t.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(t.keepAliveTimeoutMs, 60_000),
      maxResponseSize: options.maxResponseBytes ?? 64 * 1024 * 1024,
    });
  }

  /** Replaces the credentials (user edited them); drops held tokens. */
  setCredentials(credentials: Credentials | undefined): void {
    this.#credentials = credentials;
    this.#access = undefined;
    this.#refresh = undefined;
  }

  get hasCredentials(): boolean {
    return this.#credentials !== undefined;
  }

  /** Token timing for tests and diagnostics (no token values). */
  tokenTimes(): { accessRenewAtMs?: number; accessExpiresAtMs?: number; refreshRenewAtMs?: number } {
    return { accessRenewAtMs: this.#access?.renewAtMs, accessExpiresAtMs: this.#access?.expiresAtMs, refreshRenewAtMs: this.#refresh?.renewAtMs };
  }

  /**
   * Spec §4.6 steps 1–2: `GET /api`, log in when `id` is empty, `GET /api` again. Throws RemoteError: `incompatible`
   * for a non-Core answer, `auth` when login is needed but impossible or refused.
   */
  async identify(signal?: AbortSignal): Promise<CoreAbout> {
    let about = await this.#about(signal);
    if (about.id !== '') return about;
    const v = parseVersion(about.version);
    // Spec §4.6: credentials go only to a Core whose (short-form) version says major 16.
    if (!v || v[0] !== 16) throw new RemoteError('incompatible', `unsupported Core version "${about.version}"`);
    if (!this.#credentials) throw new RemoteError('auth', 'the Core requires a login and no credentials are configured');
    await this.#runAuth(() => this.#login(signal));
    about = await this.#about(signal);
    if (about.id === '') throw new RemoteError('auth', 'logged in, but the Core still does not accept the token');
    return about;
  }

  async #about(signal: AbortSignal | undefined): Promise<CoreAbout> {
    await this.#renewIfDue(signal);
    const res = await this.#send('GET', '/api', this.#access?.value, undefined, this.#timeouts.requestTimeoutMs, signal);
    if (res.status === 401 && this.#access) {
      // A held token the Core no longer accepts (restart with a new secret): /api normally answers 200 without one.
      this.#access = undefined;
      return this.#about(signal);
    }
    if (res.status !== 200) {
      if (isHtml(res)) throw new RemoteError('incompatible', `GET /api answered ${res.status} with HTML: not a datarhei Core`, res.status);
      throw httpError('GET /api', res);
    }
    const body = parseJsonBody(res, 'incompatible');
    const about = parseAbout(body);
    if (about.app !== 'datarhei-core') throw new RemoteError('incompatible', `not a datarhei Core (app "${about.app.slice(0, 40)}")`);
    return about;
  }

  /**
   * GET a JSON API path (relative to the base URL) with the access token. Renews the token proactively when due,
   * and on a 401 renews once (refresh, else login) and retries once. Non-2xx answers throw RemoteError('http');
   * a non-JSON body throws `incompatible` (HTML) or `parse` (anything else). `signal` (the poll round's deadline)
   * aborts every request made on the way, with its reason. An answer whose bytes equal `unchangedBytes` (the caller's
   * last one) is neither decoded nor parsed again: `unchanged` is true and `body` undefined. Only bytes are compared,
   * so a caller keeps no text of a big answer between polls (that text would live a second and be promoted: 2.5 MB a
   * second with a big fleet); the text of a changed answer is decoded for its parse only.
   */
  async getJson(path: string, signal?: AbortSignal, unchangedBytes?: Uint8Array): Promise<JsonResponse> {
    await this.#renewIfDue(signal);
    let res = await this.#send('GET', path, this.#access?.value, undefined, this.#timeouts.requestTimeoutMs, signal);
    if (res.status === 401) {
      if (!this.#credentials) throw new RemoteError('auth', 'the Core requires a login and no credentials are configured', 401);
      this.stats.reactive401++;
      const stale = this.#access;
      await this.#runAuth(async () => {
        if (this.#access !== stale) return; // someone else already renewed
        await this.#refreshOrLogin(signal);
      });
      const loginsBefore = this.stats.logins;
      res = await this.#send('GET', path, this.#access?.value, undefined, this.#timeouts.requestTimeoutMs, signal);
      if (res.status === 401 && this.stats.logins === loginsBefore) {
        // The renewal was a refresh (or someone else's) and the token is still refused: log in once, retry once.
        const refused = this.#access;
        await this.#runAuth(async () => {
          if (this.#access === refused) await this.#login(signal);
        });
        res = await this.#send('GET', path, this.#access?.value, undefined, this.#timeouts.requestTimeoutMs, signal);
      }
      if (res.status === 401) {
        this.#access = undefined;
        throw new RemoteError('auth', `${path.split('?')[0]}: 401 even after a fresh login`, 401);
      }
    }
    if (res.status < 200 || res.status > 299) {
      if (isHtml(res)) throw new RemoteError('incompatible', `${path.split('?')[0]} answered ${res.status} with HTML`, res.status);
      throw httpError(`GET ${path.split('?')[0]}`, res);
    }
    if (unchangedBytes !== undefined && Buffer.from(res.bytes.buffer, res.bytes.byteOffset, res.bytes.byteLength).equals(unchangedBytes)) {
      return { status: res.status, body: undefined, rttMs: res.rttMs, bytes: res.bytes, unchanged: true };
    }
    return { status: res.status, body: parseJsonBody(res, isHtml(res) ? 'incompatible' : 'parse'), rttMs: res.rttMs, bytes: res.bytes, unchanged: false };
  }

  /** The nodes a clustered Core offers (empty when the Core is not a cluster: 404 or no node list). */
  async clusterNodes(): Promise<ClusterNodeOffer[]> {
    try {
      const res = await this.getJson('/api/v3/cluster');
      return parseClusterNodes(res.body, this.baseUrl);
    } catch (err) {
      if (err instanceof RemoteError && (err.status === 404 || err.status === 405 || err.status === 501)) return [];
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#access = undefined;
    this.#refresh = undefined;
    await this.#pool.destroy().catch(() => undefined);
  }

  /** Open/pending counts of the pool (bounded-resource checks in tests). */
  poolStats(): { connected: number; pending: number; running: number; queued: number } {
    const s = this.#pool.stats;
    return { connected: s.connected, pending: s.pending, running: s.running, queued: s.queued };
  }

  async #renewIfDue(signal: AbortSignal | undefined): Promise<void> {
    if (!this.#credentials || !this.#access) return;
    if (this.#clock.now() < this.#access.renewAtMs) return;
    const due = this.#access;
    await this.#runAuth(async () => {
      if (this.#access !== due) return;
      await this.#refreshOrLogin(signal);
    });
  }

  /** Serialises renewals: concurrent callers share one login/refresh. */
  async #runAuth(fn: () => Promise<void>): Promise<void> {
    while (this.#authInFlight) await this.#authInFlight.catch(() => undefined);
    const p = fn();
    this.#authInFlight = p;
    try {
      await p;
    } finally {
      if (this.#authInFlight === p) this.#authInFlight = undefined;
    }
  }

  async #refreshOrLogin(signal: AbortSignal | undefined): Promise<void> {
    const refresh = this.#refresh;
    if (refresh && this.#clock.now() < refresh.renewAtMs) {
      const res = await this.#send('GET', '/api/login/refresh', refresh.value, undefined, this.#timeouts.requestTimeoutMs, signal);
      if (res.status === 200) {
        const body = parseJsonBody(res, 'parse') as { access_token?: unknown };
        if (typeof body?.access_token === 'string' && body.access_token !== '') {
          this.#access = holdToken(body.access_token, this.#clock.now());
          this.stats.refreshes++;
          this.#log.debug('access token refreshed', { core: this.baseUrl });
          return;
        }
      }
      this.stats.failedRefreshes++;
      if (res.status !== 401 && res.status !== 200) throw httpError('GET /api/login/refresh', res);
      // 401: the refresh token is no longer valid (expired, or the Core restarted with a new secret): log in again.
      this.#log.info('token refresh refused, logging in again', { core: this.baseUrl, status: res.status });
    }
    await this.#login(signal);
  }

  async #login(signal: AbortSignal | undefined): Promise<void> {
    const creds = this.#credentials;
    if (!creds) throw new RemoteError('auth', 'the Core requires a login and no credentials are configured');
    this.#access = undefined;
    this.#refresh = undefined;
    const body = JSON.stringify({ username: creds.username, password: creds.password });
    const res = await this.#send('POST', '/api/login', undefined, body, this.#timeouts.loginTimeoutMs, signal);
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      this.stats.failedLogins++;
      const detail = errorDetail(res);
      this.#log.warn('login refused by the remote Core', { core: this.baseUrl, status: res.status, user: creds.username });
      throw new RemoteError('auth', `login refused (${res.status}${detail ? `: ${detail}` : ''})`, res.status);
    }
    if (res.status !== 200) {
      if (isHtml(res)) throw new RemoteError('incompatible', `POST /api/login answered ${res.status} with HTML`, res.status);
      throw httpError('POST /api/login', res);
    }
    const tokens = parseJsonBody(res, 'parse') as { access_token?: unknown; refresh_token?: unknown };
    if (typeof tokens?.access_token !== 'string' || tokens.access_token === '') throw new RemoteError('parse', 'login answer has no access_token');
    const now = this.#clock.now();
    this.#access = holdToken(tokens.access_token, now);
    this.#refresh = typeof tokens.refresh_token === 'string' && tokens.refresh_token !== '' ? holdToken(tokens.refresh_token, now) : undefined;
    this.stats.logins++;
    this.#log.info('logged in to remote Core', { core: this.baseUrl, user: creds.username });
  }

  async #send(method: 'GET' | 'POST', path: string, token: string | undefined, body: string | undefined, timeoutMs: number, outer?: AbortSignal): Promise<RawResponse> {
    if (this.#closed) throw new RemoteError('network', 'client closed');
    if (outer?.aborted) throw toRemoteError(outer.reason);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    this.stats.requests++;
    const t0 = performance.now();
    // The total deadline (wall time, like the sockets it guards): aborts the request and the body read alike.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new RemoteError('timeout', `timeout: no complete answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref?.();
    // The caller's deadline (the poll round) cuts this request too, with its own reason.
    const onOuter = (): void => deadline.abort(outer?.reason);
    outer?.addEventListener('abort', onOuter, { once: true });
    let res: Dispatcher.ResponseData;
    let bytes: Uint8Array;
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          res = await this.#pool.request({ method, path: this.#basePath + path, headers, body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, signal: deadline.signal });
          break;
        } catch (err) {
          // A kept-alive socket the server closed meanwhile (idle timeout, restart): retry an idempotent GET once.
          const code = (err as { code?: string }).code;
          if (method === 'GET' && attempt === 0 && !deadline.signal.aborted && (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET')) continue;
          throw toRemoteError(deadline.signal.aborted ? deadline.signal.reason : err);
        }
      }
      try {
        bytes = await res.body.bytes();
      } catch (err) {
        throw toRemoteError(deadline.signal.aborted ? deadline.signal.reason : err);
      }
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuter);
    }
    const ct = res.headers['content-type'];
    return { status: res.statusCode, contentType: (Array.isArray(ct) ? ct[0] : ct) ?? '', bytes, rttMs: performance.now() - t0 };
  }
}

/** UTF-8 that drops a byte order mark, as undici's `text()` decodes. */
const UTF8 = new TextDecoder();

/** The body as text, decoded once. */
function textOf(res: RawResponse): string {
  res.text ??= UTF8.decode(res.bytes);
  return res.text;
}

function isHtml(res: RawResponse): boolean {
  return /text\/html/i.test(res.contentType) || /^\s*<(!doctype|html|head|body)/i.test(textOf(res));
}

function parseJsonBody(res: RawResponse, kind: 'parse' | 'incompatible'): unknown {
  if (isHtml(res)) throw new RemoteError('incompatible', 'answered HTML instead of JSON: not a datarhei Core API', res.status);
  try {
    return JSON.parse(textOf(res)) as unknown;
  } catch (err) {
    throw new RemoteError(kind, `invalid JSON (${(err as Error).message.slice(0, 80)})`, res.status);
  }
}

/** Core's error body `{code,message,details}` (spec §4.6 step 7), as one short line. */
function errorDetail(res: RawResponse): string {
  try {
    const b = JSON.parse(textOf(res)) as { message?: unknown; details?: unknown };
    const details = Array.isArray(b.details) ? b.details.filter((d) => typeof d === 'string').join('; ') : '';
    const msg = typeof b.message === 'string' ? b.message : '';
    return [msg, details].filter((s) => s !== '').join(': ').slice(0, 200);
  } catch {
    return '';
  }
}

function httpError(what: string, res: RawResponse): RemoteError {
  const detail = errorDetail(res);
  return new RemoteError('http', `${what}: HTTP ${res.status}${detail ? ` (${detail})` : ''}`, res.status);
}
