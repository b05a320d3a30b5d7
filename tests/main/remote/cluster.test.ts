import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/main/engine/clock.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createFleet, MAX_REMOTE_CORES, OtherHostsError, TooManyCoresError } from '../../../src/main/remote/fleet.ts';
import { startTestCore, type TestCore } from '../../support/test-core.ts';
import { zeroSummary } from '../../../src/main/engine/registry.ts';
import { sleep, waitFor } from '../../support/wait.ts';

const started: TestCore[] = [];
afterAll(async () => {
  await Promise.all(started.map((c) => c.close()));
});

describe('cluster', () => {
  it('offers the nodes of a clustered Core and adds them with the same credentials', async () => {
    const node = await startTestCore({ coreId: 'node-2', coreName: 'node two', failedLoginDelayMs: 50 });
    const leader = await startTestCore({
      coreId: 'node-1',
      failedLoginDelayMs: 50,
      cluster: { id: 'cl', nodes: [{ id: 'node-1', name: 'one', core: { address: 'http://127.0.0.1:1' } }, { id: 'node-2', name: 'two', core: { address: node.url } }] },
    });
    const single = await startTestCore({ failedLoginDelayMs: 50 });
    started.push(node, leader, single);
    const fleet = createFleet({ local: { id: 'local', name: 'x', reader: { ids: () => [], summary: () => zeroSummary(), active: () => [] } }, clock: systemClock, log: memoryLogger() });
    try {
      fleet.addCore({ id: 'leader', url: leader.url, credentials: { username: 'admin', password: 'datarhei' }, intervalMs: 200 });
      fleet.addCore({ id: 'single', url: single.url, credentials: { username: 'admin', password: 'datarhei' }, intervalMs: 200 });
      expect(await fleet.clusterNodes('single')).toEqual([]); // 404: not a cluster
      const offers = await fleet.clusterNodes('leader');
      expect(offers.map((o) => o.id)).toEqual(['node-1', 'node-2']);
      const added = await fleet.addClusterNodes('leader', ['node-2']);
      expect(added).toHaveLength(1);
      await waitFor(() => fleet.cores().find((c) => c.id === added[0]!.id)?.state === 'online', 'node online', 15_000);
      expect(fleet.cores().find((c) => c.id === added[0]!.id)!.name).toBe('two');
      expect(node.loginsOk).toBeGreaterThan(0); // the leader's credentials were reused
      expect((await fleet.clusterNodes('leader')).map((o) => o.id)).toEqual(['node-1']); // already added ones are not offered
    } finally {
      await fleet.stop();
    }
  });

  it('a node on another host gets the credentials only with the user\'s yes; nothing is sent or added before', async () => {
    const node = await startTestCore({ coreId: 'far', coreName: 'far node', failedLoginDelayMs: 50 });
    // The same server under another host name: `localhost` is not the leader's host `127.0.0.1`.
    const farUrl = node.url.replace('127.0.0.1', 'localhost');
    const leader = await startTestCore({ coreId: 'lead', failedLoginDelayMs: 50, cluster: { id: 'cl', nodes: [{ id: 'far', name: 'far', core: { address: farUrl } }] } });
    started.push(node, leader);
    const fleet = createFleet({ local: { id: 'local', name: 'x', reader: { ids: () => [], summary: () => zeroSummary(), active: () => [] } }, clock: systemClock, log: memoryLogger() });
    try {
      fleet.addCore({ id: 'leader', url: leader.url, credentials: { username: 'admin', password: 'datarhei' }, intervalMs: 200 });
      const refused = await fleet.addClusterNodes('leader', ['far']).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OtherHostsError);
      expect((refused as OtherHostsError).hosts).toEqual(['localhost']);
      expect(fleet.remoteConfigs().map((c) => c.id)).toEqual(['leader']);
      expect(node.loginsOk).toBe(0); // no login attempt carried the password there
      const added = await fleet.addClusterNodes('leader', ['far'], true);
      expect(added).toHaveLength(1);
      await waitFor(() => node.loginsOk > 0, 'logged in on the far node after the yes', 15_000);
    } finally {
      await fleet.stop();
    }
  });
});

describe('the bound on remote Cores (audit, stop 38)', () => {
  it(`refuses Cores past ${MAX_REMOTE_CORES}, added one by one or as a cluster's nodes, before adding any`, async () => {
    const a = await startTestCore({ coreId: 'na', failedLoginDelayMs: 50 });
    const b = await startTestCore({ coreId: 'nb', failedLoginDelayMs: 50 });
    const leader = await startTestCore({
      coreId: 'lead',
      failedLoginDelayMs: 50,
      cluster: { id: 'cl', nodes: [{ id: 'na', name: 'a', core: { address: a.url } }, { id: 'nb', name: 'b', core: { address: b.url } }] },
    });
    started.push(a, b, leader);
    const fleet = createFleet({ local: { id: 'local', name: 'x', reader: { ids: () => [], summary: () => zeroSummary(), active: () => [] } }, clock: systemClock, log: memoryLogger() });
    try {
      fleet.addCore({ id: 'leader', url: leader.url, credentials: { username: 'admin', password: 'datarhei' }, intervalMs: 200 });
      // Disabled Cores count too (they are entries of cores.json and rows of every push).
      for (let i = 0; fleet.remoteConfigs().length < MAX_REMOTE_CORES - 1; i++) fleet.addCore({ id: `c${i}`, url: `http://127.0.0.1:9/c${i}`, intervalMs: 1000, enabled: false });
      await expect(fleet.addClusterNodes('leader')).rejects.toBeInstanceOf(TooManyCoresError);
      expect(fleet.remoteConfigs()).toHaveLength(MAX_REMOTE_CORES - 1);
      expect(await fleet.addClusterNodes('leader', ['na'])).toHaveLength(1);
      expect(() => fleet.addCore({ id: 'one-more', url: 'http://127.0.0.1:9/x', intervalMs: 1000, enabled: false })).toThrow(/at most 1000 remote Cores/);
      expect(fleet.remoteConfigs()).toHaveLength(MAX_REMOTE_CORES);
    } finally {
      await fleet.stop();
    }
  });
});

describe('an outage', () => {
  it('a Core that stops answering keeps its finished-session history in the fleet (its live sessions drop out)', async () => {
    const core = await startTestCore({ phase: 'after-close', failedLoginDelayMs: 50 });
    started.push(core);
    const fleet = createFleet({ local: { id: 'local', name: 'x', reader: { ids: () => [], summary: () => zeroSummary(), active: () => [] } }, clock: systemClock, log: memoryLogger(), staleAfterMs: 300 });
    try {
      fleet.addCore({ id: 'c', url: core.url, credentials: { username: 'admin', password: 'datarhei' }, intervalMs: 100 });
      await waitFor(() => fleet.history({}).some((r) => r.core === 'c'), 'history of the Core', 15_000);
      const before = fleet.history({}).filter((r) => r.core === 'c').length;
      await core.refuse();
      await waitFor(() => fleet.cores().find((c) => c.id === 'c')?.state === 'unreachable', 'unreachable', 15_000);
      await sleep(500); // past staleAfterMs
      expect(fleet.snapshot().sessions.filter((s) => s.core === 'c')).toEqual([]);
      expect(fleet.history({}).filter((r) => r.core === 'c')).toHaveLength(before);
    } finally {
      await fleet.stop();
    }
  });
});
