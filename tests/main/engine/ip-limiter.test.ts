import { describe, expect, it } from 'vitest';
import { IpLimiter } from '../../../src/main/engine/ip-limiter.ts';
import { parseIp } from '../../../src/shared/cidr.ts';

describe('IpLimiter (spec §3.5)', () => {
  const core = IpLimiter.fromCidrs(['127.0.0.1/32', '::1/128']);

  it("applies Core's default ignore list", () => {
    expect(core.isCollectable('127.0.0.1')).toBe(false);
    expect(core.isCollectable('::1')).toBe(false);
    expect(core.isCollectable('127.0.0.2')).toBe(true);
    expect(core.isCollectable('198.51.100.23')).toBe(true);
    expect(core.isCollectable('2001:db8::1')).toBe(true);
  });

  it('matches IPv4-mapped IPv6 addresses against IPv4 rules', () => {
    expect(core.isCollectable('::ffff:127.0.0.1')).toBe(false);
    expect(core.isCollectable('::FFFF:7f00:1')).toBe(false);
    expect(core.isCollectable('[::ffff:127.0.0.1]')).toBe(false);
    expect(core.isCollectable('::ffff:127.0.0.2')).toBe(true);
    const net = IpLimiter.fromCidrs(['10.0.0.0/8']);
    expect(net.isCollectable('::ffff:10.200.1.1')).toBe(false);
    expect(net.isCollectable('::ffff:11.0.0.1')).toBe(true);
  });

  it('treats a mapped IPv6 range as the IPv4 range it maps', () => {
    const l = IpLimiter.fromCidrs(['::ffff:192.168.0.0/112']);
    expect(l.isCollectable('192.168.7.7')).toBe(false);
    expect(l.isCollectable('192.169.0.1')).toBe(true);
  });

  it('keeps IPv6 ranges to IPv6 addresses (as Go does)', () => {
    const l = IpLimiter.fromCidrs(['::/0']);
    expect(l.isCollectable('2001:db8::5')).toBe(false);
    expect(l.isCollectable('1.2.3.4')).toBe(true);
    const doc = IpLimiter.fromCidrs(['2001:db8::/32', 'fe80::/10']);
    expect(doc.isCollectable('2001:db8:ffff::1')).toBe(false);
    expect(doc.isCollectable('2001:db9::1')).toBe(true);
    expect(doc.isCollectable('fe80::1%eth0')).toBe(false);
    expect(doc.isCollectable('[fe80::abcd%25en0]')).toBe(false);
    expect(doc.isCollectable('[2001:db8::1]:53422')).toBe(false);
  });

  it('says "not collectable" for empty or unparseable addresses', () => {
    const empty = IpLimiter.empty();
    for (const bad of ['', 'localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', ' 1.2.3.4', '1:2:3:4:5:6:7:8:9', '::1::', 'fe80::1%', '[::1', '1.2.3.4:80', 'gggg::1']) {
      expect(empty.isCollectable(bad), bad).toBe(false);
    }
    expect(empty.isCollectable('1.2.3.4')).toBe(true);
    expect(empty.isCollectable('::')).toBe(true);
    expect(empty.isCollectable('1:2:3:4:5:6:7:8')).toBe(true);
    expect(empty.isCollectable('::ffff:1.2.3.4')).toBe(true);
  });

  it('skips empty entries and rejects invalid ones with a clear error', () => {
    expect(IpLimiter.fromCidrs(['', '  ', '10.0.0.0/8']).cidrs).toEqual(['10.0.0.0/8']);
    expect(IpLimiter.fromCidrs([]).isCollectable('127.0.0.1')).toBe(true);
    for (const bad of ['10.0.0.0/33', '::1/129', 'foo/8', '10.0.0.0/', '10.0.0.0/-1', '[::1]/128']) {
      expect(() => IpLimiter.fromCidrs(['127.0.0.1/32', bad]), bad).toThrow(/invalid CIDR in the IP ignore list/);
    }
  });

  it('takes a bare address as /32 or /128 (the one CIDR syntax, src/shared/cidr.ts)', () => {
    const l = IpLimiter.fromCidrs(['127.0.0.1', '::1']);
    expect(l.isCollectable('127.0.0.1')).toBe(false);
    expect(l.isCollectable('::ffff:127.0.0.1')).toBe(false);
    expect(l.isCollectable('127.0.0.2')).toBe(true);
    expect(l.isCollectable('::1')).toBe(false);
    expect(l.isCollectable('::2')).toBe(true);
  });

  it('masks the host bits of a range', () => {
    const l = IpLimiter.fromCidrs(['192.168.1.77/24']);
    expect(l.isCollectable('192.168.1.1')).toBe(false);
    expect(l.isCollectable('192.168.2.1')).toBe(true);
  });

  it('parses addresses to 4 or 16 bytes', () => {
    expect([...parseIp('::ffff:1.2.3.4')!]).toEqual([1, 2, 3, 4]);
    expect(parseIp('2001:db8::1')!.length).toBe(16);
    expect(parseIp('::1.2.3.4')!.length).toBe(16);
  });
});
