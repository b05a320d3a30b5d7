/** A SessionCollector for the servers' tests (RTMP, SRT, HLS): records what the server under test reports. */
import type { SessionCollector } from '../../src/main/engine/types.ts';

/** One session as the fake holds it: what was registered, and the bytes and bitrate reported for it. */
export interface FakeSession {
  reference: string;
  location: string;
  peer: string;
  extra: string;
  active: boolean;
  rxBytes: number;
  txBytes: number;
  topTxBitsPerSec: number;
}

/** A registration as the server made it (location and peer before the 'unknown' default). */
export interface FakeRegistration {
  id: string;
  reference: string;
  location: string;
  peer: string;
}

/**
 * Records calls like the real Collector would take them (register is a no-op for a known or empty id, activate is
 * true once, bytes count only for known sessions and n > 0), with no timers and no history.
 */
export class FakeCollector implements SessionCollector {
  readonly id: string;
  readonly sessions = new Map<string, FakeSession>();
  /** Every registration, in order. */
  readonly registered: FakeRegistration[] = [];
  /** Session ids whose connection closed (markClosed), in order. */
  readonly closed: string[] = [];
  /** Top rx bitrate per session id, as `topIngressBitrate` answers it (set by the test). */
  readonly tops = new Map<string, number>();
  readonly maxTxBitsPerSec: number;
  readonly maxSessions: number;
  /** Which IPs are collected; the test may replace it. */
  collectable: (ip: string) => boolean = (ip) => ip !== '';

  constructor(id: string, o: { maxSessions?: number; maxTxBitsPerSec?: number } = {}) {
    this.id = id;
    this.maxSessions = o.maxSessions ?? 0;
    this.maxTxBitsPerSec = o.maxTxBitsPerSec ?? 0;
  }
  /** Bytes received for a session id (0 when unknown). */
  rxBytes(id: string): number {
    return this.sessions.get(id)?.rxBytes ?? 0;
  }
  /** Bytes sent for a session id (0 when unknown). */
  txBytes(id: string): number {
    return this.sessions.get(id)?.txBytes ?? 0;
  }
  register(id: string, reference: string, location: string, peer: string, extra = ''): void {
    if (id === '' || this.sessions.has(id)) return;
    this.registered.push({ id, reference, location, peer });
    this.sessions.set(id, { reference, location: location || 'unknown', peer: peer || 'unknown', extra, active: false, rxBytes: 0, txBytes: 0, topTxBitsPerSec: 0 });
  }
  activate(id: string): boolean {
    const s = this.sessions.get(id);
    if (!s || s.active) return false;
    s.active = true;
    return true;
  }
  registerAndActivate(id: string, reference: string, location: string, peer: string, extra = ''): void {
    this.register(id, reference, location, peer, extra);
    this.activate(id);
  }
  setExtra(id: string, extra: string): void {
    const s = this.sessions.get(id);
    if (s) s.extra = extra;
  }
  ingress(id: string, n: number): void {
    const s = this.sessions.get(id);
    if (s && n > 0) s.rxBytes += n;
  }
  egress(id: string, n: number): void {
    const s = this.sessions.get(id);
    if (s && n > 0) s.txBytes += n;
  }
  unregister(id: string): void {
    this.sessions.delete(id);
  }
  markClosed(id: string): void {
    this.closed.push(id);
  }
  isKnownSession(id: string): boolean {
    return this.sessions.has(id);
  }
  isCollectableIp(ip: string): boolean {
    return this.collectable(ip);
  }
  isSessionsExceeded(): boolean {
    if (this.maxSessions <= 0) return false;
    let active = 0;
    for (const s of this.sessions.values()) if (s.active) active++;
    return active >= this.maxSessions;
  }
  setTopEgressBitrate(id: string, bitsPerSec: number): void {
    const s = this.sessions.get(id);
    if (s) s.topTxBitsPerSec = bitsPerSec;
  }
  topIngressBitrate(id: string): number {
    return this.tops.get(id) ?? 0;
  }
  companionTopEgressBitrate(): number {
    let sum = 0;
    for (const s of this.sessions.values()) if (s.active) sum += s.topTxBitsPerSec;
    return sum;
  }
}
