import { describe, expect, it } from 'vitest';
import { clientKey, ConnectionsPerClient, FailureBudget, HeldBudget } from '../../../src/main/http/client-limits.ts';

describe('clientKey', () => {
  it('is the IPv4 address, or the IPv6 /64', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8:1:2::9')).toBe(clientKey('2001:db8:1:2:ffff::1'));
    expect(clientKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientKey(undefined)).toBe('');
  });
});

describe('ConnectionsPerClient', () => {
  it('refuses above the bound per client and frees on close; 0 = no bound', () => {
    const c = new ConnectionsPerClient(2);
    expect([c.tryOpen('a'), c.tryOpen('a'), c.tryOpen('a'), c.tryOpen('b')]).toEqual([true, true, false, true]);
    expect(c.refused).toBe(1);
    c.close('a');
    expect(c.tryOpen('a')).toBe(true);
    const none = new ConnectionsPerClient(0);
    for (let i = 0; i < 1000; i++) expect(none.tryOpen('a')).toBe(true);
  });
});

describe('FailureBudget', () => {
  it('gives a burst, refills over time, refunds successes, and bounds its memory', () => {
    let now = 0;
    const b = new FailureBudget({ burst: 3, refillPerSec: 0.5, maxClients: 2, now: () => now });
    expect([b.take('x'), b.take('x'), b.take('x'), b.take('x')]).toEqual([true, true, true, false]);
    expect(b.retryAfterSec('x')).toBe(2);
    expect(b.take('y')).toBe(true); // another client is not affected
    now += 2000;
    expect(b.take('x')).toBe(true);
    expect(b.take('x')).toBe(false);
    b.refund('x');
    expect(b.take('x')).toBe(true);
    b.take('z'); // a third client: the least recently seen (y) is forgotten, and starts full again
    expect([b.take('y'), b.take('y'), b.take('y')]).toEqual([true, true, true]);
  });
});

describe('HeldBudget', () => {
  it('refuses a charge past the client\'s share or the whole, charging nothing; releases give room back', () => {
    const b = new HeldBudget(10, 6);
    const x1 = b.account('x');
    const x2 = b.account('x');
    const y = b.account('y');
    expect(x1.charge(4)).toBe(true);
    expect(x2.charge(3)).toBe(false); // x would hold 7 > 6
    expect(x2.charge(2)).toBe(true);
    expect(y.charge(5)).toBe(false); // 11 > 10 in all
    expect(y.charge(4)).toBe(true);
    expect([b.heldBy('x'), b.heldBy('y'), b.total]).toEqual([6, 4, 10]);
    x1.release(4);
    expect(y.charge(2)).toBe(true);
    expect([b.heldBy('x'), b.heldBy('y'), b.total]).toEqual([2, 6, 8]);
    x2.release(2);
    y.release(6);
    expect(b.total).toBe(0);
    expect(new HeldBudget(0, 0).account('z').charge(1e12)).toBe(true); // 0: no bound
  });
});
