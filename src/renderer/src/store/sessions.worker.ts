import { serveSessionsEngine, SessionsEngine, type EnginePort } from './sessions-engine.ts';
import { serveWorkerEvents } from './worker-events.ts';

/**
 * The Web Worker that runs the sessions table's data work (sessions-engine.ts) off the page's main thread, and in
 * headless mode reads the event stream too (worker-events.ts).
 */
const port = globalThis as unknown as EnginePort;
const events = serveWorkerEvents(port);
serveSessionsEngine(port, new SessionsEngine({ ownsPushes: true }), events.pushed);
const engine = port.onmessage!;
port.onmessage = (event) => {
  if (!events.handle(event.data)) engine(event);
};
