import type { Collector } from './collector.ts';
import type { CollectorSummary, SessionReader, SessionSnapshot } from './types.ts';

const ID_PATTERN = /^[0-9A-Za-z]+$/;

/** The all-zero summary of an unknown collector (spec §4.2). A fresh object each call. */
export function zeroSummary(): CollectorSummary {
  return {
    active: [],
    activeSessions: 0,
    rxBitsPerSec: 0,
    txBitsPerSec: 0,
    maxSessions: 0,
    maxRxBitsPerSec: 0,
    maxTxBitsPerSec: 0,
    history: { peers: new Map(), locations: new Map(), references: new Map(), totals: { sessions: 0, rxBytes: 0, txBytes: 0 } },
  };
}

/**
 * Collector id → collector (spec §1.1). Registration validates ids (non-empty, `^[0-9A-Za-z]+$`, unique);
 * reads of unknown ids never fail.
 */
export class Registry implements SessionReader {
  readonly #collectors = new Map<string, Collector>();

  /** Throws an Error for an invalid or duplicate id. */
  register(c: Collector): void {
    if (!ID_PATTERN.test(c.id)) throw new Error(`invalid collector id ${JSON.stringify(c.id)}: it must match ^[0-9A-Za-z]+$`);
    if (this.#collectors.has(c.id)) throw new Error(`a collector with the id ${JSON.stringify(c.id)} is already registered`);
    this.#collectors.set(c.id, c);
  }

  /** Stops the collector (its sessions go to the history, which is persisted) and removes it. False if unknown. */
  async unregister(id: string): Promise<boolean> {
    const c = this.#collectors.get(id);
    if (c === undefined) return false;
    this.#collectors.delete(id);
    await c.stop();
    return true;
  }

  /** Stops and removes every collector. */
  async unregisterAll(): Promise<void> {
    const all = [...this.#collectors.values()];
    this.#collectors.clear();
    await Promise.all(all.map((c) => c.stop()));
  }

  get(id: string): Collector | undefined {
    return this.#collectors.get(id);
  }

  /** Registered ids in registration order. */
  ids(): string[] {
    return [...this.#collectors.keys()];
  }

  summary(collectorId: string): CollectorSummary {
    return this.#collectors.get(collectorId)?.summary() ?? zeroSummary();
  }

  active(collectorId: string): SessionSnapshot[] {
    return this.#collectors.get(collectorId)?.active() ?? [];
  }
}
