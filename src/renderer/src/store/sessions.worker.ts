import { serveSessionsEngine, type EnginePort } from './sessions-engine.ts';

/** The Web Worker that runs the sessions table's data work (sessions-engine.ts) off the page's main thread. */
serveSessionsEngine(globalThis as unknown as EnginePort);
