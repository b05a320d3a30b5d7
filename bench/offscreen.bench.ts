/**
 * The Sessions table's tiles drawn by the page's main thread (A) or by a worker on transferred OffscreenCanvases (B):
 * the same update (10 000 sessions sorted by a random rx every second, the 35 rendered rows' 12 texts each drawn where
 * they changed into 5 tiles of 1406 x 240 px inside a scroll container) drawn both ways, quiet and with one CPU burner
 * (BENCH_BUSY=1, as the renderer bench's). Bbitmap: the worker draws on canvases of its own and posts copies
 * (ImageBitmaps) to the page, which shows all five in one animation frame (`bitmaprenderer` contexts); Bdesync: as
 * Bnow, the transferred canvases' contexts `desynchronized` (low latency); Bone: as Bnow, one transferred canvas for
 * the five tiles' rows (one surface). A scratch page (bench/offscreen-page: plain JS, the same painter and fleet
 * in both threads), not the app: it measures the architecture, not the product. See docs/decisions.md, "The Sessions
 * tiles drawn by a worker on OffscreenCanvases (issue 16, offscreen, stop 36)".
 *
 * Per update, from the worker's rows being ready (sorted and formatted) to:
 * - start: the drawing's start (A: the page's animation frame, after the posted rows arrived; B: the worker's
 *   animation frame; Bnow: at once);
 * - end: the drawing thread's task done (a message posted at the drawing's start arrives: A's frame with its paint
 *   and commit, as the renderer bench's probe times a frame; B's drawing task, after which the worker still hands each
 *   tile's frame over in a task of its own: optimistic for B, see "shown");
 * - shown: from the trace, the end of the display compositor's first `Display::DrawAndSwap` after the last
 *   `Surface::CommitFrame` of the update (the page's one in A; one per tile in B, each transferred canvas being a
 *   surface of its own), i.e. the viz frame that shows the whole update; and how many updates viz showed torn (a
 *   frame drawn between an update's first and last tile);
 * and the CPU per update of each thread (the trace's top-level tasks' thread time): the page's main thread, the
 * worker, the compositor and viz.
 * OFFSCREEN_SCROLL=1: a scroll phase per design too (modes Ascroll, Bscroll: page.js `__scroll`; OFFSCREEN_SCROLL_PX a
 * frame, default 90 as the renderer bench's, OFFSCREEN_SCROLL_FRAMES, default 600).
 * OFFSCREEN_QUIET=0: the busy part alone (with BENCH_BUSY).
 * Env: OFFSCREEN_UPDATES (per mode, default 45), OFFSCREEN_MODES (default A,Bnow,A,Bnow), BENCH_BUSY=1 (the modes again
 * with one burner), OFFSCREEN_TRACE_DIR (raw traces, `<quiet|busy>-<i>-<mode>.json`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

const PAGE_DIR = resolve(import.meta.dirname, 'offscreen-page');
const WARMUP = Number(process.env.OFFSCREEN_WARMUP ?? 5);

export type Ev = { name: string; ph: string; ts: number; dur?: number; tdur?: number; pid: number; tid: number; args?: { name?: string; data?: { message?: string } } };
interface Update { n: number; tReady: number; tArrive?: number; tStart: number; tEnd: number; texts: number }

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]! : NaN;
}
const stat = (name: string, v: number[]): string => `${name} p50 ${pct(v, 50).toFixed(1)} p95 ${pct(v, 95).toFixed(1)} max ${pct(v, 100).toFixed(1)}`;

/** One update for `shownByViz`, on the trace's clock (µs): its frames reach viz from startTs until endTs; shown is timed from fromTs. */
export interface ShownSpan { fromTs: number; startTs: number; endTs: number }

/**
 * When the display compositor showed each update (a trace with the `viz` category): an update is shown whole by
 * viz's first frame (the end of its `Display::DrawAndSwap`) after the last of its frames reached viz (the last
 * `Surface::CommitFrame` in [startTs, endTs)): one (the page's) in A, one per tile in B (each transferred canvas is a
 * surface of its own). A viz frame between an update's first and last frame showed it torn: some tiles of this second
 * beside others of the last. Returns ms from fromTs per update matched, and the count shown torn. The renderer bench
 * reads its frames with changes with it too (one frame each, from the frame's start to the next main frame's).
 */
