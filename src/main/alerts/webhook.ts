/**
 * Alert delivery by webhook: one JSON POST per raised or cleared alert to the configured URL, retried with exponential
 * back-off when the receiver fails or does not answer in time (a deadline per attempt), then given up with one
 * warning. Deliveries run one after another, so a receiver sees events in the order they happened.
 */
import type { AlertItem, WebhookResult } from '../../shared/ipc.ts';
import type { Logger } from '../log.ts';
import { toRemoteError } from '../remote/errors.ts';

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

/** One POST; resolves with the status of a 2xx answer, throws with a plain reason (never the URL's password) otherwise. */
async function postOnce(url: string, body: string, timeoutMs: number): Promise<number> {
  // fetch refuses user:password@ in a URL: they become the Basic auth header instead.
  const target = new URL(url);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (target.username !== '' || target.password !== '') {
    headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  let res: Response;
  try {
    res = await fetch(target, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.arrayBuffer();
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new Error(`no answer within ${timeoutMs} ms`, { cause: err });
    // undici says "fetch failed" and keeps the reason (a refused connection, a blocked port) in `cause`.
    const reason = toRemoteError(err).message;
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new Error(reason === 'fetch failed' && cause ? cause : reason, { cause: err });
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
