import {
  PUSH_CHANNELS,
  type ExportRequest,
  type InvokeChannel,
  type InvokeMap,
  type IpcResult,
  type PushChannel,
  type PushWire,
  type RendererApi,
} from '../../../shared/ipc.ts';
import { decodeJwt } from '../../../shared/jwt.ts';
import { eventStream, type EventStream } from './event-stream.ts';

/**
 * The renderer api in a browser (headless mode): the same contract as the preload's, over HTTP.
 * invoke → `POST /api/ui/invoke/:channel` (JSON args → IpcResult); pushes ← `GET /api/ui/events` (SSE).
 *
 * Auth (when the server has API auth on): the page logs in with the API's `POST /api/login`, keeps both tokens in
 * memory only (a reload asks again), refreshes the access token with `GET /api/login/refresh` shortly before it
 * expires or after a 401, and sends `Authorization: Bearer` on every call. The event stream is read with fetch
 * streaming, not EventSource, so the token goes in a header and never in a URL.
 */

export type AuthState = 'unknown' | 'not-required' | 'required' | 'logged-in';

export interface AuthClient {
  state(): AuthState;
  login(username: string, password: string): Promise<void>;
  logout(): void;
  onChange(callback: (state: AuthState) => void): () => void;
}

export interface HttpApi extends RendererApi {
  auth: AuthClient;
  /**
   * Fetches a CSV export (`GET /api/export/<kind>.csv` with the table's filters) with the page's token, streaming:
   * `onBytes` gets the bytes received so far after every chunk. Resolves with the whole file as a Blob and the
   * server's file name.
   */
  fetchCsv(request: ExportRequest, onBytes?: (bytes: number) => void): Promise<{ blob: Blob; fileName: string; bytes: number }>;
  /**
   * An invoke whose answer is not parsed: resolves with the bytes of its `IpcResult` JSON (the sessions worker parses
   * a whole `sessions:snapshot`, 3-4 MB at 10 000 sessions, off the main thread). HTTP and auth errors throw as
   * `invoke`'s do; an error the channel answered is in the bytes.
   */
  invokeBytes<C extends InvokeChannel>(channel: C, ...args: InvokeMap[C]['args']): Promise<ArrayBuffer>;
  /**
   * Hands the event stream to another reader (the sessions worker, which then keeps `sessions:update` and hands the
   * other events back through `dispatch`): `make` gets what a reader needs and returns it; it runs while any listener
   * is left, as the page's own reader did. The returned function takes the stream back (a worker that failed).
   */
  readEventsWith(make: (io: EventStreamIo) => EventStream): () => void;
}

/** What a reader of the event stream elsewhere gets from the page (readEventsWith). */
export interface EventStreamIo {
  /** `…/api/ui/events`, absolute. */
  url: string;
  /** The headers of the next connection: the bearer token (refreshed shortly before it expires); none without auth. */
  headers(): Promise<Record<string, string>>;
  /**
   * After a 401: the headers of a refreshed token to try once more; null when there is none or the retry was refused
   * (`retried`), and the page then asks for a login (which kicks the reader).
   */
  unauthorized(retried: boolean): Promise<Record<string, string> | null>;
  /** An event for the page's listeners (`on`). */
  dispatch(event: string, data: Uint8Array<ArrayBuffer>): void;
}

/** The query string of an export: `collectors` and `core` comma-separated, `text` for sessions (as routes.ts reads them). */
export function exportUrl(request: ExportRequest, baseUrl = ''): string {
  const params = new URLSearchParams();
  if (request.collectors && request.collectors.length > 0) params.set('collectors', request.collectors.join(','));
  if (request.core && request.core.length > 0) params.set('core', request.core.join(','));
  if (request.kind === 'sessions' && request.text && request.text.trim() !== '') params.set('text', request.text);
  const query = params.toString();
  return `${baseUrl}/api/export/${request.kind === 'sessions' ? 'sessions' : 'history'}.csv${query ? `?${query}` : ''}`;
}

