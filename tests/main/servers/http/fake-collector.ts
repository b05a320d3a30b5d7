import type { SessionCollector } from '../../../../src/main/engine/types.ts';

export interface FakeSession {
  reference: string;
  location: string;
  peer: string;
  extra: string;
  active: boolean;
  rx: number;
  tx: number;
  topTx: number;
}

/** A SessionCollector that records calls; no timers. */
export class FakeCollector implements SessionCollector {
  readonly id: string;
  readonly sessions = new Map<string, FakeSession>();
  readonly tops = new Map<string, number>();
  readonly maxTxBitsPerSec: number;
  readonly maxSessions: number;
  ignore = new Set<string>();
  constructor(id: string, o: { maxSessions?: number; maxTx?: number } = {}) {
    this.id = id;
    this.maxSessions = o.maxSessions ?? 0;
    this.maxTxBitsPerSec = o.maxTx ?? 0;
  }
  register(id: string, reference: string, location: string, peer: string): void {
    if (id === '' || this.sessions.has(id)) return;
    this.sessions.set(id, { reference, location: location || 'unknown', peer: peer || 'unknown', extra: '', active: false, rx: 0, tx: 0, topTx: 0 });
  }
  activate(id: string): boolean {
    const s = this.sessions.get(id);
    if (!s || s.active) return false;
    s.active = true;
    return true;
  }
  registerAndActivate(id: string, reference: string, location: string, peer: string): void {
    this.register(id, reference, location, peer);
    this.activate(id);
  }
  setExtra(id: string, extra: string): void {
    const s = this.sessions.get(id);
    if (s) s.extra = extra;
  }
  ingress(id: string, n: number): void {
    const s = this.sessions.get(id);
    if (s && n > 0) s.rx += n;
  }
  egress(id: string, n: number): void {
    const s = this.sessions.get(id);
    if (s && n > 0) s.tx += n;
  }
  unregister(id: string): void {
    this.sessions.delete(id);
  }
  markClosed(): void {}
  isKnownSession(id: string): boolean {
    return this.sessions.has(id);
  }
  isCollectableIp(ip: string): boolean {
    return ip !== '' && !this.ignore.has(ip);
  }
  isSessionsExceeded(): boolean {
    if (this.maxSessions <= 0) return false;
    let active = 0;
    for (const s of this.sessions.values()) if (s.active) active++;
    return active >= this.maxSessions;
  }
  setTopEgressBitrate(id: string, bitsPerSec: number): void {
    const s = this.sessions.get(id);
    if (s) s.topTx = bitsPerSec;
  }
  topIngressBitrate(id: string): number {
    return this.tops.get(id) ?? 0;
  }
  companionTopEgressBitrate(): number {
    let sum = 0;
    for (const s of this.sessions.values()) if (s.active) sum += s.topTx;
    return sum;
  }
}
