/**
 * Per-client bounds shared by the listeners (docs/security.md): how many connections one address may hold, and how
 * many failed password checks it may make. A client is its IPv4 address, or its IPv6 /64 (one host usually owns a
 * whole /64, so counting single IPv6 addresses would let it rotate past any bound).
 */
import { isIPv6 } from 'node:net';
import { normalizeIp } from './net-util.ts';

/** The key a per-client bound counts under: the IPv4 address, or the /64 prefix of an IPv6 address. */
export function clientKey(remoteAddress: string | undefined): string {
  const ip = normalizeIp(remoteAddress ?? '');
  if (!isIPv6(ip)) return ip;
  const [head = '', tail] = ip.split('::') as [string, string | undefined];
  const a = head === '' ? [] : head.split(':');
  const b = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...a, ...new Array<string>(Math.max(0, 8 - a.length - b.length)).fill('0'), ...b];
  return groups.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':') + '::/64';
}

/**
 * Open connections per client, refused above `maxPerClient` (0 = no bound). `tryOpen` counts a connection in when
 * allowed; the caller calls `close` exactly once for every connection `tryOpen` let in.
 */
export class ConnectionsPerClient {
  readonly maxPerClient: number;
  readonly #open = new Map<string, number>();
  /** Connections refused by this bound since start. */
  refused = 0;

  constructor(maxPerClient: number) {
    this.maxPerClient = maxPerClient;
  }

  tryOpen(key: string): boolean {
    const n = this.#open.get(key) ?? 0;
    if (this.maxPerClient > 0 && n >= this.maxPerClient) {
      this.refused++;
      return false;
    }
    this.#open.set(key, n + 1);
    return true;
  }

  close(key: string): void {
    const n = this.#open.get(key) ?? 0;
    if (n <= 1) this.#open.delete(key);
    else this.#open.set(key, n - 1);
  }

  openOf(key: string): number {
    return this.#open.get(key) ?? 0;
  }
}

export interface FailureBudgetOptions {
  /** Failed attempts a client may make at once before it must wait. */
  burst: number;
  /** Attempts given back per second (a token bucket). */
  refillPerSec: number;
  /** Clients remembered at most; the least recently seen are forgotten first. Default 10 000. */
  maxClients?: number;
  now?: () => number;
}

/**
 * Security guard against password guessing: a token bucket per client. An attempt takes a token *before* the
 * password is checked (so parallel guesses cannot all be evaluated); a success gives it back. An empty bucket means
 * "answer 429 without checking": `retryAfterSec` says when the next token comes.
 */
export class FailureBudget {
  readonly #burst: number;
  readonly #refillPerMs: number;
  readonly #maxClients: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();
  /** Attempts refused because the client's budget was spent. */
  refused = 0;

  constructor(options: FailureBudgetOptions) {
    this.#burst = Math.max(1, options.burst);
    this.#refillPerMs = options.refillPerSec / 1000;
    this.#maxClients = options.maxClients ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  #bucket(key: string): { tokens: number; atMs: number } {
    const now = this.#now();
    let b = this.#buckets.get(key);
    if (b) {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.atMs) * this.#refillPerMs);
      b.atMs = now;
      this.#buckets.delete(key); // re-insert: the map's order is least recently seen first
    } else b = { tokens: this.#burst, atMs: now };
    this.#buckets.set(key, b);
    while (this.#buckets.size > this.#maxClients) this.#buckets.delete(this.#buckets.keys().next().value!);
    return b;
  }

  /** Takes one attempt from the client's budget; false (and counted as refused) when it is spent. */
  take(key: string): boolean {
    const b = this.#bucket(key);
    if (b.tokens < 1) {
      this.refused++;
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /** Gives back the attempt of a request that turned out not to be a failed guess. */
  refund(key: string): void {
    const b = this.#buckets.get(key);
    if (b) b.tokens = Math.min(this.#burst, b.tokens + 1);
  }

  /** Seconds until the client has an attempt again (at least 1). */
  retryAfterSec(key: string): number {
    const b = this.#bucket(key);
    if (b.tokens >= 1 || this.#refillPerMs <= 0) return 1;
    return Math.max(1, Math.ceil((1 - b.tokens) / this.#refillPerMs / 1000));
  }
}

/** What one holder (a connection, a stream) charges what it holds to, beyond its own cap: a `HeldBudget`'s account. */
export interface HeldAccount {
  /** False (nothing charged) when `units` more would pass the client's share or the whole budget. */
  charge(units: number): boolean;
  release(units: number): void;
}

/**
 * A server-wide budget for what the holders of a listener keep in memory (bytes or packets: the caller's unit): all
 * holders of one client (`clientKey`) may hold `maxPerClient` units in all, the server `maxTotal`. The caller decides
 * what a refused charge means (docs/security.md, "What one client can make the server hold"): RTMP closes a
 * connection whose incomplete messages are refused and cuts a GOP cache back; SRT drops a packet it would hold.
 */
export class HeldBudget {
  readonly maxTotal: number;
  readonly maxPerClient: number;
  /** Units charged now, in all and per client (a client with nothing charged has no entry). */
  total = 0;
  private readonly byClient = new Map<string, number>();

  /** 0: no bound. */
  constructor(maxTotal: number, maxPerClient: number) {
    this.maxTotal = maxTotal;
    this.maxPerClient = maxPerClient;
  }

  heldBy(client: string): number {
    return this.byClient.get(client) ?? 0;
  }

  /** The account a holder of `client` charges to. */
  account(client: string): HeldAccount {
    return {
      charge: (units) => {
        if (units <= 0) return true;
        const mine = this.byClient.get(client) ?? 0;
        if (this.maxTotal > 0 && this.total + units > this.maxTotal) return false;
        if (this.maxPerClient > 0 && mine + units > this.maxPerClient) return false;
        this.total += units;
        this.byClient.set(client, mine + units);
        return true;
      },
      release: (units) => {
        if (units <= 0) return;
        this.total -= units;
        const left = (this.byClient.get(client) ?? 0) - units;
        if (left > 0) this.byClient.set(client, left);
        else this.byClient.delete(client);
      },
    };
  }
}
