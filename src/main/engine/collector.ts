import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { moveAsideCorrupt, writeFileAtomic } from '../atomic-file.ts';
import type { Logger } from '../log.ts';
import { systemClock, unrefTimer } from './clock.ts';
import { History, historyKey, parseHistory, parseOwn, serializeOwn } from './history.ts';
import { ownProcessOf } from '../../shared/processes.ts';
import { IpLimiter } from './ip-limiter.ts';
import type { Clock, CollectorSummary, HistoryEntry, SessionCollector, SessionSnapshot, TimerHandle } from './types.ts';
import { SlidingWindow } from './window.ts';

/** Construction options of a collector (spec §1.1). Every field is optional; defaults as Core's. */
export interface CollectorOptions {
  clock?: Clock;
  /** Idle timeout of a session after its last non-zero byte. ≤ 0 → 5000 (Core's default). */
  sessionTimeoutMs?: number;
  /** Timeout of a session that never sees a byte (the pending timeout is min(this, sessionTimeoutMs)). ≤ 0 → sessionTimeoutMs. */
  inactiveTimeoutMs?: number;
  /** 0 = unlimited. Active sessions only (spec §3.5). */
  maxSessions?: number;
  /** 0 = unlimited. */
  maxTxBitsPerSec?: number;
  /** Missing → an empty ignore list. */
  limiter?: IpLimiter;
  /** Where `<id>.json` lives; no persistence when missing. */
  persistDir?: string;
  /** Periodic write interval; ≤ 0 or missing → write on stop only. */
  persistIntervalMs?: number;
  /** History entries kept at most (least recent folded into `(other)`, see History); ≤ 0 or missing → unbounded. */
  historyMaxEntries?: number;
  log?: Logger;
}

/** Anything whose top egress bitrate counts in a companion sum (spec §3.4). */
export interface EgressTopSource {
  topEgressBitrate(): number;
}

const SWEEP_INTERVAL_MS = 1000;
const DECAY_INTERVAL_MS = 1000;
const DECAY = 0.95;

const noopLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return noopLogger;
  },
};

/** One session (spec §1.2). Every session starts at zero bytes and empty extra (Core's reuse bug, §7.7, is not copied). */
class Session {
  readonly id: string;
  readonly reference: string;
  readonly location: string;
  readonly peer: string;
  readonly createdAtMs: number;
  readonly seq: number;
  extra = '';
  active = false;
  rxBytes = 0;
  txBytes = 0;
  readonly rxWin: SlidingWindow;
  readonly txWin: SlidingWindow;
  topRx = 0;
  topTx = 0;
  maxRx = 0;
  maxTx = 0;
  activatedAtMs = 0;
  /** Decay steps already applied to topRx/topTx (1 per second since activation). */
  decayTick = 0;
  /** The session closes at the first sweep at or after this time. */
  deadlineMs: number;
  /** When its connection closed (markClosed), 0 while open. */
  closedAtMs = 0;

  constructor(id: string, reference: string, location: string, peer: string, nowMs: number, seq: number, deadlineMs: number) {
    this.id = id;
    this.reference = reference;
    this.location = location;
    this.peer = peer;
    this.createdAtMs = nowMs;
    this.seq = seq;
    this.rxWin = new SlidingWindow(nowMs);
    this.txWin = new SlidingWindow(nowMs);
    this.deadlineMs = deadlineMs;
  }

  /** Applies the per-second 0.95 decay of the top bitrates that Core's ticker would have applied by now. */
  decay(nowMs: number): void {
    const tick = Math.floor((nowMs - this.activatedAtMs) / DECAY_INTERVAL_MS);
    let steps = tick - this.decayTick;
    if (steps <= 0) return;
    this.decayTick = tick;
    if (steps > 64) {
      const f = Math.pow(DECAY, steps);
      this.topRx *= f;
      this.topTx *= f;
      return;
    }
    while (steps-- > 0) {
      this.topRx *= DECAY;
      this.topTx *= DECAY;
    }
  }
}

/**
 * A session collector (spec §1.3): pending and active sessions, per-session and per-collector 10 s rates,
 * top bitrates, limits, the IP ignore list, companions and the history with its persistence (§3).
 *
 * Timeouts are deadlines swept by one 1 s interval per collector, so a byte call only stores a number;
 * a session closes at the first sweep at or after its deadline (within 1 s; exact on a fake clock when
 * sessions start at whole seconds after the collector). The constructor loads the history and starts
 * the collector; `start()` is idempotent and restarts a stopped collector.
 */
