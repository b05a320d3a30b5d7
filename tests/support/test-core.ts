/**
 * A test datarhei Core (node:http, loopback, port 0) that answers with the RECORDED responses of
 * ../shared/fixtures/core-v16.14.0/ and behaves like Core where a client can see it:
 * - `GET /api`: the recorded short object without a valid token, the full one with it.
 * - `POST /api/login`: real HS256 JWTs (claims iss/sub/usefor/iat/exp/exi/jti, signed with username+password+secret)
 *   with configurable, short lifetimes; wrong or missing credentials answer the recorded 401/400 bodies after a delay
 *   (5 s by default, as Core).
 * - `GET /api/login/refresh` with the refresh token; `/api/v3/*` need the access token (recorded 401 body).
 * - Session data cycles during/snap-01 → 02 → 03 → after-close (one step per `GET /api/v3/session`); `/active`
 *   answers the active file of the current step. Responses are cut down to the requested collectors from the recorded
 *   text (number literals kept), with Core's zero entry for names not recorded (e.g. `https`).
 * Faults on command: refused connections (listener closed), hang, delay, a drip (one byte at a time), 500, truncated
 * JSON, HTML, 401, token expiry, a restart with a new JWT secret, and hostile answers (`setSessionBodies`: any text,
 * e.g. negative counts or numbers past 2^53, sent verbatim).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { sleep } from './wait.ts';

export const FIXTURES_DIR =
  process.env.CORE_FIXTURES_DIR ?? fileURLToPath(new URL('../../../shared/fixtures/core-v16.14.0/', import.meta.url));

export type Phase = 'snap-01' | 'snap-02' | 'snap-03' | 'after-close' | 'after-restart';
export const SEQUENCE: readonly Phase[] = ['snap-01', 'snap-02', 'snap-03', 'after-close'];

export type FaultKind = 'hang' | 'delay' | 'http500' | 'truncated' | 'html' | 'unauthorized' | 'drip';
export interface Fault {
  kind: FaultKind;
  /** Which requests: session endpoints only (default) or every request including /api and login. */
  scope?: 'sessions' | 'all';
  /** For `delay`; for `drip`, the pause between two bytes of the answer (default 3000). */
  delayMs?: number;
  /** Number of matching requests to affect; undefined = until cleared. */
  count?: number;
}

export interface TestCoreOptions {
  username?: string;
  password?: string;
  /** false: no auth (about is always full, login routes 404). */
  auth?: boolean;
  accessLifetimeSec?: number;
  refreshLifetimeSec?: number;
  /** Core sleeps 5 s before answering a failed login. */
  failedLoginDelayMs?: number;
  /** Patches the recorded about object's `id`/`name`. */
  coreId?: string;
  coreName?: string;
  /** Fixed phase instead of the sequence. */
  phase?: Phase;
  /** Patches the full about object's version number (e.g. '16.7.1'). */
  version?: string;
  /** Body of `GET /api/v3/cluster` (404 when absent, as on a single Core). */
  cluster?: unknown;
  host?: string;
}

const NOT_FOUND = '{"code":404,"message":"Not Found","details":["Not Found"]}';
const UNAUTHORIZED = '{"code":401,"message":"Unauthorized","details":["Missing or invalid JWT token"]}';
const BAD_REQUEST_LOGIN = '{"code":400,"message":"Bad Request","details":["Missing authorization credentials"]}';
const INTERNAL = '{"code":500,"message":"Internal Server Error","details":["Internal Server Error"]}';
const HTML = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>\n';
const ZERO_SUMMARY =
  '{"active":{"list":[],"sessions":0,"bandwidth_rx_mbit":0,"bandwidth_tx_mbit":0,"max_sessions":0,"max_bandwidth_rx_mbit":0,"max_bandwidth_tx_mbit":0},"summary":{"remote":{},"local":{},"reference":{},"sessions":0,"traffic_rx_mb":0,"traffic_tx_mb":0}}';

/** Reads a recorded fixture's exact text (trailing newline removed). */
export function fixture(rel: string): string {
  return readFileSync(FIXTURES_DIR + rel, 'utf8').replace(/\n$/, '');
}

/**
 * Splits a JSON object's text into its top-level keys and the exact raw text of each value (number literals kept).
 * Keys are JSON-decoded.
 */
