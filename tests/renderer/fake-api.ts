import type { InvokeChannel, InvokeMap, PushChannel, PushWire, RendererApi } from '../../src/shared/ipc.ts';
import { SessionsEncoder, type SessionsFull, type SessionsUpdate } from '../../src/shared/sessions-wire.ts';
import type { CollectorTotals, SessionRow, Snapshot } from '../../src/shared/types.ts';

type Handlers = { [C in InvokeChannel]?: (...args: InvokeMap[C]['args']) => InvokeMap[C]['result'] | Promise<InvokeMap[C]['result']> };

/** Main's side of the live push for a test (the real encoder): each snapshot as main pushes it, or whole. */
export function fakeMain(): { update(s: Snapshot): SessionsUpdate; full(s?: Snapshot): SessionsFull } {
  const encoder = new SessionsEncoder();
  const update = (s: Snapshot): SessionsUpdate => encoder.encode({ ...s, streams: s.streams ?? [] });
  return {
    update,
    /** With a snapshot: it becomes the state first; without: the state as of the last push. */
    full(s) {
      if (s) update(s);
      return encoder.full();
    },
  };
}

/**
 * A fake renderer api: canned invoke answers, `push()` to play main's pushes, `pushSnapshot()` to push a snapshot
 * encoded by `main` (answer `sessions:snapshot` with `main.full(…)`).
 */
export function createFakeApi(handlers: Handlers, main = fakeMain()) {
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const sent: string[] = [];
  const calls: { channel: string; args: unknown[] }[] = [];
  const api: RendererApi = {
    async invoke(channel, ...args) {
      calls.push({ channel, args });
      const h = handlers[channel] as ((...a: unknown[]) => unknown) | undefined;
      if (!h) throw Object.assign(new Error(`${channel} unsupported`), { code: 'unsupported' });
      return (await h(...args)) as never;
    },
    send(channel, ..._args) {
      sent.push(channel);
    },
    on(channel, cb) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(cb as (p: unknown) => void);
      return () => set.delete(cb as (p: unknown) => void);
    },
  };
  return {
    api,
    sent,
    calls,
    push<C extends PushChannel>(channel: C, payload: PushWire<C>): void {
      for (const cb of listeners.get(channel) ?? []) cb(payload);
    },
    pushSnapshot(snapshot: Snapshot): void {
      for (const cb of listeners.get('sessions:update') ?? []) cb(main.update(snapshot));
    },
    listenerCount: (channel: string) => listeners.get(channel)?.size ?? 0,
  };
}

export function row(p: Partial<SessionRow> & Pick<SessionRow, 'id'>): SessionRow {
  return {
    core: 'local',
    collector: 'hls',
    reference: '',
    location: '/memfs/a.m3u8',
    peer: '198.51.100.7:5000',
    extra: '',
    createdAtMs: 1_000,
    rxBytes: 0,
    txBytes: 0,
    rxBitsPerSec: 0,
    txBitsPerSec: 0,
    ...p,
  };
}

export function snapshot(atMs: number, sessions: SessionRow[], collectors: CollectorTotals[] = []): Snapshot {
  return {
    atMs,
    cores: [
      { id: 'local', name: 'This computer', kind: 'local', url: 'http://127.0.0.1:8787', state: 'running' },
      { id: 'r1', name: 'Studio A', kind: 'remote', url: 'http://10.0.0.2:8080', state: 'online', rttMs: 3 },
    ],
    collectors,
    sessions,
  };
}

export function totals(core: string, collector: string, sessions: number, rx: number, tx: number): CollectorTotals {
  return { core, collector, activeSessions: sessions, processSessions: 0, rxBitsPerSec: rx, txBitsPerSec: tx, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0 };
}

/** Lets pending promise callbacks run. */
export const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
