/**
 * Tolerant parsing of a remote Core's session API answers (spec §4.2, §4.3, §4.6 step 6) into the engine's raw
 * units, so remote data and the local core's data merge in one model:
 * - kbit → bit/s ×1024, mbit → bit/s ×1024² (exact: powers of two), `created_at` s → ms.
 * - MB (floored by the remote per group) → bytes = MB × 1024². Re-rendering floors again and gives back exactly the
 *   remote's MB, and a sum of such values renders as the sum of the MB (see docs/decisions.md, Remote Cores).
 * - `extra` may be a string (main line) or an object (newer cluster builds): objects become their JSON text.
 * - Numbers may arrive as JSON numbers or numeric strings; unknown fields are ignored; missing maps/lists are empty.
 * - Counts (sessions, bytes, bandwidths, MB) must not be negative (a hostile or broken Core must not subtract from the
 *   fleet's totals): a negative one is a parse error of its record, which is left out (a session of a list, an entry of
 *   a history map), or of its field when it stands alone (a collector's aggregate, a summary total), which counts as 0.
 *   Each is noted in the caller's `ParseIssues` (the poller logs them); the rest of the answer is used. Counts past
 *   2^53 (in raw units) are clamped below Number.MAX_SAFE_INTEGER (to a whole number of the remote's unit): never Infinity (which renders as 0), and any sum of
 *   them across collectors and Cores stays finite.
 * - A wrong shape (not an object where one is required, a non-numeric number) throws RemoteError('incompatible'):
 *   valid JSON that is not Core's session API (the poller shows `incompatible` with the path in `lastError`).
 */
import type { CollectorSummary, HistorySummary, HistoryTotals, SessionSnapshot } from '../engine/types.ts';
import type { SessionRow } from '../../shared/types.ts';
import { RemoteError } from './errors.ts';

export const MIB = 1024 * 1024;

type Obj = Record<string, unknown>;

function fail(where: string, what: string): never {
  throw new RemoteError('incompatible', `unexpected response shape at ${where}: ${what}`);
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function obj(v: unknown, where: string): Obj {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) fail(where, `expected an object, got ${Array.isArray(v) ? 'an array' : typeof v}`);
  return v;
}

function num(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(where, 'not a finite number');
    return v;
  }
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    if (Number.isFinite(n)) return n;
  }
  return fail(where, `expected a number, got ${typeof v}`);
}

/** Values a parse left out (negative counts), for one log line per answer; see the module comment. */
export interface ParseIssues {
  /** Records or fields left out. */
  rejected: number;
  /** The first few, as `path: reason`. */
  examples: string[];
}

/** An empty ParseIssues. */
export function parseIssues(): ParseIssues {
  return { rejected: 0, examples: [] };
}

/** A count refused by its value (not its shape): the enclosing record or field is left out, the answer is kept. */
class RejectedValue extends RemoteError {
  constructor(message: string) {
    super('parse', message);
  }
}

/**
 * A count in the remote's unit, scaled to raw units: never negative (throws RejectedValue), at most 2^53 − 1 (also
 * for a literal past the double range, which JSON.parse reads as Infinity).
 */
function count(v: unknown, where: string, factor = 1): number {
  const n = typeof v === 'number' || (typeof v === 'string' && v.trim() !== '') ? Number(v) : num(v, where);
  if (Number.isNaN(n)) fail(where, `expected a number, got ${typeof v}`);
  if (n < 0) throw new RejectedValue(`${where}: negative value ${n}`);
  // Clamped in the remote's unit, so a clamped MB value still renders back to whole MB (and sums of them add up).
  return Math.min(n, Math.floor(Number.MAX_SAFE_INTEGER / factor)) * factor;
}

/** Notes a RejectedValue in `issues`; any other error is thrown on. */
function noteRejected(issues: ParseIssues, err: unknown): void {
  if (!(err instanceof RejectedValue)) throw err;
  issues.rejected++;
  if (issues.examples.length < 3) issues.examples.push(err.message);
}

/** Runs the parse of one record or field; a RejectedValue inside is noted and gives undefined. */
function guarded<T>(issues: ParseIssues, parse: () => T): T | undefined {
  try {
    return parse();
  } catch (err) {
    noteRejected(issues, err);
    return undefined;
  }
}