export class Collector implements SessionCollector, EgressTopSource {
  readonly id: string;
  readonly sessionTimeoutMs: number;
  readonly inactiveTimeoutMs: number;
  readonly maxSessions: number;
  readonly maxTxBitsPerSec: number;
  /** Never configured in Core (spec §1.1). */
  readonly maxRxBitsPerSec = 0;
  readonly persistPath: string | undefined;

  readonly #clock: Clock;
  readonly #pendingTimeoutMs: number;
  readonly #limiter: IpLimiter;
  readonly #persistDir: string | undefined;
  readonly #persistIntervalMs: number;
  readonly #log: Logger;
  readonly #sessions = new Map<string, Session>();
  /** Names a new session's `extra` as it registers (`setOwnerOf`); null: none. */
  #ownerOf: ((peer: string) => string | undefined) | null = null;
  readonly #history: History;
  readonly #companions: EgressTopSource[] = [];
  #seq = 0;
  #pending = 0;
  #active = 0;
  #rxBytes = 0;
  #txBytes = 0;
  #rxWin: SlidingWindow;
  #txWin: SlidingWindow;
  #running = false;
  #sweepTimer: TimerHandle | undefined;
  #persistTimer: TimerHandle | undefined;
  #persistChain: Promise<unknown> = Promise.resolve();
  #persistedVersion = -1;
  /** The own-process marks' side file exists (loaded or written): it is written with every persist from then on. */
  #ownFile = false;
  #writes = 0;

  constructor(id: string, options: CollectorOptions = {}) {
    this.id = id;
    this.#clock = options.clock ?? systemClock;
    const session = options.sessionTimeoutMs !== undefined && options.sessionTimeoutMs > 0 ? options.sessionTimeoutMs : 5000;
    const inactive = options.inactiveTimeoutMs !== undefined && options.inactiveTimeoutMs > 0 ? options.inactiveTimeoutMs : session;
    this.sessionTimeoutMs = session;
    this.inactiveTimeoutMs = inactive;
    this.#pendingTimeoutMs = Math.min(session, inactive);
    this.maxSessions = options.maxSessions !== undefined && options.maxSessions > 0 ? Math.floor(options.maxSessions) : 0;
    this.maxTxBitsPerSec = options.maxTxBitsPerSec !== undefined && options.maxTxBitsPerSec > 0 ? options.maxTxBitsPerSec : 0;
    this.#limiter = options.limiter ?? IpLimiter.empty();
    this.#persistDir = options.persistDir;
    this.persistPath = options.persistDir === undefined ? undefined : join(options.persistDir, `${id}.json`);
    this.#persistIntervalMs = options.persistIntervalMs ?? 0;
    this.#log = options.log ?? noopLogger;
    this.#history = new History(options.historyMaxEntries ?? 0);
    const now = this.#clock.now();
    this.#rxWin = new SlidingWindow(now);
    this.#txWin = new SlidingWindow(now);
    this.#load();
    this.start();
  }

  // ---------------------------------------------------------------- lifecycle

