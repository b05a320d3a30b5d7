/**
 * Security guards that run before any mount of the one HTTP listener sees a request (docs/security.md):
 *
 * - **Host allow-list** (DNS rebinding): a page on `attacker.example` whose name the attacker re-points at 127.0.0.1
 *   reaches this loopback server as *same-origin*, so every route could be read and driven from it. Only requests
 *   whose `Host` names this server are served: IP literals (a rebinding attack needs a name), `localhost` and
 *   `*.localhost`, the listen address, and the names the user configured (`--allowed-hosts`). Others get 421.
 * - **Origin check** (cross-site requests): a state-changing request (anything but GET/HEAD/OPTIONS) that carries an
 *   `Origin` must come from this server's own origin; browsers always send `Origin` on such requests, so a request
 *   without one is a non-browser client (ffmpeg, curl, a Core client) and passes. Others get 403.
 */
import { isIP } from 'node:net';
import { unbracket } from '../../../shared/cidr.ts';
import type { IncomingMessage } from 'node:http';
import type { Logger } from '../../log.ts';
import type { HttpMiddleware } from '../../http/types.ts';
import { sendError } from '../../http/server.ts';
import { throttledWarn } from '../../http/throttled-warn.ts';

export interface RequestGuardOptions {
  /** The HTTP listen host (`--listen`), allowed as a Host name. */
  listenHost: string;
  /** Extra allowed host names (`--allowed-hosts`): exact names, `.example.com` for a domain and its subdomains, `*` for any. */
  allowedHosts?: readonly string[];
  log: Logger;
}

/** The host name of a Host header value (`name:port`, `[v6]:port`), lower case, without a trailing dot. Null when malformed. */
export function hostName(host: string): string | null {
  const h = host.trim().toLowerCase();
  if (h === '') return null;
  let name: string;
  if (h.startsWith('[')) {
    const inner = unbracket(h);
    return inner !== undefined && isIP(inner) === 6 ? inner : null;
  }
  const colon = h.indexOf(':');
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(h.slice(colon + 1))) return null;
    name = h.slice(0, colon);
  } else name = h;
  if (name.endsWith('.')) name = name.slice(0, -1);
  return /^[a-z0-9_.-]+$/.test(name) ? name : null;
}

/** Whether a Host header names this server (see the module comment). An absent Host (HTTP/1.0) is allowed. */
export function isAllowedHost(hostHeader: string | undefined, listenHost: string, allowed: readonly string[] = []): boolean {
  if (hostHeader === undefined) return true;
  const name = hostName(hostHeader);
  if (name === null) return false;
  if (isIP(name) !== 0) return true;
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const listen = listenHost.toLowerCase();
  if (name === listen) return true;
  for (const raw of allowed) {
    const entry = raw.trim().toLowerCase().replace(/\.$/, '');
    if (entry === '*') return true;
    if (entry.startsWith('.') ? name === entry.slice(1) || name.endsWith(entry) : name === entry) return true;
  }
  return false;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a request may change state given its Origin: safe methods, no Origin, or the server's own origin. */
export function isAllowedOrigin(req: Pick<IncomingMessage, 'method' | 'headers'>): boolean {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return true;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  const host = req.headers.host;
  if (origin === 'null' || host === undefined) return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host === host.trim().toLowerCase();
  } catch {
    return false;
  }
}


/** The Host and Origin guards as one middleware, first in the chain. */
export function createRequestGuards(options: RequestGuardOptions): HttpMiddleware {
  const allowed = [...(options.allowedHosts ?? [])];
  const warn = throttledWarn(options.log);
  return (req, res, next) => {
    if (!isAllowedHost(req.headers.host, options.listenHost, allowed)) {
      warn('request refused: Host is not this server (add it with --allowed-hosts)', { host: String(req.headers.host).slice(0, 100), path: (req.url ?? '').slice(0, 100) });
      res.setHeader('Connection', 'close');
      sendError(res, 421, [`Host "${String(req.headers.host).slice(0, 100)}" is not allowed; add it with --allowed-hosts`]);
      return;
    }
    if (!isAllowedOrigin(req)) {
      warn('request refused: cross-origin state-changing request', { origin: String(req.headers.origin).slice(0, 100), method: req.method, path: (req.url ?? '').slice(0, 100) });
      res.setHeader('Connection', 'close');
      sendError(res, 403, ['Cross-origin request refused']);
      return;
    }
    return next();
  };
}
