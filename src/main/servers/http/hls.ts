/**
 * HLS session tracking of spec §1.5 (Core's `http/middleware/session/HLS.go`), shared by every file mount:
 * - egress (GET/HEAD): playlist admission (509 / 403), session registration, playlist rewriting with
 *   `session=<id>`, and per-request egress; the mount calls `countEgress` when a response is done;
 * - ingress (PUT/POST): segment upload sizes remembered until a playlist that references them is uploaded.
 *
 * Beyond Core (deliberate, docs/decisions.md): fMP4 segments (`.m4s`, `.mp4`) and the `#EXT-X-MAP` init segment are
 * rewritten and tracked like `.ts`; a session is counted with the bytes actually sent (the rewritten playlist
 * once, not the original plus the rewritten one, §7.16); the real IP comes from proxy headers only when the
 * socket peer is a trusted proxy (§7.14).
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { SessionCollector } from '../../engine/types.ts';
import type { Logger } from '../../log.ts';
import { anonymizeIp, headerUtf8, refererHost } from '../../http/net-util.ts';
import { clientKey } from '../../http/client-limits.ts';
import { throttledWarn } from '../../http/throttled-warn.ts';

/** shortuuid's default alphabet (57 characters, no 0/1/I/O/l). */
export const SHORTUUID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const SESSION_ID_RE = /^[23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz]{22}$/;

/** A new 22-character session id from the shortuuid alphabet, crypto-random (57^22 ≈ 2^128). */
export function newSessionId(): string {
  const out: string[] = [];
  while (out.length < 22) {
    const buf = randomBytes(32);
    for (let i = 0; i < buf.length && out.length < 22; i++) {
      const b = buf[i]!;
      // Rejection sampling: 228 = 4 × 57, so every character is equally likely.
      if (b < 228) out.push(SHORTUUID_ALPHABET[b % 57]!);
    }
  }
  return out.join('');
}

export function isValidSessionId(id: string): boolean {
  return SESSION_ID_RE.test(id);
}

/** Case-sensitive, as Core's `strings.HasSuffix(path, ".m3u8")`: `X.M3U8` is served as a plain file. */
export function isPlaylistName(name: string): boolean {
  return name.endsWith('.m3u8');
}

/** `.ts` as in Core, plus fMP4 `.m4s` and `.mp4` (beyond Core); case-sensitive like Core's suffix checks. */
export function isSegmentName(name: string): boolean {
  return name.endsWith('.ts') || name.endsWith('.m4s') || name.endsWith('.mp4');
}

/** Go's `url.QueryEscape`. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

function queryUnescape(s: string): string | null {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return null;
  }
}

/** Go's `url.ParseQuery`, keeping valid pairs in order. */
export function parseQuery(raw: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    if (part === '' || part.includes(';')) continue;
    const eq = part.indexOf('=');
    const k = queryUnescape(eq < 0 ? part : part.slice(0, eq));
    const v = queryUnescape(eq < 0 ? '' : part.slice(eq + 1));
    if (k === null || v === null) continue;
    out.push([k, v]);
  }
  return out;
}

/** First value of `key` in a raw query, `''` when absent (echo's `c.QueryParam`). */
export function queryParam(raw: string, key: string): string {
  for (const [k, v] of parseQuery(raw)) if (k === key) return v;
  return '';
}

/** Go's `url.Values.Encode()`: keys sorted, values in order. */
function encodeQuery(values: Map<string, string[]>): string {
  const keys = [...values.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (const k of keys) for (const v of values.get(k)!) parts.push(queryEscape(k) + '=' + queryEscape(v));
  return parts.join('&');
}

interface UriParts {
  path: string;
  query: string;
  fragment: string;
}

/** Splits a playlist URI; null for absolute URLs (scheme or `//host`), which are left alone. */
function splitUri(uri: string): UriParts | null {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri) || uri.startsWith('//')) return null;
  let rest = uri;
  let fragment = '';
  const h = rest.indexOf('#');
  if (h >= 0) {
    fragment = rest.slice(h);
    rest = rest.slice(0, h);
  }
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest, query: '', fragment } : { path: rest.slice(0, q), query: rest.slice(q + 1), fragment };
}

function decodedPath(p: string): string | null {
  try {
    return decodeURIComponent(p);
  } catch {
    return null;
  }
}

