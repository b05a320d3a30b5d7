/**
 * The file mounts of the one HTTP listener: the in-memory filesystem under `/memfs` (read/write) and, optionally,
 * a folder on disk under `/disk` (read-only; Core serves its disk filesystem at `/`, which here belongs to the
 * headless UI). The HLS middleware (spec §1.5) runs on both. `GET /api/v3/fs/mem` lists the memfs.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat, open } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionCollector } from '../../engine/types.ts';
import type { Logger } from '../../log.ts';
import type { HttpHandler, HttpMount } from '../../http/types.ts';
import { expectsContinue, sendContinue, sendError } from '../../http/server.ts';
import { throttledWarn } from '../../http/throttled-warn.ts';
import { sameSecret } from '../../http/secret.ts';
import { clientKey, FailureBudget } from '../../http/client-limits.ts';
import { HlsTracker, isPlaylistName, isSegmentName, queryParam, rewritePlaylist, STATUS_509_MESSAGE } from './hls.ts';
import { MemfsError, type Memfs } from './memfs.ts';
import { meterResponse, requestHeaderSize } from './meter.ts';
import { headerUtf8, realIp, remotePeer } from '../../http/net-util.ts';
import { CidrList } from '../../../shared/cidr.ts';
import { contentTypeFor, parseMountPath, type ParsedPath } from './paths.ts';

export interface MemfsMountOptions {
  memfs: Memfs;
  /** Default `/memfs`. */
  prefix?: string;
  collectors: { hls: SessionCollector; hlsingress: SessionCollector };
  /** Basic auth for PUT/POST/DELETE (`--memfs-auth USER:PASS`); reads stay public, as in Core. */
  auth?: { username: string; password: string };
  /** CIDRs whose X-Forwarded-For / X-Real-IP are believed (`--trusted-proxies`). Throws on an invalid entry. */
  trustedProxies?: string[];
  log: Logger;
  /** A folder served read-only (with the HLS middleware) under `diskPrefix`. */
  diskRoot?: string;
  /** Default `/disk`. */
  diskPrefix?: string;
  /** Largest playlist upload in bytes (a playlist that never ends is cut off with 413). Default 1 MiB. */
  maxPlaylistBytes?: number;
  /** An upload that sends nothing for this long is discarded (408). Default 10 s. */
  uploadIdleTimeoutMs?: number;
  /** Bytes of unfinished uploads held at once; more gets 503. Default 64 MiB; never below the largest file allowed. */
  maxInflightBytes?: number;
  /** Largest playlist rewritten on read; larger ones are served as they are, untracked. Default 4 MiB. */
  maxRewriteBytes?: number;
  /** Live HLS sessions one client may open (`--max-sessions-per-ip`); 0 = no bound (default). Ignored with `tracker`. */
  maxSessionsPerClient?: number;
  /** For tests: the tracker to use (else one is created). */
  tracker?: HlsTracker;
  /** Wrong-password budget per client for writes (default: 10 at once, then 1 per second); over it answers 429. */
  authBudget?: FailureBudget;
}

/** The default wrong-password budget of memfs writes: 10 at once, then one per second per client. */
export const MEMFS_AUTH_BUDGET = { burst: 10, refillPerSec: 1 } as const;

/** What a mount can read: whole files (memfs) or a folder (disk). */
interface SourceFile {
  size: number;
  lastModified: number;
  contentType: string;
  /** Whole content (playlists). */
  readAll(): Promise<Buffer>;
  /** Sends bytes [start, end] inclusive. */
  pipe(res: ServerResponse, start: number, end: number): void;
}
/** A mount's files by name (memfs or a disk folder); names come from parseMountPath. */
export interface FileSource {
  open(name: string): Promise<SourceFile | null> | SourceFile | null;
}

const ALLOW_RW = 'GET, HEAD, PUT, POST, DELETE';
const ALLOW_RO = 'GET, HEAD';