export function splitObject(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = text.indexOf('{') + 1;
  const skipWs = (): void => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const readString = (): string => {
    const start = i;
    i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return text.slice(start, i);
  };
  const readValue = (): string => {
    const start = i;
    if (text[i] === '"') {
      readString();
      return text.slice(start, i);
    }
    if (text[i] === '{' || text[i] === '[') {
      let depth = 0;
      while (i < text.length) {
        const ch = text[i]!;
        if (ch === '"') {
          readString();
          continue;
        }
        if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') depth--;
        i++;
        if (depth === 0) break;
      }
      return text.slice(start, i);
    }
    while (i < text.length && !/[,}\]\s]/.test(text[i]!)) i++;
    return text.slice(start, i);
  };
  for (;;) {
    skipWs();
    if (text[i] === '}' || i >= text.length) break;
    const key = JSON.parse(readString()) as string;
    skipWs();
    i++; // ':'
    skipWs();
    out.set(key, readValue());
    skipWs();
    if (text[i] === ',') i++;
  }
  return out;
}

/**
 * What `/api/v3/session/active` answers at the instant a `/api/v3/session` text was recorded: Core builds both with
 * one function (`collector.Summary()` calls `Active()`, and both render each session with `api.Session.Unmarshal`),
 * so it is each collector's `active.list`, written as Core writes it. The recorded `session-active.json` files were
 * taken a moment later (other byte counts and bitrates); the app polls only the summary.
 */
export function activeOfSummary(summaryText: string): string {
  const parts: string[] = [];
  for (const [name, text] of splitObject(summaryText)) parts.push(`${JSON.stringify(name)}:${splitObject(splitObject(text).get('active')!).get('list')!}`);
  return `{${parts.join(',')}}`;
}

/** A `/api/v3/session` answer whose collectors list these sessions (Core's JSON objects), with no history. */
export function summaryOfLists(lists: Record<string, object[]>): string {
  const parts = Object.entries(lists).map(([name, list]) => {
    const zero = JSON.parse(ZERO_SUMMARY) as { active: { list: object[]; sessions: number } };
    zero.active.list = list;
    zero.active.sessions = list.length;
    return `${JSON.stringify(name)}:${JSON.stringify(zero)}`;
  });
  return `{${parts.join(',')}}`;
}

interface PhaseData {
  summary: Map<string, string>;
  active: Map<string, string>;
}

function loadPhase(p: Phase): PhaseData {
  const dir = p.startsWith('snap') ? `during/${p}` : p;
  const summary = splitObject(fixture(`${dir}/session.json`));
  let active: Map<string, string>;
  try {
    active = splitObject(fixture(`${dir}/session-active.json`));
  } catch {
    // after-restart has no recorded /active: take each collector's active.list from the summary text.
    active = new Map([...summary].map(([k, v]) => [k, splitObject(splitObject(v).get('active')!).get('list')!]));
  }
  return { summary, active };
}

let phaseCache: Map<Phase, PhaseData> | undefined;
function phases(): Map<Phase, PhaseData> {
  phaseCache ??= new Map((['snap-01', 'snap-02', 'snap-03', 'after-close', 'after-restart'] as Phase[]).map((p) => [p, loadPhase(p)]));
  return phaseCache;
}

/** Core's `collectors` handling (spec §4.2): first value, decoded twice, split on ",". */
function collectorNames(url: URL): string[] {
  const first = url.searchParams.get('collectors') ?? '';
  let raw = '';
  if (first !== '') {
    try {
      raw = decodeURIComponent(first.replace(/\+/g, ' '));
    } catch {
      raw = '';
    }
  }
  return raw.split(',');
}

