/**
 * The one address-range syntax and matcher of the app: the IP ignore list (engine/ip-limiter.ts), the trusted
 * proxies (http/net-util.ts) and the forbidden Core addresses (ui/page-guards.ts) all use it. Pure (no Node API), so
 * the page could check an entry the same way.
 *
 * Syntax of an entry: `ADDRESS` or `ADDRESS/PREFIX`. ADDRESS is a dotted IPv4 address (no leading zeros, as Go) or
 * an IPv6 address (`::` shorthand, an embedded IPv4 tail); no brackets, port or zone: those belong to endpoints, not
 * to ranges. PREFIX is 0–32 for IPv4 and 0–128 for IPv6; a bare address is /32 or /128. Host bits are masked.
 *
 * Matching follows Go's `net.IPNet.Contains`: an IPv4 range matches IPv4 addresses, including the IPv4-mapped IPv6
 * form (`::ffff:127.0.0.1`); an IPv6 range matches IPv6 addresses only, except a range inside `::ffff:0:0/96`, which
 * is the IPv4 range it maps. Addresses matched may be bracketed (`[::1]`, also `[::1]:port`) and carry a zone
 * (`fe80::1%eth0`, ignored).
 */

/** One parsed range. */
export interface CidrRange {
  /** 4 or 16 bytes, host bits masked. */
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** Thrown for an entry that is not `ADDRESS` or `ADDRESS/PREFIX`; the message names the list, the entry and why. */
export class CidrError extends Error {
  readonly entry: string;
  constructor(list: string, entry: string, reason: string) {
    super(`invalid CIDR in the ${list}: ${JSON.stringify(entry)}: ${reason} (expected ADDRESS or ADDRESS/PREFIX, e.g. 10.0.0.0/8, 127.0.0.1, ::1/128)`);
    this.name = 'CidrError';
    this.entry = entry;
  }
}

/** What `[...]` holds, with an optional `:port` after the bracket; the text itself without one; undefined when malformed. */
export function unbracket(s: string): string | undefined {
  if (!s.startsWith('[')) return s;
  const end = s.indexOf(']');
  if (end < 0) return undefined;
  const rest = s.slice(end + 1);
  if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return undefined;
  return s.slice(1, end);
}

/** Parses an address to 4 bytes (IPv4 or IPv4-mapped IPv6) or 16 bytes (IPv6); undefined if invalid. Brackets, a port after them and a zone are allowed. */
export function parseIp(input: string): Uint8Array | undefined {
  if (typeof input !== 'string' || input === '') return undefined;
  let s = unbracket(input);
  if (s === undefined) return undefined;
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
    const p = parts[i]!;
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
      const g = groups[i]!;
      if (allowV4Last && i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === undefined) return undefined;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
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
    out[2 * i] = words[i]! >> 8;
    out[2 * i + 1] = words[i]! & 0xff;
  }
  return out;
}

function isMappedV4(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** One entry (already trimmed) as a range; throws `CidrError` naming `list` when it is not valid. */
export function parseCidr(entry: string, list: string): CidrRange {
  const slash = entry.indexOf('/');
  const addrText = slash < 0 ? entry : entry.slice(0, slash);
  if (addrText === '') throw new CidrError(list, entry, 'no address');
  if (addrText.startsWith('[') || addrText.includes('%')) throw new CidrError(list, entry, 'brackets and zones are not part of a range');
  const v6 = addrText.includes(':');
  let bytes = v6 ? parseIpv6(addrText) : parseIpv4(addrText);
  if (bytes === undefined) throw new CidrError(list, entry, `not an IP${v6 ? 'v6' : 'v4'} address`);
  let prefix = bytes.length * 8;
  if (slash >= 0) {
    const prefixText = entry.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) throw new CidrError(list, entry, 'the prefix is not a number');
    prefix = Number(prefixText);
    if (prefix > bytes.length * 8) throw new CidrError(list, entry, `the prefix is above ${bytes.length * 8}`);
  }
  if (bytes.length === 16 && isMappedV4(bytes) && prefix >= 96) {
    bytes = bytes.slice(12);
    prefix -= 96;
  }
  return { bytes: mask(bytes, prefix), prefix };
}

function mask(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = bytes[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

function rangeContains(r: CidrRange, addr: Uint8Array): boolean {
  if (addr.length !== r.bytes.length) return false;
  let bits = r.prefix;
  for (let i = 0; i < addr.length && bits > 0; i++, bits -= 8) {
    const m = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((addr[i]! & m) !== r.bytes[i]) return false;
  }
  return true;
}

/** A list of ranges. */
export class CidrList {
  readonly #ranges: readonly CidrRange[];
  /** The entries as given (trimmed, empties dropped), for display. */
  readonly entries: readonly string[];

  private constructor(ranges: CidrRange[], entries: string[]) {
    this.#ranges = ranges;
    this.entries = entries;
  }

  /**
   * Parses a list. Entries are trimmed and empty ones skipped; any other invalid entry throws a `CidrError` naming
   * `listName` (e.g. "IP ignore list"), the entry and the reason.
   */
  static parse(list: readonly string[] | undefined, listName: string): CidrList {
    const ranges: CidrRange[] = [];
    const entries: string[] = [];
    for (const raw of list ?? []) {
      const entry = raw.trim();
      if (entry === '') continue;
      ranges.push(parseCidr(entry, listName));
      entries.push(entry);
    }
    return new CidrList(ranges, entries);
  }

  get size(): number {
    return this.#ranges.length;
  }

  /** Whether an address is inside one of the ranges; false for an empty or unparseable address. */
  contains(ip: string): boolean {
    if (this.#ranges.length === 0) return false;
    const addr = parseIp(ip);
    return addr !== undefined && this.containsBytes(addr);
  }

  /** `contains` for an address already parsed by `parseIp`. */
  containsBytes(addr: Uint8Array): boolean {
    for (const r of this.#ranges) if (rangeContains(r, addr)) return true;
    return false;
  }
}
