/**
 * Why a call to a remote Core failed, in the terms the poller turns into a state (see poller.ts):
 * - `network`, `timeout`, `http` (5xx and other non-2xx): the Core is `unreachable`; retried with back-off.
 * - `parse`: a body that is not valid JSON (truncated, cut off by a proxy): also `unreachable`, retried.
 * - `incompatible`: something answered, but not a datarhei Core with the session API (HTML, another app, an old
 *   version, valid JSON of the wrong shape): state `incompatible`, still retried with back-off.
 * - `auth`: the credentials were refused or are missing; the poller waits for the user.
 * Messages never contain credentials or tokens.
 */
export type RemoteErrorKind = 'network' | 'timeout' | 'http' | 'incompatible' | 'parse' | 'auth';

export class RemoteError extends Error {
  readonly kind: RemoteErrorKind;
  /** HTTP status when the Core answered. */
  readonly status: number | undefined;

  constructor(kind: RemoteErrorKind, message: string, status?: number) {
    super(message);
    this.name = 'RemoteError';
    this.kind = kind;
    this.status = status;
  }
}

/** Maps what undici or node:net threw into a RemoteError (never echoing request headers). */
export function toRemoteError(err: unknown): RemoteError {
  if (err instanceof RemoteError) return err;
  const e = err as { code?: string; message?: string; name?: string; cause?: { code?: string } };
  const code = e?.code ?? e?.cause?.code ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || e?.name === 'TimeoutError') {
    return new RemoteError('timeout', `timeout (${code || 'aborted'})`);
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return new RemoteError('parse', 'response too large');
  const msg = typeof e?.message === 'string' ? e.message : String(err);
  const plain = PLAIN_NETWORK_ERRORS[code];
  if (plain) return new RemoteError('network', `${plain} (${code})`);
  // Node's messages often start with the code already ("connect ECONNREFUSED …"): say it once.
  return new RemoteError('network', code && !msg.includes(code) ? `${code}: ${msg}` : msg);
}

/** What the common socket errors mean, said plainly (the code follows in brackets, once). */
const PLAIN_NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing listens at that address and port',
  ENOTFOUND: 'host not found: check the address',
  EAI_AGAIN: 'host name lookup failed: check the address and the network',
  ECONNRESET: 'the connection was reset by the other side',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'the connection timed out',
  EPROTO: 'TLS handshake failed: is the address https on a plain http port?',
  UND_ERR_SOCKET: 'the other side closed the connection',
};