export function memfsSource(memfs: Memfs): FileSource {
  return {
    open(name) {
      const f = memfs.get(name);
      if (!f) return null;
      return {
        size: f.size,
        lastModified: f.lastModified,
        contentType: f.contentType,
        readAll: async () => f.data,
        pipe(res, start, end) {
          res.end(start === 0 && end === f.size - 1 ? f.data : f.data.subarray(start, end + 1));
        },
      };
    },
  };
}

/** Read-only folder. Security guard: names come from parseMountPath (no `..`), and symlinks leaving the root are refused. */
export function diskSource(root: string, log: Logger): FileSource {
  let realRoot: Promise<string> | null = null;
  return {
    async open(name) {
      realRoot ??= realpath(root);
      let base: string;
      try {
        base = await realRoot;
      } catch {
        realRoot = null;
        log.warn('disk mount root is not readable', { root });
        return null;
      }
      let full: string;
      try {
        full = await realpath(join(base, ...name.split('/')));
      } catch {
        return null;
      }
      if (full !== base && !full.startsWith(base.endsWith(sep) ? base : base + sep)) return null;
      let st;
      try {
        st = await stat(full);
      } catch {
        return null;
      }
      if (!st.isFile()) return null;
      const size = st.size;
      return {
        size,
        lastModified: st.mtimeMs,
        contentType: contentTypeFor(name),
        async readAll() {
          const fh = await open(full, 'r');
          try {
            return await fh.readFile();
          } finally {
            await fh.close();
          }
        },
        pipe(res, start, end) {
          if (size === 0 || end < start) {
            res.end();
            return;
          }
          const stream = createReadStream(full, { start, end });
          stream.on('error', () => res.destroy());
          res.on('close', () => stream.destroy());
          stream.pipe(res);
        },
      };
    },
  };
}

/** Parses a single `bytes=` range; null = serve everything (absent, multi-range or not bytes), 'bad' = 416. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'bad' | null {
  if (!header) return null;
  const m = /^bytes=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!m) return header.startsWith('bytes=') && !header.includes(',') ? 'bad' : null;
  const [, a, b] = m;
  if (a === '' && b === '') return 'bad';
  let start: number;
  let end: number;
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'bad';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
    if (b !== '' && Number(b) < start) return 'bad';
  }
  if (start >= size || !Number.isSafeInteger(start)) return 'bad';
  return { start, end };
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: SourceFile, isHead: boolean): void {
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Last-Modified', httpDate(file.lastModified));
  const ims = req.headers['if-modified-since'];
  if (ims && !req.headers.range) {
    const since = Date.parse(ims);
    if (!Number.isNaN(since) && Math.floor(file.lastModified / 1000) * 1000 <= since) {
      res.statusCode = 304;
      res.end();
      return;
    }
  }
  const range = parseRange(req.headers.range, file.size);
  if (range === 'bad') {
    res.setHeader('Content-Range', `bytes */${file.size}`);
    sendError(res, 416);
    return;
  }
  const start = range ? range.start : 0;
  const end = range ? range.end : file.size - 1;
  if (range) {
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${file.size}`);
  } else {
    res.statusCode = 200;
  }
  res.setHeader('Content-Length', Math.max(0, end - start + 1));
  if (isHead) {
    res.end();
    return;
  }
  file.pipe(res, start, end);
}

/** Makes the server close the connection after this response (used when a request body is left unread). */
function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
  res.shouldKeepAlive = false;
}

/** Basic auth check for writes. Security guard: constant-time comparison (sameSecret), both fields always checked. */
function authorized(req: IncomingMessage, auth: { username: string; password: string } | undefined): boolean {
  if (!auth) return true;
  const h = req.headers.authorization ?? '';
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h);
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = sameSecret(decoded.slice(0, colon), auth.username);
  const passOk = sameSecret(decoded.slice(colon + 1), auth.password);
  return userOk && passOk;
}

