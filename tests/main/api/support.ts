/** Test helpers for the API: a fake SessionReader, summaries built from parts, and a server on loopback. */
import type { Server } from 'node:http';
import { request } from 'undici';
import type { CollectorSummary, HistoryTotals, SessionReader, SessionSnapshot } from '../../../src/main/engine/types.ts';
import type { ApiOptions } from '../../../src/main/api/index.ts';
import { createApi } from '../../../src/main/api/index.ts';
import { memoryLogger } from '../../../src/main/log.ts';
import { createHttpServer, listen } from '../../../src/main/http/server.ts';
import { zeroSummary } from '../../../src/main/engine/registry.ts';

/** The all-zero summary (the engine's). */
export const zero = zeroSummary;

export function session(p: Partial<SessionSnapshot> = {}): SessionSnapshot {
  return {
    id: 'id', reference: '', createdAtMs: 0, location: 'unknown', peer: 'unknown', extra: '',
    rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0, ...p,
  };
}

export interface HistoryEntryInput { location: string; peer: string; reference: string; sessions: number; rxBytes: number; txBytes: number }

/** Aggregates history entries like Core's Summary() (spec §3.2). */
export function historyOf(entries: HistoryEntryInput[]): CollectorSummary['history'] {
  const h = zero().history;
  const add = (t: HistoryTotals, e: HistoryEntryInput): void => {
    t.sessions += e.sessions;
    t.rxBytes += e.rxBytes;
    t.txBytes += e.txBytes;
  };
  const get = <V extends HistoryTotals>(m: Map<string, V>, k: string, mk: () => V): V => {
    let v = m.get(k);
    if (!v) m.set(k, (v = mk()));
    return v;
  };
  for (const e of entries) {
    const p = get(h.peers, e.peer, () => ({ sessions: 0, rxBytes: 0, txBytes: 0, locations: new Map<string, HistoryTotals>() }));
    add(p, e);
    add(get(p.locations, e.location, () => ({ sessions: 0, rxBytes: 0, txBytes: 0 })), e);
    add(get(h.locations, e.location, () => ({ sessions: 0, rxBytes: 0, txBytes: 0 })), e);
    add(get(h.references, e.reference, () => ({ sessions: 0, rxBytes: 0, txBytes: 0 })), e);
    add(h.totals, e);
  }
  return h;
}

/** A SessionReader over fixed summaries; unknown ids give the zero summary (spec §1.1). */
export class FakeReader implements SessionReader {
  readonly map: Map<string, CollectorSummary>;
  constructor(entries: Record<string, Partial<CollectorSummary>> = {}) {
    this.map = new Map(Object.entries(entries).map(([k, v]) => [k, { ...zero(), ...v }]));
  }
  ids(): string[] {
    return [...this.map.keys()];
  }
  summary(id: string): CollectorSummary {
    return this.map.get(id) ?? zero();
  }
  active(id: string): SessionSnapshot[] {
    return this.map.get(id)?.active ?? [];
  }
}

export const ABOUT = { name: 'test-core', id: 'test-core-id', startedAtMs: Date.UTC(2026, 10, 26, 1, 14, 11) };

export interface TestServer {
  base: string;
  server: Server;
  log: ReturnType<typeof memoryLogger>;
  close(): Promise<void>;
}

export async function startApi(options: Partial<ApiOptions> & { reader: SessionReader }): Promise<TestServer> {
  const log = memoryLogger();
  const mounts = createApi({ about: ABOUT, log, ...options });
  const server = createHttpServer({ mounts, log });
  const addr = await listen(server, '127.0.0.1', 0);
  return {
    base: `http://127.0.0.1:${addr.port}`,
    server,
    log,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string; raw: Buffer }

export async function get(url: string, headers: Record<string, string> = {}, method: 'GET' | 'POST' | 'PUT' | 'HEAD' = 'GET', body?: string): Promise<Reply> {
  const res = await request(url, { method, headers, body, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const raw = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body: raw.toString('utf8'), raw };
}

export async function login(base: string, username = 'admin', password = 'datarhei'): Promise<{ access_token: string; refresh_token: string }> {
  const r = await get(`${base}/api/login`, { 'content-type': 'application/json' }, 'POST', JSON.stringify({ username, password }));
  if (r.status !== 200) throw new Error(`login failed: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as { access_token: string; refresh_token: string };
}

export function decodeJwtPart(token: string, i: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[i]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}
