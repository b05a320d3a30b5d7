import { SseParser } from './sse-parser.ts';

/**
 * The reader of `GET /api/ui/events` (server-sent events over fetch streaming, the token in a header, never in the
 * URL): reconnects with back-off; after a 401 it waits for `kick()` (a login). The same loop runs on the page's main
 * thread (http-api.ts) or, with the sessions worker, in the worker (sessions.worker.ts: the push's chunks, ~20 tasks
 * of ~0.1 ms per `sessions:update` at 10 000 sessions, then never reach the page's main thread).
 */
export interface EventStream {
  start(): void;
  stop(): void;
  /** Reconnect now (credentials changed). */
  kick(): void;
}

export interface EventStreamOptions {
  /** Opens the stream (with the token); a 401 answer makes the loop wait for `kick()`. */
  open(signal: AbortSignal): Promise<Response>;
  /** Each event: its name and the UTF-8 bytes of its data (SseParser). */
  onEvent(event: string, data: Uint8Array<ArrayBuffer>): void;
}

export function eventStream(options: EventStreamOptions): EventStream {
  let running = false;
  let controller: AbortController | null = null;
  let wake: (() => void) | null = null;
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        wake = null;
        resolve();
      }
      wake = done;
    });

  async function loop(): Promise<void> {
    let backoffMs = 500;
    while (running) {
      controller = new AbortController();
      try {
        const res = await options.open(controller.signal);
        if (res.status === 401) {
          await sleep(60_000); // woken by a login
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        backoffMs = 500;
        await read(res.body);
      } catch {
        // network error or abort: retry below
      }
      if (!running) break;
      await sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, 10_000);
    }
  }

  async function read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const parser = new SseParser(options.onEvent);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.push(value);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      void loop();
    },
    stop() {
      running = false;
      controller?.abort();
      wake?.();
    },
    kick() {
      controller?.abort();
      wake?.();
    },
  };
}
