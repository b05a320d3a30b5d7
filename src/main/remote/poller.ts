/**
 * Polls one remote Core: `GET /api/v3/session?collectors=…` every interval (default 1 s; its `active.list` is what
 * `/api/v3/session/active` would list: Core builds both with the same function, so one request serves both), one
 * request in flight at a time (a tick that finds the previous poll still running is skipped), and keeps
 * the last good answer in raw units plus the Core's state.
 *
 * States: `connecting` (no answer yet), `online`, `auth-failed` (credentials missing or refused: waits for
 * `update({credentials})`/`retry()`, never loops against Core's 5 s login delay), `unreachable` (network, timeout,
 * 5xx, truncated/invalid JSON, no complete answer within the request deadline or the whole round not within the
 * poll deadline), `stale` (was online, but no poll has
 * finished for 2.5 intervals: a Core that answers too slowly, e.g. one byte at a time, is never shown `online` with
 * old data; the tick at the third interval says so), `incompatible` (something that is not a datarhei Core with the session API: HTML,
 * another `app`, a version below 16.7.2, JSON of the wrong shape), `paused` (by the user). Every failure except auth backs off
 * exponentially with full jitter (random in [0, min(30 s, interval × 2^n)], at least `minBackoffMs`), then the Core
 * is identified again (`GET /api`) and polled; recovery needs no user action.
 */
import type { Clock, CollectorSummary, TimerHandle } from '../engine/types.ts';
import type { CoreInfo, CoreStateName } from '../../shared/types.ts';
import type { Logger } from '../log.ts';
import { CoreClient, DEFAULT_TIMEOUTS, type ClientTimeouts, type Credentials, type JsonResponse } from './client.ts';
import { RemoteError, toRemoteError } from './errors.ts';
import { parseIssues, parseSessionSummary, parseVersion, versionAtLeast, type ClusterNodeOffer, type CoreAbout, type ParseIssues } from './parse.ts';

/** Collectors asked for on every poll, in Core's order (spec §4.6 step 5: always an explicit list). */
export const REMOTE_COLLECTORS = ['hls', 'hlsingress', 'http', 'https', 'rtmp', 'srt', 'ffmpeg'] as const;

export const DEFAULT_INTERVAL_MS = 1000;
export const MAX_BACKOFF_MS = 30_000;
const MIN_SESSION_API: [number, number, number] = [16, 7, 2];
/** While a Core keeps sending refused values, the warning about them repeats at most this often. */
const REJECTED_LOG_EVERY_MS = 60_000;
/** An online Core whose last finished poll is older than this many intervals is `stale`. */
export const STALE_AFTER_INTERVALS = 2.5;

/** One remote Core as configured (credentials are kept apart from everything that is shown or logged). */
export interface RemoteCoreConfig {
  /** Stable id used in `?core=` and in every session's `core` tag. Default: the URL's host:port. */
  id: string;
  /** Base URL without credentials. */
  url: string;
  /** Display name; default: the name the Core reports. */
  name?: string;
  credentials?: Credentials;
  /** Poll interval, ms (default 1000). */
  intervalMs?: number;
  /** False starts the Core paused. */
  enabled?: boolean;
}

/** What one answer parsed to (parsing is a function of its bytes alone). */
interface Parsed<T> {
  value: T;
  issues: ParseIssues;
}

/** Longest answer kept for the comparison (a bigger one is parsed every time: it changes every second anyway). */
const KEEP_BODY_MAX_BYTES = 4 * 1024 * 1024;

/**
 * The bytes of the last parsed answer, for the next poll's comparison: copied into one buffer kept from poll to poll
 * (outside V8's heap), so no copy of a big answer lives from one poll to the next.
 */
class KeptBody {
  #buffer = Buffer.alloc(0);
  /** -1: nothing kept. */
  #length = -1;

  bytes(): Uint8Array | undefined {
    return this.#length < 0 ? undefined : this.#buffer.subarray(0, this.#length);
  }