/** `attachment; filename="core-sessions-….csv"` → the name; a fallback when absent. */
export function fileNameFrom(disposition: string | null, fallback: string): string {
  const m = /filename="([^"]+)"/.exec(disposition ?? '') ?? /filename=([^;]+)/.exec(disposition ?? '');
  const name = m?.[1]?.trim();
  return name && !/[\\/]/.test(name) ? name : fallback;
}

/** An Error carrying the IpcResult code, as the preload's errors do. */
export class ApiError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

interface Tokens {
  access: string;
  refresh: string | null;
  accessExpMs: number;
  refreshExpMs: number;
}

function jwtExpMs(token: string): number {
  const exp = decodeJwt(token)?.claims.exp;
  return typeof exp === 'number' ? exp * 1000 : Number.POSITIVE_INFINITY;
}

export function createHttpApi(baseUrl = ''): HttpApi {
  let tokens: Tokens | null = null;
  let authState: AuthState = 'unknown';
  const authListeners = new Set<(s: AuthState) => void>();
  let refreshing: Promise<boolean> | null = null;

  const setAuth = (s: AuthState): void => {
    if (s === authState) return;
    authState = s;
    for (const cb of [...authListeners]) cb(s);
  };

  async function refresh(): Promise<boolean> {
    if (!tokens?.refresh || Date.now() >= tokens.refreshExpMs - 5_000) return false;
    refreshing ??= (async () => {
      try {
        const res = await fetch(`${baseUrl}/api/login/refresh`, { headers: { Authorization: `Bearer ${tokens!.refresh}` } });
        if (!res.ok) return false;
        const body = (await res.json()) as { access_token?: string };
        if (!body.access_token || !tokens) return false;
        tokens = { ...tokens, access: body.access_token, accessExpMs: jwtExpMs(body.access_token) };
        return true;
      } catch {
        return false;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  async function authHeader(): Promise<Record<string, string>> {
    if (!tokens) return {};
    if (Date.now() >= tokens.accessExpMs - 30_000) await refresh();
    return tokens ? { Authorization: `Bearer ${tokens.access}` } : {};
  }

  /** fetch with the bearer token; one refresh-and-retry on 401. */
  async function authedFetch(url: string, init: RequestInit): Promise<Response> {
    const go = async (): Promise<Response> => fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), ...(await authHeader()) } });
    let res = await go();
    if (res.status === 401 && tokens && (await refresh())) res = await go();
    if (res.status === 401) {
      tokens = null;
      setAuth('required');
    } else if (authState === 'unknown') {
      setAuth('not-required');
    }
    return res;
  }

  /** `POST /api/ui/invoke/:channel`; throws on HTTP errors (401: unauthorized). */
  async function invokeResponse(channel: InvokeChannel, args: unknown[]): Promise<Response> {
    const res = await authedFetch(`${baseUrl}/api/ui/invoke/${encodeURIComponent(channel)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(args),
    });
    if (res.status === 401) throw new ApiError('unauthorized', 'Login required');
    if (!res.ok) throw new ApiError(`http-${res.status}`, `${channel}: HTTP ${res.status}`);
    return res;
  }

  const api: HttpApi = {
    async invoke<C extends InvokeChannel>(channel: C, ...args: InvokeMap[C]['args']): Promise<InvokeMap[C]['result']> {
      const res = await invokeResponse(channel, args);
      const result = (await res.json()) as IpcResult<InvokeMap[C]['result']>;
      if (!result.ok) throw new ApiError(result.error.code, result.error.message);
      return result.value;
    },
    async invokeBytes(channel, ...args) {
      return (await invokeResponse(channel, args)).arrayBuffer();
    },
    async fetchCsv(request, onBytes) {
      const res = await authedFetch(exportUrl(request, baseUrl), { headers: { Accept: 'text/csv' } });
      if (res.status === 401) throw new ApiError('unauthorized', 'Login required');
      if (!res.ok || !res.body) throw new ApiError(`http-${res.status}`, `export: HTTP ${res.status}`);
      const fileName = fileNameFrom(res.headers.get('Content-Disposition'), `core-${request.kind}.csv`);
      const reader = res.body.getReader();
      const parts: Uint8Array<ArrayBuffer>[] = [];
      let bytes = 0;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parts.push(value as Uint8Array<ArrayBuffer>);
        bytes += value.byteLength;
        onBytes?.(bytes);
      }
      return { blob: new Blob(parts, { type: 'text/csv;charset=utf-8' }), fileName, bytes };
    },
    send() {
      // Sends exist for Electron's push queue (`app:ready`); the event stream needs no such handshake.
    },
    on<C extends PushChannel>(channel: C, callback: (payload: PushWire<C>) => void): () => void {
      return listen(channel, callback as (p: unknown) => void);
    },
    readEventsWith(make) {
      const io: EventStreamIo = {
        url: new URL(eventsUrl, (globalThis as { location?: { href: string } }).location?.href).href,
        headers: authHeader,
        async unauthorized(retried) {
          if (!retried && tokens && (await refresh())) return authHeader();
          tokens = null;
          setAuth('required');
          return null;
        },
        dispatch,
      };
      const elsewhere = make(io);
      stream.stop();
      stream = elsewhere;
      if (streaming()) stream.start();
      return () => {
        if (stream !== elsewhere) return;
        elsewhere.stop();
        stream = local;
        if (streaming()) stream.start();
      };
    },
    auth: {
      state: () => authState,
      async login(username, password) {
        const res = await fetch(`${baseUrl}/api/login`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ username, password }),
        });
        if (!res.ok) {
          throw new ApiError(res.status === 401 ? 'bad-credentials' : `http-${res.status}`, res.status === 401 ? 'Wrong username or password' : `Login failed (HTTP ${res.status})`);
        }
        const body = (await res.json()) as { access_token?: string; refresh_token?: string };
        if (!body.access_token) throw new ApiError('bad-login-response', 'The server sent no access token');
        tokens = {
          access: body.access_token,
          refresh: body.refresh_token ?? null,
          accessExpMs: jwtExpMs(body.access_token),
          refreshExpMs: body.refresh_token ? jwtExpMs(body.refresh_token) : 0,
        };
        setAuth('logged-in');
        stream.kick();
      },
      logout() {
        tokens = null;
        setAuth('required');
        stream.kick();
      },
      onChange(callback) {
        authListeners.add(callback);
        return () => authListeners.delete(callback);
      },
    },
  };

  const listeners = new Map<string, Set<(p: unknown) => void>>();
  /** Adds a listener; the event stream runs while any listener is left. */
  const listen = (channel: string, cb: (p: unknown) => void): (() => void) => {
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(cb);
    stream.start();
    return () => {
      set.delete(cb);
      if (!streaming()) stream.stop();
    };
  };
  const known = new Set<string>(PUSH_CHANNELS);
  const text = new TextDecoder();
  const dispatch = (event: string, data: Uint8Array<ArrayBuffer>): void => {
    if (!known.has(event)) return;
    const parsedFor = listeners.get(event);
    if (!parsedFor || parsedFor.size === 0) return;
    let payload: unknown;
    try {
      payload = JSON.parse(text.decode(data));
    } catch {
      return;
    }
    for (const cb of [...parsedFor]) cb(payload);
  };

  /** The page's own reader of the event stream (reconnects with back-off; waits for a login after a 401). */
  const eventsUrl = `${baseUrl}/api/ui/events`;
  const local = eventStream({
    open: (signal) => authedFetch(eventsUrl, { headers: { Accept: 'text/event-stream' }, signal }),
    onEvent: dispatch,
  });
  let stream: EventStream = local;
  const streaming = (): boolean => [...listeners.values()].some((s) => s.size > 0);
  return api;
}
