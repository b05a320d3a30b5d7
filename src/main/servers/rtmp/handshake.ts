/**
 * The RTMP "simple" handshake (RTMP 1.0 §5.2): C0 (version 3) + C1 (1536 bytes) in, S0 + S1 + S2 out, C2 in.
 * S1 carries zeros in bytes 4..7 (the "version" field of the digest handshake), which tells ffmpeg, OBS (librtmp)
 * and Flash-era clients that the server does not do the digest ("complex") handshake, so they skip its checks.
 */
import { randomBytes } from 'node:crypto';

export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;
/** C0 + C1. */
export const C0C1_SIZE = 1 + HANDSHAKE_SIZE;

/** S0 + S1 + S2 for the received C1 (S2 echoes C1, as the simple handshake requires). */
export function serverHandshake(c1: Buffer, uptimeMs: number): Buffer {
  if (c1.length !== HANDSHAKE_SIZE) throw new RangeError('C1 must be 1536 bytes');
  const out = Buffer.allocUnsafe(1 + 2 * HANDSHAKE_SIZE);
  out[0] = RTMP_VERSION;
  out.writeUInt32BE(uptimeMs >>> 0, 1); // S1 time
  out.writeUInt32BE(0, 5); // S1 zero: simple handshake
  randomBytes(HANDSHAKE_SIZE - 8).copy(out, 9);
  c1.copy(out, 1 + HANDSHAKE_SIZE); // S2 = C1 (time, time2, random echo)
  return out;
}
