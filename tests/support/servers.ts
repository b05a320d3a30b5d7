/**
 * Shared pieces of the protocol servers' tests (RTMP, SRT): a recording fake collector.
 */
import type { SessionCollector } from '../../src/main/engine/types.ts';

export interface FakeCollector extends SessionCollector {
  registered: Array<{ id: string; reference: string; location: string; peer: string }>;
  rx: Map<string, number>;
  tx: Map<string, number>;
  collectable: (ip: string) => boolean;
}

/** A minimal SessionCollector that records what the server calls. */
export function fakeCollector(id: string): FakeCollector {
  const c: FakeCollector = {
    id,
    maxTxBitsPerSec: 0,
    registered: [],
    rx: new Map(),
    tx: new Map(),
    collectable: () => true,
    register() {},
    activate: () => true,
    registerAndActivate(id, reference, location, peer) {
      if (!c.registered.some((r) => r.id === id)) c.registered.push({ id, reference, location, peer });
    },
    setExtra() {},
    ingress(id, n) {
      if (n > 0 && c.registered.some((r) => r.id === id)) c.rx.set(id, (c.rx.get(id) ?? 0) + n);
    },
    egress(id, n) {
      if (n > 0 && c.registered.some((r) => r.id === id)) c.tx.set(id, (c.tx.get(id) ?? 0) + n);
    },
    unregister() {},
    isKnownSession: (id) => c.registered.some((r) => r.id === id),
    isCollectableIp: (ip) => c.collectable(ip),
    isSessionsExceeded: () => false,
    setTopEgressBitrate() {},
    topIngressBitrate: () => 0,
    companionTopEgressBitrate: () => 0,
  };
  return c;
}