/** A stand-alone count field: 0 when refused. */
function countField(issues: ParseIssues, v: unknown, where: string, factor = 1): number {
  return guarded(issues, () => count(v, where, factor)) ?? 0;
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** `extra` as the merged view shows it: strings unchanged, objects (cluster builds) as compact JSON. */
export function extraToString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  return JSON.stringify(v);
}

/** The path of a session's field in a message: built only when there is a message to give (a poll parses thousands of sessions a second). */
function sessionPath(where: string, index: number | undefined, field: string): string {
  return `${index === undefined ? where : `${where}[${index}]`}.${field}`;
}

/** `num` of a session's field; a finite JSON number is taken without building its path. */
function sessionNum(v: unknown, where: string, index: number | undefined, field: string): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : num(v, sessionPath(where, index, field));
}

/** `count` of a session's field; a JSON number in range (what `count` takes as it is) is scaled without building its path. */
function sessionCount(v: unknown, where: string, index: number | undefined, field: string, factor = 1): number {
  return typeof v === 'number' && v >= 0 && v <= Math.floor(Number.MAX_SAFE_INTEGER / factor) ? v * factor : count(v, sessionPath(where, index, field), factor);
}

/** The core and collector a parsed session is tagged with: it is then the fleet snapshot's row as it is (no copy). */
export interface RowTag {
  core: string;
  collector: string;
}

/**
 * The previous answer's sessions of one list, found by id: a session's text fields that are the same as in the last
 * poll take the last poll's string objects (see `parseSessionSummary`).
 */
class PreviousSessions {
  readonly #list: readonly SessionSnapshot[];
  /** Where the next session is looked for first: a Core lists its sessions in the same order every time. */
  #next = 0;
  /** Index by id, made on the first session not found at `#next`. */
  #byId: Map<string, number> | undefined;

  constructor(list: readonly SessionSnapshot[]) {
    this.#list = list;
  }

