/**
 * What one `sessions:update` costs on its way to the desktop app's page, as an object (before stop 35) and as its JSON
 * text (main/shell/ipc.ts `wirePayload`). Electron cannot start here, so the steps are measured with what they are
 * made of: Electron's IPC is V8's structured clone (`v8.serialize` in main, `deserialize` on the page's main thread
 * in the preload's world), the context bridge copies the payload into the page's world (an object is walked again; a
 * string is one copy: not measurable here, so not in the sums), and the page posts it to the sessions worker (a
 * structured clone, measured in Chromium). The push is a real delta of `SessionsEncoder` at 10 000 sessions whose
 * rates and byte counts all changed (the renderer bench's load).
 *
 *   npm run bench -- electron-push   (BENCH_ROWS, default 10000)
 *
 * Aim (issue 16, stop 35): the page's main thread spends less per push on the text than on the object.
 */
import v8 from 'node:v8';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { SessionsEncoder, type SessionsUpdate } from '../src/shared/sessions-wire.ts';
import type { SessionRow } from '../src/shared/types.ts';

const COLLECTORS = ['hls', 'hlsingress', 'rtmp', 'srt', 'http', 'ffmpeg'];

/** The second delta of `rows` sessions on 4 cores, every hot field changed. */
function realDelta(rows: number): SessionsUpdate {
  const start = Date.now();
  const base = Array.from({ length: rows }, (_, i): SessionRow => {
    const collector = COLLECTORS[i % COLLECTORS.length]!;
    return {
      core: `core-${i % 4}`,
      collector,
      id: `${collector}-${i.toString(36).padStart(6, '0')}`,
      reference: `stream-${i % 97}`,
      location: `/memfs/stream-${i % 97}.m3u8`,
      peer: `198.51.${(i >> 8) & 255}.${i & 255}:${40000 + (i % 20000)}`,
      extra: '',
      createdAtMs: start - (i % 3600) * 1000,
      rxBytes: 0,
      txBytes: 0,
      rxBitsPerSec: 0,
      txBitsPerSec: 0,
    };
  });
  const cores = [0, 1, 2, 3].map((i) => ({ id: `core-${i}`, name: `Core ${i}`, kind: 'remote' as const, url: 'http://10.0.0.1:8080', state: 'online' as const }));
  const encoder = new SessionsEncoder();
  let push: SessionsUpdate | undefined;
  for (let second = 0; second < 3; second++) {
    const sessions = base.map((r) => {
      const rx = Math.round(Math.random() * 4_000_000);
      const tx = Math.round(Math.random() * 4_000_000);
      r.rxBytes += rx / 8;
      r.txBytes += tx / 8;
      return { ...r, rxBitsPerSec: rx, txBitsPerSec: tx };
    });
    push = encoder.encode({ atMs: start + second * 1000, cores, collectors: [], sessions, streams: [] });
  }
  return push!;
}

/** Median ms of `f` over `n` runs after two warm-ups. */
function median(f: () => unknown, n = 25): number {
  f();
  f();
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    f();
    t.push(performance.now() - a);
  }
  return t.sort((x, y) => x - y)[Math.floor(n / 2)]!;
}

export default async function electronPushBench(): Promise<void> {
  const rows = Number(process.env.BENCH_ROWS ?? 10_000);
  const push = realDelta(rows);
  const text = JSON.stringify(push);
  const objectWire = v8.serialize(push);
  const textWire = v8.serialize(text);
  console.log(`  ${rows} sessions: one delta is ${(text.length / 1024).toFixed(0)} KiB of JSON; IPC message ${(objectWire.length / 1024).toFixed(0)} KiB as an object, ${(textWire.length / 1024).toFixed(0)} KiB as text (load ${loadavg()[0]!.toFixed(2)})`);
  const main = { object: median(() => v8.serialize(push)), text: median(() => v8.serialize(JSON.stringify(push))) };
  const ipcIn = { object: median(() => v8.deserialize(objectWire)), text: median(() => v8.deserialize(textWire)) };
  const parse = median(() => JSON.parse(text));

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    await page.goto('data:text/html,<title>electron-push</title>');
    const post = await page.evaluate(async (json: string) => {
      type PageWorker = { onmessage: ((e: unknown) => void) | null; postMessage(m: unknown): void; terminate(): void };
      const PageWorker = (globalThis as unknown as { Worker: new (url: string) => PageWorker }).Worker;
      const worker = new PageWorker(URL.createObjectURL(new Blob(['onmessage = () => postMessage(0)'], { type: 'text/javascript' })));
      const roundTrip = (m: unknown): Promise<unknown> => new Promise((resolve) => ((worker.onmessage = resolve), worker.postMessage(m)));
      const object = JSON.parse(json) as unknown;
      const times = { object: [] as number[], text: [] as number[] };
      for (let i = 0; i < 27; i++) {
        for (const kind of ['object', 'text'] as const) {
          const a = performance.now();
          const answered = roundTrip(kind === 'object' ? object : json);
          times[kind].push(performance.now() - a);
          await answered;
        }
      }
      worker.terminate();
      const med = (t: number[]): number => t.slice(2).sort((x, y) => x - y)[Math.floor((t.length - 2) / 2)]!;
      return { object: med(times.object), text: med(times.text) };
    }, text);
    const f = (ms: number): string => `${ms.toFixed(2).padStart(6)} ms`;
    console.log(`  main process, to IPC:                 object ${f(main.object)}   text ${f(main.text)} (JSON.stringify + serialize)`);
    console.log(`  page main thread, IPC in:             object ${f(ipcIn.object)}   text ${f(ipcIn.text)}`);
    console.log(`  page main thread, post to the worker: object ${f(post.object)}   text ${f(post.text)} (Chromium)`);
    console.log(`  sessions worker, JSON.parse of the text: ${f(parse)} (the object arrives parsed; its deserialize there costs about the IPC-in figure)`);
    const pageObject = ipcIn.object + post.object;
    const pageText = ipcIn.text + post.text;
    console.log(`  page main thread per push, without the context bridge's copy: object ${f(pageObject)}, text ${f(pageText)} (aim: text < object) ${pageText < pageObject ? 'met' : 'MISSED'}`);
  } finally {
    await browser.close();
  }
}
