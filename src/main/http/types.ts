import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GoQuery, JsonBytes, JsonResponseOptions } from './http.ts';

/** A request handler mounted under a path prefix of the one HTTP listener (API, memfs, UI share it, as in Core). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** Runs around every request (e.g. the `http` session collector); calls `next()` to continue. */
export type HttpMiddleware = (req: IncomingMessage, res: ServerResponse, next: () => void | Promise<void>) => void | Promise<void>;

export interface HttpMount {
  /** Path prefix such as `/api`, `/memfs`, `/ui`; the longest matching prefix wins. */
  prefix: string;
  handler: HttpHandler;
  /**
   * The handler sends `100 Continue` itself (after checking credentials) for requests with `Expect: 100-continue`;
   * otherwise the server sends it before calling the handler.
   */
  sendsContinue?: boolean;
}

/** What a route handler gets: the raw request/response plus the parsed query and response helpers. */
export interface ApiContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Request path without the query (raw, not percent-decoded). */
  path: string;
  /** Query parsed like Go's url.Values. */
  query: GoQuery;
  /** `?pretty` was given (any value). */
  pretty: boolean;
  /**
   * Sends JSON with Core's headers; `/api/v3/*` bodies are gzip-able. `compact`: JSON text without the trailing
   * newline, or the compact body as UTF-8 bytes (one buffer or chunks) ending in the newline (see `sendJson`).
   */
  json(status: number, compact: string | JsonBytes, options?: JsonResponseOptions): Promise<void>;
  /** Sends Core's error shape. */
  error(status: number, details?: string[]): Promise<void>;
}

export type ApiHandler = (ctx: ApiContext) => void | Promise<void>;

export interface ApiRoute {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Exact path such as `/api/v3/cores`, or a prefix ending in `/*` such as `/api/export/*`. */
  path: string;
  handler: ApiHandler;
  /** Needs an access token when auth is on. Default true. */
  auth?: boolean;
}