  find(id: string): SessionSnapshot | undefined {
    const list = this.#list;
    const guess = list[this.#next];
    if (guess !== undefined && guess.id === id) {
      this.#next++;
      return guess;
    }
    if (this.#byId === undefined) {
      this.#byId = new Map();
      for (let i = list.length - 1; i >= 0; i--) this.#byId.set(list[i]!.id, i);
    }
    const i = this.#byId.get(id);
    if (i === undefined) return undefined;
    this.#next = i + 1;
    return list[i];
  }
}

/** `next`, or `prev` when it is the same text: the string the last poll parsed (then `next` dies young). */
function same(prev: string | undefined, next: string): string {
  return prev === next ? prev : next;
}

/**
 * One session of a remote answer. `index`: its place in the list at `where` (paths for messages are built only when
 * there is one to give). With `tag`, a SessionRow. With `previous`, text fields equal to those of the last answer's
 * session of the same id are that session's strings (the values are the same; the objects are the old ones).
 */
export function parseSession(v: unknown, where: string, index?: number, tag?: RowTag, previous?: PreviousSessions): SessionSnapshot {
  if (!isObj(v)) fail(index === undefined ? where : `${where}[${index}]`, 'session is not an object');
  const newId = str(v.id);
  const prev = previous?.find(newId);
  const id = prev === undefined ? newId : prev.id;
  const reference = same(prev?.reference, str(v.reference));
  const createdAtMs = sessionNum(v.created_at, where, index, 'created_at') * 1000;
  const location = same(prev?.location, str(v.local));
  const peer = same(prev?.peer, str(v.remote));
  const extra = same(prev?.extra, extraToString(v.extra));
  const rxBytes = sessionCount(v.bytes_rx, where, index, 'bytes_rx');
  const txBytes = sessionCount(v.bytes_tx, where, index, 'bytes_tx');
  const rxBitsPerSec = sessionCount(v.bandwidth_rx_kbit, where, index, 'bandwidth_rx_kbit', 1024);
  const txBitsPerSec = sessionCount(v.bandwidth_tx_kbit, where, index, 'bandwidth_tx_kbit', 1024);
  if (!tag) return { id, reference, createdAtMs, location, peer, extra, rxBytes, txBytes, rxBitsPerSec, txBitsPerSec };
  const row: SessionRow = { core: tag.core, collector: tag.collector, id, reference, createdAtMs, location, peer, extra, rxBytes, txBytes, rxBitsPerSec, txBitsPerSec };
  return row;
}

function parseList(v: unknown, where: string, issues: ParseIssues, tag: RowTag | undefined, previous: readonly SessionSnapshot[] | undefined): SessionSnapshot[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(where, 'list is not an array');
  const list: SessionSnapshot[] = [];
  const prev = previous === undefined || previous.length === 0 ? undefined : new PreviousSessions(previous);
  for (let i = 0; i < v.length; i++) {
    try {
      list.push(parseSession(v[i], where, i, tag, prev));
    } catch (err) {
      noteRejected(issues, err);
    }
  }
  return sortByCreated(list);
}

/** Stable sort by registration time ascending (Core's order; ties keep their given order). */
export function sortByCreated(list: SessionSnapshot[]): SessionSnapshot[] {
  return list.sort((a, b) => a.createdAtMs - b.createdAtMs);
}

/** A history record's totals; a negative one throws RejectedValue (the record is left out). */
function totals(v: unknown, where: string): HistoryTotals {
  const o = obj(v, where);
  return {
    sessions: count(o.sessions, `${where}.sessions`),
    rxBytes: count(o.traffic_rx_mb, `${where}.traffic_rx_mb`, MIB),
    txBytes: count(o.traffic_tx_mb, `${where}.traffic_tx_mb`, MIB),
  };
}

/** The totals of a whole summary, each a stand-alone field (0 when refused). */
function totalsFields(o: Obj, where: string, issues: ParseIssues): HistoryTotals {
  return {
    sessions: countField(issues, o.sessions, `${where}.sessions`),
    rxBytes: countField(issues, o.traffic_rx_mb, `${where}.traffic_rx_mb`, MIB),
    txBytes: countField(issues, o.traffic_tx_mb, `${where}.traffic_tx_mb`, MIB),
  };
}

function totalsMap(v: unknown, where: string, issues: ParseIssues): Map<string, HistoryTotals> {
  const out = new Map<string, HistoryTotals>();
  for (const [k, t] of Object.entries(obj(v, where))) {
    const parsed = guarded(issues, () => totals(t, `${where}.${k}`));
    if (parsed !== undefined) out.set(k, parsed);
  }
  return out;
}

function parseHistory(v: unknown, where: string, issues: ParseIssues): HistorySummary {
  const o = obj(v, where);
  const peers: HistorySummary['peers'] = new Map();
  for (const [peer, p] of Object.entries(obj(o.remote, `${where}.remote`))) {
    const po = obj(p, `${where}.remote.${peer}`);
    const own = guarded(issues, () => totals(po, `${where}.remote.${peer}`));
    if (own !== undefined) peers.set(peer, { ...own, locations: totalsMap(po.local, `${where}.remote.${peer}.local`, issues) });
  }
  return {
    peers,
    locations: totalsMap(o.local, `${where}.local`, issues),
    references: totalsMap(o.reference, `${where}.reference`, issues),
    totals: totalsFields(o, where, issues),
  };
}

/**
 * One collector's summary; with `core`, its sessions are SessionRows of that core and this collector (`where`).
 * `previous`: the last answer's sessions of this collector (see `parseSessionSummary`).
 */
export function parseCollectorSummary(v: unknown, where: string, issues: ParseIssues = parseIssues(), core?: string, previous?: readonly SessionSnapshot[]): CollectorSummary {
  const o = obj(v, where);
  const a = obj(o.active, `${where}.active`);
  const list = parseList(a.list, `${where}.active.list`, issues, core === undefined ? undefined : { core, collector: where }, previous);
  return {
    active: list,
    activeSessions: a.sessions === undefined ? list.length : countField(issues, a.sessions, `${where}.active.sessions`),
    rxBitsPerSec: countField(issues, a.bandwidth_rx_mbit, `${where}.active.bandwidth_rx_mbit`, MIB),
    txBitsPerSec: countField(issues, a.bandwidth_tx_mbit, `${where}.active.bandwidth_tx_mbit`, MIB),
    maxSessions: countField(issues, a.max_sessions, `${where}.active.max_sessions`),
    maxRxBitsPerSec: countField(issues, a.max_bandwidth_rx_mbit, `${where}.active.max_bandwidth_rx_mbit`, MIB),
    maxTxBitsPerSec: countField(issues, a.max_bandwidth_tx_mbit, `${where}.active.max_bandwidth_tx_mbit`, MIB),
    history: parseHistory(o.summary, `${where}.summary`, issues),
  };
}

/**
 * `GET /api/v3/session?collectors=…` → collector id → summary (raw units); refused values go to `issues`. With
 * `core` (the poller's Core id), each session is tagged as the fleet's snapshot row (SessionRow) of that core.
 *
 * `previous`: the last parse of this Core's answer. A session (by collector and id) whose id, reference, location,
 * peer or extra is the same text as in that parse gets that parse's string, not the one just parsed: each poll's
 * strings then die young instead of living a second and being promoted (10 000 sessions a second with a big fleet),
 * and the later comparisons with the last update's rows (the push encoder's, the Prometheus series') find the same
 * object. The result is the same with or without `previous`: only which of two equal strings is kept differs (strings
 * are immutable, so a kept one never carries another value). Rows are new objects every time, as before.
 */
export function parseSessionSummary(body: unknown, issues: ParseIssues = parseIssues(), core?: string, previous?: ReadonlyMap<string, CollectorSummary>): Map<string, CollectorSummary> {
  if (!isObj(body)) fail('$', `expected an object, got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`);
  const out = new Map<string, CollectorSummary>();
  for (const [k, v] of Object.entries(body)) out.set(k, parseCollectorSummary(v, k, issues, core, previous?.get(k)?.active));
  return out;
}

/** What `GET /api` says (spec §4.5); `id` empty means "log in first". */
export interface CoreAbout {
  app: string;
  id: string;
  name: string;
  version: string;
  auths: string[];
}

export function parseAbout(body: unknown): CoreAbout {
  if (!isObj(body)) throw new RemoteError('incompatible', 'GET /api did not answer a JSON object');
  const version = isObj(body.version) ? str(body.version.number) : '';
  return {
    app: str(body.app),
    id: str(body.id),
    name: str(body.name),
    version,
    auths: Array.isArray(body.auths) ? body.auths.map(str) : [],
  };
}

/** Parses "16.14.0" (also "v16.14.0", "16.20.0-rc1") to [major, minor, patch]; undefined when unreadable. */
export function parseVersion(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)];
}

