/**
 * Renderer bench: the real dashboard page in Chromium, fed by a fake api with 10 000 sessions updating once a
 * second for 30 s (src/renderer/bench.html, built here into out/renderer-bench, never shipped). Prints the median,
 * p95 and max time per update from the start of the batched store update to React's commit, and to the painted
 * frame. Run: `npm run bench renderer` (env BENCH_ROWS, BENCH_SECONDS to change the load). This part runs the
 * store in the page, without the sessions worker (the page's fallback where no worker starts).
 * Part 2 (`BENCH_PART=headless`; BENCH_UPDATE_SECONDS the update, sorting and filtering phases, default 60, each
 * frame-with-changes p95 printed with its bootstrap interval and, from two minutes on, per minute; BENCH_PHASE_SECONDS
 * the scrolling ones, default 10, or every phase when given alone; BENCH_PROBE=loop times every phase
 * with the probe's own rAF loop; BENCH_PROFILE=DIR a CPU profile per phase; BENCH_HEAP=1 (or old) the page's
 * allocation sites per phase; BENCH_TRACE=1 a Chromium trace per phase summed per event with its garbage collections
 * per thread, BENCH_TRACE_DIR=DIR the raw traces too, BENCH_TRACE_CATEGORIES=... more categories
 * (disabled-by-default-v8.gc: what the page's heaps grew by between GCs), BENCH_NATIVE=1 also the compositor, raster
 * and display threads and the layers, BENCH_INVALIDATIONS=1 what was invalidated, BENCH_SCHED=MS what ran beside the frames by
 * process and thread from /proc every MS ms, bench/sched.ts): the real headless server fed by 4 remote test Cores with
 * 10 000 sessions in 2 000 streams, the built dashboard at /ui/, frame intervals, frame work and long tasks while the
 * sessions table and the Streams view update, scroll, sort and filter (see headlessBench).
 *
 * What the three figures are (checked against a Chromium trace: "painted frame" equals the BeginMainFrame task):
 * - t0 is the start of the animation-frame callback that applies the batched snapshots (connect's scheduler);
 * - store update: `applySnapshots` returned (filter and sort of all rows, zustand listeners, selector checks);
 * - store→commit: the layout effect of a probe rendered after <App/> ran (React renders and commits the sync-lane
 *   update in the microtask right after the callback);
 * - store→painted frame: a message posted from the same callback is handled, i.e. the frame's task has finished
 *   style, layout, pre-paint, paint and the commit to the compositor (raster and display happen on other threads).
 * The snapshots are built by the fake fleet in a timer task of their own (their cost is in the CDP "tasks" figure,
 * not in the three above). The machine's load average is printed: other processes share the cores. BENCH_BUSY=N runs
 * the parts again with N CPU burners beside them (a busy machine, reproducibly; see rendererBench), BENCH_QUIET=0 only
 * with them. BENCH_CHROMIUM_ARGS='--a --b=1' (part 2): Chromium switches added to the usual ones, to compare a switch back
 * to back; with BENCH_TRACE=1 BENCH_NATIVE=1 the frames with changes are also timed to when viz showed them (shownLine).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createUiService } from '../src/main/ui/service.ts';
import { createWebBridge } from '../src/main/ui/web-bridge.ts';
import type { SessionSource } from '../src/main/source.ts';
import { viteBuildPage } from '../tests/e2e/support.ts';
import { type Ev, shownByViz } from './offscreen.bench.ts';
import { schedLines, startSched } from './sched.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'out', 'renderer-bench');

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function line(name: string, values: number[]): string {
  const s = sorted(values);
  return `${name.padEnd(22)} median ${pct(s, 50).toFixed(1).padStart(6)} ms   p95 ${pct(s, 95).toFixed(1).padStart(6)} ms   max ${s[s.length - 1]!.toFixed(1).padStart(6)} ms`;
}

async function fakeApiBench(): Promise<void> {
  const rows = Number(process.env.BENCH_ROWS ?? 10_000);
  const seconds = Number(process.env.BENCH_SECONDS ?? 30);
  await viteBuildPage('bench', OUT);

  // Serve the build through the web bridge's static handler (same headers as /ui/).
  const idle: SessionSource = {
    snapshot: () => ({ atMs: 0, cores: [], collectors: [], sessions: [] }),
    history: () => [],
    cores: () => [],
    onUpdate: () => () => undefined,
  };
  const service = createUiService({ source: idle, appInfo: { version: 'bench', mode: 'headless', listeners: {} } });
  const ui = createWebBridge({ service, staticDir: OUT }).find((m) => m.prefix === '/ui')!;
  const server = createServer((req, res) => void ui.handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;

  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    for (const [view, secs] of [['sessions', seconds], ['overview', Math.min(seconds, 10)]] as const) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const metrics = async (): Promise<Record<string, number>> =>
        Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
      const load0 = loadavg().map((l) => l.toFixed(2)).join(' ');
      await page.goto(`http://127.0.0.1:${port}/ui/bench.html?rows=${rows}&seconds=${secs}&view=${view}`);
      // Wait for the warm-up to pass before the cumulative counters are read.
      await page.waitForTimeout(3500);
      const m0 = await metrics();
      await page.waitForFunction(() => (globalThis as unknown as { benchResult?: unknown }).benchResult !== undefined, undefined, { timeout: (secs + 30) * 1000, polling: 500 });
      const r = (await page.evaluate(() => (globalThis as unknown as { benchResult: unknown }).benchResult)) as {
        rows: number;
        updates: number;
        storeMs: number[];
        commitMs: number[];
        frameMs: number[];
        longTasks: number;
      };
      const m1 = await metrics();
      const per = (k: string): string => `${(((m1[k] ?? 0) - (m0[k] ?? 0)) * 1000 / Math.max(1, r.updates)).toFixed(1)} ms`;
      const shown = await page.$$eval('[data-testid="session-row"]', (els) => els.length);
      console.log(`renderer: ${view} view, ${r.rows} sessions, ${r.updates} updates (1/s), Chromium ${context.browser()?.version() ?? ''}, load average ${load0} → ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
      console.log(`  ${line('store update', r.storeMs)}`);
      console.log(`  ${line('store→commit', r.commitMs)}`);
      console.log(`  ${line('store→painted frame', r.frameMs)}`);
      console.log(`  main thread per update (CDP, incl. the fake api's own work): script ${per('ScriptDuration')}, style ${per('RecalcStyleDuration')}, layout ${per('LayoutDuration')}, tasks ${per('TaskDuration')}`);
      console.log(`  long tasks (>50 ms): ${r.longTasks}${view === 'sessions' ? `; rows in the DOM: ${shown} (virtualised)` : ''}${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`);
      await page.close();
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    server.close();
    service.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Part 2: the real dashboard of the real headless server, fed by remote test Cores, while the user scrolls and sorts.
// ---------------------------------------------------------------------------------------------------------------

/**
 * Frame timing in the page, two ways (`__frames.start(loop)`):
 * - loop: a requestAnimationFrame loop (frame interval and the frame's main-thread work of every frame); `scroll`
 *   moves a scroll container by a fixed step every frame (a fast flick). The loop makes every vsync a main frame:
 *   ~1 ms of main-thread work per frame and ~50 ms/s on the compositor and display threads (BENCH_NATIVE=1), which
 *   the page alone, updating once a second, does not cost, on the same 2 cores.
 * - page: no frame of its own. Its first callback is queued ahead of each frame the page itself asks for
 *   (requestAnimationFrame is wrapped), so the frame's work is timed as in the loop, and only the page's frames run.
 *   A change (a canvas draw or a DOM change) made outside an animation frame (not batched into one) is counted once
 *   per frame it starts, and that frame is timed from the frame's start.
 * Both: PerformanceObserver 'longtask'.
 */
