import { eventStream, type EventStream } from '../api/event-stream.ts';
import type { EventStreamIo } from '../api/http-api.ts';
import { serveSessionsEngine, SessionsEngine, type EnginePort, type PushRef } from './sessions-engine.ts';

/**
 * The event stream read in the sessions worker (headless mode, stop 32). On the page's main thread, reading
 * `/api/ui/events` cost ~2 ms of CPU per `sessions:update` at 10 000 sessions (~20 fetch-stream chunks of ~16 KiB, a
 * task each), besides handing the event to the worker. Here the worker reads it: it keeps each `sessions:update`'s
 * bytes and tells the page only that one came (`pushed`, a `PushRef`), which the page's connect() hands back to the
 * engine in its order (held while a whole snapshot is on its way, as before); the other channels' events, small, go
 * to the page as bytes (`event`). The token stays with the page: the worker asks for the headers before each
 * connection and after a 401 (`ask`); the page refreshes or asks for a login as its own reader did, and kicks the
 * worker's reader after a login or logout. Nothing changes on the server: still one stream per page.
 */

/** Page → worker. */
export type EventsRequest = { type: 'events'; op: 'start' | 'stop' | 'kick'; url?: string } | { type: 'events-auth'; ask: number; headers: Record<string, string> | null };

/** Worker → page. */
export type EventsMessage =
  | { type: 'event'; event: string; data: Uint8Array<ArrayBuffer> }
  | { type: 'pushed'; ref: number }
  /** `retried`: null asks for the next connection's headers; a boolean follows a 401 (EventStreamIo.unauthorized). */
  | { type: 'events-ask'; ask: number; retried: boolean | null };

/** Pushes the worker keeps for the page to send back: beyond it the oldest go (the page holds at most 30 anyway). */
const KEPT_PUSHES = 32;

/**
 * The worker's side: reads the stream when the page says so, keeps `sessions:update` events for the engine (the
 * returned `pushed`, once each) and sends the rest to the page. Handles the `EventsRequest`s it is given.
 */
export function serveWorkerEvents(port: EnginePort): { handle(message: unknown): boolean; pushed(ref: number): Uint8Array | undefined } {
  const kept = new Map<number, Uint8Array>();
  let nextRef = 1;
  let nextAsk = 1;
  const asks = new Map<number, (headers: Record<string, string> | null) => void>();
  let url = '';
  const ask = (retried: boolean | null): Promise<Record<string, string> | null> =>
    new Promise((resolve) => {
      const n = nextAsk++;
      asks.set(n, resolve);
      port.postMessage({ type: 'events-ask', ask: n, retried } satisfies EventsMessage);
    });
  const get = async (headers: Record<string, string>, signal: AbortSignal): Promise<Response> =>
    fetch(url, { headers: { ...headers, Accept: 'text/event-stream' }, signal, credentials: 'omit' });
  const stream: EventStream = eventStream({
    async open(signal) {
      let res = await get((await ask(null)) ?? {}, signal);
      if (res.status !== 401) return res;
      const retry = await ask(false);
      if (!retry) return res;
      res = await get(retry, signal);
      if (res.status === 401) await ask(true);
      return res;
    },
    onEvent(event, data) {
      if (event !== 'sessions:update') return port.postMessage({ type: 'event', event, data } satisfies EventsMessage, [data.buffer]);
      const ref = nextRef++;
      kept.set(ref, data);
      if (kept.size > KEPT_PUSHES) kept.delete(kept.keys().next().value!);
      port.postMessage({ type: 'pushed', ref } satisfies EventsMessage);
    },
  });
  return {
    handle(message) {
      const m = message as EventsRequest | null;
      if (!m || typeof m !== 'object') return false;
      if (m.type === 'events') {
        if (typeof m.url === 'string') url = m.url;
        if (m.op === 'start') stream.start();
        else if (m.op === 'stop') stream.stop();
        else if (m.op === 'kick') stream.kick();
        return true;
      }
      if (m.type === 'events-auth') {
        asks.get(m.ask)?.(m.headers);
        asks.delete(m.ask);
        return true;
      }
      return false;
    },
    pushed(ref) {
      const bytes = kept.get(ref);
      kept.delete(ref);
      return bytes;
    },
  };
}

/** The page's side: a reader (for HttpApi.readEventsWith) that runs in the worker behind `post`. */
export function workerEventStream(post: (request: EventsRequest) => void, io: EventStreamIo): { stream: EventStream; handle(message: EventsMessage, onPushed: (ref: PushRef) => void): void } {
  return {
    stream: {
      start: () => post({ type: 'events', op: 'start', url: io.url }),
      stop: () => post({ type: 'events', op: 'stop' }),
      kick: () => post({ type: 'events', op: 'kick' }),
    },
    handle(message, onPushed) {
      if (message.type === 'pushed') onPushed({ ref: message.ref });
      else if (message.type === 'event') io.dispatch(message.event, message.data);
      else if (message.type === 'events-ask') {
        const answer = (headers: Record<string, string> | null): void => post({ type: 'events-auth', ask: message.ask, headers });
        void (message.retried === null ? io.headers() : io.unauthorized(message.retried)).then(answer, () => answer(null));
      }
    },
  };
}

/** The sessions worker's whole service on `port` (sessions.worker.ts; tests over a MessageChannel): the engine and the event stream. */
export function serveSessionsWorker(port: EnginePort): SessionsEngine {
  const events = serveWorkerEvents(port);
  const engine = serveSessionsEngine(port, new SessionsEngine({ ownsPushes: true }), events.pushed);
  const answer = port.onmessage!;
  port.onmessage = (event) => {
    if (!events.handle(event.data)) answer(event);
  };
  return engine;
}