export function shownByViz(events: readonly Ev[], spans: readonly ShownSpan[]): { shown: number[]; torn: number } {
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}/${e.tid}`, e.args?.name ?? '');
  const viz = events.filter((e) => names.get(`${e.pid}/${e.tid}`) === 'VizCompositorThread');
  const commits = viz.filter((e) => e.name === 'Surface::CommitFrame').map((e) => e.ts).sort((a, b) => a - b);
  const draws = viz.filter((e) => e.name === 'Display::DrawAndSwap' && e.ph === 'X').sort((a, b) => a.ts - b.ts);
  const shown: number[] = [];
  let torn = 0;
  for (const u of spans) {
    const mine = commits.filter((t) => t >= u.startTs && t < u.endTs);
    if (mine.length === 0) continue;
    if (draws.some((d) => d.ts > mine[0]! && d.ts < mine[mine.length - 1]!)) torn++;
    const draw = draws.find((d) => d.ts >= mine[mine.length - 1]!);
    if (draw) shown.push((draw.ts + (draw.dur ?? 0) - u.fromTs) / 1000);
  }
  return { shown, torn };
}

/** The scroll phase of mode Ascroll or Bscroll (page.js `__scroll`): how late the tiles that came in were drawn. */
async function runScroll(context: BrowserContext, port: number, mode: string, tag: string): Promise<void> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const load0 = load();
  await page.goto(`http://127.0.0.1:${port}/index.html?mode=${mode}`);
  await page.waitForTimeout(1000);
  const step = Number(process.env.OFFSCREEN_SCROLL_PX ?? 90);
  const frames = Number(process.env.OFFSCREEN_SCROLL_FRAMES ?? 600);
  const r = (await page.evaluate(([s, f]) => (globalThis as unknown as { __scroll: (s: number, f: number) => Promise<unknown> }).__scroll(s!, f!), [step, frames])) as {
    late: number[]; lateMs: number[]; work: number[]; tiles: number; unacked: number;
  };
  await page.close();
  const share = (min: number): string => `${((r.late.filter((x) => x >= min).length / Math.max(1, r.late.length)) * 100).toFixed(0)} %`;
  console.log(`  ${tag} ${mode.padEnd(7)} ${step} px a frame, ${frames} frames, load ${load0} → ${load()}: ${r.tiles} tiles came in (${r.unacked} never drawn); drawn 1+ frames late ${share(1)}, 2+ ${share(2)}, 3+ ${share(3)}; ${stat('frames late', r.late)}; ${stat('ms to drawn', r.lateMs)}; ${stat('page frame work', r.work)} ms${errors.length ? ` | errors: ${errors.join('; ')}` : ''}`);
}

