/** A small leveled logger writing one line per event to stderr. Never pass secrets in `fields`. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(name: string): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** One logged event, as `GET /api/v3/log?format=raw` shows it. */
export interface LogEvent {
  tsMs: number;
  level: LogLevel;
  component: string;
  message: string;
  fields: Record<string, unknown>;
  /** The line as written to stderr (`?format=console`). */
  line: string;
}

/** The last `capacity` events (Core's log buffer, `log.NewBufferWriter`): bounded, oldest dropped first. */
export class LogRing {
  readonly capacity: number;
  #events: LogEvent[] = [];
  #next = 0;

  constructor(capacity = 1000) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  push(e: LogEvent): void {
    if (this.#events.length < this.capacity) this.#events.push(e);
    else this.#events[this.#next] = e;
    this.#next = (this.#next + 1) % this.capacity;
  }

  /** Oldest first. */
  events(): LogEvent[] {
    return this.#events.length < this.capacity ? [...this.#events] : [...this.#events.slice(this.#next), ...this.#events.slice(0, this.#next)];
  }
}

export function createLogger(name: string, level: LogLevel = 'info', write: (line: string) => void = (l) => process.stderr.write(l + '\n'), ring?: LogRing): Logger {
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[lvl] < RANK[level]) return;
    const extra = fields && Object.keys(fields).length > 0 ? ' ' + JSON.stringify(fields) : '';
    const tsMs = Date.now();
    const line = `${new Date(tsMs).toISOString()} ${lvl.toUpperCase()} [${name}] ${msg}${extra}`;
    write(line);
    ring?.push({ tsMs, level: lvl, component: name, message: msg, fields: fields ?? {}, line });
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (sub) => createLogger(`${name}.${sub}`, level, write, ring),
  };
}

/** A logger that drops everything (tests) or collects lines (tests that assert on logs). */
export function memoryLogger(lines: string[] = []): Logger & { lines: string[] } {
  const base = createLogger('test', 'debug', (l) => lines.push(l));
  return Object.assign(base, { lines });
}
