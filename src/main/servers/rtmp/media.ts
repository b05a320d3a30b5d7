/**
 * What the server needs to know about FLV audio/video tag bodies (the payload of RTMP audio/video messages):
 * sequence headers (cached and replayed to every joining player) and keyframes (where a player may start).
 * Handles the legacy FLV headers and Enhanced RTMP's extended video/audio headers (HEVC, AV1, Opus, ...).
 */

/** FLV video frame type 1: a keyframe (legacy and enhanced headers put it in the same bits). */
export function isVideoKeyframe(p: Buffer): boolean {
  return p.length > 0 && ((p[0]! >> 4) & 0x07) === 1 && !isVideoSequenceHeader(p);
}

/** AVC/HEVC/AV1 decoder configuration (legacy codec 7/12/13 with packet type 0) or an enhanced SequenceStart. */
export function isVideoSequenceHeader(p: Buffer): boolean {
  if (p.length < 2) return false;
  const b0 = p[0]!;
  if (b0 & 0x80) return (b0 & 0x0f) === 0; // Enhanced RTMP: PacketTypeSequenceStart
  const codec = b0 & 0x0f;
  return (codec === 7 || codec === 12 || codec === 13) && p[1] === 0;
}

/** AAC AudioSpecificConfig (sound format 10, packet type 0) or an enhanced-audio SequenceStart (format 9). */
export function isAudioSequenceHeader(p: Buffer): boolean {
  if (p.length < 2) return false;
  const format = p[0]! >> 4;
  if (format === 10) return p[1] === 0;
  if (format === 9) return (p[0]! & 0x0f) === 0;
  return false;
}
