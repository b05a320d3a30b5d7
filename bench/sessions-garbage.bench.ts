/**
 * The sessions worker's garbage per push (src/renderer/src/store/sessions-engine.ts), in Node: 10 000 sessions in
 * 2 000 streams on 4 cores (as the renderer bench's headless part: an RTMP publisher, an RTMP player and 3 HLS viewers
 * per stream), every rate and byte count changing each second, encoded by main's `SessionsEncoder` and framed as the
 * web bridge sends it (`event: sessions:update`, one `data:` line), then taken the worker's way since stop 32: the
 * bytes cut into the network's chunks (16 KiB, each a new buffer as a fetch stream's are), split by the worker's
 * `SseParser`, and the event's data handed to the engine, with the Sessions view open and sorted by rx (the engine
 * filters, sorts and cuts the rows in view each push). Prints the bytes allocated per push (V8's sampling heap profiler, counting what
 * the GCs took back too) by the function that allocated them, and the GCs over the pushes (count and time per minute
 * at one push a second, Node's `gc` performance entries). `npm run bench -- sessions-garbage` (BENCH_PUSHES, default 120).
 */
import { Session } from 'node:inspector';
import { PerformanceObserver } from 'node:perf_hooks';
import { SessionsEncoder } from '../src/shared/sessions-wire.ts';
import { StreamModel } from '../src/shared/streams.ts';
import type { CollectorTotals, CoreInfo, SessionRow } from '../src/shared/types.ts';

/**
 * The engine as this bench uses it. It is renderer code (typed by tsconfig.web.json, DOM types): imported by URL, so
 * this file's typecheck (tsconfig.node.json) does not follow it.
 */
interface Engine {
  push(bytes: Uint8Array): { ok: true; frame: { rows: unknown[] } } | { ok: false; reason: string };
  query(patch: object): unknown;
}
type EngineClass = new (options: { ownsPushes: boolean }) => Engine;
/** The worker's event-stream parser (src/renderer/src/api/sse-parser.ts), as this bench uses it. */
interface Parser {
  push(chunk: Uint8Array): void;
}
type ParserClass = new (onEvent: (event: string, data: Uint8Array) => void) => Parser;

/** The size of the chunks a fetch stream hands the worker (Chromium reads the response in 16 KiB pieces at most). */
const CHUNK_BYTES = 16 * 1024;

const CORES = 4;
const STREAMS_PER_CORE = 500;
const HLS_VIEWERS = 3;

/** The fleet's sessions, made once; `tick` changes every rate and byte count (as wireFleet does for the test Cores). */
function fleet(): { sessions: SessionRow[]; tick: () => SessionRow[] } {
  const createdAtMs = Date.now() - 600_000;
  const sessions: SessionRow[] = [];
  for (let c = 0; c < CORES; c++) {
    for (let k = 0; k < STREAMS_PER_CORE; k++) {
      const name = `c${c}-stream-${k}`;
      const s = (collector: string, id: string, reference: string, location: string, peer: string, extra: string): SessionRow => ({
        core: `bench-${c}`, collector, id, reference, createdAtMs: createdAtMs + (k % 600) * 1000, location, peer, extra,
        rxBytes: 0, txBytes: 0, rxBitsPerSec: 0, txBitsPerSec: 0,
      });
      sessions.push(s('rtmp', `/live/${name}`, `/live/${name}`, `publish:/live/${name}`, `198.51.100.${k % 250}:${40000 + k}`, ''));
      sessions.push(s('rtmp', `/live/${name}-play`, `/live/${name}`, `play:/live/${name}`, `203.0.113.${k % 250}:${50000 + k}`, ''));
      for (let v = 0; v < HLS_VIEWERS; v++) {
        sessions.push(s('hls', `h${c}x${k}x${v}`, name, `/memfs/${name}.m3u8`, `viewer-${(k * 7 + v) % 997}.example`, `[192.0.2.0] Mozilla/5.0 (X11; Linux x86_64) player-${v}`));
      }
    }
  }
  sessions.sort((a, b) => (a.core < b.core ? -1 : a.core > b.core ? 1 : a.collector < b.collector ? -1 : a.collector > b.collector ? 1 : 0));
  let seed = 1;
  const rand = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff;
  // Main's snapshot is new rows every poll (the remote client maps Core's wire rows): so is this one.
  const tick = (): SessionRow[] =>
    sessions.map((r) => {
      const publisher = r.location.startsWith('publish:');
      const bits = Math.round(rand() * 6_000_000);
      return publisher
        ? { ...r, rxBitsPerSec: bits, rxBytes: (r.rxBytes += bits / 8) }
        : { ...r, txBitsPerSec: bits, txBytes: (r.txBytes += bits / 8) };
    });
  return { sessions, tick };
}

/** A sampling heap profile's nodes summed per function (`name url:line`), bytes. */
type ProfileNode = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] };