  keep(bytes: Uint8Array): void {
    if (bytes.length > KEEP_BODY_MAX_BYTES) {
      this.#length = -1;
      return;
    }
    if (this.#buffer.length < bytes.length) this.#buffer = Buffer.allocUnsafeSlow(Math.min(KEEP_BODY_MAX_BYTES, Math.max(bytes.length, this.#buffer.length * 2)));
    this.#buffer.set(bytes);
    this.#length = bytes.length;
  }
}

/** The last good answer of a Core, raw units (bit/s, bytes, ms); each summary's `active` is the collector's list. */
export interface RemoteCoreData {
  atMs: number;
  summaries: Map<string, CollectorSummary>;
}

export interface PollerStats {
  polls: number;
  okPolls: number;
  failedPolls: number;
  skippedTicks: number;
  consecutiveFailures: number;
  inFlight: boolean;
  /** Last back-off chosen, ms (0 after a success). */
  backoffMs: number;
  nextAttemptAtMs: number;
}

export interface PollerOptions {
  clock: Clock;
  log: Logger;
  /** Random source in [0, 1) for the jitter (tests pass a fixed one). */
  random?: () => number;
  timeouts?: Partial<ClientTimeouts>;
  /** Floor of the back-off, ms (default 250) so full jitter never retries in a hot loop. */
  minBackoffMs?: number;
  /** Called after every state or data change. */
  onChange?: () => void;
}

export class RemotePoller {
  #config: RemoteCoreConfig;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #random: () => number;
  readonly #minBackoffMs: number;
  readonly #onChange: () => void;
  readonly #timeouts: Partial<ClientTimeouts> | undefined;
  #client: CoreClient;
  #timer: TimerHandle | undefined;
  #busy: Promise<void> | undefined;
  #identified: CoreAbout | undefined;
  /** The name the Core last reported: kept while it fails, so an outage is shown under its name, not its id. */
  #lastName: string | undefined;
  #collectors: string[] = [...REMOTE_COLLECTORS];
  #state: CoreStateName = 'connecting';
  #paused: boolean;
  #lastError: string | undefined;
  #lastSuccessMs: number | undefined;
  #rttMs: number | undefined;
  #data: RemoteCoreData | undefined;
  #stopped = false;
  /** The last parsed answer and its bytes: a Core with nothing going on sends the same bytes again, not re-parsed. */
  #lastSummary: Parsed<Map<string, CollectorSummary>> | undefined;
  readonly #lastSummaryBody = new KeptBody();
  /** When refused values were last logged (undefined: the last answer had none). */
  #rejectedLoggedAtMs: number | undefined;
  readonly #stats: PollerStats = { polls: 0, okPolls: 0, failedPolls: 0, skippedTicks: 0, consecutiveFailures: 0, inFlight: false, backoffMs: 0, nextAttemptAtMs: 0 };

