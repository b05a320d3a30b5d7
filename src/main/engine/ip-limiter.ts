/**
 * The IP ignore list of spec §3.5 (Core's `net/iplimit.go` as used by the session collectors): CIDR
 * ranges whose addresses are "not collectable". An address that does not parse is not collectable either.
 *
 * Matching follows Go's `net.IPNet.Contains`: an IPv4 range matches IPv4 addresses, including the
 * IPv4-mapped IPv6 form (`::ffff:127.0.0.1`); an IPv6 range matches IPv6 addresses only, except a range
 * written inside `::ffff:0:0/96`, which is treated as the IPv4 range it maps.
 * Addresses may be bracketed (`[::1]`, also `[::1]:port`) and carry a zone (`fe80::1%eth0`, ignored).
 */

interface Range {
  readonly v4: boolean;
  /** 4 or 16 bytes, already masked. */
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

export class IpLimiter {
  readonly #ranges: readonly Range[];
  /** The entries as given (after trimming, empties dropped), for display. */
  readonly cidrs: readonly string[];

  private constructor(ranges: Range[], cidrs: string[]) {
    this.#ranges = ranges;
    this.cidrs = cidrs;
  }

  /** A limiter that ignores nothing (every parseable IP is collectable). */
  static empty(): IpLimiter {
    return new IpLimiter([], []);
  }

  /**
   * Builds the ignore list. Entries are trimmed; empty entries are skipped; any other entry that is not
   * `ADDRESS/PREFIX` throws an Error naming it.
   */
  static fromCidrs(list: readonly string[]): IpLimiter {
    const ranges: Range[] = [];
    const cidrs: string[] = [];
    for (const raw of list) {
      const entry = raw.trim();
      if (entry === '') continue;
      const range = parseCidr(entry);
      if (range === undefined) {
        throw new Error(`invalid CIDR in the IP ignore list: ${JSON.stringify(raw)} (expected ADDRESS/PREFIX, e.g. 127.0.0.1/32 or ::1/128)`);
      }
      ranges.push(range);
      cidrs.push(entry);
    }
    return new IpLimiter(ranges, cidrs);
  }

  /** False for an empty or unparseable address and for addresses inside an ignored range. */
  isCollectable(ip: string): boolean {
    const addr = parseIp(ip);
    if (addr === undefined) return false;
    for (const r of this.#ranges) if (contains(r, addr)) return false;
    return true;
  }
}

/** Parses an address to 4 bytes (IPv4 or IPv4-mapped IPv6) or 16 bytes (IPv6); undefined if invalid. */
export function parseIp(input: string): Uint8Array | undefined {
  if (typeof input !== 'string' || input === '') return undefined;
  let s = input;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0) return undefined;
    const rest = s.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
    s = s.slice(1, end);
  }
  if (s.includes(':')) {
    const pct = s.indexOf('%');
    if (pct >= 0) {
      if (pct === s.length - 1) return undefined; // empty zone
      s = s.slice(0, pct);
    }
    const v6 = parseIpv6(s);
    if (v6 === undefined) return undefined;
    return isMappedV4(v6) ? v6.slice(12) : v6;
  }
  return parseIpv4(s);
}

function parseIpv4(s: string): Uint8Array | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined; // Go rejects leading zeros
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIpv6(s: string): Uint8Array | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : '';
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const words: number[] = [];
  const parseGroups = (groups: string[], allowV4Last: boolean): number[] | undefined => {
    const out: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (allowV4Last && i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const h = parseGroups(headGroups, dbl < 0);
  const t = parseGroups(tailGroups, true);
  if (h === undefined || t === undefined) return undefined;
  if (dbl >= 0) {
    const missing = 8 - h.length - t.length;
    if (missing < 1) return undefined;
    words.push(...h, ...new Array<number>(missing).fill(0), ...t);
  } else {
    if (h.length !== 8) return undefined;
    words.push(...h);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i] >> 8;
    out[2 * i + 1] = words[i] & 0xff;
  }
  return out;
}

function isMappedV4(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function parseCidr(entry: string): Range | undefined {
  const slash = entry.lastIndexOf('/');
  if (slash < 0) return undefined;
  const addrText = entry.slice(0, slash);
  const prefixText = entry.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || addrText.startsWith('[') || addrText.includes('%')) return undefined;
  let prefix = Number(prefixText);
  const isV6Text = addrText.includes(':');
  let bytes = isV6Text ? parseIpv6(addrText) : parseIpv4(addrText);
  if (bytes === undefined) return undefined;
  if (prefix > bytes.length * 8) return undefined;
  if (bytes.length === 16 && isMappedV4(bytes) && prefix >= 96) {
    bytes = bytes.slice(12);
    prefix -= 96;
  }
  return { v4: bytes.length === 4, bytes: mask(bytes, prefix), prefix };
}

function mask(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = bytes[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

function contains(r: Range, addr: Uint8Array): boolean {
  if (addr.length !== r.bytes.length) return false;
  let bits = r.prefix;
  for (let i = 0; i < addr.length && bits > 0; i++, bits -= 8) {
    const m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i] & m) !== r.bytes[i]) return false;
  }
  return true;
}