interface MountContext {
  prefix: string;
  source: FileSource;
  writable: Memfs | null;
  tracker: HlsTracker;
  trusted: CidrList;
  auth?: { username: string; password: string };
  log: Logger;
  maxPlaylistBytes: number;
  idleMs: number;
  maxRewriteBytes: number;
  inflight: { bytes: number; max: number };
  authBudget: FailureBudget;
  /** Refused uploads at WARN, throttled per reason. */
  warnRefused: (reason: string, fields: Record<string, unknown>) => void;
  /** When each client last wrote with valid credentials: its next credential-less try is a challenge round, not news. */
  lastAuthorizedMs: Map<string, number>;
}

async function handleRead(req: IncomingMessage, res: ServerResponse, p: ParsedPath & { ok: true }, ctx: MountContext): Promise<void> {
  const isHead = req.method === 'HEAD';
  const isPl = isPlaylistName(p.name);
  const isSeg = !isPl && isSegmentName(p.name);
  let track = false;
  let sessionId = '';
  let clientIp = '';
  if (isPl || isSeg) {
    clientIp = realIp(req, ctx.trusted);
    track = ctx.tracker.hls.isCollectableIp(clientIp);
    if (track) sessionId = queryParam(p.query, 'session');
  }
  const file = await ctx.source.open(p.name);
  if (!file) {
    // Core's filesystem handler: `api.Err(404, "File not found", path)`.
    sendError(res, 404, [p.name], 'File not found');
    return;
  }
  if (!track) {
    sendFile(req, res, file, isHead);
    return;
  }
  if (isPl) {
    const adm = ctx.tracker.admitPlaylist(req, p.path, sessionId, clientIp);
    if (!adm.ok) {
      if (isHead) {
        res.statusCode = adm.status;
        res.end();
      } else sendError(res, adm.status, adm.details, adm.message);
      return;
    }
  }
  const meter = meterResponse(res, isHead);
  res.once('close', () => {
    if (res.statusCode >= 200 && res.statusCode < 300) {
      ctx.tracker.countEgress(sessionId, meter.headerBytes(), meter.bodyBytes, isSeg);
    }
  });
  if (isSeg || file.size > ctx.maxRewriteBytes) {
    sendFile(req, res, file, isHead);
    return;
  }
  // Playlist: rewritten whole, so Range and conditional requests do not apply (Core drops Range here too).
  const original = await file.readAll();
  const body = Buffer.from(rewritePlaylist(original.toString('utf8'), sessionId, p.path, p.query), 'utf8');
  res.statusCode = 200;
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Last-Modified', httpDate(file.lastModified));
  res.setHeader('Cache-Control', 'private');
  res.setHeader('Content-Length', body.length);
  if (isHead) res.end();
  else res.end(body);
}

