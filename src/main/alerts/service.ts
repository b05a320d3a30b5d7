import type { AlertConfigView, AlertItem, AlertList, AlertMute, AlertMuteTarget, WebhookResult } from '../../shared/ipc.ts';
import { StreamGroups } from '../../shared/stream-groups.ts';
import { memoryLogger, type Logger } from '../log.ts';
import type { SessionSource } from '../source.ts';
import { saveAlertConfig, type AlertConfig } from './config.ts';
import { createAlertEvaluator, type AlertEvent } from './evaluate.ts';
import type { AlertRule } from './rules.ts';
import { loadAlertState, MAX_MUTES, muteMatches, sameMuteTarget, saveAlertState } from './state.ts';
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
  /**
   * Silences a rule or a stream for `forMs` from now (0 lifts it): its alerts are still evaluated and listed, with
   * `mutedUntilMs`, but raise no `onEvent` (desktop notification) and no webhook. Returns the list.
   */
  mute(target: AlertMuteTarget, forMs: number): AlertList;
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
  /** `alert-state.json` in the data dir: acknowledgements and mutes kept across restarts (none kept without it). */
  statePath?: string;
  /** Wall-clock time for acknowledgements and mutes (default Date.now). */
  now?: () => number;
  /** The streams grouping the stream rules read; the app shares one with the stream model (one grouping per update). */
  groups?: StreamGroups;
}

/**
 * Acknowledgements restored from the file wait this long (plus the longest raiseAfterMs) for their alert to be raised
 * again after a restart; then those whose alert did not come back are dropped.
 */
export const RESTORED_ACK_GRACE_MS = 5 * 60_000;