export function versionAtLeast(v: [number, number, number], min: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) {
    if (v[i] !== min[i]) return v[i] > min[i];
  }
  return true;
}

/** A node of a Core cluster that can be added as a Core of its own. */
export interface ClusterNodeOffer {
  id: string;
  name: string;
  /** The node's Core API base URL. */
  url: string;
}

/**
 * `GET /api/v3/cluster` (cluster builds): `nodes[]` with `id`, `name`, `address` and `core.address` (the node's Core
 * API). Older cluster builds list `server[]` (raft addresses) and have no Core API address per node: those yield none.
 */
export function parseClusterNodes(body: unknown, baseUrl: string): ClusterNodeOffer[] {
  if (!isObj(body)) throw new RemoteError('incompatible', 'cluster answer is not an object');
  const nodes = Array.isArray(body.nodes) ? body.nodes : [];
  const out: ClusterNodeOffer[] = [];
  for (const n of nodes) {
    if (!isObj(n)) continue;
    const core = isObj(n.core) ? n.core : {};
    const addr = str(core.address) || str(n.core_api_address);
    const url = normalizeNodeAddress(addr, baseUrl);
    if (!url) continue;
    out.push({ id: str(n.id), name: str(n.name) || str(n.id), url });
  }
  return out;
}

/** "http://10.0.0.2:8080" stays; ":8080" / "10.0.0.2:8080" take the scheme (and host) of the Core they came from. */
function normalizeNodeAddress(addr: string, baseUrl: string): string | undefined {
  if (!addr) return undefined;
  try {
    if (/^https?:\/\//i.test(addr)) return new URL(addr).origin;
    const base = new URL(baseUrl);
    const hostPort = addr.startsWith(':') ? `${base.hostname}${addr}` : addr;
    return new URL(`${base.protocol}//${hostPort}`).origin;
  } catch {
    return undefined;
  }
}
