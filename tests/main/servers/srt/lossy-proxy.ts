/**
 * A UDP relay for tests that drops a share of the datagrams in both directions (never handshakes, so setup stays
 * deterministic): puts the server's NAK handling and retransmissions to work against real libsrt peers.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface LossyProxy {
  port: number;
  dropped: number;
  forwarded: number;
  /** SRT data packets (and their datagram bytes: SRT header + payload) delivered towards the server / the clients. */
  upData: { packets: number; bytes: number };
  downData: { packets: number; bytes: number };
  close(): Promise<void>;
}

/** Deterministic pseudo-random drops (LCG), so a failing run can be reproduced. */
export async function lossyProxy(targetPort: number, dropRatio: number, seed = 1): Promise<LossyProxy> {
  let state = seed >>> 0;
  const rnd = (): number => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 0x100000000);
  const front = createSocket('udp4');
  const upstreams = new Map<string, Socket>();
  const stats = { dropped: 0, forwarded: 0 };
  const upData = { packets: 0, bytes: 0 };
  const downData = { packets: 0, bytes: 0 };
  const isData = (b: Buffer): boolean => b.length >= 16 && (b[0]! & 0x80) === 0;
  const isHandshake = (b: Buffer): boolean => b.length >= 4 && (b.readUInt32BE(0) & 0xffff0000) >>> 0 === 0x80000000;
  const lose = (b: Buffer): boolean => {
    if (isHandshake(b) || rnd() >= dropRatio) return false;
    stats.dropped++;
    return true;
  };
  front.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let up = upstreams.get(key);
    if (!up) {
      const s = createSocket('udp4');
      s.on('message', (back: Buffer) => {
        if (lose(back)) return;
        stats.forwarded++;
        if (isData(back)) {
          downData.packets++;
          downData.bytes += back.length;
        }
        front.send(back, rinfo.port, rinfo.address);
      });
      s.bind(0, '127.0.0.1');
      upstreams.set(key, s);
      up = s;
    }
    if (lose(msg)) return;
    stats.forwarded++;
    if (isData(msg)) {
      upData.packets++;
      upData.bytes += msg.length;
    }
    up.send(msg, targetPort, '127.0.0.1');
  });
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', () => r()));
  return {
    port: front.address().port,
    get dropped() {
      return stats.dropped;
    },
    get forwarded() {
      return stats.forwarded;
    },
    upData,
    downData,
    async close() {
      for (const s of upstreams.values()) s.close();
      await new Promise<void>((r) => front.close(() => r()));
    },
  };
}
