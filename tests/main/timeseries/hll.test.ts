import { describe, expect, it } from 'vitest';
import { HyperLogLog, HLL_REGISTERS } from '../../../src/main/timeseries/hll.ts';
import { viewerIdentity } from '../../../src/main/timeseries/sampler.ts';

describe('unique viewers: HyperLogLog', () => {
  it('counts small sets exactly and large ones within three standard errors (3 × 3.25 %)', () => {
    const small = new HyperLogLog();
    for (let i = 0; i < 5; i++) small.add(`[203.0.113.0] browser-${i}`);
    small.add('[203.0.113.0] browser-0'); // the same viewer again
    expect(small.estimate()).toBe(5);
    for (const n of [1000, 20_000]) {
      const h = new HyperLogLog();
      for (let i = 0; i < n; i++) h.add(`198.51.100.${i % 250} agent-${i}`);
      expect(Math.abs(h.estimate() - n) / n).toBeLessThan(3 * 0.0325);
    }
  });

  it('merges as a union (days into a month, streams into a total), and survives its encoding', () => {
    const a = new HyperLogLog();
    const b = new HyperLogLog();
    for (let i = 0; i < 300; i++) a.add(`v${i}`);
    for (let i = 200; i < 500; i++) b.add(`v${i}`);
    const union = HyperLogLog.decode(a.encode());
    union.merge(HyperLogLog.decode(b.encode()));
    expect(Math.abs(union.estimate() - 500) / 500).toBeLessThan(0.1);
    expect(a.encode()[0]).toBe(1); // sparse while small
    const big = new HyperLogLog();
    for (let i = 0; i < 5000; i++) big.add(`w${i}`);
    expect(big.encode()).toHaveLength(1 + HLL_REGISTERS); // dense
    expect(HyperLogLog.decode(big.encode()).registers).toEqual(big.registers);
  });

  it('reads damaged bytes as an empty sketch, never throws', () => {
    for (const bytes of [new Uint8Array([9, 9, 9]), new Uint8Array([1, 0xff]), new Uint8Array([2, 1, 2]), new Uint8Array(0), null]) {
      expect(HyperLogLog.decode(bytes).estimate()).toBeGreaterThanOrEqual(0);
    }
  });

  it('a viewer is its address and user agent: HLS from extra, RTMP/SRT address without the port', () => {
    const base = { core: 'local', id: 'x', reference: 'cam', location: '', createdAtMs: 0, rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0 };
    expect(viewerIdentity({ ...base, collector: 'hls', peer: 'www.example.com', extra: '[203.0.113.0] Firefox' })).toBe('[203.0.113.0] Firefox');
    expect(viewerIdentity({ ...base, collector: 'rtmp', peer: '192.0.2.7:50412', extra: '' })).toBe(viewerIdentity({ ...base, collector: 'rtmp', peer: '192.0.2.7:50999', extra: '' }));
    expect(viewerIdentity({ ...base, collector: 'srt', peer: '[2001:db8::1]:4000', extra: '' })).toBe('2001:db8::1 ');
  });
});
