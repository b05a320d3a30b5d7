/**
 * The one JWT reader (no verification here): the three parts of a compact token, its header and claims decoded from
 * base64url JSON. Used by the local API's verifier (which checks the signature itself), the remote Core client
 * (which reads the lifetime of the tokens a Core gives it) and the dashboard (which reads its token's expiry).
 * Runs in Node and in the browser alike (atob, TextDecoder).
 */

/** A decoded compact JWT: header and claims as JSON objects, and the raw parts for signature checks. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** `header.payload` as sent: what the signature signs. */
  signingInput: string;
  /** The signature part, base64url. */
  signature: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One base64url part as JSON (UTF-8), or undefined when it is not. */
function decodePart(part: string): unknown {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) return undefined;
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (part.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
}

/** The token's header and claims, or undefined when it is not three parts of base64url JSON objects. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, signature] = parts as [string, string, string];
  try {
    const header = decodePart(h);
    const claims = decodePart(p);
    if (!isRecord(header) || !isRecord(claims)) return undefined;
    return { header, claims, signingInput: `${h}.${p}`, signature };
  } catch {
    return undefined;
  }
}
