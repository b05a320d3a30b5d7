import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fnv1a32, inShard, parseShard, shardFleet, shardOf } from '../../../src/main/prometheus/shard.ts';
import { createFleet } from '../../../src/main/remote/fleet.ts';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { FakeReader } from '../api/support.ts';
import { startHeadless, type Headless } from '../../support/headless.ts';
import { startTestCore, type TestCore } from '../../support/test-core.ts';
import { waitFor } from '../../support/wait.ts';

describe('shard rule', () => {
  it('is 32-bit FNV-1a over UTF-8 (the published test vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32('ü')).toBe(fnv1a32('\u00fc'));
  });

  it('puts every id in exactly one shard, spread over all of them', () => {
    for (const count of [1, 2, 3, 7]) {
      const sizes = new Array<number>(count).fill(0);
      for (let i = 0; i < 2000; i++) {
        const id = `10.0.${i >> 8}.${i & 255}:8080`;
        const owners = Array.from({ length: count }, (_, index) => inShard(id, { index, count })).filter(Boolean).length;
        expect(owners).toBe(1);
        sizes[shardOf(id, count)]++;
      }
      for (const n of sizes) expect(n).toBeGreaterThan(2000 / count / 2);
    }
    expect(inShard('anything', null)).toBe(true);
  });

  it('parses I/N with clear errors', () => {
    expect(parseShard('1/2')).toEqual({ index: 1, count: 2 });
    expect(parseShard(' 0 / 3 ')).toEqual({ index: 0, count: 3 });
    expect(() => parseShard('2/2')).toThrow(/less than N/);
    expect(() => parseShard('0/0')).toThrow(/between 1 and 1024/);
    expect(() => parseShard('half')).toThrow(/expected I\/N/);
  });

  it('a sharded fleet does not poll Cores of other shards and says which shard does', async () => {
    const clock = new FakeClock(1_780_000_000_000);
    const inner = createFleet({ local: { id: 'local', name: 'me', reader: new FakeReader({}) }, clock, log: memoryLogger() });
    const fleet = shardFleet(inner, { index: 0, count: 2 }, memoryLogger());
    const ids = Array.from({ length: 8 }, (_, i) => `127.0.0.1:${9000 + i}`);
    const infos = ids.map((id) => fleet.addCore({ id, url: `http://${id}`, enabled: false }));
    const mine = ids.filter((id) => shardOf(id, 2) === 0);
    expect(fleet.remoteConfigs().map((c) => c.id).sort()).toEqual(mine.sort());
    for (const info of infos.filter((i) => !mine.includes(i.id))) expect(info.lastError).toMatch(/watched by shard 1\/2/);
    // After start-up, adding a Core of the other shard from the dashboard is refused, naming its shard.
    fleet.restored();
    const theirs = ids.find((id) => shardOf(id, 2) === 1)!;
    expect(() => fleet.addCore({ id: theirs, url: `http://${theirs}` })).toThrow(/belongs to shard 1\/2 \(this instance runs --shard 0\/2\)/);
    const other = Array.from({ length: 50 }, (_, i) => `127.0.0.2:${9100 + i}`).find((id) => shardOf(id, 2) === 1)!;
    expect(() => fleet.addCore({ id: other, url: `http://${other}` })).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
    await fleet.stop();
  });
});

describe('two sharded headless instances over four Cores', () => {
  let cores: TestCore[] = [];
  let instances: Headless[] = [];
  beforeAll(async () => {
    cores = await Promise.all([0, 1, 2, 3].map(() => startTestCore({ phase: 'snap-02', failedLoginDelayMs: 50 })));
    const coreArgs = cores.flatMap((c) => ['--core', c.urlWithCredentials]);
    instances = await Promise.all([0, 1].map((i) => startHeadless(['--shard', `${i}/2`, '--rtmp', 'off', '--srt', 'off', '--no-timeseries', ...coreArgs])));
  }, 40_000);
  afterAll(async () => {
    await Promise.all(instances.map((h) => h.stop()));
    await Promise.all(cores.map((c) => c.close()));
  });

  it('add up to the whole fleet without overlap', async () => {
    const ids = cores.map((c) => `127.0.0.1:${c.port}`);
    const upOf = (text: string): Set<string> => new Set([...text.matchAll(/^core_sessions_core_up\{core="([^"]+)"\} 1$/gm)].map((m) => m[1]));
    let texts: string[] = [];
    await waitFor(async () => {
      texts = await Promise.all(instances.map(async (h) => (await fetch(`${h.url}/metrics`)).text()));
      const ups = texts.map((t) => [...upOf(t)]);
      // The remote Cores' first poll can finish before an instance's local core has its first update.
      return ups.flat().filter((id) => ids.includes(id)).length >= 4 && ups.every((list) => list.some((id) => !ids.includes(id)));
    }, 'the 4 remote Cores and both local cores up', 20_000, 250);
    const perInstance = texts.map((t) => [...upOf(t)]);
    const remote = perInstance.map((list) => list.filter((id) => ids.includes(id)).sort());
    expect([...remote[0], ...remote[1]].sort()).toEqual([...ids].sort());
    expect(remote[0].filter((id) => remote[1].includes(id))).toEqual([]);
    for (const [i, list] of remote.entries()) for (const id of list) expect(shardOf(id, 2)).toBe(i);
    // Each exports its own local core, under distinct ids.
    const locals = perInstance.map((list) => list.filter((id) => !ids.includes(id)));
    expect(locals.map((l) => l.length)).toEqual([1, 1]);
    expect(locals[0][0]).not.toBe(locals[1][0]);
    // Per-stream sums over both instances are the whole fleet's: 3 HLS viewers of peer-hls on each of the 4 Cores.
    const viewers = texts.flatMap((t) => [...t.matchAll(/^core_sessions_stream_viewers\{core="[^"]+",protocol="hls",stream="peer-hls"\} (\d+)$/gm)].map((m) => Number(m[1])));
    expect(viewers.reduce((a, b) => a + b, 0)).toBe(12);
  }, 30_000);
});
