import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/main/engine/clock.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { FileSecretStore, loadRemoteCores, parseCoreUrl, RemoteConfigError } from '../../../src/main/remote/config.ts';
import { parseArgs } from '../../../src/main/config.ts';
import { defaultCoreId } from '../../../src/main/remote/fleet.ts';
import { MIB, parseClusterNodes, parseIssues, parseSessionSummary } from '../../../src/main/remote/parse.ts';
import { RemotePoller } from '../../../src/main/remote/poller.ts';
import { fixture, startTestCore } from '../../support/test-core.ts';
import { waitFor } from '../../support/wait.ts';

describe('tolerant parsing', () => {
  it('converts a recorded summary back to raw units', () => {
    const m = parseSessionSummary(JSON.parse(fixture('during/snap-01/session.json')));
    const ffmpeg = m.get('ffmpeg')!;
    const rec = JSON.parse(fixture('during/snap-01/session.json')).ffmpeg.active;
    expect(ffmpeg.active[0]).toMatchObject({ id: 'peer-hls', createdAtMs: rec.list[0].created_at * 1000, txBitsPerSec: rec.list[0].bandwidth_tx_kbit * 1024, extra: '' });
    expect(ffmpeg.txBitsPerSec).toBe(rec.bandwidth_tx_mbit * MIB);
    expect(ffmpeg.txBitsPerSec / MIB).toBe(rec.bandwidth_tx_mbit); // exact round trip
    const closed = parseSessionSummary(JSON.parse(fixture('after-close/session.json')));
    expect(closed.get('rtmp')!.history.totals).toEqual({ sessions: 3, rxBytes: 7 * MIB, txBytes: 14 * MIB });
  });

  it('tags the sessions as the fleet snapshot rows of a Core, with the same values as the checked parse', () => {
    for (const phase of ['during/snap-01', 'during/snap-02', 'after-close']) {
      const body = JSON.parse(fixture(`${phase}/session.json`)) as Record<string, unknown>;
      const plain = parseSessionSummary(body);
      const tagged = parseSessionSummary(body, parseIssues(), 'studio');
      for (const [collector, summary] of plain) {
        expect(tagged.get(collector)!.active).toEqual(summary.active.map((s) => ({ core: 'studio', collector, ...s })));
      }
    }
    // A numeric string, a past-the-clamp count and a negative one take the checked path, tagged too.
    const odd = parseSessionSummary({ rtmp: { active: { list: [{ id: 'a', created_at: '5', bytes_rx: 2 ** 60 }, { id: 'b', created_at: 1, bytes_tx: -1 }] } } }, parseIssues(), 'studio');
    expect(odd.get('rtmp')!.active).toEqual([{ core: 'studio', collector: 'rtmp', id: 'a', reference: '', createdAtMs: 5000, location: '', peer: '', extra: '', rxBytes: Number.MAX_SAFE_INTEGER, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0 }]);
  });

  it('accepts extra as an object, numeric strings, unknown fields and missing maps', () => {
    const m = parseSessionSummary({ hls: { active: { list: [{ id: 'x', created_at: '5', extra: { ip: '1.2.3.4', ua: 'a' }, bandwidth_tx_kbit: 1.5, new_field: [1] }] } }, srt: { active: { list: null } } });
    expect(m.get('hls')!.active[0]).toMatchObject({ id: 'x', createdAtMs: 5000, extra: '{"ip":"1.2.3.4","ua":"a"}', txBitsPerSec: 1536, rxBytes: 0 });
    expect(m.get('srt')!.active).toEqual([]);
    const s = parseSessionSummary({ hls: { active: { sessions: 1 }, resources: {} } });
    expect(s.get('hls')!.activeSessions).toBe(1);
    expect(s.get('hls')!.history.peers.size).toBe(0);
  });

  it('wrong shapes are errors (incompatible), never crashes', () => {
    for (const bad of [[], null, 'x', { hls: [] }, { hls: { active: { list: {} } } }, { hls: { active: { sessions: 'many' } } }, { hls: { active: { list: [1] } } }]) {
      expect(() => parseSessionSummary(bad)).toThrow(expect.objectContaining({ kind: 'incompatible' }));
    }
    expect(() => parseSessionSummary({ hls: { active: { list: {} } } })).toThrow(expect.objectContaining({ kind: 'incompatible' }));
  });

  it('hostile numbers: a negative count leaves out its record (or counts 0 as a lone field), noted with its path; past 2^53 is clamped, never 0', () => {
    const cases: Array<[unknown, string]> = [
      [{ hls: { active: { sessions: -1 } } }, 'hls.active.sessions: negative value -1'],
      [{ hls: { active: { bandwidth_tx_mbit: -5 } } }, 'hls.active.bandwidth_tx_mbit: negative value -5'],
      [{ hls: { summary: { traffic_tx_mb: -100 } } }, 'hls.summary.traffic_tx_mb: negative value -100'],
      [{ hls: { summary: { remote: { p: { sessions: -2 } } } } }, 'hls.summary.remote.p.sessions: negative value -2'],
      [{ hls: { summary: { reference: { cam: { traffic_rx_mb: '-1' } } } } }, 'hls.summary.reference.cam.traffic_rx_mb: negative value -1'],
      [{ hls: { active: { list: [{ id: 'x', bytes_tx: -1 }] } } }, 'hls.active.list[0].bytes_tx: negative value -1'],
    ];
    for (const [bad, path] of cases) {
      const issues = parseIssues();
      const s = parseSessionSummary(bad, issues).get('hls')!;
      expect(issues).toEqual({ rejected: 1, examples: [path] });
      expect(s.activeSessions).toBe(0);
      expect(s.active).toEqual([]);
      expect(s.txBitsPerSec).toBe(0);
      expect(s.history.totals).toEqual({ sessions: 0, rxBytes: 0, txBytes: 0 });
      expect(s.history.peers.size + s.history.references.size).toBe(0);
    }
    // One bad session of a list: the others stay.
    const issues = parseIssues();
    const a = parseSessionSummary({ rtmp: { active: { list: [{ id: 'ok', bytes_rx: 5 }, { id: 'x', bandwidth_rx_kbit: '-0.5' }, { id: 'ok2' }] } } }, issues);
    expect(a.get('rtmp')!.active.map((s) => s.id)).toEqual(['ok', 'ok2']);
    expect(issues.examples).toEqual(['rtmp.active.list[1].bandwidth_rx_kbit: negative value -0.5']);
    // Past 2^53 and past the double range (JSON.parse reads 1e400 as Infinity): the largest safe integer, never 0.
    const big = parseSessionSummary(JSON.parse('{"hls":{"active":{"list":[{"id":"x","bytes_tx":18446744073709551615,"bandwidth_tx_kbit":1e400}],"bandwidth_tx_mbit":"1e300"},"summary":{"traffic_tx_mb":1e308}}}'));
    const hls = big.get('hls')!;
    // Clamped in the remote's unit (whole kbit, whole MB), so the value renders back to a whole number of it.
    const clamped = (unit: number): number => Math.floor(Number.MAX_SAFE_INTEGER / unit) * unit;
    expect(hls.active[0]!.txBytes).toBe(Number.MAX_SAFE_INTEGER);
    expect(hls.active[0]!.txBitsPerSec).toBe(clamped(1024));
    expect(hls.txBitsPerSec).toBe(clamped(MIB));
    expect(hls.history.totals.txBytes).toBe(clamped(MIB));
    // Shapes are still shapes: a non-numeric count is `incompatible` for the whole answer.
    expect(() => parseSessionSummary({ hls: { active: { sessions: 'many' } } })).toThrow(expect.objectContaining({ kind: 'incompatible' }));
  });

  it('cluster nodes: core.address, with scheme/host taken from the Core when missing', () => {
    const nodes = parseClusterNodes(
      { nodes: [{ id: 'n1', name: 'one', core: { address: 'http://10.0.0.1:8080' } }, { id: 'n2', core: { address: ':8081' } }, { id: 'n3' }] },
      'https://core.example:8080',
    );
    expect(nodes).toEqual([
      { id: 'n1', name: 'one', url: 'http://10.0.0.1:8080' },
      { id: 'n2', name: 'n2', url: 'https://core.example:8081' },
    ]);
  });
});

