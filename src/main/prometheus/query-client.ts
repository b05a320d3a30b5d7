/**
 * A small client of the Prometheus HTTP query API (`/api/v1/query_range`, `/api/v1/query`), as Prometheus,
 * VictoriaMetrics, Thanos and Mimir answer it. Every request has a deadline: a down, slow or refusing server is a
 * `PrometheusUnavailableError` with one clear line (what, where, why), never a hang.
 */

/** One series of a range query's matrix. */
export interface RangeSeries {
  metric: Record<string, string>;
  /** [Unix seconds, value as text] pairs. */
  values: Array<[number, string]>;
}

/** One series of an instant query's vector. */
export interface InstantSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. `http://prometheus:9090` or `https://mimir.example.com/prometheus`. */
  url: string;
  /** `USER:PASS` (basic auth) or `Bearer TOKEN`; empty: none. */
  auth: string;
  /** Deadline of each request, ms. */
  timeoutMs: number;
}

/** Prometheus could not answer (unreachable, too slow, refused, or an error answer): shown as such, not as "no data". */
export class PrometheusUnavailableError extends Error {
  override name = 'PrometheusUnavailableError';
  /** The page's IPC error code; the HTTP API answers 503. */
  readonly code = 'unavailable';
}

/** The Authorization header value for the `auth` setting, or undefined. */
export function authorizationOf(auth: string): string | undefined {
  const a = auth.trim();
  if (a === '') return undefined;
  if (/^bearer\s+/i.test(a)) return `Bearer ${a.replace(/^bearer\s+/i, '')}`;
  return `Basic ${Buffer.from(a, 'utf8').toString('base64')}`;
}

/** A PromQL string literal (double-quoted; backslash, quote and newline escaped). */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

export class PrometheusClient {
  readonly options: PrometheusClientOptions;
  readonly #base: string;

  constructor(options: PrometheusClientOptions) {
    this.options = options;
    this.#base = options.url.replace(/\/+$/, '');
  }

  /** Where the queries go, without credentials (for messages). */
  get where(): string {
    try {
      const u = new URL(this.#base);
      u.username = '';
      u.password = '';
      return u.toString().replace(/\/+$/, '');
    } catch {
      return this.#base;
    }
  }

  async #post(path: string, params: Record<string, string>): Promise<unknown> {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
    const authorization = authorizationOf(this.options.auth);
    if (authorization) headers.Authorization = authorization;
    let res: Response;
    let text: string;
    try {
      res = await fetch(`${this.#base}${path}`, { method: 'POST', headers, body: new URLSearchParams(params).toString(), signal: AbortSignal.timeout(this.options.timeoutMs) });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new PrometheusUnavailableError(`Prometheus at ${this.where} did not answer within ${this.options.timeoutMs} ms`);
      throw new PrometheusUnavailableError(`Prometheus at ${this.where} is unreachable: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
    }
    let body: { status?: string; data?: unknown; error?: string } | undefined;
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      body = undefined;
    }
    if (res.status === 401 || res.status === 403) throw new PrometheusUnavailableError(`Prometheus at ${this.where} refused the request (HTTP ${res.status}): check --prometheus-auth-file`);
    if (!res.ok || body?.status !== 'success') {
      const why = body?.error ?? (text.length > 0 ? text.slice(0, 200).trim() : `HTTP ${res.status}`);
      throw new PrometheusUnavailableError(`Prometheus at ${this.where} answered with an error: ${why}`);
    }
    return body.data;
  }

  /** `query_range` from `startSec` to `endSec` (inclusive, Unix seconds) every `stepSec`. */
  async queryRange(expr: string, startSec: number, endSec: number, stepSec: number): Promise<RangeSeries[]> {
    const data = (await this.#post('/api/v1/query_range', { query: expr, start: String(startSec), end: String(endSec), step: String(stepSec) })) as { resultType?: string; result?: RangeSeries[] };
    if (data?.resultType !== 'matrix' || !Array.isArray(data.result)) throw new PrometheusUnavailableError(`Prometheus at ${this.where} answered a range query without a matrix`);
    return data.result;
  }

  /** An instant query at `timeSec` (default: now). */
  async query(expr: string, timeSec?: number): Promise<InstantSample[]> {
    const data = (await this.#post('/api/v1/query', timeSec === undefined ? { query: expr } : { query: expr, time: String(timeSec) })) as { resultType?: string; result?: InstantSample[] };
    if (data?.resultType !== 'vector' || !Array.isArray(data.result)) throw new PrometheusUnavailableError(`Prometheus at ${this.where} answered an instant query without a vector`);
    return data.result;
  }
}