function bytesBySite(node: ProfileNode, out: Map<string, number>): Map<string, number> {
  if (node.selfSize > 0) {
    const f = node.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\/(src|node_modules)\//, '')}:${f.lineNumber + 1}`;
    out.set(site, (out.get(site) ?? 0) + node.selfSize);
  }
  for (const c of node.children) bytesBySite(c, out);
  return out;
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

export default async function bench(): Promise<void> {
  const pushes = Number(process.env.BENCH_PUSHES ?? 120);
  const { tick } = fleet();
  const cores: CoreInfo[] = Array.from({ length: CORES }, (_, c) => ({ id: `bench-${c}`, name: `Studio ${c + 1}`, kind: 'remote', url: '', state: 'online' }));
  const collectors: CollectorTotals[] = [];
  const streamModel = new StreamModel();
  const encoder = new SessionsEncoder();
  let atMs = Date.now();
  const nextPush = (): Uint8Array => {
    const sessions = tick();
    atMs += 1000;
    const snapshot = { atMs, cores, collectors, sessions };
    // As the web bridge frames it (src/main/ui/web-bridge.ts).
    return new TextEncoder().encode(`event: sessions:update\ndata: ${JSON.stringify(encoder.encode({ ...snapshot, streams: streamModel.update(snapshot) }))}\n\n`);
  };
  // The pushes' bytes on the wire, made before the measured pushes (main's side is not measured); the first is a whole snapshot.
  const texts = Array.from({ length: pushes + 11 }, nextPush);
  // As the worker runs it (it owns what it parses: decoded in place), then as a caller that lends its rows would.
  const url = (path: string): string => new URL(path, import.meta.url).href;
  const { SessionsEngine } = (await import(url('../src/renderer/src/store/sessions-engine.ts'))) as { SessionsEngine: EngineClass };
  const { SseParser } = (await import(url('../src/renderer/src/api/sse-parser.ts'))) as { SseParser: ParserClass };
  for (const ownsPushes of [true, false]) await measure(new SessionsEngine({ ownsPushes }), SseParser, texts, ownsPushes);
}

async function measure(engine: Engine, Parser: ParserClass, texts: readonly Uint8Array[], ownsPushes: boolean): Promise<void> {
  let applied: ReturnType<Engine['push']> | null = null;
  let eventBytes = 0;
  const parser = new Parser((event, data) => {
    if (event !== 'sessions:update') return;
    eventBytes += data.buffer.byteLength;
    applied = engine.push(data);
  });
  /** One push the worker's way: the wire's bytes in new chunks (as the network hands them over), parsed, applied. */
  const push = (wire: Uint8Array): ReturnType<Engine['push']> => {
    applied = null;
    for (let at = 0; at < wire.length; at += CHUNK_BYTES) parser.push(wire.slice(at, at + CHUNK_BYTES));
    if (applied === null) throw new Error('no sessions:update in the push');
    return applied;
  };
  const first = push(texts[0]!);
  if (!first.ok) throw new Error('the first push did not apply');
  engine.query({ open: true, sort: { key: 'rxBitsPerSec', dir: 'desc' }, start: 0, end: 110 });
  for (const t of texts.slice(1, 11)) push(t); // warm the JIT
  const measured = texts.slice(11);
  eventBytes = 0;
  const gcs: { kind: string; ms: number }[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      // perf_hooks constants: 1 minor (scavenge), 2 major (mark-compact), 4 incremental marking, 8 weak callbacks.
      gcs.push({ kind: kind === 1 ? 'minor' : kind === 2 ? 'major' : kind === 4 ? 'incremental' : String(kind), ms: e.duration });
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const session = new Session();
  session.connect();
  await post(session, 'HeapProfiler.enable');
  await post(session, 'HeapProfiler.startSampling', { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const t0 = performance.now();
  let rows = 0;
  for (const t of measured) {
    const out = push(t);
    if (!out.ok) throw new Error(`push not applied: ${out.reason}`);
    rows += out.frame.rows.length;
  }
  const ms = performance.now() - t0;
  const { profile } = await post<{ profile: { head: ProfileNode } }>(session, 'HeapProfiler.stopSampling');
  session.disconnect();
  await new Promise((r) => setTimeout(r, 50)); // the observer's last entries
  obs.disconnect();
  if (rows === 0) throw new Error('no rows in view');
  const sites = [...bytesBySite(profile.head, new Map())].sort((a, b) => b[1] - a[1]);
  const total = sites.reduce((a, [, b]) => a + b, 0);
  const mib = (b: number): string => (b / measured.length / 2 ** 20).toFixed(2);
  console.log(
    `  ${ownsPushes ? 'in place (the worker)' : 'copied rows'}: ${measured.length} pushes of 10 000 sessions (every rate changes), Sessions view open, sorted by rx: ` +
      `${(ms / measured.length).toFixed(1)} ms per push`,
  );
  console.log(`    allocated per push ${mib(total)} MiB (sampling heap profiler, incl. what GC took back); by site: ${sites.slice(0, 8).map(([s, b]) => `${s} ${mib(b)}`).join(', ')}`);
  // Byte buffers' contents live outside V8's heap (the profiler counts their objects only): the wire's chunks, and the
  // buffer each event's data is handed over in, per push.
  const wire = measured.reduce((a, t) => a + t.length, 0);
  console.log(
    `    outside V8's heap per push: the network's chunks ${mib(wire)} MiB in ${Math.ceil(wire / measured.length / CHUNK_BYTES)} chunks, ` +
      `the events' buffers ${mib(eventBytes)} MiB (SseParser)`,
  );
  const perMin = 60 / measured.length;
  const sum = (k: string): string => {
    const l = gcs.filter((g) => g.kind === k);
    return `${(l.length * perMin).toFixed(0)}×/min ${(l.reduce((a, g) => a + g.ms, 0) * perMin).toFixed(0)} ms/min (max ${Math.max(0, ...l.map((g) => g.ms)).toFixed(1)})`;
  };
  console.log(`    GC at one push a second (Node's heap, not the worker's): minor ${sum('minor')}, major ${sum('major')}, incremental marking ${sum('incremental')}`);
}