async function runMode(context: BrowserContext, port: number, mode: string, count: number, traceDir: string | undefined, tag: string, index: number): Promise<void> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const cdp = await context.newCDPSession(page);
  const events: Ev[] = [];
  (cdp as unknown as { on(e: string, cb: (x: { value: Ev[] }) => void): void }).on('Tracing.dataCollected', (x) => void events.push(...x.value));
  const load0 = load();
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,viz', transferMode: 'ReportEvents' });
  await page.goto(`http://127.0.0.1:${port}/index.html?mode=${mode}`);
  await page.waitForFunction((n) => (globalThis as unknown as { __result: { updates: unknown[] } }).__result.updates.length >= n, WARMUP + count, { timeout: (WARMUP + count + 30) * 1000, polling: 500 });
  const r = (await page.evaluate(() => (globalThis as unknown as { __result: { updates: Update[] } }).__result)) as { updates: Update[]; fontCheck?: { page: number[]; worker: number[] } };
  if (r.fontCheck) console.log(`  font: the same texts' widths in the page ${r.fontCheck.page.map((w) => w.toFixed(2)).join(' ')}, in the worker ${r.fontCheck.worker.map((w) => w.toFixed(2)).join(' ')}`);
  await page.evaluate(() => (globalThis as unknown as { __stop: () => void }).__stop());
  const done = new Promise<void>((res) => (cdp as unknown as { once(e: string, cb: () => void): void }).once('Tracing.tracingComplete', res));
  await cdp.send('Tracing.end');
  await done;
  await page.close();
  if (traceDir) writeFileSync(join(traceDir, `${tag}-${index}-${mode}.json`), JSON.stringify({ traceEvents: events }));
  const ups = r.updates.filter((u) => u.n > WARMUP).slice(0, count);
  // Threads by name.
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}/${e.tid}`, e.args?.name ?? '');
  const key = (e: Ev): string => `${e.pid}/${e.tid}`;
  const marks = new Map<string, Ev>();
  for (const e of events) if (e.name === 'TimeStamp' && e.args?.data?.message) marks.set(e.args.data.message, e);
  const spans: ShownSpan[] = [];
  for (const u of ups) {
    const ready = marks.get(`ready ${u.n}`);
    const drawn = marks.get(`drawn ${u.n}`);
    if (!ready || !drawn) continue;
    // The drawing's start on the trace's clock: the drawn mark less the in-page end-start.
    spans.push({ fromTs: ready.ts, startTs: drawn.ts - (u.tEnd - u.tStart) * 1000, endTs: marks.get(`ready ${u.n + 1}`)?.ts ?? Infinity });
  }
  const { shown, torn } = shownByViz(events, spans);
  // CPU per update by thread: top-level RunTask's thread time from the first counted update's ready to the last's end.
  const first = marks.get(`ready ${ups[0]?.n}`)?.ts ?? 0;
  const last = (marks.get(`drawn ${ups[ups.length - 1]?.n}`)?.ts ?? 0) + 50_000;
  const cpu = new Map<string, number>();
  for (const e of events) {
    if (e.ph !== 'X' || e.name !== 'RunTask' || e.ts < first || e.ts > last) continue;
    const name = names.get(key(e)) ?? '?';
    const k = /^DedicatedWorker/.test(name) ? 'worker' : name === 'CrRendererMain' ? 'main' : name === 'Compositor' ? 'compositor' : name === 'VizCompositorThread' ? 'viz' : '';
    if (k) cpu.set(k, (cpu.get(k) ?? 0) + (e.tdur ?? 0) / 1000);
  }
  const per = (k: string): string => `${k} ${((cpu.get(k) ?? 0) / Math.max(1, ups.length)).toFixed(2)}`;
  console.log(`  ${tag} ${mode.padEnd(4)} ${ups.length} updates, load ${load0} → ${load()}, texts per update ${(ups.reduce((a, u) => a + u.texts, 0) / Math.max(1, ups.length)).toFixed(1)}`);
  console.log(`      ${stat('ready→start', ups.map((u) => u.tStart - u.tReady))} | ${stat('work (start→end)', ups.map((u) => u.tEnd - u.tStart))} | ${stat('ready→end', ups.map((u) => u.tEnd - u.tReady))} ms`);
  console.log(`      ${stat('ready→shown (trace)', shown)} ms (${shown.length} matched, ${torn} shown torn) | CPU ms per update: ${['main', 'worker', 'compositor', 'viz'].map(per).join(', ')}${errors.length ? ` | errors: ${errors.join('; ')}` : ''}`);
}

export default async function offscreenBench(): Promise<void> {
  const count = Number(process.env.OFFSCREEN_UPDATES ?? 45);
  const modes = (process.env.OFFSCREEN_MODES ?? 'A,Bnow,A,Bnow').split(',');
  const busy = Number(process.env.BENCH_BUSY ?? 0);
  const traceDir = process.env.OFFSCREEN_TRACE_DIR;
  const server = createServer((req, res) => {
    const file = (req.url ?? '/').split('?')[0]!.replace(/^\/+/, '') || 'index.html';
    if (!/^[a-z.-]+$/.test(file)) { res.writeHead(404).end(); return; }
    try {
      const body = readFileSync(join(PAGE_DIR, file));
      res.writeHead(200, { 'Content-Type': file.endsWith('.html') ? 'text/html' : 'text/javascript' }).end(body);
    } catch { res.writeHead(404).end(); }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const profile = mkdtempSync(join(tmpdir(), 'offscreen-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  let burner: ReturnType<typeof spawn> | undefined;
  try {
    console.log(`offscreen: Chromium ${context.browser()?.version() ?? ''}, ${count} updates per mode, load ${load()}`);
    const scroll = process.env.OFFSCREEN_SCROLL === '1' ? ['Ascroll', 'Bscroll'] : [];
    if (process.env.OFFSCREEN_QUIET !== '0') {
      for (const [i, m] of modes.entries()) await runMode(context, port, m, count, traceDir, 'quiet', i);
      for (const m of scroll) await runScroll(context, port, m, 'quiet');
    }
    if (busy > 0) {
      burner = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, Number(process.env.BENCH_BUSY_WARM_SECONDS ?? 20) * 1000));
      console.log(`offscreen: with one CPU burner (load ${load()})`);
      for (const [i, m] of modes.entries()) await runMode(context, port, m, count, traceDir, 'busy', i);
      for (const m of scroll) await runScroll(context, port, m, 'busy');
    }
  } finally {
    burner?.kill('SIGKILL');
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    server.close();
  }
}
