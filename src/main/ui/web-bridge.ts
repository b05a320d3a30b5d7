import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { INVOKE_CHANNELS, type AppSettings, type InvokeChannel, type IpcResult } from '../../shared/ipc.ts';
import { BodyTooLargeError, readBody, sendJson } from '../http/http.ts';
import type { HttpMount } from '../http/types.ts';
import { toIpcError } from './app-control.ts';
import { UI_CSP } from './csp.ts';
import { checkPageInvoke, settingsForPage, type ResolveHost } from './page-guards.ts';
import type { UiPush, UiService } from './service.ts';

/**
 * Headless mode serves the same page as the Electron window and lets it speak the same IPC contract over HTTP:
 *
 * - `GET /ui/...`          the renderer build (static files, CSP header = the page's meta tag, no listing);
 * - `GET /`                redirects to `/ui/` (as Core does for its UI);
 * - `POST /api/ui/invoke/:channel`  body: JSON array of arguments → `IpcResult` JSON (only `INVOKE_CHANNELS`);
 * - `GET /api/ui/events`   server-sent events, one `event: <push channel>` per push, `: ping` heartbeats.
 *
 * Auth: when `auth` is given (API auth on), the two `/api/ui/` endpoints require it; the static page does not (it
 * must load to show its login form). The page logs in with the API's `POST /api/login` and sends the access token
 * as `Authorization: Bearer` on every call, **including the event stream**: the page reads SSE with fetch streaming
 * rather than EventSource, so no token ever travels in a URL (URLs end up in logs and history). The stream is
 * plain SSE, so `EventSource` also works when auth is off.
 */
export interface WebBridgeOptions {
  service: UiService;
  /** The renderer build directory, e.g. `out/renderer` (resolved against the working directory). */
  staticDir: string;
  /** Same check as the API's (JWT bearer); absent when auth is off. */
  auth?: (req: IncomingMessage) => boolean | Promise<boolean>;
  /** Heartbeat interval of the event stream; default 15 s. */
  heartbeatMs?: number;
  /** A slow event-stream client with more than this many bytes queued skips pushes until it drains; default 8 MiB. */
  maxBufferedBytes?: number;
  /** Host name resolution for the remote-Core address guard (tests); default the system resolver. */
  resolveHost?: ResolveHost;
}

const UI_PREFIX = '/ui';
const API_PREFIX = '/api/ui';
const MAX_BODY_BYTES = 1024 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

/** Headers on everything the bridge answers. */
function securityHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

/** A JSON reply of the bridge (IPC results and errors): never cached, with the bridge's security headers. */
function reply(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  securityHeaders(res);
  void sendJson(req, res, status, JSON.stringify(body), { headers: { 'Cache-Control': 'no-store' } });
}