/** The request's query with the URI's own parameters on top and `session` set (Core's rewrite rule). */
function withSession(parts: UriParts, requestQuery: string, session: string): string {
  const values = new Map<string, string[]>();
  for (const [k, v] of parseQuery(requestQuery)) {
    const list = values.get(k);
    if (list) list.push(v);
    else values.set(k, [v]);
  }
  for (const [k, v] of parseQuery(parts.query)) values.set(k, [v]);
  values.set('session', [session]);
  return parts.path + '?' + encodeQuery(values) + parts.fragment;
}

const MAP_URI_RE = /^(#EXT-X-MAP:.*?\bURI=")([^"]*)(".*)$/;

/**
 * Rewrites a playlist body (spec §1.5). `sessionId` is the request's `session` value (`''` when none),
 * `requestPath` the decoded request path (`/memfs/test.m3u8`), `requestQuery` its raw query.
 * - master playlist: every relative `.m3u8` URI gets a fresh `session`; one pointing at itself becomes a comment;
 * - media playlist with a session: every relative segment URI (`.ts`, `.m4s`, `.mp4`, and `#EXT-X-MAP:URI`) gets it;
 * - media playlist without a session: replaced by a one-variant master pointing at itself with a fresh id.
 */
export function rewritePlaylist(
  body: string,
  sessionId: string,
  requestPath: string,
  requestQuery: string,
  newId: () => string = newSessionId,
): string {
  const lines = body.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  let isMaster = false;
  const dir = posix.dirname(requestPath);
  for (let raw of lines) {
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw === '') {
      out.push(raw);
      continue;
    }
    if (raw[0] === '#') {
      const m = sessionId !== '' ? MAP_URI_RE.exec(raw) : null;
      const parts = m ? splitUri(m[2]!) : null;
      if (m && parts && isSegmentName(parts.path)) out.push(m[1] + withSession(parts, requestQuery, sessionId) + m[3]);
      else out.push(raw);
      continue;
    }
    const parts = splitUri(raw);
    if (!parts) {
      out.push(raw);
      continue;
    }
    if (isPlaylistName(parts.path)) {
      isMaster = true;
      const dec = decodedPath(parts.path);
      const file = dec === null ? null : dec.startsWith('/') ? dec : posix.join(dir, dec);
      const line = withSession(parts, requestQuery, newId());
      out.push(file === requestPath ? '# m3u8 is referencing itself: ' + line : line);
    } else if (isSegmentName(parts.path)) {
      out.push(withSession(parts, requestQuery, sessionId));
    } else {
      out.push(raw);
    }
  }
  if (!isMaster && sessionId === '') {
    const self = withSession({ path: posix.basename(requestPath), query: '', fragment: '' }, requestQuery, newId());
    return '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=1024\n' + self + '\n';
  }
  return out.map((l) => l + '\n').join('');
}

/** Decoded, resolved paths of the segments (and init segments) a playlist references, relative URIs only. */
export function referencedSegments(body: string, playlistPath: string): string[] {
  const dir = posix.dirname(playlistPath);
  const out: string[] = [];
  for (let line of body.split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') continue;
    let uri = line;
    if (line[0] === '#') {
      const m = MAP_URI_RE.exec(line);
      if (!m) continue;
      uri = m[2]!;
    }
    const parts = splitUri(uri);
    if (!parts || !isSegmentName(parts.path)) continue;
    const dec = decodedPath(parts.path);
    if (dec === null) continue;
    out.push(dec.startsWith('/') ? posix.normalize(dec) : posix.join(dir, dec));
  }
  return out;
}

/** File name without directory and extension (Go's `TrimSuffix(Base(p), Ext(p))`). */
export function referenceOf(path: string): string {
  const base = posix.basename(path);
  const dot = base.lastIndexOf('.');
  return dot >= 0 ? base.slice(0, dot) : base;
}

export type Admission = { ok: true } | { ok: false; status: number; details: string[]; message?: string };

/** Core's 509 message: Go has no status text for 509, so Core's error handler spells out its own (typo included). */
export const STATUS_509_MESSAGE = 'Bandwith limit exceeded';

export interface HlsTrackerOptions {
  hls: SessionCollector;
  hlsingress: SessionCollector;
  log: Logger;
  /** Remembered segment uploads kept at most this long without a playlist referencing them. Default 5 min. */
  uploadMemoryMs?: number;
  /** At most this many remembered segment uploads; the oldest are forgotten first. Default 10 000. */
  uploadMemoryMax?: number;
  /**
   * Live HLS sessions one client (IPv4 address, IPv6 /64) may open (`--max-sessions-per-ip`); a new one beyond it is
   * refused with 509. 0 = no bound (default here; the app passes the setting).
   */
  maxSessionsPerClient?: number;
  now?: () => number;
}

