/**
 * The one HTTP listener (API, memfs, UI share it, as in Core): longest-prefix mount routing, a middleware chain
 * around every request, Core's error shape for 404/500 and for malformed requests, and bounded server limits.
 * A failing handler answers 500 and logs; nothing a client sends can crash the process.
 */
import http from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { errorJson, statusText } from './http.ts';
import type { Logger } from '../log.ts';
import type { HttpMiddleware, HttpMount } from './types.ts';
import { clientKey, ConnectionsPerClient } from './client-limits.ts';

export interface HttpServerOptions {
  mounts: HttpMount[];
  middleware?: HttpMiddleware[];
  log: Logger;
  /** Longest accepted request target (path + query) in bytes; longer gets 414. Default 64 KiB. */
  maxUrlBytes?: number;
  /** Node's limit for the request head (request line + headers). Default 96 KiB, so a 64 KiB URL still fits. */
  maxHeaderSize?: number;
  /** Time allowed to receive the whole request. Default 60 s. */
  requestTimeoutMs?: number;
  /** Time allowed to receive the request head. Default 20 s. */
  headersTimeoutMs?: number;
  /** Open connections one client (IPv4 address or IPv6 /64) may hold; more are closed at once. 0 = no bound (default). */
  maxConnectionsPerClient?: number;
}

const DEFAULT_MAX_URL_BYTES = 64 * 1024;
const JSON_TYPE = 'application/json; charset=UTF-8';

/** Core's error body `{"code","message","details"}` with Go's status text as message, plus "\n". */
export function errorBody(status: number, details?: string[], message?: string): string {
  return errorJson(status, details, message) + '\n';
}

/** Sends an error in Core's shape unless a response is already under way. */
export function sendError(res: ServerResponse, status: number, details?: string[], message?: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(status, details, message);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

/** Path part of a request target (origin form or absolute form), without the query. Null when unusable. */
export function requestPath(url: string | undefined): string | null {
  if (!url) return null;
  let target = url;
  if (target[0] !== '/') {
    // absolute form: scheme://authority/path
    const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(target);
    if (!m) return null;
    target = target.slice(m[0].length) || '/';
    if (target[0] !== '/') target = '/' + target;
  }
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

/** Whether the client waits for `100 Continue` before sending the body. */
export function expectsContinue(req: IncomingMessage): boolean {
  const e = req.headers.expect;
  return typeof e === 'string' && e.trim().toLowerCase() === '100-continue';
}

const continued = new WeakSet<ServerResponse>();

/** Sends `100 Continue` once when the client waits for it (a second call, or none expected, does nothing). */
export function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  if (!expectsContinue(req) || continued.has(res) || res.headersSent) return;
  continued.add(res);
  res.writeContinue();
}

const BAD_PERCENT = /%(?![0-9a-fA-F]{2})/;

/** Finds the mount with the longest prefix that matches at a path-segment boundary. */
export function matchMount(mounts: readonly HttpMount[], path: string): HttpMount | undefined {
  let best: HttpMount | undefined;
  for (const m of mounts) {
    const p = m.prefix;
    const ok =
      p === '/' || p === '' || path === p || (p.endsWith('/') ? path.startsWith(p) : path.startsWith(p + '/'));
    if (ok && (!best || p.length > best.prefix.length)) best = m;
  }
  return best;
}

export function createHttpServer(options: HttpServerOptions): Server {
  const { log } = options;
  const mounts = [...options.mounts];
  const middleware = [...(options.middleware ?? [])];
  const maxUrlBytes = options.maxUrlBytes ?? DEFAULT_MAX_URL_BYTES;

  const fail = (req: IncomingMessage, res: ServerResponse, err: unknown): void => {
    log.error('request handler failed', {
      method: req.method,
      path: requestPath(req.url)?.slice(0, 200),
      error: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    sendError(res, 500);
  };

  const dispatch = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '';
    if (Buffer.byteLength(url) > maxUrlBytes) {
      sendError(res, 414, ['Request-URI too long']);
      return;
    }
    const path = requestPath(url);
    if (path === null || BAD_PERCENT.test(path)) {
      sendError(res, 400, ['Malformed request target']);
      return;
    }
    const mount = matchMount(mounts, path);
    if (!mount) {
      sendError(res, 404);
      return;
    }
    // `Expect: 100-continue` (see 'checkContinue' below): the guards have passed; a mount that checks credentials
    // first sends the 100 itself, so a client such as ffmpeg gets the 401 challenge before it sends the body.
    if (!mount.sendsContinue) sendContinue(req, res);
    await mount.handler(req, res);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let i = 0;
    const next = async (): Promise<void> => {
      const mw = middleware[i++];
      if (mw) await mw(req, res, next);
      else await dispatch(req, res);
    };
    await next();
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    try {
      handle(req, res).catch((err: unknown) => fail(req, res, err));
    } catch (err) {
      fail(req, res, err);
    }
  };
  const server = http.createServer(
    {
      maxHeaderSize: options.maxHeaderSize ?? 96 * 1024,
      requestTimeout: options.requestTimeoutMs ?? 60_000,
      headersTimeout: options.headersTimeoutMs ?? 20_000,
    },
    onRequest,
  );
  // With a listener here Node no longer answers `100 Continue` on its own: the middleware (Host/Origin guards) and
  // the mount decide first (see dispatch).
  server.on('checkContinue', onRequest);

  // Security guard: one client cannot hold every connection the process can take.
  const perClient = new ConnectionsPerClient(options.maxConnectionsPerClient ?? 0);
  server.on('connection', (socket: Socket) => {
    const key = clientKey(socket.remoteAddress);
    if (!perClient.tryOpen(key)) {
      // The first refusal and every 100th after it: a flood cannot fill the log.
      if (perClient.refused % 100 === 1) {
        log.warn('http connection refused: too many connections from one client (--max-conns-per-ip)', { client: key, max: perClient.maxPerClient, refusedSoFar: perClient.refused });
      }
      socket.destroy();
      return;
    }
    socket.once('close', () => perClient.close(key));
  });

  // Headers beyond this count are dropped (not rejected) by Node; bounds the work per request.
  server.maxHeadersCount = 256;

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    const code = err.code ?? '';
    if (code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    let status = 400;
    if (code === 'HPE_HEADER_OVERFLOW') status = 431;
    else if (code === 'ERR_HTTP_REQUEST_TIMEOUT' || code === 'HPE_HEADERS_TIMEOUT') status = 408;
    else if (code === 'HPE_URI_TOO_LONG') status = 414;
    log.debug('rejected malformed request', { code, status });
    const body = errorBody(status);
    socket.end(
      `HTTP/1.1 ${status} ${statusText(status)}\r\nContent-Type: ${JSON_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });

  return server;
}

/** Binds the server; resolves to the bound address. A taken port rejects with code EADDRINUSE and the address. */
export function listen(server: Server, host: string, port: number): Promise<{ host: string; port: number }> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      const message =
        err.code === 'EADDRINUSE'
          ? `address already in use: ${where} (another program is listening there; choose another port)`
          : err.code === 'EACCES'
            ? `permission denied to listen on ${where}`
            : err.code === 'EADDRNOTAVAIL'
              ? `address not available on this machine: ${where}`
              : `cannot listen on ${where}: ${err.message}`;
      const wrapped = Object.assign(new Error(message, { cause: err }), { code: err.code });
      reject(wrapped);
    };
    const onListening = (): void => {
      server.off('error', onError);
      const addr = server.address();
      if (addr && typeof addr === 'object') resolve({ host: addr.address, port: addr.port });
      else resolve({ host, port });
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}
