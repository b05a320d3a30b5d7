import type { AlertItem, AlertList } from '../../shared/ipc.ts';
import type { SessionSource } from '../source.ts';
import { createAlertEvaluator, type AlertEvent } from './evaluate.ts';
import type { AlertRule } from './rules.ts';

export interface AlertService {
  list(): AlertList;
  /** Each raised/cleared event (the shell shows raised ones as desktop notifications). */
  onEvent(callback: (event: AlertEvent) => void): () => void;
  /** The list after every change (the shell pushes it as `alerts:update`). */
  onChange(callback: (list: AlertList) => void): () => void;
  /** Replaces the rules; current alerts are dropped without events (the new rules start from scratch). */
  setRules(rules: readonly AlertRule[]): void;
  dispose(): void;
}

export interface AlertServiceOptions {
  source: SessionSource;
  rules: readonly AlertRule[];
  /** Cleared alerts kept for the window's list (default 50). */
  recentLimit?: number;
}

/** Runs the evaluator on every source update; electron-free, so headless mode can serve the same list. */
export function createAlertService(options: AlertServiceOptions): AlertService {
  let evaluator = createAlertEvaluator(options.rules);
  const recentLimit = options.recentLimit ?? 50;
  let recent: AlertItem[] = [];
  const eventListeners = new Set<(e: AlertEvent) => void>();
  const changeListeners = new Set<(l: AlertList) => void>();

  const list = (): AlertList => ({ active: evaluator.active(), recent: [...recent] });

  function notify<T>(listeners: Set<(v: T) => void>, value: T): void {
    for (const cb of [...listeners]) {
      try {
        cb(value);
      } catch {
        // A failing listener (a closed window) must not stop alerting.
      }
    }
  }

  const off = options.source.onUpdate((snapshot) => {
    const events = evaluator.update(snapshot);
    if (events.length === 0) return;
    for (const e of events) {
      if (e.type === 'cleared') recent = [e.alert, ...recent].slice(0, recentLimit);
      notify(eventListeners, e);
    }
    notify(changeListeners, list());
  });

  return {
    list,
    onEvent(cb) {
      eventListeners.add(cb);
      return () => eventListeners.delete(cb);
    },
    onChange(cb) {
      changeListeners.add(cb);
      return () => changeListeners.delete(cb);
    },
    setRules(rules) {
      evaluator = createAlertEvaluator(rules);
      notify(changeListeners, list());
    },
    dispose() {
      off();
      eventListeners.clear();
      changeListeners.clear();
    },
  };
}
