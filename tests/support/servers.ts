/**
 * Shared pieces of the protocol servers' tests (RTMP, SRT): a recording fake collector, polling and child-process
 * tracking.
 */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import type { SessionCollector } from '../../src/main/engine/types.ts';

export interface FakeCollector extends SessionCollector {
  registered: Array<{ id: string; reference: string; location: string; peer: string }>;
  rx: Map<string, number>;
  tx: Map<string, number>;
  collectable: (ip: string) => boolean;
  /** Session ids whose connection closed (markClosed), in order. */
  closed: string[];
}

/** A minimal SessionCollector that records what the server calls. */
export function fakeCollector(id: string): FakeCollector {
  const c: FakeCollector = {
    id,
    maxTxBitsPerSec: 0,
    registered: [],
    rx: new Map(),
    tx: new Map(),
    closed: [],
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
    markClosed(id) {
      c.closed.push(id);
    },
    isKnownSession: (id) => c.registered.some((r) => r.id === id),
    isCollectableIp: (ip) => c.collectable(ip),
    isSessionsExceeded: () => false,
    setTopEgressBitrate() {},
    topIngressBitrate: () => 0,
    companionTopEgressBitrate: () => 0,
  };
  return c;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function until<T>(
  fn: () => T | Promise<T>,
  what: string,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<Exclude<T, null | undefined | false | 0 | ''>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as Exclude<T, null | undefined | false | 0 | ''>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Child processes started by a test; `killAll()` in afterEach. */
export class Children {
  private procs = new Set<ChildProcess>();
  spawn(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess & { output: () => string; done: Promise<number | null> } {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.procs.add(p);
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    p.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    const done = new Promise<number | null>((resolve) => p.on('close', (code) => {
      this.procs.delete(p);
      resolve(code);
    }));
    return Object.assign(p, { output: () => out, done });
  }
  killAll(): void {
    for (const p of this.procs) p.kill('SIGKILL');
    this.procs.clear();
  }
}


/** Waits (bounded) until ffmpeg and ffprobe are on the PATH: they may still be being installed when tests start. */
export async function waitForFfmpeg(): Promise<void> {
  await until(() => {
    try {
      execFileSync('which', ['ffmpeg']);
      execFileSync('which', ['ffprobe']);
      return true;
    } catch {
      return false;
    }
  }, 'ffmpeg to be installed', 50_000, 1000);
}
