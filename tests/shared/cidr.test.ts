/**
 * The one CIDR syntax and matcher (src/shared/cidr.ts), used by the IP ignore list, the trusted proxies and the
 * forbidden Core addresses: IPv4 and IPv6, a bare address as /32 or /128, Go's matching, a clear error per bad entry.
 */
import { describe, expect, it } from 'vitest';
import { CidrError, CidrList, parseCidr } from '../../src/shared/cidr.ts';
import { IpLimiter } from '../../src/main/engine/ip-limiter.ts';
import { isForbiddenCoreAddress } from '../../src/main/ui/page-guards.ts';

describe('CIDR syntax', () => {
  it('accepts ADDRESS/PREFIX and a bare ADDRESS (IPv4 /32, IPv6 /128), masking host bits', () => {
    expect(parseCidr('10.1.2.3/8', 'x')).toEqual({ bytes: new Uint8Array([10, 0, 0, 0]), prefix: 8 });
    expect(parseCidr('10.1.2.3', 'x')).toEqual({ bytes: new Uint8Array([10, 1, 2, 3]), prefix: 32 });
    expect(parseCidr('::1', 'x').prefix).toBe(128);
    expect(parseCidr('2001:db8::7/32', 'x').bytes).toEqual(new Uint8Array([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(12).fill(0)]));
    expect(parseCidr('0.0.0.0/0', 'x').prefix).toBe(0);
    // an IPv4-mapped range is the IPv4 range it maps
    expect(parseCidr('::ffff:192.168.0.0/112', 'x')).toEqual({ bytes: new Uint8Array([192, 168, 0, 0]), prefix: 16 });
    expect(parseCidr('::ffff:1.2.3.4', 'x')).toEqual({ bytes: new Uint8Array([1, 2, 3, 4]), prefix: 32 });
  });

  it('rejects anything else with an error naming the list, the entry and the reason', () => {
    const cases: [string, RegExp][] = [
      ['banana', /not an IPv4 address/],
      ['10.0.0.0/33', /prefix is above 32/],
      ['::1/129', /prefix is above 128/],
      ['10.0.0.0/', /prefix is not a number/],
      ['10.0.0.0/-1', /prefix is not a number/],
      ['10.0.0.0/8/8', /prefix is not a number/],
      ['/8', /no address/],
      ['[::1]/128', /brackets and zones/],
      ['[::1]', /brackets and zones/],
      ['fe80::1%eth0/64', /brackets and zones/],
      ['01.2.3.4', /not an IPv4 address/],
      ['1.2.3', /not an IPv4 address/],
      ['gggg::/16', /not an IPv6 address/],
      ['1.2.3.4:80', /not an IPv6 address/],
    ];
    for (const [entry, reason] of cases) {
      let err: unknown;
      try {
        CidrList.parse(['10.0.0.0/8', entry], 'trusted proxies');
      } catch (e) {
        err = e;
      }
      expect(err, entry).toBeInstanceOf(CidrError);
      expect((err as CidrError).entry).toBe(entry);
      expect((err as Error).message, entry).toMatch(/^invalid CIDR in the trusted proxies: /);
      expect((err as Error).message, entry).toContain(JSON.stringify(entry));
      expect((err as Error).message, entry).toMatch(reason);
    }
  });

  it('trims entries and skips empty ones', () => {
    const l = CidrList.parse(['', '  ', ' 10.0.0.0/8 '], 'x');
    expect(l.entries).toEqual(['10.0.0.0/8']);
    expect(l.size).toBe(1);
    expect(CidrList.parse(undefined, 'x').size).toBe(0);
  });
});

describe('CIDR matching (Go net.IPNet.Contains)', () => {
  const l = CidrList.parse(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', 'fe80::/10'], 'x');

  it('matches IPv4, IPv4-mapped, bracketed, zoned and with a port', () => {
    expect(l.contains('10.200.1.1')).toBe(true);
    expect(l.contains('::ffff:10.200.1.1')).toBe(true);
    expect(l.contains('192.0.2.7')).toBe(true);
    expect(l.contains('192.0.2.8')).toBe(false);
    expect(l.contains('11.0.0.1')).toBe(false);
    expect(l.contains('2001:db8:ffff::1')).toBe(true);
    expect(l.contains('[2001:db8::1]:53422')).toBe(true);
    expect(l.contains('fe80::1%eth0')).toBe(true);
    expect(l.contains('2001:db9::1')).toBe(false);
  });

  it('keeps IPv6 ranges to IPv6 addresses, and gives false for what does not parse', () => {
    const all6 = CidrList.parse(['::/0'], 'x');
    expect(all6.contains('2001:db8::5')).toBe(true);
    expect(all6.contains('1.2.3.4')).toBe(false);
    for (const bad of ['', 'localhost', '256.1.1.1', '[::1', 'fe80::1%']) expect(l.contains(bad), bad).toBe(false);
  });

  it('is the same rule for the ignore list, the trusted proxies and the forbidden Core addresses', () => {
    // a bare address in each list
    expect(IpLimiter.fromCidrs(['198.51.100.4']).isCollectable('198.51.100.4')).toBe(false);
    expect(CidrList.parse(['198.51.100.4'], 'trusted proxies').contains('::ffff:198.51.100.4')).toBe(true);
    expect(isForbiddenCoreAddress('100.100.100.200')).toBe(true);
    expect(isForbiddenCoreAddress('[fe80::1%25en0]')).toBe(true);
    expect(isForbiddenCoreAddress('::ffff:169.254.169.254')).toBe(true);
    // the same bad entry, the same error, named for its list
    expect(() => IpLimiter.fromCidrs(['10.0.0.0/33'])).toThrow(/^invalid CIDR in the IP ignore list: "10.0.0.0\/33": the prefix is above 32/);
  });
});
