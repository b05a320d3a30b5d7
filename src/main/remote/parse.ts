/**
 * Tolerant parsing of a remote Core's session API answers (spec §4.2, §4.3, §4.6 step 6) into the engine's raw
 * units, so remote data and the local core's data merge in one model:
 * - kbit → bit/s ×1024, mbit → bit/s ×1024² (exact: powers of two), `created_at` s → ms.
 * - MB (floored by the remote per group) → bytes = MB × 1024². Re-rendering floors again and gives back exactly the
 *   remote's MB, and a sum of such values renders as the sum of the MB (see docs/decisions.md, Remote Cores).
 * - `extra` may be a string (main line) or an object (newer cluster builds): objects become their JSON text.
 * - Numbers may arrive as JSON numbers or numeric strings; unknown fields are ignored; missing maps/lists are empty.
 * - Counts (sessions, bytes, bandwidths, MB) must not be negative: a negative one throws like a wrong shape (a hostile
 *   or broken Core must not subtract from the fleet's totals). Values past 2^53 stay the nearest double; a product
 *   past the double range (MB × 1024²) is clamped to the largest double, never Infinity (which renders as 0).
 * - A wrong shape (not an object where one is required, a non-numeric number) throws RemoteError('incompatible'):
 *   valid JSON that is not Core's session API (the poller shows `incompatible` with the path in `lastError`).
 */
import type { CollectorSummary, HistorySummary, HistoryTotals, SessionSnapshot } from '../engine/types.ts';
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

/** A count in the remote's unit, scaled to raw units: never negative, never Infinity. */
function count(v: unknown, where: string, factor = 1): number {
  const n = num(v, where);
  if (n < 0) fail(where, `negative value ${n}`);
  const x = n * factor;
  return Number.isFinite(x) ? x : Number.MAX_VALUE;
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

export function parseSession(v: unknown, where: string): SessionSnapshot {
  if (!isObj(v)) fail(where, 'session is not an object');
  return {
    id: str(v.id),
    reference: str(v.reference),
    createdAtMs: num(v.created_at, `${where}.created_at`) * 1000,
    location: str(v.local),
    peer: str(v.remote),
    extra: extraToString(v.extra),
    rxBytes: count(v.bytes_rx, `${where}.bytes_rx`),
    txBytes: count(v.bytes_tx, `${where}.bytes_tx`),
    rxBitsPerSec: count(v.bandwidth_rx_kbit, `${where}.bandwidth_rx_kbit`, 1024),
    txBitsPerSec: count(v.bandwidth_tx_kbit, `${where}.bandwidth_tx_kbit`, 1024),
  };
}

function parseList(v: unknown, where: string): SessionSnapshot[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(where, 'list is not an array');
  const list = v.map((s, i) => parseSession(s, `${where}[${i}]`));
  return sortByCreated(list);
}

/** Stable sort by registration time ascending (Core's order; ties keep their given order). */
export function sortByCreated(list: SessionSnapshot[]): SessionSnapshot[] {
  return list.sort((a, b) => a.createdAtMs - b.createdAtMs);
}

function totals(v: unknown, where: string): HistoryTotals {
  const o = obj(v, where);
  return {
    sessions: count(o.sessions, `${where}.sessions`),
    rxBytes: count(o.traffic_rx_mb, `${where}.traffic_rx_mb`, MIB),
    txBytes: count(o.traffic_tx_mb, `${where}.traffic_tx_mb`, MIB),
  };
}

function totalsMap(v: unknown, where: string): Map<string, HistoryTotals> {
  const out = new Map<string, HistoryTotals>();
  for (const [k, t] of Object.entries(obj(v, where))) out.set(k, totals(t, `${where}.${k}`));
  return out;
}

function parseHistory(v: unknown, where: string): HistorySummary {
  const o = obj(v, where);
  const peers: HistorySummary['peers'] = new Map();
  for (const [peer, p] of Object.entries(obj(o.remote, `${where}.remote`))) {
    const po = obj(p, `${where}.remote.${peer}`);
    peers.set(peer, { ...totals(po, `${where}.remote.${peer}`), locations: totalsMap(po.local, `${where}.remote.${peer}.local`) });
  }
  return {
    peers,
    locations: totalsMap(o.local, `${where}.local`),
    references: totalsMap(o.reference, `${where}.reference`),
    totals: totals(o, where),
  };
}

export function parseCollectorSummary(v: unknown, where: string): CollectorSummary {
  const o = obj(v, where);
  const a = obj(o.active, `${where}.active`);
  const list = parseList(a.list, `${where}.active.list`);
  return {
    active: list,
    activeSessions: a.sessions === undefined ? list.length : count(a.sessions, `${where}.active.sessions`),
    rxBitsPerSec: count(a.bandwidth_rx_mbit, `${where}.active.bandwidth_rx_mbit`, MIB),
    txBitsPerSec: count(a.bandwidth_tx_mbit, `${where}.active.bandwidth_tx_mbit`, MIB),
    maxSessions: count(a.max_sessions, `${where}.active.max_sessions`),
    maxRxBitsPerSec: count(a.max_bandwidth_rx_mbit, `${where}.active.max_bandwidth_rx_mbit`, MIB),
    maxTxBitsPerSec: count(a.max_bandwidth_tx_mbit, `${where}.active.max_bandwidth_tx_mbit`, MIB),
    history: parseHistory(o.summary, `${where}.summary`),
  };
}

/** `GET /api/v3/session?collectors=…` → collector id → summary (raw units). */
export function parseSessionSummary(body: unknown): Map<string, CollectorSummary> {
  if (!isObj(body)) fail('$', `expected an object, got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`);
  const out = new Map<string, CollectorSummary>();
  for (const [k, v] of Object.entries(body)) out.set(k, parseCollectorSummary(v, k));
  return out;
}

/** `GET /api/v3/session/active?collectors=…` → collector id → active sessions (raw units). */
export function parseSessionActive(body: unknown): Map<string, SessionSnapshot[]> {
  if (!isObj(body)) fail('$', `expected an object, got ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}`);
  const out = new Map<string, SessionSnapshot[]>();
  for (const [k, v] of Object.entries(body)) out.set(k, parseList(v, k));
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
