/**
 * The `http` collector's producer (spec §1.4 http row): one aggregate session `HTTP` (reference `""`, local and
 * remote `any`) counting every request from a collectable socket address: request header size + body bytes
 * received → ingress, response header size + body bytes written → egress.
 *
 * Spec §7.15, decided: the session is (re-)registered and activated *before* the request's bytes are counted, so
 * the first request after an idle timeout is not lost (Core counts egress first and drops it). Only the socket
 * address is used (never proxy headers), as in Core.
 */
import type { SessionCollector } from '../../engine/types.ts';
import type { Logger } from '../../log.ts';
import type { HttpMiddleware } from '../../http/types.ts';
import { meterRequestBody, meterResponse, requestHeaderSize } from './meter.ts';
import { normalizeIp } from '../../http/net-util.ts';

export const HTTP_SESSION_ID = 'HTTP';

export interface HttpCollectorMiddlewareOptions {
  collector: SessionCollector;
  log: Logger;
}

export function createHttpCollectorMiddleware(options: HttpCollectorMiddlewareOptions): HttpMiddleware {
  const c = options.collector;
  return (req, res, next) => {
    const ip = normalizeIp(req.socket.remoteAddress ?? '');
    if (!c.isCollectableIp(ip)) return next();
    const body = meterRequestBody(req);
    const meter = meterResponse(res, req.method === 'HEAD');
    let counted = false;
    const count = (): void => {
      if (counted) return;
      counted = true;
      c.registerAndActivate(HTTP_SESSION_ID, '', 'any', 'any');
      c.ingress(HTTP_SESSION_ID, requestHeaderSize(req) + body.bytes);
      c.egress(HTTP_SESSION_ID, meter.headerBytes() + meter.bodyBytes);
    };
    res.once('close', count);
    return next();
  };
}