const FRAME_PROBE = `(() => {
  let on = false, looping = false, last = 0, t0 = 0, lastWork = 0, longN = 0, longMs = 0, scroller = null, step = 0, changed = false;
  let armed = false, inFrame = false, outside = 0;
  const intervals = [], work = [], changedIntervals = [], changedWork = [];
  const raf = window.requestAnimationFrame.bind(window);
  const ch = new MessageChannel();
  ch.port1.onmessage = (e) => {
    if (e.data === 1) {
      // The end of a page frame (its task, with style, layout, paint and the commit, has finished).
      inFrame = false;
      if (on && changed) {
        changedWork.push(performance.now() - t0);
        window.__draws?.frame(performance.now() - t0);
      }
      changed = false;
      return;
    }
    if (on && t0) work.push((lastWork = performance.now() - t0));
  };
  const pageFrame = () => {
    armed = false;
    if (looping) return;
    inFrame = true;
    t0 = performance.now();
    ch.port2.postMessage(1);
    window.__draws?.begin();
  };
  // Ahead of the page's first callback of each frame, while the page probe is on.
  window.requestAnimationFrame = (cb) => {
    if (on && !looping && !armed) { armed = true; raf(pageFrame); }
    return raf(cb);
  };
  // A frame "with changes" is one in which the page drew on a canvas or changed its DOM's text or nodes (an update, a
  // sort, rows moved by a scroll): its interval and work are the update-to-painted-frame figures; the other frames
  // only show that nothing blocks. The tables paint their texts on canvases (table-canvas.ts), so a draw is seen by
  // wrapping the 2D context's fillText (a flag per call); their cells' aria-label changes with every drawn text and is
  // not observed: ~300 records per Sessions update cost the observer ~0.55 ms inside the measured frame (framecut,
  // stop 31), a cost of the instrument, not of the page. Other attribute records (a row's transform on every scroll
  // event) made the observer cost more than what it watches.
  const mark = () => {
    if (!on) return;
    // Marks the frame in a trace (BENCH_TRACE=1: its CPU apart from frames without changes).
    if (!changed) console.timeStamp('frame with changes');
    changed = true;
    if (!looping && !inFrame && !armed) { outside++; armed = true; raf(pageFrame); }
  };
  const fillText = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (...args) { mark(); return fillText.apply(this, args); };
  new MutationObserver(mark).observe(document, { subtree: true, childList: true, characterData: true });
  const loop = (t) => {
    if (!looping) return;
    if (on && last) {
      intervals.push(t - last);
      if (changed) { changedIntervals.push(t - last); changedWork.push(lastWork); }
    }
    changed = false;
    last = t;
    lastWork = 0;
    t0 = performance.now();
    if (scroller) {
      const max = scroller.scrollHeight - scroller.clientHeight;
      if ((step > 0 && scroller.scrollTop >= max - 1) || (step < 0 && scroller.scrollTop <= 0)) step = -step;
      scroller.scrollTop += step;
    }
    ch.port2.postMessage(0);
    raf(loop);
  };
  try {
    new PerformanceObserver((l) => { if (on) for (const e of l.getEntries()) { longN++; longMs += e.duration; } }).observe({ type: 'longtask' });
  } catch {}
  const scrollable = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const o = getComputedStyle(e).overflowY;
      if ((o === 'auto' || o === 'scroll') && e.scrollHeight > e.clientHeight) return e;
    }
    return document.scrollingElement;
  };
  window.__frames = {
    start(withLoop = true) {
      for (const a of [intervals, work, changedIntervals, changedWork]) a.length = 0;
      longN = 0; longMs = 0; last = 0; t0 = 0; outside = 0; changed = false; inFrame = false; on = true;
      if (withLoop && !looping) { looping = true; raf(loop); }
      if (!withLoop) looping = false;
    },
    stop() { on = false; looping = false; scroller = null; return { loop: intervals.length > 0, intervals: [...intervals], work: [...work], changedIntervals: [...changedIntervals], changedWork: [...changedWork], longN, longMs, outside }; },
    scroll(selector, px) { scroller = scrollable(document.querySelector(selector)); step = px; return scroller === document.scrollingElement ? 'page' : scroller.className; },
  };
})();`;

/**
 * BENCH_DRAWS=1: every call the page makes on a 2D canvas context that draws or clears (counted per phase, printed per
 * frame with changes, with the canvases drawn on per update): a deterministic measure of what an update draws, apart
 * from how long the machine takes to raster it. With them, the `aria-label` writes (`setAttribute`), split by whether
 * they ran inside a page frame (from the probe's start of the frame to its end) or between frames (the painted tables'
 * labels, written in the task after the update's frame). Off by default: the wrappers cost a little in every call.
 */
const DRAW_COUNTER = `(() => {
  const counts = {}, canvases = new Set(), frames = [];
  let on = false, strokes = 0, texts = 0, labels = 0, labelsBetween = 0;
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (on && name === 'aria-label') labels++;
    return setAttribute.call(this, name, value);
  };
  const proto = CanvasRenderingContext2D.prototype;
  for (const name of ['fillText', 'stroke', 'fill', 'fillRect', 'clearRect', 'drawImage', 'clip', 'roundRect', 'lineTo', 'moveTo']) {
    const f = proto[name];
    proto[name] = function (...args) {
      if (on) {
        counts[name] = (counts[name] ?? 0) + 1;
        canvases.add(this.canvas);
        if (name === 'stroke') strokes++;
        if (name === 'fillText') texts++;
      }
      return f.apply(this, args);
    };
  }
  window.__draws = {
    start() { for (const k of Object.keys(counts)) delete counts[k]; canvases.clear(); frames.length = 0; strokes = texts = labels = labelsBetween = 0; on = true; },
    // The page probe's start of a frame: the labels written since the last frame's end were written between frames.
    begin() { labelsBetween += labels; labels = 0; },
    // The page probe's end of a frame with changes: its work, what it stroked and filled with text, its label writes.
    frame(workMs) { if (on) frames.push([workMs, strokes, texts, labels]); strokes = texts = labels = 0; },
    stop() { on = false; return { counts: { ...counts }, canvases: canvases.size, frames: [...frames], labelsBetween: labelsBetween + labels }; },
  };
})();`;

interface FrameStats {
  /** Measured with the probe's own rAF loop (every frame), or only the page's frames (no intervals). */
  loop: boolean;
  intervals: number[];
  work: number[];
  changedIntervals: number[];
  changedWork: number[];
  longN: number;
  longMs: number;
  /** Page probe: frames started by a change (a canvas draw or a DOM change) made outside an animation frame. */
  outside: number;
}

/** Core's wire shape of one active session (GET /api/v3/session/active). */
interface WireSession {
  id: string;
  reference: string;
  created_at: number;
  local: string;
  remote: string;
  extra: string;
  bytes_rx: number;
  bytes_tx: number;
  bandwidth_rx_kbit: number;
  bandwidth_tx_kbit: number;
}

/**
 * One remote Core's sessions: `streams` streams, each with an RTMP publisher, `hlsViewers` HLS viewers and one RTMP
 * player; `tick` changes every rate and byte count and returns the lists per collector.
 */
export function wireFleet(coreIndex: number, streams: number, hlsViewers: number): () => Record<string, WireSession[]> {
  const createdS = Math.floor(Date.now() / 1000) - 600;
  const byCollector: Record<'hls' | 'rtmp', WireSession[]> = { hls: [], rtmp: [] };
  for (let k = 0; k < streams; k++) {
    const name = `c${coreIndex}-stream-${k}`;
    const s = (id: string, reference: string, local: string, remote: string, extra: string): WireSession => ({
      id, reference, created_at: createdS + (k % 600), local, remote, extra, bytes_rx: 0, bytes_tx: 0, bandwidth_rx_kbit: 0, bandwidth_tx_kbit: 0,
    });
    byCollector.rtmp.push(s(`/live/${name}`, `/live/${name}`, `publish:/live/${name}`, `198.51.100.${k % 250}:${40000 + k}`, ''));
    byCollector.rtmp.push(s(`/live/${name}-play`, `/live/${name}`, `play:/live/${name}`, `203.0.113.${k % 250}:${50000 + k}`, ''));
    for (let v = 0; v < hlsViewers; v++) {
      byCollector.hls.push(s(`h${coreIndex}x${k}x${v}`, name, `/memfs/${name}.m3u8`, `viewer-${(k * 7 + v) % 997}.example`, `[192.0.2.0] Mozilla/5.0 (X11; Linux x86_64) player-${v}`));
    }
  }
  let seed = coreIndex + 1;
  const rand = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) / 0x7fffffff);
  return () => {
    for (const s of byCollector.rtmp) {
      const publisher = s.local.startsWith('publish:');
      const kbit = Math.round(rand() * 6000 * 1000) / 1000;
      if (publisher) {
        s.bandwidth_rx_kbit = kbit;
        s.bytes_rx += Math.round((kbit * 1000) / 8);
      } else {
        s.bandwidth_tx_kbit = kbit;
        s.bytes_tx += Math.round((kbit * 1000) / 8);
      }
    }
    for (const s of byCollector.hls) {
      s.bandwidth_tx_kbit = Math.round(rand() * 4000 * 1000) / 1000;
      s.bytes_tx += Math.round((s.bandwidth_tx_kbit * 1000) / 8);
    }
    return byCollector;
  };
}

/**
 * The bytes of `sessions:update` events an event-stream client receives per second: one plain fetch of the bridge's
 * event stream (no auth in the bench), read for `seconds`; the first event (a full snapshot, or the first update) is
 * reported apart from the steady rate.
 */