  /** Arms the sweep (and persist) interval and restarts the collector windows. No-op while running. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const now = this.#clock.now();
    this.#rxWin = new SlidingWindow(now);
    this.#txWin = new SlidingWindow(now);
    this.#sweepTimer = this.#clock.setInterval(() => this.#sweep(), SWEEP_INTERVAL_MS);
    unrefTimer(this.#sweepTimer);
    if (this.#persistDir !== undefined && this.#persistIntervalMs > 0) {
      this.#persistTimer = this.#clock.setInterval(() => {
        if (this.#history.version !== this.#persistedVersion) void this.persistNow();
      }, this.#persistIntervalMs);
      unrefTimer(this.#persistTimer);
    }
  }

  /** Closes every session (active ones into the history), persists once, and resolves when the file is written. */
  async stop(): Promise<void> {
    if (this.#running) {
      this.#running = false;
      if (this.#sweepTimer !== undefined) this.#clock.clearInterval(this.#sweepTimer);
      if (this.#persistTimer !== undefined) this.#clock.clearInterval(this.#persistTimer);
      this.#sweepTimer = this.#persistTimer = undefined;
      for (const s of this.#sessions.values()) this.#close(s);
      if (this.#persistDir !== undefined) await this.persistNow();
    }
    await this.#persistChain;
  }

  get running(): boolean {
    return this.#running;
  }

  // ---------------------------------------------------------------- producer side

  register(id: string, reference: string, location: string, peer: string, extra = '', via = peer): void {
    if (!this.#running || id === '') return;
    const existing = this.#sessions.get(id);
    if (existing !== undefined) {
      // The same id again (a publisher back on its path before the timeout): its connection is open again.
      existing.closedAtMs = 0;
      return;
    }
    const now = this.#clock.now();
    const s = new Session(id, reference, location === '' ? 'unknown' : location, peer === '' ? 'unknown' : peer, now, ++this.#seq, now + this.#pendingTimeoutMs);
    s.extra = (this.#ownerOf !== null ? this.#ownerOf(via) : undefined) ?? extra;
    this.#sessions.set(id, s);
    this.#pending++;
  }

  /**
   * A function that names the `extra` of a new session from its peer (or the connection it came in on, `via`) as it
   * registers, before any reader sees it, or undefined for a peer it does not know (the app's own FFmpeg processes: src/main/processes/session-feed.ts).
   */
  setOwnerOf(ownerOf: ((peer: string) => string | undefined) | null): void {
    this.#ownerOf = ownerOf;
  }

  activate(id: string): boolean {
    const s = this.#sessions.get(id);
    if (s === undefined || s.active) return false;
    s.active = true;
    s.activatedAtMs = this.#clock.now();
    s.decayTick = 0;
    this.#pending--;
    this.#active++;
    return true;
  }

  registerAndActivate(id: string, reference: string, location: string, peer: string, extra = '', via = peer): void {
    this.register(id, reference, location, peer, extra, via);
    this.activate(id);
  }

  setExtra(id: string, extra: string): void {
    const s = this.#sessions.get(id);
    if (s !== undefined) s.extra = extra;
  }

  ingress(id: string, n: number): void {
    if (!(n >= 1 && n < Infinity)) return; // 0, negative, NaN, ±Infinity and fractions below 1 (§7.19)
    const s = this.#sessions.get(id);
    if (s === undefined) return;
    const bytes = Math.floor(n);
    const now = this.#clock.now();
    s.rxBytes += bytes;
    this.#rxBytes += bytes;
    s.rxWin.add(bytes * 8, now);
    this.#rxWin.add(bytes * 8, now);
    if (s.active) s.decay(now);
    const avg = s.rxWin.average(now);
    if (avg > s.topRx) s.topRx = avg;
    if (avg > s.maxRx) s.maxRx = avg;
    s.deadlineMs = now + this.sessionTimeoutMs;
  }

  egress(id: string, n: number): void {
    if (!(n >= 1 && n < Infinity)) return;
    const s = this.#sessions.get(id);
    if (s === undefined) return;
    const bytes = Math.floor(n);
    const now = this.#clock.now();
    s.txBytes += bytes;
    this.#txBytes += bytes;
    s.txWin.add(bytes * 8, now);
    this.#txWin.add(bytes * 8, now);
    if (s.active) s.decay(now);
    const avg = s.txWin.average(now);
    if (avg > s.topTx) s.topTx = avg;
    if (avg > s.maxTx) s.maxTx = avg;
    s.deadlineMs = now + this.sessionTimeoutMs;
  }

  unregister(id: string): void {
    const s = this.#sessions.get(id);
    if (s !== undefined) this.#close(s);
  }

  markClosed(id: string): void {
    const s = this.#sessions.get(id);
    if (s !== undefined && s.closedAtMs === 0) s.closedAtMs = this.#clock.now();
  }

  isKnownSession(id: string): boolean {
    return this.#sessions.has(id);
  }

  isCollectableIp(ip: string): boolean {
    return this.#limiter.isCollectable(ip);
  }

  isSessionsExceeded(): boolean {
    return this.maxSessions > 0 && this.#active >= this.maxSessions;
  }

  setTopEgressBitrate(id: string, bitsPerSec: number): void {
    const s = this.#sessions.get(id);
    if (s === undefined || !Number.isFinite(bitsPerSec)) return;
    if (s.active) s.decay(this.#clock.now());
    s.topTx = bitsPerSec > 0 ? bitsPerSec : 0;
  }

  topIngressBitrate(id: string): number {
    const s = this.#sessions.get(id);
    if (s === undefined) return 0;
    if (s.active) s.decay(this.#clock.now());
    return s.topRx;
  }

  /** Top egress bitrate of one session (0 when unknown). */
  topEgressBitrateOf(id: string): number {
    const s = this.#sessions.get(id);
    if (s === undefined) return 0;
    if (s.active) s.decay(this.#clock.now());
    return s.topTx;
  }

  /** Sum of the top tx bitrates of the active sessions (Core's `TopEgressBitrate`). */
  topEgressBitrate(): number {
    const now = this.#clock.now();
    let sum = 0;
    for (const s of this.#sessions.values()) {
      if (!s.active) continue;
      s.decay(now);
      sum += s.topTx;
    }
    return sum;
  }

  companionTopEgressBitrate(): number {
    let sum = this.topEgressBitrate();
    for (const c of this.#companions) sum += c.topEgressBitrate();
    return sum;
  }

  addCompanion(c: EgressTopSource): void {
    if (c !== this && !this.#companions.includes(c)) this.#companions.push(c);
  }

  // ---------------------------------------------------------------- reader side

  /** Active sessions, ordered by registration time (ties: registration order). */
  active(): SessionSnapshot[] {
    const now = this.#clock.now();
    const list: Session[] = [];
    let ordered = true;
    let last: Session | undefined;
    for (const s of this.#sessions.values()) {
      if (!s.active) continue;
      if (last !== undefined && s.createdAtMs < last.createdAtMs) ordered = false; // only if the wall clock went back
      list.push(s);
      last = s;
    }
    if (!ordered) list.sort((a, b) => a.createdAtMs - b.createdAtMs || a.seq - b.seq);
    const out = new Array<SessionSnapshot>(list.length);
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      out[i] = {
        id: s.id,
        reference: s.reference,
        createdAtMs: s.createdAtMs,
        location: s.location,
        peer: s.peer,
        extra: s.extra,
        rxBytes: s.rxBytes,
        txBytes: s.txBytes,
        rxBitsPerSec: s.rxWin.average(now),
        txBitsPerSec: s.txWin.average(now),
      };
      if (s.closedAtMs !== 0) out[i].closedAtMs = s.closedAtMs;
    }
    return out;
  }

  /**
   * Spec §3.2. The active count and the list come from the same synchronous read, so they always agree. `history`
   * is the history's live view (O(1); see HistorySummary in types.ts): read it now, or keep it with its `version`.
   */
  summary(): CollectorSummary {
    const now = this.#clock.now();
    const active = this.active();
    return {
      active,
      activeSessions: active.length,
      rxBitsPerSec: this.#rxWin.average(now),
      txBitsPerSec: this.#txWin.average(now),
      maxSessions: this.maxSessions,
      maxRxBitsPerSec: this.maxRxBitsPerSec,
      maxTxBitsPerSec: this.maxTxBitsPerSec,
      history: this.#history.summary(),
    };
  }

  /** Active sessions (Core's `Sessions()`). */
  get activeSessions(): number {
    return this.#active;
  }

  get pendingSessions(): number {
    return this.#pending;
  }

  /** Bytes counted since construction, pending sessions included. */
  get rxBytesTotal(): number {
    return this.#rxBytes;
  }

  get txBytesTotal(): number {
    return this.#txBytes;
  }

  /** Collector-window rates (bit/s). */
  rxBitsPerSec(): number {
    return this.#rxWin.average(this.#clock.now());
  }

  txBitsPerSec(): number {
    return this.#txWin.average(this.#clock.now());
  }

  /** Copies of the history entries keyed `location:peer:reference`. */
  historyEntries(): Array<[string, HistoryEntry]> {
    return this.#history.entries();
  }

  /** Number of successful persist writes since construction. */
  get persistWrites(): number {
    return this.#writes;
  }

  // ---------------------------------------------------------------- internals

  #sweep(): void {
    const now = this.#clock.now();
    for (const s of this.#sessions.values()) if (s.deadlineMs <= now) this.#close(s);
  }

  /** Runs at most once per session: the session leaves the map first. */
  #close(s: Session): void {
    if (this.#sessions.get(s.id) !== s) return;
    this.#sessions.delete(s.id);
    if (s.active) {
      this.#active--;
      this.#history.add(s.location, s.peer, s.reference, 1, s.rxBytes, s.txBytes);
      // The app's own process's session: the mark Core's history has no field for, kept beside it.
      const process = ownProcessOf(s.extra);
      if (process !== null) this.#history.markOwn(historyKey(s.location, s.peer, s.reference), process, 1);
    } else {
      this.#pending--;
    }
  }

  // ---------------------------------------------------------------- persistence (spec §3.3)

  /**
   * Writes the history now (atomically: temp file in the same directory, fsync, rename, fsync of the
   * directory). Writes are serialised; the text is taken when called. Resolves true on success; errors
   * are logged, never thrown. Resolves false without persistence configured.
   */
  persistNow(): Promise<boolean> {
    const dir = this.#persistDir;
    if (dir === undefined) return Promise.resolve(false);
    const version = this.#history.version;
    const text = this.#history.serialize();
    // The own-process marks go to their side file first: a history written without them only loses marks.
    const own = this.#history.own();
    // Written once there is a mark, and from then on even empty (a stale mark must not name a later entry).
    if (own.size > 0) this.#ownFile = true;
    const ownText = this.#ownFile ? serializeOwn(own) : null;
    const run = this.#persistChain.then(async () => (ownText === null || (await this.#writeOwn(dir, ownText))) && this.#write(dir, text, version));
    this.#persistChain = run;
    return run;
  }

  async #write(dir: string, text: string, version: number): Promise<boolean> {
    const final = join(dir, `${this.id}.json`);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      // Temp files are `.<id>.json.<pid>.<n>.tmp` beside the target (see #removeStaleTemps).
      await writeFileAtomic(final, text, 0o600);
      this.#writes++;
      if (version > this.#persistedVersion) this.#persistedVersion = version;
      return true;
    } catch (err) {
      this.#log.warn('could not write the session history', { collector: this.id, file: final, error: String(err) });
      return false;
    }
  }

  /** Writes `<id>.own.json` (the own-process marks) atomically; false (logged) when it could not. */
  async #writeOwn(dir: string, text: string): Promise<boolean> {
    const file = join(dir, `${this.id}.own.json`);
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, text, 0o600);
      return true;
    } catch (err) {
      this.#log.warn('could not write the own-process marks of the session history', { collector: this.id, file, error: String(err) });
      return false;
    }
  }

  /** Loads `<id>.json` once; a corrupt or unreadable file is moved aside and logged, never fatal. */
  #load(): void {
    const dir = this.#persistDir;
    const file = this.persistPath;
    if (dir === undefined || file === undefined) return;
    this.#removeStaleTemps(dir);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.#moveAside(file, `unreadable: ${String(err)}`);
      return;
    }
    let entries: Map<string, HistoryEntry>;
    try {
      entries = parseHistory(text);
    } catch (err) {
      this.#moveAside(file, `corrupt: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    for (const [key, e] of entries) this.#history.add(e.location, e.peer, e.reference, e.totalSessions, e.totalRxBytes, e.totalTxBytes, key);
    // The own-process marks' side file: missing or malformed, the marks are gone and the history is whole.
    try {
      const text = readFileSync(join(dir, `${this.id}.own.json`), 'utf8');
      this.#ownFile = true;
      for (const [key, own] of parseOwn(text)) this.#history.markOwn(key, own.process, own.sessions);
    } catch {
      // No side file (a history of an older version, or no own process ever finished).
    }
    this.#persistedVersion = this.#history.version;
    this.#log.info('loaded the session history', { collector: this.id, file, entries: entries.size });
  }

  #moveAside(file: string, reason: string): void {
    try {
      const target = moveAsideCorrupt(file, this.#clock.now());
      this.#log.warn('session history file is corrupt or unreadable; moved it aside and starting with an empty history', { collector: this.id, file, movedTo: target, reason });
    } catch (err) {
      this.#log.error('session history file is corrupt or unreadable and could not be moved aside; starting with an empty history', { collector: this.id, file, reason, error: String(err) });
    }
  }

  #removeStaleTemps(dir: string): void {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    const prefixes = [`.${this.id}.json.`, `.${this.id}.own.json.`];
    for (const name of names) {
      if (!prefixes.some((p) => name.startsWith(p)) || !name.endsWith('.tmp')) continue;
      try {
        unlinkSync(join(dir, name));
      } catch {
        // another process may have removed it
      }
    }
  }
}
