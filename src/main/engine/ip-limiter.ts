/**
 * The IP ignore list of spec §3.5 (Core's `net/iplimit.go` as used by the session collectors): ranges whose
 * addresses are "not collectable". An address that does not parse is not collectable either. The syntax and the
 * matching (Go's) are the app's one CIDR module, src/shared/cidr.ts.
 */
import { CidrList, parseIp } from '../../shared/cidr.ts';

export class IpLimiter {
  readonly #list: CidrList;
  /** The entries as given (after trimming, empties dropped), for display. */
  readonly cidrs: readonly string[];

  private constructor(list: CidrList) {
    this.#list = list;
    this.cidrs = list.entries;
  }

  /** A limiter that ignores nothing (every parseable IP is collectable). */
  static empty(): IpLimiter {
    return new IpLimiter(CidrList.parse([], 'IP ignore list'));
  }

  /**
   * Builds the ignore list. Entries are trimmed; empty entries are skipped; any other entry that is not
   * `ADDRESS` or `ADDRESS/PREFIX` throws a CidrError naming it.
   */
  static fromCidrs(list: readonly string[]): IpLimiter {
    return new IpLimiter(CidrList.parse(list, 'IP ignore list'));
  }

  /** False for an empty or unparseable address and for addresses inside an ignored range. */
  isCollectable(ip: string): boolean {
    const addr = parseIp(ip);
    return addr !== undefined && !this.#list.containsBytes(addr);
  }
}