describe('configuration', () => {
  it('--core URL with credentials, --core-credentials FILE, secret store', async () => {
    // The app's own flag parser: --core repeats, in both spellings.
    const { config } = parseArgs(['--core', 'http://admin:p%40ss@10.0.0.5:8080/', '--core=https://b.example', '--core-credentials', 'f.json'], () => '', undefined, {});
    const flags = { cores: config.cores, credentialsFile: config.coreCredentialsFile };
    expect(flags).toEqual({ cores: ['http://admin:p%40ss@10.0.0.5:8080/', 'https://b.example'], credentialsFile: 'f.json' });
    expect(parseCoreUrl('http://admin:p%40ss@10.0.0.5:8080/')).toEqual({ url: 'http://10.0.0.5:8080', credentials: { username: 'admin', password: 'p@ss' } });
    const file = JSON.stringify({ cores: [{ url: 'https://b.example', username: 'u', password: 'x', name: 'B' }, { url: 'http://c.example:9000', id: 'c' }] });
    const cfg = await loadRemoteCores({ cores: flags.cores, credentialsFile: 'f.json', readFile: async () => file });
    expect(cfg.map((c) => [c.id, c.url, c.name, c.credentials?.username])).toEqual([
      ['10.0.0.5:8080', 'http://10.0.0.5:8080', undefined, 'admin'],
      ['b.example:443', 'https://b.example', 'B', 'u'],
      ['c', 'http://c.example:9000', undefined, undefined],
    ]);
    expect(() => parseCoreUrl('ftp://x')).toThrow(RemoteConfigError);
    const err = (() => {
      try {
        parseCoreUrl('http://admin:secret@[bad');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).not.toContain('secret');
    expect(defaultCoreId('http://[::1]:8080/core/')).toBe('[::1]:8080/core');
  });

  it('FileSecretStore writes mode 0600 and says so', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'secrets-'));
    try {
      const lines: string[] = [];
      const store = new FileSecretStore(dir, memoryLogger(lines));
      await store.set('a', { username: 'u', password: 'pw1' });
      await store.set('b', { username: 'v', password: 'pw2' });
      expect(await store.get('a')).toEqual({ username: 'u', password: 'pw1' });
      await store.delete('a');
      expect(await store.get('a')).toBeUndefined();
      expect((await stat(store.path)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(store.path, 'utf8'))).toEqual({ b: { username: 'v', password: 'pw2' } });
      expect(lines.join('\n')).toMatch(/mode 0600/);
      expect(lines.join('\n')).not.toMatch(/pw1|pw2/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('back-off (fake clock)', () => {
  it('grows exponentially with full jitter up to 30 s, and resets on recovery', async () => {
    const core = await startTestCore({ failedLoginDelayMs: 50 });
    const clock = new FakeClock(Date.now());
    const p = new RemotePoller({ id: 'x', url: core.url, credentials: { username: 'admin', password: 'datarhei' } }, { clock, log: memoryLogger(), random: () => 0.999 });
    try {
      p.start();
      await waitFor(() => !p.stats().inFlight && p.state === 'online', 'online', 15_000);
      await core.refuse();
      const delays: number[] = [];
      for (let i = 0; i < 7; i++) {
        const before = p.stats().polls;
        while (p.stats().polls === before) clock.advance(100); // ticks come every interval; the first one past the back-off polls
        await waitFor(() => !p.stats().inFlight, 'poll done', 15_000);
        delays.push(p.stats().backoffMs);
      }
      expect(p.state).toBe('unreachable');
      // random 0.999 × min(30 s, 1 s × 2^n)
      expect(delays).toEqual([1998, 3996, 7992, 15984, 29970, 29970, 29970]);
      const polls = p.stats().polls;
      clock.advance(1000); // ticks inside the back-off do not poll
      expect(p.stats().polls).toBe(polls);
      await core.accept();
      const before = p.stats().polls;
      while (p.stats().polls === before) clock.advance(100);
      await waitFor(() => !p.stats().inFlight && p.state === 'online', 'recovered', 15_000);
      expect(p.stats()).toMatchObject({ consecutiveFailures: 0, backoffMs: 0 });
      expect(clock.timerCount).toBe(1); // one interval, nothing piles up
    } finally {
      await p.stop();
      await core.close();
    }
  });
});