function handleWrite(req: IncomingMessage, res: ServerResponse, p: ParsedPath & { ok: true }, ctx: MountContext, memfs: Memfs): Promise<void> {
  const isPl = isPlaylistName(p.name);
  const isSeg = !isPl && isSegmentName(p.name);
  const fileCap = memfs.maxBytes > 0 ? Math.min(memfs.maxBytes, memfs.maxFileBytes) : memfs.maxFileBytes;
  const cap = isPl ? Math.min(ctx.maxPlaylistBytes, fileCap) : fileCap;
  const lenHeader = req.headers['content-length'];
  if (lenHeader !== undefined) {
    if (!/^\d+$/.test(lenHeader)) {
      closeAfter(res);
      sendError(res, 400, ['Invalid Content-Length']);
      return Promise.resolve();
    }
    const len = Number(lenHeader);
    if (len > cap) {
      ctx.warnRefused('memfs upload refused: file too big', { path: p.path.slice(0, 200), bytes: len, limit: cap });
      closeAfter(res);
      sendError(res, 413, [`File is too big (limit ${cap} bytes)`]);
      return Promise.resolve();
    }
    if (ctx.inflight.bytes + len > ctx.inflight.max) {
      ctx.warnRefused('memfs upload refused: too many uploads in progress', { path: p.path.slice(0, 200), limit: ctx.inflight.max });
      closeAfter(res);
      res.setHeader('Retry-After', '1');
      sendError(res, 503, ['Too many uploads in progress']);
      return Promise.resolve();
    }
  }
  // A playlist that would open an upload session beyond the client's bound (--max-sessions-per-ip): 509, as a read.
  const uploaderIp = isPl ? realIp(req, ctx.trusted) : '';
  if (isPl && !ctx.tracker.admitUpload(p.path, uploaderIp)) {
    closeAfter(res);
    sendError(res, 509, ['Number of sessions from this client exceeded'], STATUS_509_MESSAGE);
    return Promise.resolve();
  }
  // Authorized and within the limits: now the client may send the body.
  sendContinue(req, res);
  return new Promise<void>((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ctx.inflight.bytes -= received;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onError);
      resolve();
    };
    // The upload is discarded unless it ends completely: the old file (if any) stays untouched.
    const reject = (status: number, detail: string): void => {
      if (done) return;
      ctx.warnRefused(`memfs upload refused: ${detail}`, { path: p.path.slice(0, 200), received });
      finish();
      chunks.length = 0;
      // Keep draining silently until the connection closes, so the response can be read by the client.
      req.on('data', () => {});
      req.on('error', () => {});
      closeAfter(res);
      if (!res.writableEnded && !res.destroyed) sendError(res, status, [detail]);
    };
    const timer = setTimeout(() => {
      ctx.log.debug('upload stalled; discarded', { path: p.path.slice(0, 200), received });
      reject(408, 'Upload stalled');
      setTimeout(() => req.destroy(), 1000).unref();
    }, ctx.idleMs);
    timer.unref();
    const onData = (chunk: Buffer): void => {
      if (done) return;
      received += chunk.length;
      ctx.inflight.bytes += chunk.length;
      if (received > cap) {
        reject(413, `File is too big (limit ${cap} bytes)`);
        return;
      }
      if (ctx.inflight.bytes > ctx.inflight.max) {
        res.setHeader('Retry-After', '1');
        reject(503, 'Too many uploads in progress');
        return;
      }
      chunks.push(chunk);
      timer.refresh();
    };
    const onEnd = (): void => {
      if (done) return;
      const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
      finish();
      let result;
      try {
        result = memfs.put(p.name, data);
      } catch (err) {
        // Never throw from a stream event: that would take the process down.
        if (err instanceof MemfsError) sendError(res, err.status, [err.message]);
        else {
          ctx.log.error('memfs write failed', { path: p.path.slice(0, 200), error: String(err) });
          sendError(res, 500);
        }
        return;
      }
      // As Core's PutFile: Content-Location, 201 with an empty text body, or 204 for a replaced file.
      res.setHeader('Content-Location', req.url ?? p.path);
      res.statusCode = result.replaced ? 204 : 201;
      if (!result.replaced) res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
      res.end();
      const headerBytes = requestHeaderSize(req);
      // Core remembers a segment upload only when its body is not empty (`if r.size != 0`).
      if (isSeg && data.length > 0) ctx.tracker.segmentUploaded(p.path, headerBytes + data.length);
      else if (isPl) {
        const ua = headerUtf8(req, 'user-agent');
        ctx.tracker.playlistUploaded(p.path, headerBytes, data, ua, remotePeer(req.socket), uploaderIp);
      }
    };
    const onClose = (): void => {
      if (!done && !req.complete) {
        ctx.log.debug('upload aborted; discarded', { path: p.path.slice(0, 200), received });
        finish();
      }
    };
    const onError = (): void => {
      finish();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
    req.on('error', onError);
  });
}

