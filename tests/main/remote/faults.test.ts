/**
 * Fault injection against two test Cores polled by one fleet: A gets each fault, B must stay online throughout.
 * For each fault: the state shown, the back-off, the recovery without user action, no crash, bounded resources.
 * Real clock with short intervals (100 ms) and short client timeouts; no timing assertions.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/main/engine/clock.ts';
import type { SessionReader } from '../../../src/main/engine/types.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createFleet, type Fleet } from '../../../src/main/remote/fleet.ts';
import { startTestCore, type Fault, type TestCore } from '../../support/test-core.ts';
import { SHORT_TIMEOUTS } from './helpers.ts';
import { zeroSummary } from '../../../src/main/engine/registry.ts';
import { sleep, waitFor } from '../../support/wait.ts';

const emptyReader: SessionReader = { ids: () => [], summary: () => zeroSummary(), active: () => [] };

let A: TestCore;
let B: TestCore;
let fleet: Fleet;
const logLines: string[] = [];

const creds = { username: 'admin', password: 'datarhei' };
const st = (id: string) => fleet.stats()[id]!;
const info = (id: string) => fleet.cores().find((c) => c.id === id)!;

beforeAll(async () => {
  A = await startTestCore({ coreId: 'core-a', coreName: 'A', failedLoginDelayMs: 100 });
  B = await startTestCore({ coreId: 'core-b', coreName: 'B', failedLoginDelayMs: 100 });
  fleet = createFleet({
    local: { id: 'local', name: 'this app', reader: emptyReader },
    clock: systemClock,
    log: memoryLogger(logLines),
    random: () => 0.5,
    minBackoffMs: 50,
    timeouts: SHORT_TIMEOUTS,
  });
  fleet.addCore({ id: 'a', url: A.url, credentials: creds, intervalMs: 100 });
  fleet.addCore({ id: 'b', url: B.url, credentials: creds, intervalMs: 100 });
  await waitFor(() => info('a').state === 'online' && info('b').state === 'online', 'both online', 15_000);
});

afterAll(async () => {
  await fleet.stop();
  await A.close();
  await B.close();
});

interface Scenario {
  name: string;
  inject: () => void | Promise<void>;
  clear: () => void | Promise<void>;
  state: 'unreachable' | 'incompatible';
  error: RegExp;
}

const fault = (f: Fault) => () => A.setFault(f);
const clearFault = () => A.setFault(undefined);

const scenarios: Scenario[] = [
  { name: 'refused connection', inject: () => A.refuse(), clear: () => A.accept(), state: 'unreachable', error: /ECONNREFUSED|other side closed|UND_ERR/ },
  { name: 'a hang', inject: fault({ kind: 'hang' }), clear: clearFault, state: 'unreachable', error: /timeout/ },
  { name: 'a 5 s delay (longer than the request timeout)', inject: fault({ kind: 'delay', delayMs: 5000 }), clear: clearFault, state: 'unreachable', error: /timeout/ },
  // One byte every 300 ms keeps undici's idle timers (800 ms here) happy: only the total deadline ends the request.
  { name: 'a drip (one byte every 300 ms)', inject: fault({ kind: 'drip', delayMs: 300 }), clear: clearFault, state: 'unreachable', error: /no complete answer within 800 ms/ },
  { name: 'HTTP 500', inject: fault({ kind: 'http500' }), clear: clearFault, state: 'unreachable', error: /HTTP 500/ },
  { name: 'truncated JSON', inject: fault({ kind: 'truncated' }), clear: clearFault, state: 'unreachable', error: /invalid JSON/ },
  { name: 'HTML instead of JSON', inject: fault({ kind: 'html', scope: 'all' }), clear: clearFault, state: 'incompatible', error: /HTML/ },
];

describe('faults on one Core', () => {
  for (const s of scenarios) {
    it(`${s.name}: state ${s.state}, back-off, recovery; the other Core unaffected`, async () => {
      const bBefore = st('b').okPolls;
      const aPollsBefore = st('a').polls;
      await s.inject();
      await waitFor(() => info('a').state === s.state, `a ${s.state}`, 15_000);
      expect(info('a').lastError).toMatch(s.error);
      expect(info('a').lastSuccessMs).toBeGreaterThan(0); // kept from before the fault
      expect(info('a').rttMs).toBeUndefined(); // the last answer's round trip is not shown beside the failure (walk2)
      // Back-off: consecutive failures get growing delays (random fixed at 0.5: 0.5 × interval × 2^n, at least 50 ms).
      await waitFor(() => st('a').consecutiveFailures >= 3, 'three failures', 15_000);
      const f = st('a');
      expect(f.backoffMs).toBeGreaterThanOrEqual(400);
      expect(f.backoffMs).toBeLessThanOrEqual(30_000);
      expect(f.polls - aPollsBefore).toBeLessThan(40); // not hammering
      await s.clear();
      await waitFor(() => info('a').state === 'online', 'a back online', 40_000);
      expect(info('a').lastError).toBeUndefined();
      expect(info('a').rttMs).toBeGreaterThan(0);
      expect(st('a').consecutiveFailures).toBe(0);
      // B polled all along and never failed.
      expect(st('b').okPolls).toBeGreaterThan(bBefore);
      expect(st('b').failedPolls).toBe(0);
      expect(info('b').state).toBe('online');
    });
  }

  it('a 5 s delay within the default 10 s request timeout: shown stale while it waits, one request in flight, ticks skipped, online again', async () => {
    const C = await startTestCore({ failedLoginDelayMs: 100 });
    const own = createFleet({ local: { id: 'local', name: 'x', reader: emptyReader }, clock: systemClock, log: memoryLogger() });
    try {
      own.addCore({ id: 'c', url: C.url, credentials: creds, intervalMs: 100 });
      const ci = () => own.cores().find((c) => c.id === 'c')!;
      const cs = () => own.stats()['c']!;
      await waitFor(() => ci().state === 'online', 'c online', 15_000);
      C.setFault({ kind: 'delay', delayMs: 5000, count: 1 });
      await waitFor(() => C.fault?.count === 0, 'delayed request started', 15_000);
      await waitFor(() => ci().state === 'stale', 'shown stale while the answer is late', 15_000);
      expect(ci().lastError).toMatch(/no fresh answer/);
      const skipped = cs().skippedTicks;
      await waitFor(() => cs().okPolls > 0 && cs().inFlight === false && cs().skippedTicks > skipped + 10, 'delayed poll done', 15_000);
      expect(ci().state).toBe('online');
      expect(ci().rttMs).toBeGreaterThan(0);
      expect(cs().failedPolls).toBe(0);
      expect(C.maxConcurrentSessionRequests).toBe(1); // one request in flight, the ticks meanwhile were skipped
      expect(info('b').state).toBe('online');
    } finally {
      await own.stop();
      await C.close();
    }
  }, 30_000);

  it('each request just within its deadline, the round past the poll deadline: unreachable by the round deadline, online again', async () => {
    const C = await startTestCore({ failedLoginDelayMs: 100 });
    const lines: string[] = [];
    const own = createFleet({
      local: { id: 'local', name: 'x', reader: emptyReader },
      clock: systemClock,
      log: memoryLogger(lines),
      random: () => 0.5,
      minBackoffMs: 50,
      // Two calls of 1000 ms each (identify, then the sessions): both well within the 3000 ms request deadline (room
      // for a busy machine), their sum past the 1500 ms round.
      timeouts: { ...SHORT_TIMEOUTS, requestTimeoutMs: 3000, pollTimeoutMs: 1500 },
    });
    try {
      own.addCore({ id: 'c', url: C.url, credentials: creds, intervalMs: 100 });
      const ci = () => own.cores().find((c) => c.id === 'c')!;
      const cs = () => own.stats()['c']!;
      await waitFor(() => ci().state === 'online', 'c online', 15_000);
      // A round is one session request once the Core is identified: `retry` makes the next round identify it again
      // (as after any failure), so the round holds two delayed calls.
      C.setFault({ kind: 'delay', delayMs: 1000, scope: 'all' });
      own.retry('c');
      await waitFor(() => ci().state === 'unreachable', 'c unreachable by the round deadline', 15_000);
      expect(ci().lastError).toMatch(/the poll round did not finish within 1500 ms/);
      await waitFor(() => !cs().inFlight, 'the poller free again', 15_000);
      C.setFault(undefined);
      await waitFor(() => ci().state === 'online', 'c online again', 20_000);
      expect(info('b').state).toBe('online');
    } finally {
      await own.stop();
      await C.close();
    }
  }, 30_000);

  it('401 mid-stream (all tokens revoked), a token expiring between two polls, a restart with a new JWT secret: recovered by refresh/login', async () => {
    const failed0 = st('a').failedPolls;
    const s0 = st('a').client;
    A.expireAccessTokens();
    // Renewed by a refresh (or by a login when the poll happened to re-identify first, e.g. after a slow poll).
    const renewed = (): boolean => st('a').client.refreshes > s0.refreshes || st('a').client.logins > s0.logins;
    await waitFor(renewed, () => `renewed after expiry: ${JSON.stringify(st('a'))}`, 15_000);
    await waitFor(() => !st('a').inFlight && info('a').state === 'online', 'renewal settled', 15_000);
    const s1 = st('a').client;
    A.revokeAllTokens();
    await waitFor(() => st('a').client.logins > s1.logins, () => `logged in again after revocation: ${JSON.stringify(st('a'))}`, 15_000);
    await waitFor(() => !st('a').inFlight && info('a').state === 'online', 'login settled', 15_000);
    A.setFault({ kind: 'unauthorized', count: 1 });
    await waitFor(() => A.fault?.count === 0 && info('a').state === 'online', () => `one 401 served: ${JSON.stringify(st('a'))} ${JSON.stringify(info('a'))} ${JSON.stringify(A.fault)}`, 15_000);
    expect(st('a').failedPolls).toBe(failed0); // every auth event was absorbed inside its poll
    const s2 = st('a').client;
    await A.restart();
    await waitFor(() => st('a').client.logins > s2.logins && info('a').state === 'online', () => `online after restart: ${JSON.stringify(st('a'))}`, 15_000);
    await waitFor(() => fleet.reader(['a']).summary('http').history.totals.sessions === 2, 'after-restart data', 15_000);
    expect(info('a').state).toBe('online');
    expect(info('b').state).toBe('online');
    expect(st('b').failedPolls).toBe(0);
  });

  it('wrong password: auth-failed, no login loop, recovers when the user fixes the credentials', async () => {
    const C = await startTestCore({ failedLoginDelayMs: 100 });
    try {
      fleet.addCore({ id: 'wrong', url: C.url, credentials: { username: 'admin', password: 'nope' }, intervalMs: 100 });
      await waitFor(() => info('wrong').state === 'auth-failed', 'auth-failed', 15_000);
      expect(info('wrong').lastError).toMatch(/invalid username or password/);
      await sleep(700); // 7 intervals
      expect(C.loginsFailed).toBe(1);
      await fleet.updateCore('wrong', { credentials: creds });
      await waitFor(() => info('wrong').state === 'online', 'online with fixed credentials', 15_000);
      expect(JSON.stringify(fleet.cores())).not.toMatch(/nope|datarhei"|eyJ/);
    } finally {
      await fleet.removeCore('wrong');
      await C.close();
    }
  });

  it('incompatible: an old Core without the session API, and something that is not a Core', async () => {
    const old = await startTestCore({ version: '16.7.1', failedLoginDelayMs: 100 });
    const other: Server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"app":"something-else","version":{"number":"1.0.0"}}');
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      fleet.addCore({ id: 'old', url: old.url, credentials: creds, intervalMs: 100 });
      fleet.addCore({ id: 'other', url: `http://127.0.0.1:${(other.address() as AddressInfo).port}`, intervalMs: 100 });
      await waitFor(() => info('old').state === 'incompatible' && info('other').state === 'incompatible', 'incompatible', 15_000);
      expect(info('old').lastError).toMatch(/16\.7\.1.*16\.7\.2/);
      expect(info('other').lastError).toMatch(/not a datarhei Core/);
    } finally {
      await fleet.removeCore('old');
      await fleet.removeCore('other');
      await old.close();
      await new Promise((r) => other.close(r));
    }
  });

  it('pause and resume', async () => {
    fleet.pause('a');
    expect(info('a').state).toBe('paused');
    const polls = st('a').polls;
    await sleep(300);
    expect(st('a').polls).toBe(polls);
    expect(fleet.reader(['a']).summary('http').activeSessions).toBe(0); // a paused Core leaves the merged view
    fleet.resume('a');
    await waitFor(() => info('a').state === 'online', 'a online after resume', 15_000);
  });

  it('no growing memory over many fault cycles; pools, sockets and hung requests stay bounded', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const cycle = async (f: Fault): Promise<void> => {
      A.setFault({ ...f });
      await waitFor(() => st('a').consecutiveFailures >= 1, () => `a failure with ${JSON.stringify(f)}: ${JSON.stringify(info('a'))} ${JSON.stringify(st('a'))}`, 15_000);
      A.setFault(undefined);
      fleet.retry('a'); // skip the back-off: this test is about memory, not timing
      await waitFor(() => info('a').state === 'online', 'a online', 15_000);
    };
    const kinds: Fault[] = [{ kind: 'http500' }, { kind: 'truncated' }, { kind: 'html' }, { kind: 'unauthorized', count: 3 }, { kind: 'hang' }];
    const heap = (): number => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    for (let i = 0; i < 10; i++) await cycle(kinds[i % kinds.length]!);
    const h1 = heap();
    for (let i = 0; i < 40; i++) await cycle(kinds[i % kinds.length]!);
    const h2 = heap();
    expect(h2 - h1).toBeLessThan(8 * 1024 * 1024);
    const a = st('a');
    expect(a.pool.connected).toBeLessThanOrEqual(2);
    expect(a.pool.queued).toBe(0);
    expect(A.hungResponses).toBe(0);
    expect(A.openSockets).toBeLessThanOrEqual(2);
    expect(Object.keys(fleet.stats()).sort()).toEqual(['a', 'b']);
    expect(info('b').state).toBe('online');
    expect(st('b').failedPolls).toBe(0);
  });
});