async function pushBytesPerSecond(baseUrl: string, seconds: number): Promise<{ bytesPerSec: number; eventsPerSec: number; firstEventBytes: number }> {
  const controller = new AbortController();
  const res = await fetch(`${baseUrl}/api/ui/events`, { headers: { Accept: 'text/event-stream' }, signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let firstEventBytes = -1;
  let bytes = 0;
  let events = 0;
  let t0 = 0;
  const end = Date.now() + (seconds + 5) * 1000;
  try {
    while (Date.now() < end) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      for (let cut = text.indexOf('\n\n'); cut !== -1; cut = text.indexOf('\n\n')) {
        const block = text.slice(0, cut + 2);
        text = text.slice(cut + 2);
        if (!block.startsWith('event: sessions:update')) continue;
        const size = Buffer.byteLength(block);
        if (firstEventBytes < 0) {
          firstEventBytes = size;
          t0 = performance.now();
          continue;
        }
        bytes += size;
        events++;
      }
      if (t0 > 0 && performance.now() - t0 >= seconds * 1000) break;
    }
  } finally {
    controller.abort();
  }
  const s = Math.max(0.001, (performance.now() - t0) / 1000);
  return { bytesPerSec: bytes / s, eventsPerSec: events / s, firstEventBytes: Math.max(0, firstEventBytes) };
}

/** A sorted copy. */
function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/**
 * The spread of a phase's p95: the p95 of its first and of its second half of frames with changes (in time order),
 * so a reader sees how far the same code's p95 moves within one run ("halves 18.2 / 23.9").
 */
function halves(values: readonly number[], p: number): string {
  const cut = Math.floor(values.length / 2);
  return `${pct(sorted(values.slice(0, cut)), p).toFixed(1)} / ${pct(sorted(values.slice(cut)), p).toFixed(1)}`;
}

/** A seeded generator of numbers in [0, 1) (mulberry32): the same resamples in every run, so two runs differ by their frames only. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * How far a phase's p`p` could be from the one its frames stand for: the 5th and 95th percentile of the p`p` of
 * `BOOTSTRAP_RESAMPLES` resamples (frames drawn with replacement, as many as there are). Two builds whose intervals do
 * not overlap differ by more than the frames' own spread; with 60 frames the p95 is the third-slowest frame and the
 * interval is wide (several ms), which is what a longer phase (BENCH_UPDATE_SECONDS) narrows.
 */
function bootstrap(values: readonly number[], p: number): { lo: number; hi: number } {
  if (values.length < 2) return { lo: NaN, hi: NaN };
  const next = seeded(16);
  const n = values.length;
  const sample = new Float64Array(n);
  const stats = new Float64Array(BOOTSTRAP_RESAMPLES);
  for (let b = 0; b < BOOTSTRAP_RESAMPLES; b++) {
    for (let i = 0; i < n; i++) sample[i] = values[Math.floor(next() * n)]!;
    sample.sort();
    stats[b] = sample[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  }
  stats.sort();
  const at = (q: number): number => stats[Math.min(stats.length - 1, Math.floor((q / 100) * stats.length))]!;
  return { lo: at(5), hi: at(95) };
}
const BOOTSTRAP_RESAMPLES = 2000;

/**
 * The spread of a phase's p95 in words: its bootstrap interval (`bootstrap`), and, for a phase of two minutes or more
 * of frames with changes (`minutes` > 1), the p95 of each whole minute's frames in time order (a minute whose load
 * differed shows apart from the others); else the p95 of each half, as before.
 */
function spread(values: readonly number[], p: number, minutes: number): string {
  const { lo, hi } = bootstrap(values, p);
  const ci = `90 % interval ${lo.toFixed(1)}-${hi.toFixed(1)}`;
  if (minutes < 2) return `${ci}, halves ${halves(values, p)}`;
  const per = Math.floor(values.length / minutes);
  const parts = Array.from({ length: minutes }, (_, m) => pct(sorted(values.slice(m * per, m === minutes - 1 ? values.length : (m + 1) * per)), p).toFixed(1));
  return `${ci}, per minute ${parts.join(' / ')}`;
}

function frameLine(name: string, r: FrameStats, seconds: number): string {
  const [iv, ci, cw] = [sorted(r.intervals), sorted(r.changedIntervals), sorted(r.changedWork)];
  const dropped = iv.filter((d) => d > 16.7 * 1.5).length;
  const f = (v: number[], p: number): string => pct(v, p).toFixed(1).padStart(5);
  const minutes = Math.floor(seconds / 60);
  const workPart = `work p50 ${f(cw, 50)} p95 ${f(cw, 95)} (${spread(r.changedWork, 95, minutes)}) max ${(cw[cw.length - 1] ?? NaN).toFixed(0)} ms (aim p95 ≤ 16; p95 of ${cw.length} frames)`;
  if (!r.loop) {
    return (
      `  ${name.padEnd(30)} page frames only: frames with changes ${String(cw.length).padStart(4)}: ${workPart}; ` +
      `changes outside a frame ${r.outside} | long tasks ${r.longN} (${r.longMs.toFixed(0)} ms)`
    );
  }
  return (
    `  ${name.padEnd(30)} all frames ${String(iv.length).padStart(4)}: interval p50 ${f(iv, 50)} p95 ${f(iv, 95)} max ${(iv[iv.length - 1] ?? NaN).toFixed(0).padStart(4)} ms, ` +
    `dropped ${((dropped / Math.max(1, iv.length)) * 100).toFixed(0).padStart(2)} % | frames with changes ${String(ci.length).padStart(4)}: ` +
    `interval p50 ${f(ci, 50)} p95 ${f(ci, 95)} (halves ${halves(r.changedIntervals, 95)}) ms, ${workPart} | long tasks ${r.longN} (${r.longMs.toFixed(0)} ms)`
  );
}

/** A compositing layer as CDP's LayerTree domain lists it. */
interface LayerInfo {
  layerId: string;
  parentLayerId?: string;
  width: number;
  height: number;
  drawsContent: boolean;
  scrollRects?: unknown[];
  stickyPositionConstraint?: unknown;
}

/** The page's layers (the latest tree) and the paints reported since the phase began. */
interface LayerWatch {
  tree: LayerInfo[];
  painted: { layerId: string; clip: { width: number; height: number } }[];
}

type TraceEvent = { name: string; ph: string; ts?: number; dur?: number; tdur?: number; tid: number; pid: number; args?: { name?: string; data?: { functionName?: string } } };

/**
 * The events of one thread that no earlier one contains (an event starting before the previous kept one ended is
 * nested in it), in time order; at one start, the longer first.
 */
function outermost(events: readonly TraceEvent[]): TraceEvent[] {
  const sorted = [...events].sort((x, y) => x.ts! - y.ts! || (y.dur ?? 0) - (x.dur ?? 0));
  const kept: TraceEvent[] = [];
  let end = -Infinity;
  for (const e of sorted) {
    if (e.ts! < end) continue;
    end = e.ts! + (e.dur ?? 0);
    kept.push(e);
  }
  return kept;
}

/** A sampling heap profile (CDP HeapProfiler.getSamplingProfile): a tree of call stacks, each with its bytes. */
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
}

/**
 * BENCH_HEAP: what the page's JavaScript allocated in a phase (the samples stand for every byte, kept or collected
 * since; with BENCH_HEAP=old only what outlived a minor GC), by the allocating function (the top of the stack, with its
 * caller), in KiB per second, most first. Blink's own objects (DOM, style, layout: the Oilpan heap) are not in it.
 */
function heapLines(profile: HeapProfile, seconds: number): void {
  const at = (n: HeapNode): string => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()?.replace(/\?.*$/, '') ?? ''}:${n.callFrame.lineNumber + 1}`;
  const sites = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, parent: HeapNode | null): void => {
    if (n.selfSize > 0) {
      const k = parent ? `${at(n)} < ${at(parent)}` : at(n);
      sites.set(k, (sites.get(k) ?? 0) + n.selfSize);
      total += n.selfSize;
    }
    for (const c of n.children) walk(c, n);
  };
  walk(profile.head, null);
  const top = [...sites].sort((x, y) => y[1] - x[1]).slice(0, 14);
  console.log(`  ${''.padEnd(30)} heap (sampled, KiB/s): ${(total / 1024 / seconds).toFixed(0)} in all; ${top.map(([k, v]) => `${k} ${(v / 1024 / seconds).toFixed(0)}`).join('; ')}`);
}

/**
 * BENCH_NATIVE=1: where a frame's time goes beside the page's main thread. Per thread kind (the names Chromium gives
 * its threads), the CPU of its top-level trace events (nested ones are inside them) per frame with changes: the
 * renderer's compositor thread (commit, activation, draw), its raster workers (software raster: --disable-gpu), the
 * display compositor (viz) and the GPU/browser processes; then the raster tasks, and the page's layers.
 */
function nativeLines(r: FrameStats, events: readonly TraceEvent[], layers: LayerWatch, seconds: number, mainKey: string): void {
  const frames = Math.max(1, r.changedWork.length);
  const threadName = new Map<string, string>();
  const processName = new Map<number, string>();
  for (const e of events) {
    if (e.name === 'thread_name') threadName.set(`${e.pid}/${e.tid}`, e.args?.name ?? '?');
    if (e.name === 'process_name') processName.set(e.pid, e.args?.name ?? '?');
  }
  // Top-level events per thread: an event starting before the previous top-level one ended is nested in it.
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.ts === undefined) continue;
    const k = `${e.pid}/${e.tid}`;
    let list = byThread.get(k);
    if (!list) byThread.set(k, (list = []));
    list.push(e);
  }
  const cpu = new Map<string, number>();
  const top = new Map<string, Map<string, number>>();
  const kindOf = (k: string): string => `${(processName.get(Number(k.split('/')[0])) ?? '?').replace(/ Process$/, '')}:${(threadName.get(k) ?? '?').replace(/\d+$/, '')}`;
  for (const [k, list] of byThread) {
    const kind = kindOf(k);
    let sum = 0;
    const names = top.get(kind) ?? new Map<string, number>();
    for (const e of outermost(list)) {
      const t = (e.tdur ?? e.dur ?? 0) / 1000;
      sum += t;
      names.set(e.name, (names.get(e.name) ?? 0) + t);
    }
    top.set(kind, names);
    cpu.set(kind, (cpu.get(kind) ?? 0) + sum);
  }
  const threads = [...cpu.entries()].filter(([, v]) => v / frames >= 0.05).sort((x, y) => y[1] - x[1]);
  console.log(`  ${''.padEnd(30)} native: CPU ms per frame with changes by thread (top-level trace events): ${threads.map(([k, v]) => `${k} ${(v / frames).toFixed(1)}`).join(', ')}`);
  for (const [k] of threads.slice(0, 6)) {
    const names = [...(top.get(k) ?? new Map<string, number>()).entries()].sort((x, y) => y[1] - x[1]).slice(0, 6);
    console.log(`  ${''.padEnd(30)}   ${k}: ${names.map(([n, v]) => `${n} ${(v / frames).toFixed(2)}`).join(', ')}`);
  }
  slowFrameLines(byThread, mainKey, kindOf);
  shownLine(events, mainKey);
  // Raster: count and thread time of the raster tasks (each rasters one tile, or part of one).
  const raster = events.filter((e) => e.ph === 'X' && e.name === 'RasterTask');
  const rasterMs = raster.reduce((a, e) => a + (e.tdur ?? e.dur ?? 0) / 1000, 0);
  console.log(`  ${''.padEnd(30)} native: raster tasks ${(raster.length / frames).toFixed(1)} per frame with changes, ${(rasterMs / frames).toFixed(2)} ms thread time; ${(raster.length / seconds).toFixed(1)} per second`);
  const drawing = layers.tree.filter((l) => l.drawsContent);
  const area = (l: { width: number; height: number }): number => l.width * l.height;
  const paintedArea = layers.painted.reduce((a, p) => a + area(p.clip), 0);
  const perLayer = new Map<string, number>();
  for (const p of layers.painted) perLayer.set(p.layerId, (perLayer.get(p.layerId) ?? 0) + 1);
  console.log(
    `  ${''.padEnd(30)} native: layers ${layers.tree.length} (${drawing.length} draw content, ${(drawing.reduce((a, l) => a + area(l), 0) / 1e6).toFixed(2)} Mpx; ` +
      `${drawing.map((l) => `${l.width}×${l.height}${l.stickyPositionConstraint ? ' sticky' : ''}${l.scrollRects?.length ? ' scroll' : ''}`).join(', ')}); ` +
      `layer paints ${(layers.painted.length / frames).toFixed(1)} per frame with changes, ${(paintedArea / frames / 1e3).toFixed(0)} kpx per frame (${[...perLayer.values()].join('/')} per layer)`,
  );
}

/** The page's frames with changes in a trace: its main thread's BeginMainFrames with the probe's `frame with changes` mark in them. */
function changedMainFrames(events: readonly TraceEvent[], mainKey: string): TraceEvent[] {
  const marks = events.filter((e) => `${e.pid}/${e.tid}` === mainKey && e.name === 'TimeStamp' && /frame with changes/.test((e.args as { data?: { message?: string } } | undefined)?.data?.message ?? '')).map((e) => e.ts!);
  return events.filter((e) => `${e.pid}/${e.tid}` === mainKey && e.ph === 'X' && e.name === 'ProxyMain::BeginMainFrame' && marks.some((m) => m >= e.ts! && m <= e.ts! + (e.dur ?? 0)));
}

/**
 * BENCH_NATIVE=1: when the display compositor showed each frame with changes (offscreen's reader, shownByViz: viz's
 * first DrawAndSwap after the page's frame reached it), from the frame's start; beside the frame's own wall time. A
 * switch that only moves the frame's wait off the main thread lowers the work and not this.
 */
function shownLine(events: readonly TraceEvent[], mainKey: string): void {
  const starts = events.filter((e) => `${e.pid}/${e.tid}` === mainKey && e.ph === 'X' && e.name === 'ProxyMain::BeginMainFrame').map((e) => e.ts!).sort((x, y) => x - y);
  const frames = changedMainFrames(events, mainKey);
  const spans = frames.map((f) => ({ fromTs: f.ts!, startTs: f.ts!, endTs: starts.find((t) => t > f.ts!) ?? f.ts! + 1e6 }));
  const { shown, torn } = shownByViz(events as Ev[], spans);
  const wall = sorted(frames.map((f) => (f.dur ?? 0) / 1000));
  const s = sorted(shown);
  console.log(
    `  ${''.padEnd(30)} native: frames with changes shown by viz (${s.length} of ${frames.length}${torn ? `, ${torn} torn` : ''}): frame start → shown p50 ${pct(s, 50).toFixed(1)} p95 ${pct(s, 95).toFixed(1)} max ${(s[s.length - 1] ?? NaN).toFixed(1)} ms; ` +
      `the main frame's wall p50 ${pct(wall, 50).toFixed(1)} p95 ${pct(wall, 95).toFixed(1)} ms`,
  );
}

