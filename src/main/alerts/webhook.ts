/**
 * Alert delivery by webhook: one JSON POST per raised or cleared alert to the configured URL, retried with exponential
 * back-off when the receiver fails or does not answer in time (a deadline per attempt), then given up with one
 * warning. Deliveries run one after another, so a receiver sees events in the order they happened.
 */
import type { AlertItem, WebhookResult } from '../../shared/ipc.ts';
import type { Logger } from '../log.ts';

/** The JSON body of a webhook POST (docs/decisions.md "Alerts you can manage"). */
export interface WebhookPayload {
  source: 'core-sessions';
  event: 'raised' | 'cleared' | 'test';
  /** The alert, its message naming the Core by its name at delivery time. */
  alert: AlertItem & { coreName: string };
  atMs: number;
}

export interface WebhookOptions {
  log: Logger;
  /** Attempts per event, the first included (default 5). */
  attempts?: number;
  /** Wait before the second attempt; doubles each time (default 1000 ms). */
  firstRetryDelayMs?: number;
  /** Deadline of one attempt, from connect to the answer's end (default 5000 ms). */
  attemptTimeoutMs?: number;
}

/** The URL as it may be logged or shown: without user name and password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One POST; resolves with the status of a 2xx answer, throws with a plain reason otherwise. */
async function postOnce(url: string, body: string, timeoutMs: number): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.arrayBuffer();
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    if (e.name === 'TimeoutError') throw new Error(`no answer within ${timeoutMs} ms`, { cause: err });
    throw new Error(e.cause?.code ? `cannot connect (${e.cause.code})` : e.message, { cause: err });
  }
  if (res.status < 200 || res.status > 299) throw new Error(`the receiver answered HTTP ${res.status}`);
  return res.status;
}

/** Delivers payloads to one URL with retries; `deliver` resolves when delivered or given up. */
export function createWebhook(options: WebhookOptions): { deliver(url: string, payload: WebhookPayload): Promise<WebhookResult>; idle(): Promise<void> } {
  const attempts = options.attempts ?? 5;
  const firstDelayMs = options.firstRetryDelayMs ?? 1000;
  const timeoutMs = options.attemptTimeoutMs ?? 5000;
  let queue: Promise<unknown> = Promise.resolve();

  async function send(url: string, payload: WebhookPayload): Promise<WebhookResult> {
    const body = JSON.stringify(payload);
    let error = '';
    for (let i = 1; i <= attempts; i++) {
      try {
        return { ok: true, status: await postOnce(url, body, timeoutMs), attempts: i };
      } catch (err) {
        error = (err as Error).message;
        if (i < attempts) await sleep(firstDelayMs * 2 ** (i - 1));
      }
    }
    options.log.warn('alert webhook: gave up', { url: redactUrl(url), event: payload.event, key: payload.alert.key, attempts, error });
    return { ok: false, error, attempts };
  }

  return {
    deliver(url, payload) {
      const result = queue.then(() => send(url, payload));
      queue = result.catch(() => undefined);
      return result;
    },
    idle: () => queue.then(() => undefined),
  };
}