/** Runs the evaluator on every source update; electron-free, so headless mode can serve the same list. */
export function createAlertService(options: AlertServiceOptions): AlertService {
  let current: AlertConfig = { rules: [...options.config.rules], webhookUrl: options.config.webhookUrl };
  const groups = options.groups ?? new StreamGroups();
  let evaluator = createAlertEvaluator(current.rules, groups);
  const recentLimit = options.recentLimit ?? 50;
  const log = options.log ?? memoryLogger();
  const coreName = options.coreName ?? ((id: string) => id);
  const webhook = createWebhook({ ...options.webhook, log });
  const now = options.now ?? Date.now;
  const state = options.statePath ? loadAlertState(options.statePath, (m) => log.warn(m)) : { acknowledged: {}, mutes: [] };
  /** Acknowledged alerts by key, with the time; dropped when the alert clears. */
  const acknowledged = new Map<string, number>(Object.entries(state.acknowledged));
  /** Restored acknowledgements not yet matched by an alert, and since when they wait (the first update). */
  let restoredAcks = new Set(acknowledged.keys());
  let restoredSinceMs: number | null = null;
  let mutes: AlertMute[] = state.mutes;
  /** Keys of active alerts whose raise was announced (onEvent, webhook): only those announce their clearing. */
  const announced = new Set<string>();

  function persist(): void {
    if (!options.statePath) return;
    try {
      saveAlertState(options.statePath, { acknowledged: Object.fromEntries(acknowledged), mutes });
    } catch (err) {
      log.warn('could not save the alert state', { file: options.statePath, error: (err as Error).message });
    }
  }
  /** Drops expired mutes; true when any was. */
  function expireMutes(): boolean {
    const t = now();
    const kept = mutes.filter((m) => m.untilMs > t);
    if (kept.length === mutes.length) return false;
    mutes = kept;
    return true;
  }
  const mutedUntil = (a: AlertItem): number | undefined => {
    const t = now();
    let until: number | undefined;
    for (const m of mutes) if (m.untilMs > t && muteMatches(m, a) && (until === undefined || m.untilMs > until)) until = m.untilMs;
    return until;
  };
  let recent: AlertItem[] = [];
  const eventListeners = new Set<(e: AlertEvent) => void>();
  const changeListeners = new Set<(l: AlertList) => void>();

  const withAck = (a: AlertItem): AlertItem => {
    const at = acknowledged.get(a.key);
    const muted = mutedUntil(a);
    return at === undefined && muted === undefined ? a : { ...a, ...(at !== undefined ? { acknowledgedAtMs: at } : {}), ...(muted !== undefined ? { mutedUntilMs: muted } : {}) };
  };
  const list = (): AlertList => ({ active: evaluator.active().map(withAck), recent: [...recent], mutes: mutes.filter((m) => m.untilMs > now()).map((m) => ({ ...m })) });
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

  /** After a restart: acknowledgements whose alert is raised again are matched; the rest go after the grace. */
  function settleRestoredAcks(atMs: number): boolean {
    if (restoredAcks.size === 0) return false;
    for (const a of evaluator.active()) restoredAcks.delete(a.key);
    restoredSinceMs ??= atMs;
    const graceMs = RESTORED_ACK_GRACE_MS + Math.max(0, ...current.rules.map((r) => r.raiseAfterMs ?? 0));
    if (atMs - restoredSinceMs < graceMs) return false;
    for (const key of restoredAcks) acknowledged.delete(key);
    const changed = restoredAcks.size > 0;
    restoredAcks = new Set();
    return changed;
  }

  const off = options.source.onUpdate((snapshot) => {
    const events = evaluator.update(snapshot);
    let changed = settleRestoredAcks(snapshot.atMs);
    const expired = expireMutes();
    if (expired || changed) persist();
    if (events.length === 0) {
      if (expired) notify(changeListeners, list());
      return;
    }
    for (const e of events) {
      // A muted rule or stream: listed, not announced; nor is the clearing of a raise that was not announced.
      let silent = mutedUntil(e.alert) !== undefined;
      if (e.type === 'cleared') {
        recent = [withAck(e.alert), ...recent].slice(0, recentLimit);
        if (acknowledged.delete(e.alert.key)) changed = true;
        if (!announced.delete(e.alert.key)) silent = true;
      } else if (!silent) announced.add(e.alert.key);
      if (silent) continue;
      notify(eventListeners, e);
      if (current.webhookUrl !== '') {
        void webhook.deliver(current.webhookUrl, { source: 'core-sessions', event: e.type, alert: { ...e.alert, coreName: coreName(e.alert.core) }, atMs: snapshot.atMs });
      }
    }
    if (changed) persist();
    notify(changeListeners, list());
  });

  function setRules(rules: readonly AlertRule[]): void {
    evaluator = createAlertEvaluator(rules, groups);
    acknowledged.clear();
    announced.clear();
    restoredAcks = new Set();
    persist();
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
      if (!acknowledged.has(key)) {
        acknowledged.set(key, now());
        persist();
      }
      notify(changeListeners, list());
      return true;
    },
    mute(target, forMs) {
      if (!(Number.isFinite(forMs) && forMs >= 0 && forMs <= 366 * 86_400_000)) throw new RangeError('mute for 0 (lift) up to 366 days, in ms');
      const others = mutes.filter((m) => !sameMuteTarget(m, target) && m.untilMs > now());
      if (forMs > 0 && others.length >= MAX_MUTES) throw new RangeError(`at most ${MAX_MUTES} mutes at once: lift one first`);
      mutes = others;
      if (forMs > 0) mutes.push({ ...target, untilMs: now() + forMs });
      expireMutes();
      persist();
      const l = list();
      notify(changeListeners, l);
      return l;
    },
    testWebhook(url) {
      const alert: AlertItem = { key: 'test', ruleId: 'test', kind: 'core-unreachable', core: 'local', message: 'A test from Core Sessions: the webhook works.', raisedAtMs: now() };
      return webhook.deliver(url, { source: 'core-sessions', event: 'test', alert: { ...alert, coreName: coreName('local') }, atMs: now() });
    },
    idle: () => webhook.idle(),
    dispose() {
      off();
      eventListeners.clear();
      changeListeners.clear();
    },
  };
}