/**
 * Security guard: files under /memfs and /disk are uploaded by publishers (anyone, when memfs auth is off) yet share
 * the dashboard's origin. `sandbox` makes a document served from here run on an opaque origin with scripts, forms
 * and popups off, so an uploaded `.html`/`.svg` page can neither read the dashboard's storage nor call the API with
 * the user's token; `nosniff` stops a browser from guessing an active type for a file served as something else.
 * Neither header affects how a player fetches playlists and segments (hls.js, Safari, ffmpeg).
 */
export function setFileSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', 'sandbox');
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

/**
 * Basic auth of a write, with the per-client budget of wrong passwords (security guard against guessing: without it
 * 3400 guesses/s were possible). Answers 401 with the challenge (before `100 Continue`, so ffmpeg retries with the
 * credentials of its URL) or 429, logs the refusal at WARN, and returns false; true when the write may go on.
 */
function checkWriteAuth(req: IncomingMessage, res: ServerResponse, path: string, ctx: MountContext): boolean {
  const client = clientKey(req.socket.remoteAddress);
  const given = req.headers.authorization !== undefined;
  // A request without credentials is not a guess (ffmpeg sends its first try without them): it costs nothing.
  if (given && !ctx.authBudget.take(client)) {
    closeAfter(res);
    res.setHeader('Retry-After', String(ctx.authBudget.retryAfterSec(client)));
    ctx.warnRefused('memfs upload refused: too many wrong passwords from this client', { path: path.slice(0, 200), client });
    sendError(res, 429, ['Too many failed authentication attempts; try again later']);
    return false;
  }
  if (authorized(req, ctx.auth)) {
    if (given) ctx.authBudget.refund(client);
    ctx.lastAuthorizedMs.delete(client);
    ctx.lastAuthorizedMs.set(client, Date.now());
    if (ctx.lastAuthorizedMs.size > 10_000) ctx.lastAuthorizedMs.delete(ctx.lastAuthorizedMs.keys().next().value!);
    return true;
  }
  if (!expectsContinue(req)) closeAfter(res);
  res.setHeader('WWW-Authenticate', 'Basic realm="memfs", charset="UTF-8"');
  const recentOk = Date.now() - (ctx.lastAuthorizedMs.get(client) ?? -Infinity) < 60_000;
  if (given) ctx.warnRefused('memfs upload refused: invalid credentials', { path: path.slice(0, 200), client });
  else if (!recentOk) ctx.warnRefused('memfs upload refused: missing credentials (--memfs-auth is set; put USER:PASS in the URL)', { path: path.slice(0, 200), client });
  sendError(res, 401, ['Missing or invalid credentials']);
  return false;
}

/** Core's CORS middleware (echo's, origins `*`) on file routes: preflights listed methods; the API has its own rule. */
const CORS_METHODS = 'GET,HEAD,PUT,PATCH,POST,DELETE';

/**
 * CORS as Core sends it for files: `Access-Control-Allow-Origin: *` when the request carries an `Origin`, always
 * `Vary: Origin`, and a preflight (`OPTIONS`) answered 204, so a player on another site (hls.js) can fetch the
 * playlists and segments. Reads only in effect: a cross-site write is refused by the Origin guard before this.
 * Returns true when the request was a preflight and is answered.
 */