function b64url(s: string | Buffer): string {
  return Buffer.from(s).toString('base64url');
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export class TestCore {
  readonly options: Required<Omit<TestCoreOptions, 'cluster' | 'coreId' | 'coreName' | 'phase' | 'version'>> & Pick<TestCoreOptions, 'cluster' | 'coreId' | 'coreName' | 'version'>;
  #server: Server | undefined;
  #port = 0;
  #sockets = new Set<Socket>();
  #hung = new Set<ServerResponse>();
  #secret = randomBytes(16).toString('hex');
  #expiredJtis = new Set<string>();
  #issuedAccess: string[] = [];
  #fixedPhase: Phase | undefined;
  #step = 0;
  #phase: Phase = 'snap-01';
  #fault: Fault | undefined;
  #bodies: { summary?: string; active?: string } | undefined;
  #inFlight = 0;
  /** Requests received, by `METHOD path` (no query). */
  readonly requests = new Map<string, number>();
  /** Most concurrent requests seen on session endpoints. */
  maxConcurrentSessionRequests = 0;
  #sessionInFlight = 0;
  loginsOk = 0;
  loginsFailed = 0;
  refreshes = 0;

  constructor(options: TestCoreOptions = {}) {
    this.options = {
      username: options.username ?? 'admin',
      password: options.password ?? 'datarhei',
      auth: options.auth ?? true,
      accessLifetimeSec: options.accessLifetimeSec ?? 600,
      refreshLifetimeSec: options.refreshLifetimeSec ?? 86400,
      failedLoginDelayMs: options.failedLoginDelayMs ?? 5000,
      host: options.host ?? '127.0.0.1',
      cluster: options.cluster,
      coreId: options.coreId,
      coreName: options.coreName,
      version: options.version,
    };
    this.#fixedPhase = options.phase;
    if (options.phase) this.#phase = options.phase;
  }

  /** Starts listening (port 0 the first time, the same port after `refuse()`). */
  async start(): Promise<this> {
    if (this.#server) return this;
    const server = createServer((req, res) => void this.#handle(req, res));
    server.keepAliveTimeout = 60_000;
    server.on('connection', (s: Socket) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.options.host, () => resolve());
    });
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `http://${this.options.host}:${this.#port}`;
  }

  /** URL with credentials, as `--core` takes it. */
  get urlWithCredentials(): string {
    return `http://${encodeURIComponent(this.options.username)}:${encodeURIComponent(this.options.password)}@${this.options.host}:${this.#port}`;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** Pins a phase (no more cycling); undefined goes back to the sequence. */
  setPhase(p: Phase | undefined): void {
    this.#fixedPhase = p;
    if (p) this.#phase = p;
  }

  /** The recorded session.json text of a phase, cut to these collectors (as this server would send it). */
  summaryText(p: Phase, names: string[]): string {
    return this.#render(phases().get(p)!.summary, names, ZERO_SUMMARY);
  }

  activeText(p: Phase, names: string[]): string {
    return this.#render(phases().get(p)!.active, names, '[]');
  }

  setFault(fault: Fault | undefined): void {
    this.#fault = fault;
    if (!fault || fault.kind !== 'hang') this.#releaseHung();
  }

  /** Answers the session endpoints with these texts, verbatim (hostile JSON); undefined goes back to the recordings. */
  setSessionBodies(bodies: { summary?: string; active?: string } | undefined): void {
    this.#bodies = bodies;
  }

  get fault(): Fault | undefined {
    return this.#fault;
  }

  /** Makes every access token issued so far count as expired (the client's token "expires between two polls"). */
  expireAccessTokens(): void {
    for (const j of this.#issuedAccess) this.#expiredJtis.add(j);
    this.#issuedAccess = [];
  }

  /** Rejects every token (access and refresh) issued so far: a new signing secret without a restart. */
  revokeAllTokens(): void {
    this.#secret = randomBytes(16).toString('hex');
    this.#expiredJtis.clear();
    this.#issuedAccess = [];
  }

  /** Closes the listener and every connection: new connections are refused until `accept()`. */
  async refuse(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    this.#releaseHung();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await closed;
  }

  /** Listens again on the same port. */
  async accept(): Promise<void> {
    await this.start();
  }

  /** A Core restart without a configured `jwt.secret`: connections drop, a new random secret, history reloaded. */
  async restart(): Promise<void> {
    await this.refuse();
    this.#secret = randomBytes(16).toString('hex');
    this.#expiredJtis.clear();
    this.#issuedAccess = [];
    this.#fixedPhase = 'after-restart';
    this.#phase = 'after-restart';
    await this.accept();
  }

  /** Requests being answered right now (hung ones included). */
  get inFlight(): number {
    return this.#inFlight;
  }

  get openSockets(): number {
    return this.#sockets.size;
  }

  get hungResponses(): number {
    return this.#hung.size;
  }

  async close(): Promise<void> {
    await this.refuse();
  }

  count(key: string): number {
    return this.requests.get(key) ?? 0;
  }

  // ---- JWT ----

  #sign(usefor: 'access' | 'refresh'): string {
    const lifetime = usefor === 'access' ? this.options.accessLifetimeSec : this.options.refreshLifetimeSec;
    const iat = Math.floor(Date.now() / 1000);
    const jti = randomUUID();
    // Claims in Go's map order (sorted), as the recorded tokens.
    const payload = { exi: lifetime, exp: iat + lifetime, iat, iss: 'datarhei-core', jti, sub: this.options.username, usefor };
    const head = b64url('{"alg":"HS256","typ":"JWT"}');
    const body = b64url(JSON.stringify(payload));
    const sig = createHmac('sha256', this.options.username + this.options.password + this.#secret).update(`${head}.${body}`).digest('base64url');
    if (usefor === 'access') this.#issuedAccess.push(jti);
    if (this.#issuedAccess.length > 1000) this.#issuedAccess.splice(0, 500);
    return `${head}.${body}.${sig}`;
  }

  #verify(req: IncomingMessage, usefor: 'access' | 'refresh'): boolean {
    const h = req.headers.authorization ?? '';
    if (!/^bearer /i.test(h)) return false;
    const token = h.slice(7).trim();
    const parts = token.split('.');
    if (parts.length !== 3) return false;
    const sig = createHmac('sha256', this.options.username + this.options.password + this.#secret).update(`${parts[0]}.${parts[1]}`).digest('base64url');
    if (sig !== parts[2]) return false;
    try {
      const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp: number; iat: number; usefor: string; jti: string };
      if (claims.usefor !== usefor) return false;
      if (Date.now() / 1000 >= claims.exp) return false;
      if (this.#expiredJtis.has(claims.jti)) return false;
      return true;
    } catch {
      return false;
    }
  }

  // ---- HTTP ----

  #render(map: Map<string, string>, names: string[], zero: string): string {
    const keys = [...new Set(names)].sort(compareBytes);
    return '{' + keys.map((k) => `${JSON.stringify(k)}:${map.get(k) ?? zero}`).join(',') + '}';
  }

  #send(res: ServerResponse, status: number, body: string, contentType = 'application/json; charset=UTF-8'): void {
    if (res.destroyed) return;
    res.statusCode = status;
    res.setHeader('Content-Type', contentType);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }

  #releaseHung(): void {
    for (const res of this.#hung) res.destroy();
    this.#hung.clear();
  }

  async #drip(res: ServerResponse, body: string, pauseMs: number): Promise<void> {
    const bytes = Buffer.from(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
    res.flushHeaders();
    for (let i = 0; i < bytes.length && !res.destroyed; i++) {
      if (this.#fault?.kind !== 'drip') {
        res.end(bytes.subarray(i));
        return;
      }
      res.write(bytes.subarray(i, i + 1));
      await sleep(pauseMs);
    }
    if (!res.destroyed) res.end();
  }

  /** Applies the current fault; returns true when the request was answered (or swallowed) by it. */
  async #applyFault(res: ServerResponse, isSession: boolean, ok: () => string): Promise<boolean> {
    const f = this.#fault;
    if (!f || (!isSession && f.scope !== 'all')) return false;
    if (f.count !== undefined) {
      if (f.count <= 0) return false;
      f.count--;
    }
    switch (f.kind) {
      case 'hang':
        this.#hung.add(res);
        res.on('close', () => this.#hung.delete(res));
        return true;
      case 'delay':
        await sleep(f.delayMs ?? 5000);
        return false;
      case 'http500':
        this.#send(res, 500, INTERNAL);
        return true;
      case 'truncated': {
        const body = ok();
        this.#send(res, 200, body.slice(0, Math.floor(body.length / 2)));
        return true;
      }
      case 'html':
        this.#send(res, 200, HTML, 'text/html; charset=utf-8');
        return true;
      case 'unauthorized':
        this.#send(res, 401, UNAUTHORIZED);
        return true;
      case 'drip':
        // A valid answer, one byte at a time: every idle timer (headers, body) stays happy, the answer never ends
        // in time. Stops when the client goes away or the fault is cleared (the rest is then sent at once).
        void this.#drip(res, ok(), f.delayMs ?? 3000);
        return true;
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = `${req.method} ${url.pathname}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const isSession = url.pathname === '/api/v3/session' || url.pathname === '/api/v3/session/active';
    if (isSession) {
      this.#sessionInFlight++;
      this.maxConcurrentSessionRequests = Math.max(this.maxConcurrentSessionRequests, this.#sessionInFlight);
      res.on('close', () => this.#sessionInFlight--);
    }
    this.#inFlight++;
    try {
      await this.#route(req, res, url, isSession);
    } finally {
      this.#inFlight--;
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse, url: URL, isSession: boolean): Promise<void> {
    const body = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', () => resolve(''));
    });
    const path = url.pathname;
    const names = isSession ? collectorNames(url) : [];
    const okBody = (): string => {
      if (path === '/api/v3/session') return this.summaryText(this.#phase, names);
      if (path === '/api/v3/session/active') return this.activeText(this.#phase, names);
      return this.#about(true);
    };
    if (await this.#applyFault(res, isSession, okBody)) return;
    const auth = this.options.auth;

    if (path === '/api' && req.method === 'GET') {
      return this.#send(res, 200, this.#about(!auth || this.#verify(req, 'access')));
    }
    if (path === '/api/login' && req.method === 'POST' && auth) {
      let creds: { username?: unknown; password?: unknown } = {};
      try {
        if ((req.headers['content-type'] ?? '').startsWith('application/json')) creds = JSON.parse(body) as typeof creds;
      } catch {
        creds = {};
      }
      const missing = typeof creds.username !== 'string' || typeof creds.password !== 'string' || creds.username === '' || creds.password === '';
      if (!missing && creds.username === this.options.username && creds.password === this.options.password) {
        this.loginsOk++;
        return this.#send(res, 200, JSON.stringify({ access_token: this.#sign('access'), refresh_token: this.#sign('refresh') }));
      }
      this.loginsFailed++;
      await sleep(this.options.failedLoginDelayMs);
      return this.#send(res, missing ? 400 : 401, missing ? BAD_REQUEST_LOGIN : fixture('idle/login-wrong-password.json'));
    }
    if (path === '/api/login/refresh' && req.method === 'GET' && auth) {
      if (!this.#verify(req, 'refresh')) return this.#send(res, 401, UNAUTHORIZED);
      this.refreshes++;
      return this.#send(res, 200, JSON.stringify({ access_token: this.#sign('access') }));
    }
    if (path.startsWith('/api/v3/')) {
      if (auth && !this.#verify(req, 'access')) return this.#send(res, 401, fixture('edge/session_summary_notoken.json'));
      if (req.method !== 'GET') return this.#send(res, 404, NOT_FOUND);
      if (path === '/api/v3/session') {
        if (!this.#fixedPhase) {
          this.#phase = SEQUENCE[Math.min(this.#step, SEQUENCE.length - 1)]!;
          this.#step++;
        }
        return this.#send(res, 200, this.#bodies?.summary ?? this.summaryText(this.#phase, names));
      }
      if (path === '/api/v3/session/active') return this.#send(res, 200, this.#bodies?.active ?? this.activeText(this.#phase, names));
      if (path === '/api/v3/cluster' && this.options.cluster !== undefined) return this.#send(res, 200, JSON.stringify(this.options.cluster));
    }
    return this.#send(res, 404, NOT_FOUND);
  }

  #about(full: boolean): string {
    if (!full) return fixture('idle/about-notoken.json');
    let text = fixture('idle/about-token.json');
    if (this.options.coreId) text = text.replace('"id":"core-peer-v16-14-0"', `"id":${JSON.stringify(this.options.coreId)}`);
    if (this.options.coreName) text = text.replace('"name":"core-peer"', `"name":${JSON.stringify(this.options.coreName)}`);
    if (!this.options.auth) text = text.replace('"auths":["localjwt"]', '"auths":[]');
    if (this.options.version) text = text.replace('"number":"16.14.0"', `"number":${JSON.stringify(this.options.version)}`);
    return text;
  }
}

export async function startTestCore(options?: TestCoreOptions): Promise<TestCore> {
  return new TestCore(options).start();
}
