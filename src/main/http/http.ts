/**
 * Request/response helpers shared by the API handlers: Go-compatible query parsing (net/url.ParseQuery),
 * Core's JSON responses (content type, Vary, `?pretty`, gzip ≥ 1000 bytes) and bounded body reading.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { encodeBody, stringifyGo } from '../engine/go-json.ts';

export const JSON_CONTENT_TYPE = 'application/json; charset=UTF-8';
/** Core's gzip middleware compresses only bodies of at least this many bytes. */
export const GZIP_MIN_BYTES = 1000;

const gzip = promisify(zlib.gzip);
const utf8 = new TextDecoder('utf-8');

// ---------------------------------------------------------------------------------------------------------------
// Query strings, the way Go parses them

/**
 * Go's url.QueryUnescape: `+` is a space, `%XX` must be two hex digits (else null = error), decoded bytes that
 * are not valid UTF-8 become U+FFFD (Go keeps the bytes and its JSON encoder writes \ufffd: same value).
 */
export function queryUnescape(s: string): string | null {
  if (s.indexOf('%') < 0) return s.indexOf('+') < 0 ? s : s.replaceAll('+', ' ');
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const h = parseHex(s.charCodeAt(i + 1));
      const l = parseHex(s.charCodeAt(i + 2));
      if (h < 0 || l < 0) return null;
      bytes.push((h << 4) | l);
      i += 2;
    } else if (c === 0x2b) bytes.push(0x20);
    else if (c < 0x80) bytes.push(c);
    else {
      // non-ASCII text (already decoded): re-encode as UTF-8, code point by code point
      const cp = s.codePointAt(i)!;
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
    }
  }
  return utf8.decode(Uint8Array.from(bytes));
}

function parseHex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Parsed query: every value per key in order, like Go's url.Values. */
export type GoQuery = Map<string, string[]>;

/**
 * Go's url.ParseQuery (Go ≥ 1.17): pairs split on `&`; a pair containing `;` or a bad escape is skipped;
 * a pair without `=` has the value "".
 */
export function parseGoQuery(raw: string): GoQuery {
  const out: GoQuery = new Map();
  if (!raw) return out;
  // Node hands us the request target as latin1; Go sees the raw bytes. Restore UTF-8 text if any high byte.
  const text = /[\u0080-\u00ff]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
  for (const pair of text.split('&')) {
    if (pair === '' || pair.includes(';')) continue;
    const eq = pair.indexOf('=');
    const k = queryUnescape(eq < 0 ? pair : pair.slice(0, eq));
    if (k === null) continue;
    const v = queryUnescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (v === null) continue;
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

/** The query part of a request target (after the first `?`), or "". */
export function rawQueryOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  if (q < 0) return '';
  const hash = url.indexOf('#', q);
  return hash < 0 ? url.slice(q + 1) : url.slice(q + 1, hash);
}

// ---------------------------------------------------------------------------------------------------------------
// Responses

/** True when the client accepts gzip (a `gzip` or `*` coding without q=0). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (!header) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  for (const part of value.split(',')) {
    const [name, ...params] = part.trim().split(';');
    const coding = name!.trim().toLowerCase();
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    return true;
  }
  return false;
}

export interface JsonResponseOptions {
  /** Indent like Go's MarshalIndent (Core: any `pretty` query parameter). */
  pretty?: boolean;
  /** The route sits behind Core's gzip middleware (`/api/v3/*`): adds `Vary: Accept-Encoding`, compresses ≥ 1000 B. */
  compressible?: boolean;
  /** Extra headers (e.g. Cache-Control). */
  headers?: Record<string, string>;
}

/** A body as sent, as UTF-8 bytes: one buffer or chunks to be sent in order (never written into). */
export type JsonBytes = Uint8Array | readonly Uint8Array[];

/**
 * Sends JSON the way Core's echo server does. `compact` is either compact JSON text without the trailing newline, or
 * the compact body as sent: UTF-8 bytes ending in the newline, in one buffer or in chunks (large session bodies:
 * sent without re-encoding, and chunks without joining unless gzip needs one buffer; `?pretty` decodes them and
 * re-indents like the text).
 */
export async function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  compact: string | JsonBytes,
  options: JsonResponseOptions = {},
): Promise<void> {
  let body: Buffer | readonly Uint8Array[];
  let length: number;
  if (typeof compact === 'string') body = Buffer.from(encodeBody(compact, options.pretty === true), 'utf8');
  else {
    const bytes = compact instanceof Uint8Array ? [compact] : compact;
    if (options.pretty === true) {
      const joined = Buffer.concat(bytes);
      const end = joined.length > 0 && joined[joined.length - 1] === 0x0a ? joined.length - 1 : joined.length;
      body = Buffer.from(encodeBody(joined.toString('utf8', 0, end), true), 'utf8');
    } else body = bytes.length === 1 ? toBuffer(bytes[0]!) : bytes;
  }
  length = Buffer.isBuffer(body) ? body.length : totalLength(body);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  if (options.headers) for (const [k, v] of Object.entries(options.headers)) res.setHeader(k, v);
  if (options.compressible) {
    res.setHeader('Vary', ['Origin', 'Accept-Encoding']);
    if (length >= GZIP_MIN_BYTES && acceptsGzip(req.headers['accept-encoding'])) {
      // Large bodies (big histories) use the fastest level: compression runs in the thread pool, but CPU is shared.
      const plain = Buffer.isBuffer(body) ? body : Buffer.concat(body, length);
      body = await gzip(plain, { level: length > 1024 * 1024 ? 1 : zlib.constants.Z_DEFAULT_COMPRESSION });
      length = body.length;
      res.setHeader('Content-Encoding', 'gzip');
    }
  } else {
    res.setHeader('Vary', 'Origin');
  }
  if (res.destroyed) return;
  res.setHeader('Content-Length', length);
  if (req.method === 'HEAD') res.end();
  else if (Buffer.isBuffer(body)) res.end(body);
  else {
    // one write per chunk, corked: handed to the socket together (writev), no joined copy of a large body
    res.cork();
    for (const chunk of body) if (chunk.length > 0) res.write(chunk);
    res.end();
    res.uncork();
  }
}

function toBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

function totalLength(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (const c of chunks) n += c.length;
  return n;
}

/** Core's error body `{"code","message","details"}`; message defaults to the status text, details to [message]. */
export function errorJson(status: number, details?: string[], message?: string): string {
  const text = message ?? statusText(status);
  return stringifyGo({ code: status, message: text, details: details ?? [text] });
}

export function sendApiError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  details?: string[],
  options: JsonResponseOptions = {},
): Promise<void> {
  return sendJson(req, res, status, errorJson(status, details), { pretty: options.pretty, headers: options.headers });
}

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? 'Error';
}

/** Go's http.StatusText for the codes the API uses (Node's table differs in places, e.g. 413, 414). */
const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  414: 'Request URI Too Long',

  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

// ---------------------------------------------------------------------------------------------------------------
// Bodies

export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.limit = limit;
  }
}

/** Reads the request body up to `limit` bytes; rejects with BodyTooLargeError beyond it (without buffering more). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        chunks.length = 0;
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}