/**
 * The garbage collections of a phase per thread (BENCH_TRACE=1): the trace's events whose name holds "GC" (MinorGC and
 * MajorGC on the thread that allocated, V8.GC_* phases, the helper threads' marking and scavenging among them), the
 * outermost per thread, as count and wall ms per minute, by thread kind (the page, the sessions worker, V8's helpers).
 */
function gcLines(events: readonly TraceEvent[], seconds: number, mainKey: string, workerKey: string): void {
  const threadName = new Map<string, string>();
  for (const e of events) if (e.name === 'thread_name') threadName.set(`${e.pid}/${e.tid}`, e.args?.name ?? '?');
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.ts === undefined || !/GC/.test(e.name)) continue;
    const k = `${e.pid}/${e.tid}`;
    let list = byThread.get(k);
    if (!list) byThread.set(k, (list = []));
    list.push(e);
  }
  const perMin = 60 / Math.max(1, seconds);
  const kinds = new Map<string, Map<string, { n: number; ms: number; max: number }>>();
  for (const [k, list] of byThread) {
    const kind = k === mainKey ? 'page' : k === workerKey ? 'sessions worker' : (threadName.get(k) ?? '?').replace(/\d+$/, '');
    const names = kinds.get(kind) ?? new Map<string, { n: number; ms: number; max: number }>();
    kinds.set(kind, names);
    for (const e of outermost(list)) {
      const v = names.get(e.name) ?? { n: 0, ms: 0, max: 0 };
      const ms = (e.dur ?? 0) / 1000;
      v.n++;
      v.ms += ms;
      v.max = Math.max(v.max, ms);
      names.set(e.name, v);
    }
  }
  const parts = [...kinds].map(([kind, names]) => {
    const top = [...names].sort((x, y) => y[1].ms - x[1].ms).slice(0, 4);
    return `${kind}: ${top.map(([n, v]) => `${n} ${(v.n * perMin).toFixed(0)}×/min ${(v.ms * perMin).toFixed(0)} ms/min (max ${v.max.toFixed(1)})`).join(', ')}`;
  });
  console.log(`  ${''.padEnd(30)} GC (trace, wall): ${parts.join(' | ') || 'none in the trace'}`);
  gcBesideFramesLine(byThread, mainKey, workerKey, threadName, events);
}

/**
 * The GCs that ran beside the frames with changes (stop 33): the page's frames that ran its rAF and drew a change (a
 * BeginMainFrame with the probe's `frame with changes` mark in it), and per thread kind other than the page (the
 * sessions worker, V8's helper threads: both heaps' concurrent marking, sweeping and scavenging) the outermost GC
 * events overlapping them: in how many frames, and their CPU meanwhile per frame (prorated to the overlap). The page's
 * own GCs inside its frames are part of the frame's work.
 */
