import type { EnginePort } from './sessions-engine.ts';
import { serveSessionsWorker } from './worker-events.ts';

/**
 * The Web Worker that runs the sessions table's data work (sessions-engine.ts) off the page's main thread, and in
 * headless mode reads the event stream too (worker-events.ts).
 */
serveSessionsWorker(globalThis as unknown as EnginePort);
