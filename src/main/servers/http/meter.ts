/**
 * Byte counting for the http, hls and hlsingress collectors (spec §1.4 note): header sizes with Core's formula
 * (`Name: value\r\n` per value; the request's Host header left out, as Go's server does) and the bytes a
 * handler writes or reads.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';

function lineBytes(name: string, value: unknown): number {
  if (Array.isArray(value)) {
    let n = 0;
    for (const v of value) n += lineBytes(name, v);
    return n;
  }
  if (value === undefined || value === null) return 0;
  // Header names are ASCII; values are sent as latin1 by Node, so one char is one byte.
  return name.length + 2 + String(value).length + 2;
}

/** Size of the request's header block as Go serialises `req.Header` (no Host, no request line). */
export function requestHeaderSize(req: IncomingMessage): number {
  const raw = req.rawHeaders;
  let n = 0;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') continue;
    n += name.length + 2 + raw[i + 1]!.length + 2;
  }
  return n;
}

/** Size of a header map serialised as `Name: value\r\n` per value. */
export function headerMapSize(headers: OutgoingHttpHeaders): number {
  let n = 0;
  for (const name of Object.keys(headers)) n += lineBytes(name, headers[name]);
  return n;
}

/** Headers given to `writeHead` directly (object or flat/nested raw array) in `Name: value\r\n` bytes. */
function writeHeadArgSize(arg: unknown): number {
  if (!arg || typeof arg !== 'object') return 0;
  if (Array.isArray(arg)) {
    let n = 0;
    if (arg.length > 0 && Array.isArray(arg[0])) {
      for (const pair of arg as unknown[][]) n += lineBytes(String(pair[0]), pair[1]);
    } else {
      for (let i = 0; i + 1 < arg.length; i += 2) n += lineBytes(String(arg[i]), arg[i + 1]);
    }
    return n;
  }
  return headerMapSize(arg as OutgoingHttpHeaders);
}

function chunkBytes(chunk: unknown, encoding: unknown): number {
  if (chunk === undefined || chunk === null || typeof chunk === 'function') return 0;
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

export interface ResponseMeter {
  /** Body bytes handed to `write`/`end` so far (before any transfer encoding). */
  readonly bodyBytes: number;
  /** Header bytes of the response (set headers plus headers passed to `writeHead`), Core's formula. */
  headerBytes(): number;
}

/**
 * Counts what a handler writes to `res`: wraps `write`, `end` and `writeHead` on this one response object.
 * Nothing about the response changes. Body bytes of a HEAD response are not sent and not counted.
 */
export function meterResponse(res: ServerResponse, isHead = false): ResponseMeter {
  let body = 0;
  let passedHeaders = 0;
  let frozenHeaders: number | null = null;
  const origWrite = res.write;
  const origEnd = res.end;
  const origWriteHead = res.writeHead;
  // Headers are measured when they are committed: Node's implicit header path also goes through writeHead.
  res.writeHead = function (this: ServerResponse, ...args: unknown[]): ServerResponse {
    if (frozenHeaders === null) frozenHeaders = headerMapSize(res.getHeaders());
    const headersArg = typeof args[1] === 'object' ? args[1] : args[2];
    passedHeaders += writeHeadArgSize(headersArg);
    return (origWriteHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]): boolean {
    if (!isHead) body += chunkBytes(chunk, rest[0]);
    return (origWrite as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]): ServerResponse {
    if (!isHead && !res.writableEnded) body += chunkBytes(chunk, rest[0]);
    return (origEnd as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  return {
    get bodyBytes() {
      return body;
    },
    headerBytes(): number {
      if (frozenHeaders === null) return res.headersSent ? headerMapSize(res.getHeaders()) : 0;
      return frozenHeaders + passedHeaders;
    },
  };
}

/**
 * Counts request body bytes as Node's parser delivers them to `req` (wrapping this request's `push`), without
 * attaching a `data` listener, so the handler still decides how and whether to read the body.
 */
export function meterRequestBody(req: IncomingMessage): { readonly bytes: number } {
  let n = 0;
  const origPush = req.push;
  req.push = function (this: IncomingMessage, chunk: unknown, encoding?: BufferEncoding): boolean {
    n += chunkBytes(chunk, encoding);
    return origPush.call(this, chunk, encoding);
  } as IncomingMessage['push'];
  return {
    get bytes() {
      return n;
    },
  };
}
