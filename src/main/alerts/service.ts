import type { AlertConfigView, AlertItem, AlertList, WebhookResult } from '../../shared/ipc.ts';
import { memoryLogger, type Logger } from '../log.ts';
import type { SessionSource } from '../source.ts';
import { saveAlertConfig, type AlertConfig } from './config.ts';
import { createAlertEvaluator, type AlertEvent } from './evaluate.ts';
import type { AlertRule } from './rules.ts';
import { createWebhook, type WebhookOptions } from './webhook.ts';

export interface AlertService {
  list(): AlertList;
  /** Each raised/cleared event (the shell shows raised ones as desktop notifications). */
  onEvent(callback: (event: AlertEvent) => void): () => void;
  /** The list after every change (the shell pushes it as `alerts:update`). */
  onChange(callback: (list: AlertList) => void): () => void;
  /** Replaces the rules; current alerts are dropped without events (the new rules start from scratch). */
  setRules(rules: readonly AlertRule[]): void;
  /** The rules and webhook as the editor shows them, with the file they live in. */
  config(): AlertConfigView;
  /** Validates, saves (atomically) and applies the editor's rules and webhook; throws a RangeError naming the fault. */
  saveConfig(input: { rules: unknown[]; webhookUrl: string }): AlertConfigView;
  /** Marks an active alert as seen: it stays listed until it clears, with who-knows-it shown. False when not active. */
  acknowledge(key: string): boolean;
  /** Sends a test payload to `url` (the editor's "Send test"), with the same retries as real alerts. */
  testWebhook(url: string): Promise<WebhookResult>;
  /** Resolves once queued webhook deliveries are done (tests, shutdown). */
  idle(): Promise<void>;
  dispose(): void;
}

export interface AlertServiceOptions {
  source: SessionSource;
  /** The rules and webhook to start with (loadAlertConfig). */
  config: AlertConfig;
  /** Where `saveConfig` writes (`alerts.json` in the data dir); without it the editor cannot save. */
  path?: string;
  log?: Logger;
  /** The name a Core has now (messages and webhooks follow renames); default: the id. */
  coreName?: (id: string) => string;
  webhook?: Omit<WebhookOptions, 'log'>;
  /** Cleared alerts kept for the window's list (default 50). */
  recentLimit?: number;
}

/** Runs the evaluator on every source update; electron-free, so headless mode can serve the same list. */
export function createAlertService(options: AlertServiceOptions): AlertService {
  let current: AlertConfig = { rules: [...options.config.rules], webhookUrl: options.config.webhookUrl };
  let evaluator = createAlertEvaluator(current.rules);
  const recentLimit = options.recentLimit ?? 50;
  const log = options.log ?? memoryLogger();
  const coreName = options.coreName ?? ((id: string) => id);
  const webhook = createWebhook({ ...options.webhook, log });
  /** Acknowledged alerts by key, with the time; dropped when the alert clears. */
  const acknowledged = new Map<string, number>();
  let recent: AlertItem[] = [];
  const eventListeners = new Set<(e: AlertEvent) => void>();
  const changeListeners = new Set<(l: AlertList) => void>();

  const withAck = (a: AlertItem): AlertItem => {
    const at = acknowledged.get(a.key);
    return at === undefined ? a : { ...a, acknowledgedAtMs: at };
  };
  const list = (): AlertList => ({ active: evaluator.active().map(withAck), recent: [...recent] });
  const view = (): AlertConfigView => ({ path: options.path ?? '', rules: current.rules.map((r) => ({ ...r })), webhookUrl: current.webhookUrl });

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
      if (e.type === 'cleared') {
        recent = [withAck(e.alert), ...recent].slice(0, recentLimit);
        acknowledged.delete(e.alert.key);
      }
      notify(eventListeners, e);
      if (current.webhookUrl !== '') {
        void webhook.deliver(current.webhookUrl, { source: 'core-sessions', event: e.type, alert: { ...e.alert, coreName: coreName(e.alert.core) }, atMs: snapshot.atMs });
      }
    }
    notify(changeListeners, list());
  });

  function setRules(rules: readonly AlertRule[]): void {
    evaluator = createAlertEvaluator(rules);
    acknowledged.clear();
    notify(changeListeners, list());
  }

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
      current = { ...current, rules: [...rules] };
      setRules(rules);
    },
    config: view,
    saveConfig(input) {
      if (!options.path) throw new RangeError('alert rules cannot be saved here (no data directory)');
      const saved = saveAlertConfig(options.path, { rules: input.rules as AlertRule[], webhookUrl: input.webhookUrl });
      const rulesChanged = JSON.stringify(saved.rules) !== JSON.stringify(current.rules);
      current = saved;
      if (rulesChanged) setRules(saved.rules);
      log.info('alert rules saved', { rules: saved.rules.length, webhook: saved.webhookUrl !== '' });
      return view();
    },
    acknowledge(key) {
      if (!evaluator.active().some((a) => a.key === key)) return false;
      if (!acknowledged.has(key)) acknowledged.set(key, Date.now());
      notify(changeListeners, list());
      return true;
    },
    testWebhook(url) {
      const alert: AlertItem = { key: 'test', ruleId: 'test', kind: 'core-unreachable', core: 'local', message: 'A test from Core Sessions: the webhook works.', raisedAtMs: Date.now() };
      return webhook.deliver(url, { source: 'core-sessions', event: 'test', alert: { ...alert, coreName: coreName('local') }, atMs: Date.now() });
    },
    idle: () => webhook.idle(),
    dispose() {
      off();
      eventListeners.clear();
      changeListeners.clear();
    },
  };
}
