import type { MetricsHistory, RendererApi } from '../../../shared/ipc.ts';
import { SessionsEncoder, type SessionsUpdate } from '../../../shared/sessions-wire.ts';
import type { CollectorTotals, CoreInfo, SessionRow, Snapshot } from '../../../shared/types.ts';

const COLLECTORS = ['hls', 'hlsingress', 'rtmp', 'srt', 'http', 'ffmpeg'];

/**
 * A fake renderer api for the bench page: `rows` sessions over 3 cores whose rates and bytes change every tick, as
 * fresh objects each time (as they arrive from IPC or JSON). Only what the page needs is answered.
 */
export function createFakeFleet(rows: number): { api: RendererApi; tick: (atMs: number) => void } {
  const cores: CoreInfo[] = [
    { id: 'local', name: 'This computer', kind: 'local', url: 'http://127.0.0.1:8787', state: 'running' },
    { id: 'a', name: 'Studio A', kind: 'remote', url: 'http://10.0.0.2:8080', state: 'online', version: '16.14.0', rttMs: 2 },
    { id: 'b', name: 'Studio B', kind: 'remote', url: 'http://10.0.0.3:8080', state: 'online', version: '16.14.0', rttMs: 4 },
  ];
  const start = Date.now();
  const base = Array.from({ length: rows }, (_, i): SessionRow => {
    const collector = COLLECTORS[i % COLLECTORS.length]!;
    return {
      core: cores[i % 3]!.id,
      collector,
      id: `${collector}-${i.toString(36).padStart(6, '0')}`,
      reference: `stream-${i % 97}`,
      location: collector === 'rtmp' ? `publish:/live/stream-${i % 97}.stream` : `/memfs/stream-${i % 97}.m3u8`,
      peer: `198.51.${(i >> 8) & 255}.${i & 255}:${40000 + (i % 20000)}`,
      extra: collector === 'hls' ? '[203.0.113.0] Mozilla/5.0 (X11; Linux x86_64)' : '',
      createdAtMs: start - (i % 3600) * 1000,
      rxBytes: 0,
      txBytes: 0,
      rxBitsPerSec: 0,
      txBitsPerSec: 0,
    };
  });
  let seed = 1;
  // 32-bit LCG: `Math.imul` keeps the product exact (a plain `*` overflows 2^53 and the sequence collapses to a short
  // cycle with half the rates repeated, which made the bench mostly about tie-breaking).
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff);
  // Pushed as main pushes them: encoded as deltas (the page decodes each as it arrives).
  const encoder = new SessionsEncoder();
  let last: Snapshot = { atMs: start, cores, collectors: [], sessions: [] };
  encoder.encode({ ...last, streams: [] });
  const listeners = new Set<(s: SessionsUpdate) => void>();

  const tick = (atMs: number): void => {
    const totals = new Map<string, CollectorTotals>();
    const sessions = base.map((r) => {
      const rx = Math.round(rand() * 4_000_000);
      const tx = Math.round(rand() * 4_000_000);
      r.rxBytes += rx / 8;
      r.txBytes += tx / 8;
      const k = `${r.core}/${r.collector}`;
      let t = totals.get(k);
      if (!t) totals.set(k, (t = { core: r.core, collector: r.collector, activeSessions: 0, processSessions: 0, rxBitsPerSec: 0, txBitsPerSec: 0, processRxBitsPerSec: 0, processTxBitsPerSec: 0, maxSessions: 0, maxTxBitsPerSec: 0 }));
      t.activeSessions++;
      t.rxBitsPerSec += rx;
      t.txBitsPerSec += tx;
      return { ...r, rxBitsPerSec: rx, txBitsPerSec: tx };
    });
    last = { atMs, cores, collectors: [...totals.values()], sessions };
    // As over IPC or the event stream: a fresh copy of the push on the page's side.
    const push = encoder.encode({ ...last, streams: [] });
    for (const cb of listeners) cb(structuredClone(push));
  };

  const api = {
    async invoke(channel: string) {
      switch (channel) {
        case 'app:info':
          return { version: 'bench', mode: 'headless', listeners: {} };
        case 'sessions:snapshot':
          return encoder.full();
        case 'metrics:history':
          return { stepMs: 1000, atMs: [], series: [] } satisfies MetricsHistory;
        case 'history:list':
          return [];
        default:
          throw Object.assign(new Error('unsupported'), { code: 'unsupported' });
      }
    },
    send() {},
    on(channel: string, cb: (s: SessionsUpdate) => void) {
      if (channel !== 'sessions:update') return () => undefined;
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  } as unknown as RendererApi;
  return { api, tick };
}