function gcBesideFramesLine(byThread: ReadonlyMap<string, TraceEvent[]>, mainKey: string, workerKey: string, threadName: ReadonlyMap<string, string>, events: readonly TraceEvent[]): void {
  const frames = changedMainFrames(events, mainKey);
  if (frames.length === 0) return;
  const kinds = new Map<string, { frames: number; cpu: number }>();
  const gcs = [...byThread].filter(([k]) => k !== mainKey).map(([k, list]) => [k === workerKey ? 'sessions worker' : (threadName.get(k) ?? '?').replace(/\d+$/, ''), outermost(list)] as const);
  for (const f of frames) {
    const hit = new Map<string, number>();
    for (const [kind, list] of gcs)
      for (const e of list) {
        const overlap = Math.min(e.ts! + (e.dur ?? 0), f.ts! + (f.dur ?? 0)) - Math.max(e.ts!, f.ts!);
        if (overlap > 0) hit.set(kind, (hit.get(kind) ?? 0) + ((e.tdur ?? e.dur ?? 0) * overlap) / Math.max(1, e.dur ?? 1) / 1000);
      }
    for (const [kind, cpu] of hit) {
      const v = kinds.get(kind) ?? { frames: 0, cpu: 0 };
      v.frames++;
      v.cpu += cpu;
      kinds.set(kind, v);
    }
  }
  const parts = [...kinds].map(([kind, v]) => `${kind} in ${v.frames} (${(v.cpu / frames.length).toFixed(2)} ms CPU per frame)`);
  console.log(`  ${''.padEnd(30)} GC beside the ${frames.length} frames with changes: ${parts.join(', ') || 'none'}`);
}

/**
 * With the trace category disabled-by-default-v8.gc: what the page's heaps grew by between its GCs (V8's summary of
 * each GC, V8.GCTraceGCNVP: the sizes at its start and end), in MB/s: V8's old generation, and the rest of V8's
 * "global" size, Blink's Oilpan heap and external memory. A major GC starts when either reaches its limit (the old
 * generation's, or the global one): which one grows says where the garbage that starts them comes from.
 */
function gcGrowthLine(events: readonly TraceEvent[], seconds: number, mainKey: string): void {
  type Nvp = { gc: string; start_global_consumed_size: number; end_global_consumed_size: number; start_old_gen_consumed_size: number; end_old_gen_consumed_size: number };
  const gcs = events
    .filter((e) => e.name === 'V8.GCTraceGCNVP' && `${e.pid}/${e.tid}` === mainKey)
    .map((e) => JSON.parse((e.args as { value: string }).value) as Nvp);
  if (gcs.length < 2) return;
  let global = 0;
  let old = 0;
  for (let i = 1; i < gcs.length; i++) {
    global += Math.max(0, gcs[i]!.start_global_consumed_size - gcs[i - 1]!.end_global_consumed_size);
    old += Math.max(0, gcs[i]!.start_old_gen_consumed_size - gcs[i - 1]!.end_old_gen_consumed_size);
  }
  const mb = (v: number): string => (v / 1e6 / seconds).toFixed(2);
  console.log(
    `  ${''.padEnd(30)} page heaps' growth between its ${gcs.length} GCs (${gcs.filter((g) => g.gc === 'mc').length} major): V8 old generation ${mb(old)} MB/s, ` +
      `Blink's Oilpan heap and external memory ${mb(global - old)} MB/s`,
  );
}

/** The page's frames that ran its rAF callbacks: a BeginMainFrame with FireAnimationFrame in it (main-thread events in time order). */
function rafFrames(mainEvents: readonly TraceEvent[]): TraceEvent[] {
  return mainEvents.filter((f) => f.name === 'ProxyMain::BeginMainFrame' && mainEvents.some((e) => e.name === 'FireAnimationFrame' && e.ts! >= f.ts! && e.ts! < f.ts! + (f.dur ?? 0)));
}

/**
 * BENCH_NATIVE=1: what a slow frame is made of (a busy machine's tail). The frames that ran the page's rAF callback
 * (a BeginMainFrame with FireAnimationFrame in it), the slowest tenth against the faster half: the frame's wall and
 * CPU, of it the rAF callbacks' and the commit's (the main thread waits there for the compositor thread), and the CPU
 * other threads spent meanwhile (their top-level events, prorated to the overlap): wall far above CPU is the main
 * thread waiting for a core or for the compositor.
 */
function slowFrameLines(byThread: ReadonlyMap<string, TraceEvent[]>, mainKey: string, kindOf: (k: string) => string): void {
  const mainEvents = (byThread.get(mainKey) ?? []).slice().sort((x, y) => x.ts! - y.ts!);
  const within = (f: TraceEvent, name: string): TraceEvent[] => mainEvents.filter((e) => e.name === name && e.ts! >= f.ts! && e.ts! < f.ts! + (f.dur ?? 0));
  const others = [...byThread].filter(([k]) => k !== mainKey).map(([k, list]) => [kindOf(k), outermost(list)] as const);
  const frames = rafFrames(mainEvents)
    .map((f) => {
      const [raf, commit] = [within(f, 'FireAnimationFrame'), within(f, 'ProxyMain::BeginMainFrame::commit')];
      const beside = new Map<string, number>();
      for (const [kind, list] of others)
        for (const e of list) {
          const overlap = Math.min(e.ts! + (e.dur ?? 0), f.ts! + (f.dur ?? 0)) - Math.max(e.ts!, f.ts!);
          if (overlap > 0) beside.set(kind, (beside.get(kind) ?? 0) + ((e.tdur ?? e.dur ?? 0) * overlap) / Math.max(1, e.dur ?? 1) / 1000);
        }
      const ms = (l: TraceEvent[], k: 'dur' | 'tdur'): number => l.reduce((a, e) => a + (e[k] ?? 0), 0) / 1000;
      return { wall: (f.dur ?? 0) / 1000, cpu: (f.tdur ?? 0) / 1000, raf: ms(raf, 'dur'), rafCpu: ms(raf, 'tdur'), commit: ms(commit, 'dur'), beside };
    })
    .sort((x, y) => x.wall - y.wall);
  if (frames.length < 10) return;
  for (const [label, list] of [['slowest tenth', frames.slice(Math.floor(frames.length * 0.9))], ['faster half', frames.slice(0, Math.floor(frames.length / 2))]] as const) {
    const mean = (f: (x: (typeof frames)[number]) => number): string => (list.reduce((a, x) => a + f(x), 0) / list.length).toFixed(1);
    const beside = new Map<string, number>();
    for (const x of list) for (const [k, v] of x.beside) beside.set(k, (beside.get(k) ?? 0) + v / list.length);
    console.log(
      `  ${''.padEnd(30)} native: ${label} of the ${frames.length} frames with the page's rAF (${list.length}): wall ${mean((x) => x.wall)} ms, CPU ${mean((x) => x.cpu)}; rAF wall ${mean((x) => x.raf)}, CPU ${mean((x) => x.rafCpu)}; ` +
        `commit wall ${mean((x) => x.commit)} (waiting for the compositor thread); meanwhile other threads' CPU: ` +
        `${[...beside].filter(([, v]) => v >= 0.1).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`,
    );
  }
}

/**
 * The real headless server with 4 remote test Cores × 500 streams × 5 sessions (10 000 sessions, 2 000 streams) whose
 * every rate changes each second; Chromium shows /ui/ and the page measures frames while it updates, while the
 * sessions table scrolls, while the user sorts it, and the same for the Streams view.
 */