  constructor(config: RemoteCoreConfig, options: PollerOptions) {
    this.#config = { ...config };
    this.#clock = options.clock;
    this.#log = options.log.child(`remote:${config.id}`);
    this.#random = options.random ?? Math.random;
    this.#minBackoffMs = options.minBackoffMs ?? 250;
    this.#onChange = options.onChange ?? (() => undefined);
    this.#timeouts = options.timeouts;
    this.#paused = config.enabled === false;
    if (this.#paused) this.#state = 'paused';
    this.#client = this.#newClient();
  }

  get id(): string {
    return this.#config.id;
  }

  get intervalMs(): number {
    const ms = this.#config.intervalMs;
    return ms !== undefined && Number.isFinite(ms) && ms >= 50 ? ms : DEFAULT_INTERVAL_MS;
  }

  /** The config without credentials. */
  config(): Omit<RemoteCoreConfig, 'credentials'> & { hasCredentials: boolean } {
    const { credentials, ...rest } = this.#config;
    return { ...rest, hasCredentials: credentials !== undefined };
  }

  /** Starts the polls' timer (`#arm`) and polls right away. */
  start(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#arm();
    this.#tick();
  }

  /** Stops polling, waits for a running poll, closes the connection pool. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimer();
    await this.#busy?.catch(() => undefined);
    await this.#client.close();
  }

  pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#setState('paused');
  }

  resume(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#identified = undefined;
    this.#stats.nextAttemptAtMs = 0;
    this.#setState('connecting');
    this.#tick();
  }

  /** Tries now (after `auth-failed`, or to skip a back-off). */
  retry(): void {
    if (this.#paused || this.#stopped) return;
    this.#identified = undefined;
    this.#stats.nextAttemptAtMs = 0;
    if (this.#state === 'auth-failed') this.#setState('connecting');
    this.#tick();
  }

  /** New URL, name, interval or credentials; reconnects when the URL or credentials change. */
  async update(patch: Partial<Omit<RemoteCoreConfig, 'id'>>): Promise<void> {
    const prev = this.#config;
    this.#config = { ...prev, ...patch, id: prev.id };
    const urlChanged = patch.url !== undefined && patch.url !== prev.url;
    const credsChanged = 'credentials' in patch;
    if (urlChanged) {
      const old = this.#client;
      await this.#busy?.catch(() => undefined);
      this.#client = this.#newClient();
      await old.close();
      this.#data = undefined;
    } else if (credsChanged) {
      this.#client.setCredentials(this.#config.credentials);
    }
    if (patch.intervalMs !== undefined && this.#timer !== undefined) {
      this.#clearTimer();
      this.#arm();
    }
    if (patch.enabled === false) this.pause();
    else if (patch.enabled === true) this.resume();
    if (urlChanged || credsChanged) this.retry();
    this.#onChange();
  }

  info(): CoreInfo {
    const info: CoreInfo = {
      id: this.#config.id,
      name: this.#config.name || this.#identified?.name || this.#lastName || this.#config.id,
      kind: 'remote',
      url: this.#client.baseUrl,
      state: this.#state,
    };
    if (this.#identified?.version) info.version = this.#identified.version;
    if (this.#lastError !== undefined) info.lastError = this.#lastError;
    if (this.#lastSuccessMs !== undefined) info.lastSuccessMs = this.#lastSuccessMs;
    // The last answer's round trip says how the Core answers now only while it does: not beside "unreachable".
    if (this.#rttMs !== undefined && this.#state === 'online') info.rttMs = Math.round(this.#rttMs * 10) / 10;
    return info;
  }

  get state(): CoreStateName {
    return this.#state;
  }

  /** The last good answer (kept through failures; the fleet decides how long it stays visible). */
  data(): RemoteCoreData | undefined {
    return this.#data;
  }

  stats(): PollerStats & { client: CoreClient['stats']; pool: ReturnType<CoreClient['poolStats']> } {
    return { ...this.#stats, inFlight: this.#busy !== undefined, client: { ...this.#client.stats }, pool: this.#client.poolStats() };
  }

  tokenTimes(): ReturnType<CoreClient['tokenTimes']> {
    return this.#client.tokenTimes();
  }

  /** Runs one poll now (unless one is running) and resolves when it is done. For tests and `retry` UIs. */
  async pollNow(): Promise<void> {
    if (this.#busy) return this.#busy;
    this.#stats.nextAttemptAtMs = 0;
    this.#tick();
    await this.#busy;
  }

  /** The nodes of the cluster this Core belongs to (empty when it is not a cluster). */
  async clusterNodes(): Promise<ClusterNodeOffer[]> {
    return this.#client.clusterNodes();
  }

  /** Credentials to reuse for the nodes of its cluster; stays inside the main process. */
  credentials(): Credentials | undefined {
    return this.#config.credentials;
  }

  #newClient(): CoreClient {
    return new CoreClient({ url: this.#config.url, credentials: this.#config.credentials, clock: this.#clock, log: this.#log, timeouts: this.#timeouts });
  }

  /**
   * The next poll, `intervalMs` from now, re-armed as it fires: a timeout of its own, not an interval, so that it keeps
   * the phase it started with and stays off the clock's shared second (engine/clock.ts). On that second the polls of
   * every Core went out at once with the pages' push, and their answers (thousands of sessions' JSON each) were parsed
   * while the pages drew it (docs/decisions.md, "The merged stop-37 code measured by the lead").
   */
  #arm(): void {
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#stopped) return;
      this.#arm();
      this.#tick();
    }, this.intervalMs);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    if (this.#stopped || this.#paused) return;
    this.#checkStale();
    if (this.#busy) {
      this.#stats.skippedTicks++;
      return;
    }
    if (this.#state === 'auth-failed') return; // waits for the user
    if (this.#clock.now() < this.#stats.nextAttemptAtMs) return;
    const p = this.#poll().finally(() => {
      if (this.#busy === p) this.#busy = undefined;
    });
    this.#busy = p;
  }

  async #poll(): Promise<void> {
    this.#stats.polls++;
    // One deadline for the whole round (wall time, like the request deadlines inside it), so a Core that answers
    // every request just within its own deadline still cannot hold the poller for their sum.
    const roundMs = this.#timeouts?.pollTimeoutMs ?? DEFAULT_TIMEOUTS.pollTimeoutMs;
    const round = new AbortController();
    const timer = setTimeout(() => round.abort(new RemoteError('timeout', `timeout: the poll round did not finish within ${roundMs} ms`)), roundMs);
    timer.unref?.();
    const signal = round.signal;
    try {
      if (!this.#identified) {
        const about = await this.#client.identify(signal);
        const v = parseVersion(about.version);
        if (!v || !versionAtLeast(v, MIN_SESSION_API)) {
          throw new RemoteError('incompatible', `Core version ${about.version || '?'} has no session API (needs 16.7.2 or newer)`);
        }
        // v16.7.x answers 404 for any unknown collector name (spec §4.7): ask only for what it registers.
        this.#collectors = versionAtLeast(v, [16, 9, 0]) ? [...REMOTE_COLLECTORS] : REMOTE_COLLECTORS.filter((c) => c !== 'srt' && c !== 'https');
        this.#identified = about;
        if (about.name) this.#lastName = about.name;
        this.#log.info('identified remote Core', { name: about.name, version: about.version });
      }
      const summaryRes = await this.#getSessions('/api/v3/session', signal, this.#lastSummary === undefined ? undefined : this.#lastSummaryBody.bytes());
      // Tagged with this Core: the fleet's snapshot takes the sessions as its rows (no copy of each per update). The
      // last parse's strings are kept for the fields that did not change (parseSessionSummary).
      const last = this.#lastSummary?.value;
      const summary = parsedOnce(this.#lastSummary, summaryRes, (body, issues) => parseSessionSummary(body, issues, this.#config.id, last));
      if (summary !== this.#lastSummary) this.#lastSummaryBody.keep(summaryRes.bytes);
      this.#lastSummary = summary;
      // Paused or stopped while this poll ran: its answer must not turn the Core back `online`.
      if (this.#stopped || this.#paused) return;
      this.#logRejected(summary.issues);
      this.#data = { atMs: this.#clock.now(), summaries: summary.value };
      this.#rttMs = summaryRes.rttMs;
      this.#lastSuccessMs = this.#clock.now();
      this.#lastError = undefined;
      this.#stats.okPolls++;
      this.#stats.consecutiveFailures = 0;
      this.#stats.backoffMs = 0;
      this.#stats.nextAttemptAtMs = 0;
      if (this.#state !== 'online') this.#log.info('remote Core online', { previous: this.#state });
      this.#setState('online', true);
    } catch (err) {
      if (this.#stopped || this.#paused) return;
      this.#fail(toRemoteError(err));
    } finally {
      clearTimeout(timer);
    }
  }

  async #getSessions(path: string, signal: AbortSignal, unchangedBytes: Uint8Array | undefined): Promise<JsonResponse> {
    const query = `?collectors=${encodeURIComponent(this.#collectors.join(','))}`;
    try {
      return await this.#client.getJson(path + query, signal, unchangedBytes);
    } catch (err) {
      // v16.7.2: 404 "Unknown collector", details "Registered collectors are: a, b" → ask for those only.
      const m = err instanceof RemoteError && err.status === 404 ? /Registered collectors are: ([^)]*)/.exec(err.message) : null;
      if (!m) throw err;
      const registered = new Set(m[1].split(',').map((s) => s.trim()));
      const next = this.#collectors.filter((c) => registered.has(c));
      if (next.length === 0 || next.length === this.#collectors.length) throw err;
      this.#collectors = next;
      return this.#client.getJson(path + `?collectors=${encodeURIComponent(next.join(','))}`, signal, unchangedBytes);
    }
  }

  /** One warning when a Core starts sending refused values (negative counts), repeated at most once a minute. */
  #logRejected(issues: ParseIssues): void {
    if (issues.rejected === 0) {
      this.#rejectedLoggedAtMs = undefined;
      return;
    }
    const now = this.#clock.now();
    if (this.#rejectedLoggedAtMs !== undefined && now - this.#rejectedLoggedAtMs < REJECTED_LOG_EVERY_MS) return;
    this.#rejectedLoggedAtMs = now;
    this.#log.warn('remote Core sent invalid values; those records were left out', { rejected: issues.rejected, examples: issues.examples });
  }

  /** Online with an answer older than STALE_AFTER_INTERVALS intervals → `stale`, with the age as the reason. */
  #checkStale(): void {
    if (this.#state !== 'online' || this.#lastSuccessMs === undefined) return;
    const ageMs = this.#clock.now() - this.#lastSuccessMs;
    if (ageMs <= STALE_AFTER_INTERVALS * this.intervalMs) return;
    this.#lastError = `no fresh answer for ${(ageMs / 1000).toFixed(1)} s (a poll is still running: the Core answers too slowly)`;
    this.#log.warn('remote Core stale', { ageMs });
    this.#setState('stale', true);
  }

  #fail(err: RemoteError): void {
    this.#stats.failedPolls++;
    this.#stats.consecutiveFailures++;
    this.#lastError = err.message;
    this.#identified = undefined; // identify again on the next attempt (restart, version change, proxy in front)
    if (err.kind === 'auth') {
      this.#stats.backoffMs = 0;
      this.#log.warn('remote Core: authentication failed; waiting for new credentials', { error: err.message });
      this.#setState('auth-failed', true);
      return;
    }
    const n = this.#stats.consecutiveFailures;
    const cap = Math.min(MAX_BACKOFF_MS, this.intervalMs * 2 ** Math.min(n, 20));
    const delay = Math.max(this.#minBackoffMs, Math.floor(this.#random() * cap));
    this.#stats.backoffMs = delay;
    this.#stats.nextAttemptAtMs = this.#clock.now() + delay;
    const state: CoreStateName = err.kind === 'incompatible' ? 'incompatible' : 'unreachable';
    if (this.#state !== state || n === 1) this.#log.warn(`remote Core ${state}`, { error: err.message, retryInMs: delay });
    this.#setState(state, true);
  }

  #setState(state: CoreStateName, changed = false): void {
    const differs = this.#state !== state;
    this.#state = state;
    if (differs || changed) this.#onChange();
  }
}

/** The answer parsed, or the last parse again when the bytes are the same (`unchanged`). */
function parsedOnce<T>(last: Parsed<T> | undefined, res: JsonResponse, parse: (body: unknown, issues: ParseIssues) => T): Parsed<T> {
  if (last && res.unchanged) return last;
  const issues = parseIssues();
  const value = parse(res.body, issues);
  return { value, issues };
}
