import type { SessionsUpdate } from '../../../shared/sessions-wire.ts';
import type { SessionRow } from '../../../shared/types.ts';
import type { EventStream } from '../api/event-stream.ts';
import type { EventStreamIo } from '../api/http-api.ts';
import type { EnginePort, EnginePushOutcome, EngineReply, EngineRequest, PushRef, SessionsFrame, SessionsQuery } from './sessions-engine.ts';
import { workerEventStream, type EventsMessage } from './worker-events.ts';

/**
 * The page's side of the sessions engine (sessions-engine.ts): requests go out in order and each answer comes back
 * to its callback, in order. The engine runs in a Web Worker (`startSessionsWorker`); tests connect one over a
 * MessageChannel.
 */
export interface EngineClient {
  /** A push: parsed, its JSON text (Electron), or one the worker read itself (`readEvents`). */
  push(update: SessionsUpdate | string | PushRef, done: (outcome: EnginePushOutcome) => void): void;
  /** A whole snapshot as the bytes of the `sessions:snapshot` answer (moved to the engine: unusable afterwards). */
  full(bytes: ArrayBuffer, done: (outcome: EnginePushOutcome) => void): void;
  query(patch: Partial<SessionsQuery>, done: (frame: SessionsFrame) => void): void;
  move(delta: number, done: (moved: { key: string; index: number; row: SessionRow } | null) => void): void;
  /**
   * The HTTP api's event stream read by the engine's worker (worker-events.ts; for HttpApi.readEventsWith):
   * `sessions:update` stays there and `onPushed` gets its PushRef for `push`; the other events go to `io.dispatch`.
   */
  readEvents(io: EventStreamIo, onPushed: (ref: PushRef) => void): EventStream;
  close(): void;
}

/** A request before it gets its id. */
type Unsent = { [K in EngineRequest['type']]: Omit<Extract<EngineRequest, { type: K }>, 'id'> }[EngineRequest['type']];

/** A client over `port` (a Worker, or one end of a MessageChannel); `close` also ends the worker when given. */
export function engineClient(port: EnginePort, close: () => void = () => undefined): EngineClient {
  let nextId = 1;
  const waiting = new Map<number, (reply: EngineReply) => void>();
  let events: ((message: EventsMessage) => void) | null = null;
  port.onmessage = (event) => {
    const reply = event.data as EngineReply;
    if (typeof reply.id !== 'number') return events?.(event.data as EventsMessage);
    const done = waiting.get(reply.id);
    if (!done) return;
    waiting.delete(reply.id);
    done(reply);
  };
  const send = (req: Unsent, done: (reply: EngineReply) => void, transfer?: Transferable[]): void => {
    const id = nextId++;
    waiting.set(id, done);
    if (transfer) port.postMessage({ ...req, id }, transfer);
    else port.postMessage({ ...req, id });
  };
  return {
    push: (update, done) => send({ type: 'push', update }, (r) => r.type === 'push' && done(r.outcome)),
    full: (bytes, done) => send({ type: 'full', bytes }, (r) => r.type === 'full' && done(r.outcome), [bytes]),
    query: (patch, done) => send({ type: 'query', patch }, (r) => r.type === 'query' && done(r.frame)),
    move: (delta, done) => send({ type: 'move', delta }, (r) => r.type === 'move' && done(r.moved)),
    readEvents: (io, onPushed) => {
      const reader = workerEventStream((request) => port.postMessage(request), io);
      events = (message) => reader.handle(message, onPushed);
      return reader.stream;
    },
    close: () => {
      events = null;
      waiting.clear();
      port.onmessage = null;
      close();
    },
  };
}

/**
 * The engine in a Web Worker; null where workers are not available (the store then does the work in the page, as
 * before). A worker that fails to load reports through `onError` (the caller falls back then).
 */
export function startSessionsWorker(onError: (error: unknown) => void): EngineClient | null {
  if (typeof Worker !== 'function') return null;
  let worker: Worker;
  try {
    worker = new Worker(new URL('./sessions.worker.ts', import.meta.url), { type: 'module', name: 'sessions' });
  } catch (error) {
    onError(error);
    return null;
  }
  worker.addEventListener('error', (e) => onError(e.error ?? new Error(e.message || 'the sessions worker failed to load')));
  return engineClient(worker as unknown as EnginePort, () => worker.terminate());
}
