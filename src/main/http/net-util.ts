/**
 * Small address helpers for the HTTP collectors: parsing, Go-compatible anonymisation, trusted-proxy matching,
 * the client's "real IP" and the Referer host. No I/O.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { CidrList } from '../../shared/cidr.ts';
import type { IncomingMessage } from 'node:http';

/** Strips brackets, a port after a bracketed address, and an IPv6 zone; unmaps `::ffff:a.b.c.d`. */
export function normalizeIp(raw: string): string {
  let s = raw.trim();
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    s = end > 0 ? s.slice(1, end) : s.slice(1);
  }
  const pct = s.indexOf('%');
  if (pct >= 0 && s.includes(':')) s = s.slice(0, pct);
  const mapped = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i.exec(s);
  if (mapped) s = mapped[1]!;
  return s;
}

/** `ip:port`, or `[ip]:port` for IPv6 (Go's net.JoinHostPort). */
export function joinHostPort(ip: string, port: number | undefined): string {
  return ip.includes(':') ? `[${ip}]:${port ?? 0}` : `${ip}:${port ?? 0}`;
}

/**
 * A socket's other end as the local core names a peer (`ip:port`, the IP normalised): an RTMP or SRT session's peer,
 * and what a counting relay of the app's own FFmpeg process lists as its sockets (src/main/processes/relay.ts).
 */
export function remotePeer(socket: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined }): string {
  return joinHostPort(normalizeIp(socket.remoteAddress ?? ''), socket.remotePort);
}

/** Eight 16-bit groups of an IPv6 address (caller checked `isIPv6`). */
function ipv6Groups(ip: string): number[] {
  let s = ip;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const b = v4.slice(1, 5).map(Number);
    s = s.slice(0, v4.index) + (((b[0]! << 8) | b[1]!).toString(16)) + ':' + (((b[2]! << 8) | b[3]!).toString(16));
  }
  const [head = '', rest] = s.split('::') as [string, string | undefined];
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const a = parse(head);
  const b = rest === undefined ? [] : parse(rest);
  const fill = 8 - a.length - b.length;
  return [...a, ...new Array<number>(Math.max(0, fill)).fill(0), ...b].slice(0, 8);
}

/** Go's `net.IP.String()` for IPv6: lowercase hex, the first longest run of ≥ 2 zero groups as `::`. */
function formatIpv6(groups: number[]): string {
  let bestAt = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLen < 2) return hex.join(':');
  return hex.slice(0, bestAt).join(':') + '::' + hex.slice(bestAt + bestLen).join(':');
}

/**
 * Core's `AnonymizeIPString`: IPv4 masked to /24, IPv6 to /64, printed like Go's `net.IP.String()`
 * (`203.0.113.7` → `203.0.113.0`, `2001:db8:1:2:3:4:5:6` → `2001:db8:1:2::`). Empty string when unparseable.
 */
export function anonymizeIp(raw: string): string {
  const ip = normalizeIp(raw);
  if (isIPv4(ip)) {
    const p = ip.split('.').map(Number);
    return `${p[0]}.${p[1]}.${p[2]}.0`;
  }
  if (isIPv6(ip)) {
    const g = ipv6Groups(ip);
    return formatIpv6([g[0]!, g[1]!, g[2]!, g[3]!, 0, 0, 0, 0]);
  }
  return '';
}

function headerValue(req: IncomingMessage, name: string): string {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : (v ?? '');
}

/**
 * The client address the `hls` collector checks and anonymises (spec §1.5), hardened (spec §7.14):
 * X-Forwarded-For / X-Real-IP are honoured only when the socket peer is a trusted proxy. Then X-Forwarded-For
 * is walked from the right, skipping trusted proxies, so a client cannot pick its own address by prepending
 * entries; the leftmost entry is used when every hop is trusted. Core instead takes the first entry from anyone.
 */
export function realIp(req: IncomingMessage, trusted: CidrList): string {
  const peer = normalizeIp(req.socket.remoteAddress ?? '');
  if (trusted.size === 0 || !trusted.contains(peer)) return peer;
  const xff = headerValue(req, 'x-forwarded-for');
  if (xff.trim() !== '') {
    const hops = xff
      .split(',')
      .map((h) => normalizeIp(h))
      .filter((h) => h !== '');
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!trusted.contains(hops[i]!)) return hops[i]!;
    }
    if (hops.length > 0) return hops[0]!;
  }
  const xri = headerValue(req, 'x-real-ip').trim();
  if (xri !== '') return normalizeIp(xri);
  return peer;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A request header as the client sent it in UTF-8. Node's parser gives header values as latin1 (one char per byte),
 * so `Mozilla/5.0 (Pixel; Größe)` arrives as mojibake; Core (Go) keeps the bytes, which are UTF-8 in practice. The
 * bytes are decoded as UTF-8 when they are valid UTF-8, else kept as latin1. Repeated headers are joined with `,`.
 */
export function headerUtf8(req: IncomingMessage, name: string): string {
  const raw = headerValue(req, name);
  // eslint-disable-next-line no-control-regex
  if (!/[^\x00-\x7f]/.test(raw) || /[^\x00-\xff]/.test(raw)) return raw;
  try {
    return UTF8.decode(Buffer.from(raw, 'latin1'));
  } catch {
    return raw;
  }
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * The `remote` of an hls session (spec §1.4), as Go's `url.Parse(referer).Host`: the host (with port) of the
 * Referer; `''` (the collector turns it into `unknown`) when there is none or it has no host; the raw value when
 * Go's parser would reject it (control characters, bad %-escapes, a colon in a scheme-less first segment, a bad
 * port or bracket).
 */
export function refererHost(referer: string): string {
  if (referer === '') return '';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(referer)) return referer;
  if (/%(?![0-9A-Fa-f]{2})/.test(referer)) return referer;
  let rest = referer;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const m = SCHEME.exec(rest);
  if (m) rest = rest.slice(m[0].length);
  else if (rest.startsWith(':')) return referer; // "missing protocol scheme"
  else {
    const firstSeg = rest.split(/[/?]/, 1)[0]!;
    if (!rest.startsWith('//') && firstSeg.includes(':')) return referer;
  }
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  if (!rest.startsWith('//')) return '';
  let authority = rest.slice(2);
  const slash = authority.indexOf('/');
  if (slash >= 0) authority = authority.slice(0, slash);
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? authority.slice(at + 1) : authority;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    if (end < 0) return referer;
    const after = host.slice(end + 1);
    if (after !== '' && !/^:\d*$/.test(after)) return referer;
    return host;
  }
  const colon = host.indexOf(':');
  if (colon >= 0 && !/^\d*$/.test(host.slice(colon + 1))) return referer;
  return host;
}