function applyCors(req: IncomingMessage, res: ServerResponse): boolean {
  res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  res.setHeader('Access-Control-Allow-Origin', '*');
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('Vary', ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers']);
  res.setHeader('Access-Control-Allow-Methods', CORS_METHODS);
  const asked = req.headers['access-control-request-headers'];
  if (typeof asked === 'string' && asked !== '') res.setHeader('Access-Control-Allow-Headers', asked.slice(0, 1024));
  res.statusCode = 204;
  res.end();
  return true;
}

function makeHandler(ctx: MountContext): HttpHandler {
  return async (req, res) => {
    setFileSecurityHeaders(res);
    if (applyCors(req, res)) return;
    const p = parseMountPath(req.url ?? '', ctx.prefix);
    const method = req.method ?? 'GET';
    const reading = method === 'GET' || method === 'HEAD';
    if (!p.ok) {
      if (!reading) closeAfter(res);
      sendError(res, p.status, [p.detail]);
      return;
    }
    if (reading) return handleRead(req, res, p, ctx);
    const memfs = ctx.writable;
    if (!memfs || (method !== 'PUT' && method !== 'POST' && method !== 'DELETE')) {
      closeAfter(res);
      res.setHeader('Allow', memfs ? ALLOW_RW : ALLOW_RO);
      sendError(res, 405);
      return;
    }
    if (ctx.auth && !checkWriteAuth(req, res, p.path, ctx)) return;
    if (method === 'DELETE') {
      // As Core's DeleteFile: 200 `Deleted: /name` as text, or 404 `File not found` with the name.
      if (!memfs.delete(p.name)) sendError(res, 404, [p.name], 'File not found');
      else {
        const text = `Deleted: ${p.name}`;
        res.statusCode = 200;
        res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
        res.setHeader('Content-Length', Buffer.byteLength(text));
        res.end(text);
      }
      return;
    }
    return handleWrite(req, res, p, ctx, memfs);
  };
}

/**
 * The memfs mount (read/write) and, with `diskRoot`, the read-only disk mount, both with the HLS middleware.
 * Both mounts share one HLS tracker, so remembered segment uploads and sessions are per listener, as in Core.
 */
export function createMemfsMount(options: MemfsMountOptions): HttpMount[] {
  const log = options.log;
  const trusted = CidrList.parse(options.trustedProxies, 'trusted proxies');
  const tracker =
    options.tracker ?? new HlsTracker({ hls: options.collectors.hls, hlsingress: options.collectors.hlsingress, log: log.child('hls'), maxSessionsPerClient: options.maxSessionsPerClient });
  const memfs = options.memfs;
  const fileCap = memfs.maxBytes > 0 ? Math.min(memfs.maxBytes, memfs.maxFileBytes) : memfs.maxFileBytes;
  const base = {
    tracker,
    trusted,
    auth: options.auth,
    log,
    maxPlaylistBytes: options.maxPlaylistBytes ?? 1024 * 1024,
    idleMs: options.uploadIdleTimeoutMs ?? 10_000,
    maxRewriteBytes: options.maxRewriteBytes ?? 4 * 1024 * 1024,
    // Never below one file at the cap, or such a file could not be uploaded at all.
    inflight: { bytes: 0, max: Math.max(fileCap, options.maxInflightBytes ?? 64 * 1024 * 1024) },
    authBudget: options.authBudget ?? new FailureBudget(MEMFS_AUTH_BUDGET),
    warnRefused: throttledWarn(log),
    lastAuthorizedMs: new Map<string, number>(),
  };
  const prefix = normalizePrefix(options.prefix ?? '/memfs');
  const mounts: HttpMount[] = [
    { prefix, handler: makeHandler({ ...base, prefix, source: memfsSource(memfs), writable: memfs }), sendsContinue: true },
  ];
  if (options.diskRoot) {
    const diskPrefix = normalizePrefix(options.diskPrefix ?? '/disk');
    if (diskPrefix === '' || diskPrefix === prefix) throw new Error(`invalid disk mount prefix: ${JSON.stringify(options.diskPrefix)}`);
    mounts.push({ prefix: diskPrefix, handler: makeHandler({ ...base, prefix: diskPrefix, source: diskSource(options.diskRoot, log), writable: null }), sendsContinue: true });
  }
  return mounts;
}

function normalizePrefix(p: string): string {
  let s = p.trim();
  if (!s.startsWith('/')) s = '/' + s;
  while (s.endsWith('/')) s = s.slice(0, -1);
  return s;
}