function replyError(req: IncomingMessage, res: ServerResponse, status: number, code: string, message: string): void {
  reply(req, res, status, { code: status, message, details: [code] });
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function createWebBridge(options: WebBridgeOptions): HttpMount[] {
  const { service } = options;
  const root = resolve(options.staticDir);
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  const invokeChannels = new Set<string>(INVOKE_CHANNELS);

  async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return replyError(req, res, 405, 'method', 'Method Not Allowed');
    }
    const path = pathOf(req);
    if (path === UI_PREFIX) return redirect(res, '/ui/');
    if (!path.startsWith(UI_PREFIX + '/')) return replyError(req, res, 404, 'not-found', 'Not Found');
    let rel: string;
    try {
      rel = decodeURIComponent(path.slice(UI_PREFIX.length));
    } catch {
      return replyError(req, res, 400, 'path', 'Bad Request');
    }
    // Path-traversal guard: no NUL, no backslashes, no `..` segment, and the resolved file must stay inside root.
    if (rel.includes('\0') || rel.includes('\\') || rel.split('/').some((seg) => seg === '..')) {
      return replyError(req, res, 404, 'not-found', 'Not Found');
    }
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = resolve(root, '.' + rel);
    if (!file.startsWith(root + sep)) return replyError(req, res, 404, 'not-found', 'Not Found');
    let size: number;
    try {
      const st = await stat(file);
      // Directories are never listed nor redirected: only regular files are served.
      if (!st.isFile()) return replyError(req, res, 404, 'not-found', 'Not Found');
      size = st.size;
    } catch {
      return replyError(req, res, 404, 'not-found', 'Not Found');
    }
    securityHeaders(res);
    const ext = extname(file).toLowerCase();
    res.setHeader('Content-Type', CONTENT_TYPES[ext] ?? 'application/octet-stream');
    res.setHeader('Content-Length', size);
    // Vite's assets carry a content hash in their names; the page itself must always be fresh.
    res.setHeader('Cache-Control', rel.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (ext === '.html') res.setHeader('Content-Security-Policy', UI_CSP);
    res.writeHead(200);
    if (req.method === 'HEAD') return void res.end();
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.on('error', () => {
        res.destroy();
        done();
      });
      stream.on('end', () => done());
      stream.pipe(res);
    });
  }

  function redirect(res: ServerResponse, location: string): void {
    securityHeaders(res);
    res.writeHead(302, { Location: location, 'Content-Length': 0 });
    res.end();
  }

  /** Every page proved the API login (auth on); with auth off every page is anonymous (page-guards.ts). */
  const authenticated = options.auth !== undefined;

  async function authorized(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (!options.auth) return true;
    let ok: boolean;
    try {
      ok = await options.auth(req);
    } catch {
      ok = false;
    }
    if (!ok) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      replyError(req, res, 401, 'unauthorized', 'Unauthorized');
    }
    return ok;
  }

  async function invoke(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return replyError(req, res, 405, 'method', 'Method Not Allowed');
    }
    if (!invokeChannels.has(channel)) return replyError(req, res, 404, 'unknown-channel', 'Not Found');
    // CSRF guard: a cross-site form cannot send application/json without a CORS preflight, which we never grant.
    if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
      return replyError(req, res, 415, 'content-type', 'Unsupported Media Type');
    }
    if (!(await authorized(req, res))) return;
    let body: string;
    try {
      body = (await readBody(req, MAX_BODY_BYTES)).toString('utf8');
    } catch (err) {
      if (err instanceof BodyTooLargeError) return replyError(req, res, 413, 'too-large', 'Payload Too Large');
      throw err;
    }
    let args: unknown;
    try {
      args = body === '' ? [] : JSON.parse(body);
    } catch {
      return reply(req, res, 200, { ok: false, error: { code: 'bad-args', message: 'the body is not JSON' } } satisfies IpcResult<never>);
    }
    if (!Array.isArray(args)) {
      return reply(req, res, 200, { ok: false, error: { code: 'bad-args', message: 'the body must be a JSON array of arguments' } } satisfies IpcResult<never>);
    }
    // Security guards for calls from a web page (exposure-widening settings with auth off, SSRF to metadata).
    try {
      await checkPageInvoke(channel, args, {
        authenticated,
        currentSettings: () => service.handlers['settings:get'](),
        resolve: options.resolveHost,
      });
    } catch (error) {
      return reply(req, res, 200, { ok: false, error: toIpcError(error) } satisfies IpcResult<never>);
    }
    // Shell-only channels (e.g. a save dialog) may have no handler outside Electron.
    const handler = service.handlers[channel as InvokeChannel] as ((...a: unknown[]) => Promise<unknown>) | undefined;
    let result: IpcResult<unknown>;
    try {
      if (!handler) throw Object.assign(new Error(`${channel} is not available in this mode`), { code: 'unsupported' });
      const value = await handler(...args);
      // The settings say what this page may do with them (an anonymous page: which secrets it may not remove).
      result = { ok: true, value: channel === 'settings:get' || channel === 'settings:update' ? settingsForPage(value as AppSettings, authenticated) : value };
    } catch (error) {
      result = { ok: false, error: toIpcError(error) };
    }
    // `undefined` (a void result) does not survive JSON as a field; null stands in for it.
    reply(req, res, 200, result.ok ? { ok: true, value: result.value ?? null } : result);
  }

  /**
   * The push being sent and its event text: every open event stream sends the same text (one JSON.stringify per push).
   * The service hands a push to every stream in one synchronous loop, so both are let go in the microtask after it:
   * kept until the next push, a big push (and its text) would live a second and be promoted, only to die then.
   */
  let lastPush: UiPush | undefined;
  let lastEvent = '';
  const forgetPush = (): void => {
    lastPush = undefined;
    lastEvent = '';
  };
  const eventText = (push: UiPush): string => {
    if (push !== lastPush) {
      if (lastPush === undefined) queueMicrotask(forgetPush);
      lastPush = push;
      const payload = push.channel === 'settings:changed' ? settingsForPage(push.payload, authenticated) : push.payload;
      lastEvent = `event: ${push.channel}\ndata: ${JSON.stringify(payload)}\n\n`;
    }
    return lastEvent;
  };

  async function events(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      return replyError(req, res, 405, 'method', 'Method Not Allowed');
    }
    if (!(await authorized(req, res))) return;
    securityHeaders(res);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    let closed = false;
    const write = (push: UiPush): void => {
      if (closed) return;
      // Back-pressure: a client that cannot keep up skips pushes; the page sees the gap in `seq` and fetches the
      // whole state again (src/shared/sessions-wire.ts).
      if (res.writableLength > maxBuffered) return;
      res.write(eventText(push));
    };
    const off = service.onPush(write);
    const heartbeat = setInterval(() => {
      if (!closed) res.write(': ping\n\n');
    }, heartbeatMs);
    heartbeat.unref?.();
    const cleanup = (): void => {
      if (closed) return;
      closed = true;
      off();
      clearInterval(heartbeat);
    };
    req.on('close', cleanup);
    res.on('close', cleanup);
    res.on('error', cleanup);
  }

  async function api(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req);
    if (path === `${API_PREFIX}/events`) return events(req, res);
    const invokePrefix = `${API_PREFIX}/invoke/`;
    if (path.startsWith(invokePrefix)) {
      let channel: string;
      try {
        channel = decodeURIComponent(path.slice(invokePrefix.length));
      } catch {
        return replyError(req, res, 400, 'path', 'Bad Request');
      }
      return invoke(req, res, channel);
    }
    return replyError(req, res, 404, 'not-found', 'Not Found');
  }

  function rootRedirect(req: IncomingMessage, res: ServerResponse): void {
    if (pathOf(req) === '/') return redirect(res, '/ui/');
    replyError(req, res, 404, 'not-found', 'Not Found');
  }

  return [
    { prefix: UI_PREFIX, handler: serveStatic },
    { prefix: API_PREFIX, handler: api },
    { prefix: '/', handler: rootRedirect },
  ];
}
