/**
 * Core's local JWT auth (spec §4.4): HS256 tokens signed with username+password+secret, access tokens for 600 s,
 * refresh tokens for 86400 s, `POST /api/login` with a delayed answer on failure, `GET /api/login/refresh`.
 *
 * Security guards: credentials are compared in constant time (over SHA-256 digests, so lengths do not leak);
 * only `alg: HS256` is accepted (no `none`, no algorithm confusion); signatures are compared in constant time;
 * a refresh token is never accepted where an access token is required and vice versa; failed logins answer only
 * after the delay so guessing is slow.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../engine/types.ts';
import { stringifyGo } from '../engine/go-json.ts';
import { sameSecret } from '../http/secret.ts';
import { decodeJwt } from '../../shared/jwt.ts';

export const ACCESS_TTL_SEC = 600;
export const REFRESH_TTL_SEC = 86400;
export const ISSUER = 'datarhei-core';
export const DEFAULT_LOGIN_DELAY_MS = 5000;
/** Largest accepted login body. */
export const LOGIN_BODY_LIMIT = 64 * 1024;

export type TokenUse = 'access' | 'refresh';

export interface JwtClaims {
  exi: number;
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  sub: string;
  usefor: TokenUse;
}

export interface AuthOptions {
  username: string;
  password: string;
  /** Empty or absent: a random 32-character secret per start (every restart invalidates tokens, as in Core). */
  jwtSecret?: string;
  /** Delay before answering a failed login, in ms. Default 5000 (Core). */
  loginDelayMs?: number;
}

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random alphanumeric string (Core's `rand.String(32)` for the default JWT secret). */
export function randomSecret(length = 32): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ALPHANUM[b % 62]; // 248 = 4·62: no modulo bias
    }
  }
  return out;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

const HEADER_B64 = b64url('{"alg":"HS256","typ":"JWT"}');

export class JwtAuth {
  readonly username: string;
  readonly loginDelayMs: number;
  private readonly password: string;
  private readonly key: Buffer;
  private readonly clock: Pick<Clock, 'now'>;

  constructor(options: AuthOptions, clock: Pick<Clock, 'now'>) {
    this.username = options.username;
    this.password = options.password;
    this.loginDelayMs = options.loginDelayMs ?? DEFAULT_LOGIN_DELAY_MS;
    const secret = options.jwtSecret ? options.jwtSecret : randomSecret(32);
    this.key = Buffer.from(this.username + this.password + secret, 'utf8');
    this.clock = clock;
  }

  /** Constant-time check of both fields (both are always compared). */
  checkCredentials(username: string, password: string): boolean {
    const u = sameSecret(username, this.username);
    const p = sameSecret(password, this.password);
    return u && p && this.username !== '' && this.password !== '';
  }

  /** Signs a token; payload keys in the order Go's map encoding gives them (sorted). */
  issue(use: TokenUse): string {
    const iat = Math.floor(this.clock.now() / 1000);
    const exi = use === 'access' ? ACCESS_TTL_SEC : REFRESH_TTL_SEC;
    const claims: JwtClaims = { exi, exp: iat + exi, iat, iss: ISSUER, jti: randomUUID(), sub: this.username, usefor: use };
    const payload = b64url(stringifyGo({ ...claims }));
    const signingInput = HEADER_B64 + '.' + payload;
    return signingInput + '.' + createHmac('sha256', this.key).update(signingInput).digest('base64url');
  }

  /** Returns the claims of a valid, unexpired token of the given use, else null. */
  verify(token: string, use: TokenUse): JwtClaims | null {
    const jwt = decodeJwt(token);
    if (!jwt || jwt.header.alg !== 'HS256') return null;
    const expected = createHmac('sha256', this.key).update(jwt.signingInput).digest();
    const given = Buffer.from(jwt.signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const claims = jwt.claims;
    const now = Math.floor(this.clock.now() / 1000);
    if (typeof claims.exp !== 'number' || now > claims.exp) return null;
    if (typeof claims.nbf === 'number' && now < claims.nbf) return null;
    if (claims.usefor !== use || claims.iss !== ISSUER || claims.sub !== this.username) return null;
    return claims as unknown as JwtClaims;
  }

  /** The access claims of a request's `Authorization: Bearer …` (prefix case-insensitive), else null. */
  authorize(req: IncomingMessage, use: TokenUse = 'access'): JwtClaims | null {
    const token = bearerToken(req);
    return token === null ? null : this.verify(token, use);
  }
}

/** The token of an `Authorization: Bearer <token>` header; the scheme is matched case-insensitively. */
export function bearerToken(req: IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || h.length < 8) return null;
  if (h.slice(0, 7).toLowerCase() !== 'bearer ') return null;
  const token = h.slice(7).trim();
  return token === '' ? null : token;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export type LoginParse = { kind: 'credentials'; username: string; password: string } | { kind: 'missing' };

/**
 * Core's local validator: claims the request only when Content-Type starts with application/json, the body is
 * non-empty JSON with non-empty string `username` and `password`. Anything else is "missing credentials".
 */
export function parseLogin(contentType: string | undefined, body: Buffer): LoginParse {
  if (!contentType || !contentType.toLowerCase().startsWith('application/json')) return { kind: 'missing' };
  if (body.length === 0) return { kind: 'missing' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'missing' };
  }
  if (!isRecord(parsed)) return { kind: 'missing' };
  const { username, password } = parsed;
  if (typeof username !== 'string' || typeof password !== 'string' || username === '' || password === '') {
    return { kind: 'missing' };
  }
  return { kind: 'credentials', username, password };
}
