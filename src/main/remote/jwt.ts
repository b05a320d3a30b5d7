/**
 * Reading a Core JWT's payload without verifying it (the client has no key; spec §4.6 step 3), and the refresh
 * schedule derived from it. Times are measured from when the client *received* the token plus the token's own
 * lifetime (`exi`, else `exp − iat`), so a skewed clock on either side does not matter.
 */
import { decodeJwt } from '../../shared/jwt.ts';

export interface TokenClaims {
  exp?: number;
  iat?: number;
  /** Lifetime in seconds (Core sets it: 600 access, 86400 refresh). */
  exi?: number;
  usefor?: string;
}

export interface HeldToken {
  /** The token itself: never log it. */
  readonly value: string;
  readonly receivedAtMs: number;
  /** Lifetime in ms, or undefined when the payload could not be read (then only a 401 triggers renewal). */
  readonly lifetimeMs: number | undefined;
  /** When to renew it (refresh for access tokens, full login for refresh tokens); Infinity when unknown. */
  readonly renewAtMs: number;
  /** When it stops working by its own claims; Infinity when unknown. */
  readonly expiresAtMs: number;
}

/** The lifetime claims of a Core token (unverified: the client has no key), or undefined when it cannot be read. */
export function decodeJwtPayload(token: string): TokenClaims | undefined {
  const p = decodeJwt(token)?.claims;
  if (!p) return undefined;
  const n = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  return { exp: n(p.exp), iat: n(p.iat), exi: n(p.exi), usefor: typeof p.usefor === 'string' ? p.usefor : undefined };
}

/**
 * Seconds after receipt at which a token of `lifetimeSec` should be renewed: 60 s before its end for normal
 * lifetimes (Core's 600 s access token → after 540 s), or at 80 % of its life for short tokens (≤ 300 s), so a
 * 10 s test token renews after 8 s instead of immediately.
 */
export function renewAfterSec(lifetimeSec: number): number {
  return lifetimeSec > 300 ? lifetimeSec - 60 : lifetimeSec * 0.8;
}

export function holdToken(value: string, receivedAtMs: number): HeldToken {
  const claims = decodeJwtPayload(value);
  let lifetimeSec: number | undefined;
  if (claims?.exi !== undefined && claims.exi > 0) lifetimeSec = claims.exi;
  else if (claims?.exp !== undefined && claims.iat !== undefined && claims.exp > claims.iat) lifetimeSec = claims.exp - claims.iat;
  if (lifetimeSec === undefined) {
    return { value, receivedAtMs, lifetimeMs: undefined, renewAtMs: Infinity, expiresAtMs: Infinity };
  }
  return {
    value,
    receivedAtMs,
    lifetimeMs: lifetimeSec * 1000,
    renewAtMs: receivedAtMs + renewAfterSec(lifetimeSec) * 1000,
    expiresAtMs: receivedAtMs + lifetimeSec * 1000,
  };
}
