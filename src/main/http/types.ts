import type { IncomingMessage, ServerResponse } from 'node:http';

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