async function headlessBench(): Promise<void> {
  const { startTestCore, summaryOfLists } = await import('../tests/support/test-core.ts');
  const { startHeadless } = await import('../tests/support/headless.ts');
  const { buildRenderer, launchChromium } = await import('../tests/e2e/support.ts');
  // The phases whose figure is the p95 of frames with changes (the updates, the Sessions sorting and the Streams
  // filtering: the budget's figures) run BENCH_UPDATE_SECONDS (default 60; BENCH_PHASE_SECONDS alone sets every
  // phase, as before): at 1 update a second a 30 s phase has 30 frames with changes, its p95 is the second slowest
  // frame and moved by 15 ms between runs of the same code; the sorting phase ran 10 s (35-42 frames) until stop 30.
  // Each such p95 is printed with its spread (`spread`), so a longer phase shows how much it narrows. The scrolling
  // phases (hundreds of frames each) run BENCH_PHASE_SECONDS (default 10).
  const phaseS = Number(process.env.BENCH_PHASE_SECONDS ?? 10);
  // BENCH_PROBE=loop: every phase timed with the probe's rAF loop (the only way before stop 25); by default only the
  // scrolling phases are (the loop scrolls), the others time the page's own frames (FRAME_PROBE).
  const loopAlways = process.env.BENCH_PROBE === 'loop';
  const updateS = Number(process.env.BENCH_UPDATE_SECONDS ?? process.env.BENCH_PHASE_SECONDS ?? 60);
  const coresN = 4;
  const streamsPerCore = Number(process.env.BENCH_STREAMS ?? 2000) / coresN;
  const hlsViewers = 3;
  await buildRenderer();
  const cores = await Promise.all(Array.from({ length: coresN }, (_, i) => startTestCore({ phase: 'snap-02', coreId: `bench-${i}`, coreName: `Studio ${i + 1}` })));
  const fleets = cores.map((_, i) => wireFleet(i, streamsPerCore, hlsViewers));
  // The app polls a Core's /api/v3/session summary only (its lists are the active sessions).
  const feed = (): void => cores.forEach((c, i) => c.setSessionBodies({ summary: summaryOfLists(fleets[i]!()) }));
  feed();
  const feeder = setInterval(feed, 1000);
  const h = await startHeadless(['--no-persist', ...cores.flatMap((c) => ['--core', c.urlWithCredentials])], { timeoutMs: 60_000 });
  // BENCH_CHROMIUM_ARGS='--a --b=1': Chromium switches after the usual ones (to compare a switch back to back).
  const chromiumArgs = (process.env.BENCH_CHROMIUM_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
  const browser = await launchChromium(chromiumArgs);
  try {
    await browser.context.addInitScript({ content: FRAME_PROBE });
    const draws = process.env.BENCH_DRAWS === '1';
    if (draws) await browser.context.addInitScript({ content: DRAW_COUNTER });
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    // Whole snapshots the page asks for (the first load, and a resync after a missed push).
    let wholeSnapshots = 0;
    page.on('request', (r) => void (decodeURIComponent(r.url()).endsWith('/invoke/sessions:snapshot') && wholeSnapshots++));
    // BENCH_CSS='...': rules appended to the page's stylesheet (the CSP allows no inline style), to try a style change
    // back to back with the same build.
    const extraCss = process.env.BENCH_CSS;
    if (extraCss) {
      await page.route(/\.css(\?|$)/, async (route) => {
        const res = await route.fetch();
        await route.fulfill({ response: res, body: `${await res.text()}\n${extraCss}\n` });
      });
    }
    await page.goto(`${h.url}/ui/#sessions`);
    const want = coresN * streamsPerCore * (2 + hlsViewers);
    const t0 = Date.now();
    for (;;) {
      const shown = await page.textContent('[data-testid="sessions-count"]').catch(() => null);
      const n = Number((/of (.+) sessions/.exec(shown ?? '')?.[1] ?? '0').replace(/\D/g, ''));
      if (n >= want) break;
      if (Date.now() - t0 > 60_000) throw new Error(`the sessions view shows ${shown ?? 'nothing'} after 60 s, want ${want}`);
      await page.waitForTimeout(500);
    }
    const streams = ((await (await fetch(`${h.url}/api/streams`)).json()) as { streams: unknown[] }).streams.length;
    if (chromiumArgs.length > 0) console.log(`  Chromium switches added (BENCH_CHROMIUM_ARGS): ${chromiumArgs.join(' ')}`);
    console.log(`renderer (headless server): ${want} sessions, ${streams} streams on ${coresN} remote test Cores, every rate changes each second; ${updateS} s per update, sorting and filtering phase, ${phaseS} s per scrolling phase; load average ${loadavg()[0]!.toFixed(2)}`);
    if (extraCss) console.log(`  extra CSS (BENCH_CSS): ${extraCss}`);
    const wire = await pushBytesPerSecond(h.url, Math.min(phaseS, 6));
    // What one whole snapshot weighs (the answer to sessions:snapshot): before the deltas, every push was one.
    const whole = await (await fetch(`${h.url}/api/ui/invoke/sessions:snapshot`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[]' })).text();
    console.log(
      `  push payload (sessions:update over /api/ui/events, as a page receives it after its first event): ${(wire.bytesPerSec / 1024).toFixed(0)} KiB/s ` +
        `in ${wire.eventsPerSec.toFixed(1)} events/s (first event ${(wire.firstEventBytes / 1024).toFixed(0)} KiB); a whole snapshot is ` +
        `${(Buffer.byteLength(whole) / 1024).toFixed(0)} KiB (whole snapshots every second, as before the deltas: ${((Buffer.byteLength(whole) * wire.eventsPerSec) / 1024).toFixed(0)} KiB/s)`,
    );
    console.log(
      `  aim: p95 ≤ 16 ms per frame with changes. interval: rAF to rAF (one 60 Hz frame is 16.7 ms, so p95 16.7 = no frame dropped); work: the frame's main-thread time (rAF callbacks incl. the store update, style, layout, paint, commit); ` +
        `probe: ${loopAlways ? 'its own rAF loop in every phase (BENCH_PROBE=loop)' : "the page's own frames, its rAF loop only while scrolling (BENCH_PROBE=loop: the loop throughout)"}`,
    );
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const metrics = async (): Promise<Record<string, number>> =>
      Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }).metrics.map((m) => [m.name, m.value]));
    // BENCH_PROFILE=DIR: a CPU profile of the page per phase (DIR/<phase>.cpuprofile, open in Chromium's devtools).
    const profileDir = process.env.BENCH_PROFILE;
    // BENCH_HEAP=1: a sampling heap profile of the page's JavaScript per phase (objects collected since included), its
    // allocation sites printed by bytes per second; BENCH_HEAP=old: only what outlived a minor GC (what fills the old
    // generation); BENCH_HEAP_DIR=DIR also writes DIR/<phase>.heapprofile (Chromium's devtools open it).
    const heap = process.env.BENCH_HEAP;
    const heapDir = process.env.BENCH_HEAP_DIR;
    // BENCH_TRACE=1: a Chromium trace per phase, summed per event on the page's main thread (ms per second).
    const trace = process.env.BENCH_TRACE === '1';
    // BENCH_SCHED=MS (with BENCH_TRACE=1): every thread of the bench's process tree sampled from /proc every MS ms
    // (bench/sched.ts): what ran beside the page's frames, the server and the test Cores among it.
    const schedMs = Number(process.env.BENCH_SCHED ?? 0);
    const traceEvents: TraceEvent[] = [];
    (cdp as unknown as { on(event: string, cb: (e: { value: typeof traceEvents }) => void): void }).on('Tracing.dataCollected', (e) => void traceEvents.push(...e.value));
    // BENCH_NATIVE=1 (with BENCH_TRACE=1): the frame's native side: every thread's CPU per frame with changes, raster
    // tasks, and the page's compositing layers and what was painted in them (CDP LayerTree).
    const native = trace && process.env.BENCH_NATIVE === '1';
    const layers: LayerWatch = { tree: [], painted: [] };
    if (native) {
      const events = cdp as unknown as { on(event: string, cb: (e: never) => void): void };
      events.on('LayerTree.layerTreeDidChange', (e: { layers?: LayerInfo[] }) => void (e.layers && (layers.tree = e.layers)));
      events.on('LayerTree.layerPainted', (e: { layerId: string; clip: { width: number; height: number } }) => void layers.painted.push(e));
      await cdp.send('LayerTree.enable');
    }
    const measure = async (name: string, seconds: number, during?: () => Promise<void>, loop = loopAlways): Promise<void> => {
      if (trace) {
        traceEvents.length = 0;
        // BENCH_INVALIDATIONS=1: also which elements were invalidated for paint and layout, and why (counts per phase).
        // BENCH_NATIVE=1: also the compositor, raster and display threads (cc, viz), for the native part of a frame.
        const categories =
          `devtools.timeline,disabled-by-default-devtools.timeline${process.env.BENCH_INVALIDATIONS === '1' ? ',disabled-by-default-devtools.timeline.invalidationTracking' : ''}` +
          `${native ? ',cc,viz,gpu,benchmark,disabled-by-default-devtools.timeline.frame' : ''}`;
        const extraCategories = process.env.BENCH_TRACE_CATEGORIES ? `,${process.env.BENCH_TRACE_CATEGORIES}` : '';
        await cdp.send('Tracing.start', { categories: categories + extraCategories, transferMode: 'ReportEvents' });
      }
      if (profileDir) {
        await cdp.send('Profiler.enable');
        await cdp.send('Profiler.start');
      }
      if (heap) {
        await cdp.send('HeapProfiler.enable');
        await cdp.send('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: heap !== 'old' });
      }
      const m0 = await metrics();
      if (native) layers.painted = [];
      const sched = trace && schedMs > 0 ? startSched(process.pid, schedMs) : undefined;
      const t0 = performance.now();
      if (draws) await page.evaluate('window.__draws.start()');
      await page.evaluate(`window.__frames.start(${loop})`);
      const end = Date.now() + seconds * 1000;
      if (during) while (Date.now() < end) await during();
      else await page.waitForTimeout(seconds * 1000);
      const r = (await page.evaluate('window.__frames.stop()')) as FrameStats;
      const schedData = await sched?.stop();
      const [m1, s] = [await metrics(), (performance.now() - t0) / 1000];
      const per = (k: string): string => `${((((m1[k] ?? 0) - (m0[k] ?? 0)) * 1000) / s).toFixed(0)}`;
      if (profileDir) {
        const { profile } = (await cdp.send('Profiler.stop')) as { profile: unknown };
        writeFileSync(join(profileDir, `${name.replace(/[^a-z]+/g, '-')}.cpuprofile`), JSON.stringify(profile));
      }
      console.log(frameLine(name, r, seconds));
      if (draws) {
        const d = (await page.evaluate('window.__draws.stop()')) as { counts: Record<string, number>; canvases: number; frames: [number, number, number, number][]; labelsBetween: number };
        const n = Math.max(1, r.changedWork.length);
        const calls = Object.entries(d.counts).sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(', ');
        console.log(`  ${''.padEnd(30)} canvas calls per frame with changes (${r.changedWork.length} in ${seconds} s; ${d.canvases} canvases drawn on in the phase): ${calls}`);
        // The page probe's frames with changes (not the loop's), split by whether they stroked a sparkline.
        const split = (f: [number, number, number, number][]): string => {
          const w = sorted(f.map((x) => x[0]));
          return `${f.length} frames, work p50 ${pct(w, 50).toFixed(1)} p95 ${pct(w, 95).toFixed(1)} ms, fillText ${(f.reduce((a, x) => a + x[2], 0) / Math.max(1, f.length)).toFixed(1)}, stroke ${(f.reduce((a, x) => a + x[1], 0) / Math.max(1, f.length)).toFixed(1)} per frame`;
        };
        if (d.frames.length > 0) {
          console.log(`  ${''.padEnd(30)} frames that stroked: ${split(d.frames.filter((f) => f[1] > 0))}; the others: ${split(d.frames.filter((f) => f[1] === 0))}`);
          const inside = d.frames.reduce((a, x) => a + x[3], 0);
          console.log(`  ${''.padEnd(30)} aria-label writes per frame with changes (${d.frames.length}): ${(inside / d.frames.length).toFixed(1)} inside the frame, ${(d.labelsBetween / d.frames.length).toFixed(1)} between frames`);
        }
      }
      if (heap) {
        const { profile } = (await cdp.send('HeapProfiler.stopSampling')) as { profile: HeapProfile };
        if (heapDir) writeFileSync(join(heapDir, `${name.replace(/[^a-z]+/g, '-')}.heapprofile`), JSON.stringify(profile));
        heapLines(profile, s);
      }
      if (trace) {
        const done = new Promise<void>((resolve) => (cdp as unknown as { once(event: string, cb: () => void): void }).once('Tracing.tracingComplete', resolve));
        await cdp.send('Tracing.end');
        await done;
        // BENCH_TRACE_DIR=DIR: the raw trace of each phase too (DIR/<phase>.json, opens in Chromium's performance panel).
        const traceDir = process.env.BENCH_TRACE_DIR;
        if (traceDir) writeFileSync(join(traceDir, `${name.replace(/[^a-z]+/g, '-')}.json`), JSON.stringify({ traceEvents }));
        // The page's main thread: of the renderer main threads named in the trace, the busiest (a trace may name
        // another renderer's too).
        const busy = new Map<string, number>();
        for (const e of traceEvents) if (e.ph === 'X' && e.name === 'RunTask') busy.set(`${e.pid}/${e.tid}`, (busy.get(`${e.pid}/${e.tid}`) ?? 0) + (e.dur ?? 0));
        const main = traceEvents
          .filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
          .sort((x, y) => (busy.get(`${y.pid}/${y.tid}`) ?? 0) - (busy.get(`${x.pid}/${x.tid}`) ?? 0))[0];
        const worker = traceEvents.find((e) => e.name === 'thread_name' && e.pid === main?.pid && /Worker/.test(e.args?.name ?? ''));
        const sums = new Map<string, number>();
        for (const e of traceEvents) if (main && e.tid === main.tid && e.pid === main.pid && e.ph === 'X' && e.dur) sums.set(e.name, (sums.get(e.name) ?? 0) + e.dur / 1000);
        const top = [...sums.entries()].sort((x, y) => y[1] - x[1]).slice(0, 12);
        console.log(`  ${''.padEnd(30)} trace, main thread ms/s (nested events overlap): ${top.map(([k, v]) => `${k} ${(v / s).toFixed(1)}`).join(', ')}`);
        // Thread time (CPU, not wall clock: robust under load) per frame with changes, by kind of work. Scripting is
        // the rAF callbacks (store update and React render), other script tasks (the push's decoding, timers) and
        // input events; paint includes pre-paint and layerize. Whole-phase sums: the frame probe's own rAF callback
        // (every frame) is in rAF, so compare runs of one bench.
        const cpu = new Map<string, number>();
        // A Paint event nests one per painted layer (each Sessions row): only the outermost ones are counted.
        const mainEvents = traceEvents.filter((e) => main && e.tid === main.tid && e.pid === main.pid && e.ph === 'X' && e.tdur);
        for (const e of [...mainEvents.filter((e) => e.name !== 'Paint'), ...outermost(mainEvents.filter((e) => e.name === 'Paint'))]) {
          cpu.set(e.name, (cpu.get(e.name) ?? 0) + e.tdur! / 1000);
        }
        const sum = (...names: string[]): number => names.reduce((a, n) => a + (cpu.get(n) ?? 0), 0);
        const updates = Math.max(1, r.changedWork.length);
        const kinds: [string, number][] = [
          ['rAF', sum('FireAnimationFrame')],
          ['other script', sum('FunctionCall', 'TimerFire', 'EventDispatch')],
          ['style', sum('UpdateLayoutTree')],
          ['layout', sum('Layout')],
          ['paint', sum('PrePaint', 'Paint', 'Layerize')],
          ['of it: pre-paint', sum('PrePaint')],
          ['record', sum('Paint')],
          ['layerize', sum('Layerize')],
          // The commit to the compositor runs in every frame (the probe asks for one each), most of it in frames
          // without changes: shown apart.
          ['commit (all frames)', sum('Commit')],
          ['all tasks', sum('RunTask')],
        ];
        if (process.env.BENCH_INVALIDATIONS === '1') {
          const why = new Map<string, number>();
          for (const e of traceEvents as { name: string; args?: { data?: { nodeName?: string; reason?: string } } }[]) {
            if (!e.name.endsWith('InvalidationTracking')) continue;
            const k = `${e.name.replace('InvalidationTracking', '')} ${e.args?.data?.nodeName ?? '?'} (${e.args?.data?.reason ?? '?'})`;
            why.set(k, (why.get(k) ?? 0) + 1);
          }
          const top = [...why.entries()].sort((x, y) => y[1] - x[1]).slice(0, 15);
          console.log(`  ${''.padEnd(30)} invalidations per frame with changes: ${top.map(([k, v]) => `${k} ${(v / Math.max(1, r.changedWork.length)).toFixed(0)}`).join(', ')}`);
        }
        console.log(`  ${''.padEnd(30)} trace, main thread CPU ms per frame with changes (${updates}): ${kinds.map(([k, v]) => `${k} ${(v / updates).toFixed(1)}`).join(', ')}`);
        // Per task, thread time (CPU): the frames that laid out or painted something (an update, a scroll, a sort;
        // a frame of the probe alone does neither) apart from the other tasks (receiving the push, timers, the
        // worker's answers). Load stretches wall-clock frame times; it moves these much less.
        const tasks = traceEvents.filter((e) => main && e.tid === main.tid && e.pid === main.pid && e.ph === 'X').sort((x, y) => x.ts! - y.ts!);
        const frameCpu: number[] = [];
        // The frames the probe marked as with changes (an update, a sort: the DOM changed): their CPU, rAF and commit
        // apart from the page's other frames (a canvas drawn a frame later).
        const marks = traceEvents
          .filter((e) => main && e.tid === main.tid && e.pid === main.pid && e.name === 'TimeStamp' && (e.args?.data as { message?: string } | undefined)?.message === 'frame with changes')
          .map((e) => e.ts!);
        const changedFrames: { cpu: number; raf: number; commit: number }[] = [];
        let otherCpu = 0;
        // The probe's own functions (FRAME_PROBE): a task that ran only these is the probe's, not the page's.
        const probe = new Set(['loop', 'pageFrame', 'ch.port1.onmessage']);
        for (let i = 0; i < tasks.length; i++) {
          const t = tasks[i]!;
          if (t.name !== 'RunTask') continue;
          const end = t.ts! + (t.dur ?? 0);
          let drew = false;
          let probeCalls = 0;
          let otherCalls = 0;
          let animationFrame = false;
          for (let j = i + 1; j < tasks.length && tasks[j]!.ts! < end; j++) {
            const e = tasks[j]!;
            if (e.name === 'Layout' || e.name === 'Paint') drew = true;
            if (e.name === 'FireAnimationFrame') animationFrame = true;
            if (e.name === 'FunctionCall') {
              if (probe.has(e.args?.data?.functionName ?? '')) probeCalls++;
              else otherCalls++;
            }
          }
          // A frame of the page's own (not the probe's alone) drew too when it laid out nothing and painted no layer:
          // the Sessions table's canvas changes in a frame without Layout or Paint events.
          if (drew || (animationFrame && otherCalls > 0)) {
            frameCpu.push((t.tdur ?? 0) / 1000);
            if (marks.some((m) => m >= t.ts! && m <= end)) {
              const f = { cpu: (t.tdur ?? 0) / 1000, raf: 0, commit: 0 };
              for (let j = i + 1; j < tasks.length && tasks[j]!.ts! < end; j++) {
                const e = tasks[j]!;
                if (e.name === 'FireAnimationFrame') f.raf += (e.tdur ?? 0) / 1000;
                if (e.name === 'Commit') f.commit += (e.tdur ?? 0) / 1000;
              }
              changedFrames.push(f);
            }
          }
          // Promise reactions (the event stream's reads) run without a FunctionCall event: only tasks that ran the
          // probe alone are left out.
          else if (!(probeCalls > 0 && otherCalls === 0)) otherCpu += (t.tdur ?? 0) / 1000;
        }
        frameCpu.sort((x, y) => x - y);
        const workerCpu = worker ? traceEvents.filter((e) => e.tid === worker.tid && e.pid === worker.pid && e.ph === 'X' && e.name === 'RunTask').reduce((a, e) => a + (e.tdur ?? 0) / 1000, 0) : 0;
        console.log(
          `  ${''.padEnd(30)} trace, main thread CPU per frame that drew (${frameCpu.length}): p50 ${pct(frameCpu, 50).toFixed(1)} p95 ${pct(frameCpu, 95).toFixed(1)} ms; ` +
            `other tasks (the push, the worker's answers, timers; not the probe's) ${(otherCpu / updates).toFixed(1)} ms per frame with changes${worker ? `; sessions worker ${(workerCpu / updates).toFixed(1)} ms per frame with changes` : ''}`,
        );
        if (changedFrames.length > 0) {
          const of = (k: 'cpu' | 'raf' | 'commit'): string => {
            const v = sorted(changedFrames.map((f) => f[k]));
            return `${pct(v, 50).toFixed(1)} / ${pct(v, 95).toFixed(1)}`;
          };
          console.log(`  ${''.padEnd(30)} trace, main thread CPU p50 / p95 of the ${changedFrames.length} frames with changes alone: frame ${of('cpu')}, rAF ${of('raf')}, commit ${of('commit')} ms`);
        }
        gcLines(traceEvents, s, main ? `${main.pid}/${main.tid}` : '', worker ? `${worker.pid}/${worker.tid}` : '');
        if (main) gcGrowthLine(traceEvents, s, `${main.pid}/${main.tid}`);
        if (native) nativeLines(r, traceEvents, layers, s, main ? `${main.pid}/${main.tid}` : '');
        if (schedData && main) {
          const frames = rafFrames(mainEvents.slice().sort((x, y) => x.ts! - y.ts!)).map((f) => ({ startUs: f.ts!, endUs: f.ts! + (f.dur ?? 0), wallMs: (f.dur ?? 0) / 1000 }));
          schedLines(schedData, frames, process.pid, { pid: main.pid, mainTid: main.tid, workerTid: worker?.tid ?? -1 });
        }
      }
      console.log(`  ${''.padEnd(30)} main thread per second (CDP): tasks ${per('TaskDuration')} ms, script ${per('ScriptDuration')} ms, style ${per('RecalcStyleDuration')} ms, layout ${per('LayoutDuration')} ms`);
    };
    const scroll = (selector: string) => async (): Promise<void> => {
      await page.evaluate(`window.__frames.scroll(${JSON.stringify(selector)}, 90)`);
      await page.waitForTimeout(phaseS * 1000);
    };
    // Sessions: sorted by rx (every update reorders the visible rows), then scrolled, then re-sorted by the user.
    // BENCH_VIEWS=streams skips them (the Streams phases only, to compare a change back to back).
    if (process.env.BENCH_VIEWS !== 'streams') {
      await page.click('[data-testid="sort-rxBitsPerSec"]');
      await page.waitForTimeout(1500);
      await measure('sessions, updates', updateS);
      await measure('sessions, updates + scrolling', phaseS, scroll('[data-testid="sessions-table"]'), true);
      await page.evaluate(`document.querySelector('[data-testid="sessions-table"]').scrollTo(0, 0)`);
      const sortKeys = await page.$$eval('[data-testid^="sort-"]', (els) => els.map((e) => e.getAttribute('data-testid')!));
      let k = 0;
      await measure('sessions, updates + sorting', updateS, async () => {
        await page.click(`[data-testid="${sortKeys[k++ % sortKeys.length]}"]`);
        await page.waitForTimeout(400);
      });
    }
    // BENCH_VIEWS=sessions: the Sessions phases only (a shorter run to compare a change back to back).
    if (process.env.BENCH_VIEWS === 'sessions') return;
    // Streams: ordered by viewers; the user scrolls and filters by protocol (the view has no sort control).
    await page.click('[data-testid="nav-streams"]');
    await page.waitForSelector('[data-testid="streams-table"]');
    await page.waitForTimeout(1500);
    await measure('streams, updates', updateS);
    await measure('streams, updates + scrolling', phaseS, scroll('[data-testid="streams-table"]'), true);
    const chips = await page.$$eval('[data-testid^="streams-protocol-"]', (els) => els.map((e) => e.getAttribute('data-testid')!));
    let c = 0;
    await measure('streams, updates + filtering', updateS, async () => {
      await page.click(`[data-testid="${chips[c++ % chips.length]}"]`);
      await page.waitForTimeout(400);
    });
    // BENCH_SCREENSHOT=FILE.png: the Streams view as the phases left it (to look at what was measured).
    if (process.env.BENCH_SCREENSHOT) await page.screenshot({ path: process.env.BENCH_SCREENSHOT });
    const domRows = await page.$$eval('[data-testid^="stream-row-"]', (els) => els.length);
    console.log(`  stream rows in the DOM: ${domRows}; whole snapshots the page fetched: ${wholeSnapshots}; load average at the end ${loadavg()[0]!.toFixed(2)}${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`);
  } finally {
    clearInterval(feeder);
    await browser.close();
    await h.stop();
    await Promise.all(cores.map((c) => c.close()));
  }
}

/**
 * A busy machine, reproducibly: `n` processes spinning on the CPU at normal priority until `stop()` (an operator's
 * desktop often sits at load average 2 with a browser, a call and a build). Each adds about 1 to the load average
 * once its 1-minute average has caught up; `warm()` waits for part of that.
 */
function startBurners(n: number): { stop: () => void; warm: () => Promise<void> } {
  const children = Array.from({ length: n }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return {
    stop: () => children.forEach((c) => c.kill('SIGKILL')),
    warm: () => new Promise((r) => setTimeout(r, Number(process.env.BENCH_BUSY_WARM_SECONDS ?? 30) * 1000)),
  };
}

/**
 * BENCH_PART=fake (the bench page with a fake api) or headless (the real server and remote test Cores); both by default.
 * BENCH_BUSY=N: each part runs twice, as it is and then with N CPU burners beside it (startBurners), so the figures
 * on a busy machine are printed beside the quiet ones of the same run.
 */
export default async function rendererBench(): Promise<void> {
  const part = process.env.BENCH_PART ?? 'all';
  const busy = Number(process.env.BENCH_BUSY ?? 0);
  const run = async (): Promise<void> => {
    if (part === 'all' || part === 'fake') await fakeApiBench();
    if (part === 'all' || part === 'headless') await headlessBench();
  };
  if (!(busy > 0)) return run();
  // BENCH_QUIET=0: the part with the burners alone.
  if (process.env.BENCH_QUIET !== '0') {
    console.log(`renderer: BENCH_BUSY=${busy}: first without burners (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    await run();
  }
  const burners = startBurners(busy);
  try {
    await burners.warm();
    console.log(`renderer: with ${busy} CPU burners at normal priority (load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
    await run();
  } finally {
    burners.stop();
  }
}