/** Admissions between two sweeps of the per-client session sets (forgets clients whose sessions all ended). */
const CLIENT_SWEEP_EVERY = 1024;

/**
 * Security guard (docs/security.md, "What one client can make the server hold"): the live sessions of one collector
 * each client (`clientKey`) opened, bounded by `max`. Sessions end in the collector (timeouts), not here: a client's
 * ended ones are pruned when it reaches the bound, and every client's at a sweep every CLIENT_SWEEP_EVERY admissions.
 */
class SessionsPerClient {
  readonly max: number;
  readonly #isLive: (id: string) => boolean;
  readonly #byClient = new Map<string, Set<string>>();
  #admissions = 0;

  constructor(max: number, isLive: (id: string) => boolean) {
    this.max = max;
    this.#isLive = isLive;
  }

  get clients(): number {
    return this.#byClient.size;
  }

  /** Whether the client may open one more session; at the bound, its ended sessions are pruned first. */
  hasRoom(key: string): boolean {
    const ids = this.#byClient.get(key);
    if (!ids || ids.size < this.max) return true;
    for (const id of ids) if (!this.#isLive(id)) ids.delete(id);
    return ids.size < this.max;
  }

  add(key: string, id: string): void {
    let ids = this.#byClient.get(key);
    if (!ids) this.#byClient.set(key, (ids = new Set()));
    ids.add(id);
    if (++this.#admissions % CLIENT_SWEEP_EVERY !== 0) return;
    for (const [k, set] of this.#byClient) {
      for (const sid of set) if (!this.#isLive(sid)) set.delete(sid);
      if (set.size === 0) this.#byClient.delete(k);
    }
  }
}

/** The HLS middleware's state and decisions; the mounts do the HTTP. */
export class HlsTracker {
  readonly hls: SessionCollector;
  readonly hlsingress: SessionCollector;
  readonly #log: Logger;
  readonly #memoryMs: number;
  readonly #memoryMax: number;
  readonly #now: () => number;
  /** Decoded request path of a segment upload → header + body bytes; insertion order = upload order. */
  readonly #uploads = new Map<string, { bytes: number; atMs: number }>();
  /** Viewing sessions (`hls`) and uploaded playlists (`hlsingress`) per client, for `maxSessionsPerClient`. */
  readonly #viewersPerClient: SessionsPerClient;
  readonly #uploadsPerClient: SessionsPerClient;
  readonly #warn: (reason: string, fields: Record<string, unknown>) => void;
  /** Playlist requests and uploads refused by the per-client session bound since start. */
  refusedPerClient = 0;

  constructor(options: HlsTrackerOptions) {
    this.hls = options.hls;
    this.hlsingress = options.hlsingress;
    this.#log = options.log;
    this.#memoryMs = options.uploadMemoryMs ?? 5 * 60_000;
    this.#memoryMax = Math.max(1, options.uploadMemoryMax ?? 10_000);
    this.#now = options.now ?? Date.now;
    const max = Math.max(0, Math.floor(options.maxSessionsPerClient ?? 0));
    this.#viewersPerClient = new SessionsPerClient(max, (id) => this.hls.isKnownSession(id));
    this.#uploadsPerClient = new SessionsPerClient(max, (id) => this.hlsingress.isKnownSession(id));
    this.#warn = throttledWarn(options.log);
  }

  /** Clients with sessions remembered for the per-client bound (ended ones are forgotten at the next sweep). */
  get trackedClients(): number {
    return this.#viewersPerClient.clients + this.#uploadsPerClient.clients;
  }

  #refuse(what: string, key: string, max: number): void {
    this.refusedPerClient++;
    this.#warn(`hls ${what} refused: too many sessions from one client (--max-sessions-per-ip)`, { client: key, max, refusedSoFar: this.refusedPerClient });
  }

  /**
   * Whether a playlist upload from `clientIp` may be stored: always when it continues an `hlsingress` session, else
   * only within the client's bound of live upload sessions (it would open one). Call before reading the body.
   */
  admitUpload(path: string, clientIp: string): boolean {
    const per = this.#uploadsPerClient;
    if (per.max === 0 || this.hlsingress.isKnownSession(path)) return true;
    const key = clientKey(clientIp);
    if (per.hasRoom(key)) return true;
    this.#refuse('playlist upload', key, per.max);
    return false;
  }

  /** Number of remembered, not yet counted segment uploads. */
  get rememberedUploads(): number {
    return this.#uploads.size;
  }

  /** A segment upload was stored: remember its size until a playlist references it. */
  segmentUploaded(path: string, bytes: number): void {
    if (bytes <= 0) return;
    const now = this.#now();
    this.#uploads.delete(path);
    this.#uploads.set(path, { bytes, atMs: now });
    this.#expire(now);
  }

  #expire(now: number): void {
    for (const [k, v] of this.#uploads) {
      if (this.#uploads.size > this.#memoryMax || now - v.atMs > this.#memoryMs) this.#uploads.delete(k);
      else break;
    }
  }

  /**
   * A non-empty playlist upload was stored (spec §1.5 ingress). `via`: the uploading connection's `ip:port`. The
   * session's peer stays `unknown` (Core's); `via` only lets the collector's owner hook tell the app's own FFmpeg
   * process (its counting relay's socket) from a person's encoder, whose session's `extra` is its User-Agent as Core's.
   * `clientIp`: the uploader's address (for `maxSessionsPerClient`, see `admitUpload`).
   */
  playlistUploaded(path: string, headerBytes: number, body: Buffer, userAgent: string, via = '', clientIp = ''): void {
    if (body.length === 0) return;
    const ing = this.hlsingress;
    if (!ing.isKnownSession(path)) {
      ing.registerAndActivate(path, referenceOf(path), path, '', userAgent, via);
      if (clientIp !== '' && this.#uploadsPerClient.max > 0) this.#uploadsPerClient.add(clientKey(clientIp), path);
    }
    ing.ingress(path, headerBytes);
    ing.ingress(path, body.length);
    for (const seg of referencedSegments(body.toString('utf8'), path)) {
      const rec = this.#uploads.get(seg);
      if (rec) {
        ing.ingress(path, rec.bytes);
        this.#uploads.delete(seg);
      }
    }
    this.#expire(this.#now());
  }

  /**
   * Admission of a playlist GET/HEAD whose `session` is not a known session (spec §1.5 steps 1–4).
   * Registers the session when a valid id is given. Call only for collectable real IPs.
   */
  admitPlaylist(req: IncomingMessage, path: string, sessionId: string, clientIp: string): Admission {
    const hls = this.hls;
    if (hls.isKnownSession(sessionId)) return { ok: true };
    if (hls.isSessionsExceeded()) return { ok: false, status: 509, details: ['Number of sessions exceeded'], message: STATUS_509_MESSAGE };
    const stream = this.hlsingress.topIngressBitrate(path) * 2;
    const maxTx = hls.maxTxBitsPerSec;
    if (maxTx > 0) {
      const current = hls.companionTopEgressBitrate() * 1.15;
      if (current + stream >= maxTx) return { ok: false, status: 509, details: ['Bitrate limit exceeded'], message: STATUS_509_MESSAGE };
    }
    if (sessionId !== '') {
      if (!isValidSessionId(sessionId)) return { ok: false, status: 403, details: ['Forbidden'] };
      const per = this.#viewersPerClient;
      const key = per.max > 0 ? clientKey(clientIp) : '';
      if (key !== '' && !per.hasRoom(key)) {
        this.#refuse('session', key, per.max);
        return { ok: false, status: 509, details: ['Number of sessions from this client exceeded'], message: STATUS_509_MESSAGE };
      }
      const referer = headerUtf8(req, 'referer');
      const ua = headerUtf8(req, 'user-agent');
      hls.register(sessionId, referenceOf(path), path, refererHost(referer));
      hls.setExtra(sessionId, `[${anonymizeIp(clientIp)}] ${ua}`);
      hls.setTopEgressBitrate(sessionId, stream);
      if (key !== '') per.add(key, sessionId);
      this.#log.debug('hls session registered', { path, session: sessionId.slice(0, 4) + '…' });
    }
    return { ok: true };
  }

  /** Egress of one finished 2xx playlist or segment response; a segment also activates its session. */
  countEgress(sessionId: string, headerBytes: number, bodyBytes: number, isSegment: boolean): void {
    if (sessionId === '') return;
    this.hls.egress(sessionId, headerBytes);
    this.hls.egress(sessionId, bodyBytes);
    if (isSegment) this.hls.activate(sessionId);
  }
}
