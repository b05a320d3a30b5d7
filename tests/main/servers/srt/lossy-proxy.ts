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

/** One LCG stream of [0, 1) numbers from a seed. */
function lcg(seed: number): () => number {
  let state = Math.imul(seed >>> 0 || 1, 0x9e3779b1) >>> 0;
  return () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 0x100000000;
}

/**
 * Deterministic pseudo-random drops, so a failing run can be reproduced: each flow (peers in the order they first
 * send), direction and kind (data or control) draws from its own LCG, so the n-th data packet of a flow is dropped or
 * not whatever the other flows and the timing do.
 */
export async function lossyProxy(targetPort: number, dropRatio: number, seed = 1): Promise<LossyProxy> {
  const front = createSocket('udp4');
  const upstreams = new Map<string, { socket: Socket; loseUp: (b: Buffer) => boolean }>();
  const stats = { dropped: 0, forwarded: 0 };
  const upData = { packets: 0, bytes: 0 };
  const downData = { packets: 0, bytes: 0 };
  const isData = (b: Buffer): boolean => b.length >= 16 && (b[0]! & 0x80) === 0;
  const isHandshake = (b: Buffer): boolean => b.length >= 4 && (b.readUInt32BE(0) & 0xffff0000) >>> 0 === 0x80000000;
  /** The drop decision of one flow and direction: data and control packets draw from separate streams. */
  const dropper = (stream: number): ((b: Buffer) => boolean) => {
    const data = lcg(seed * 64 + stream * 2);
    const control = lcg(seed * 64 + stream * 2 + 1);
    return (b) => {
      if (isHandshake(b) || (isData(b) ? data() : control()) >= dropRatio) return false;
      stats.dropped++;
      return true;
    };
  };
  front.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    let flow = upstreams.get(key);
    if (!flow) {
      const index = upstreams.size;
      const loseDown = dropper(index * 2 + 1);
      const socket = createSocket('udp4');
      socket.on('message', (back: Buffer) => {
        if (loseDown(back)) return;
        stats.forwarded++;
        if (isData(back)) {
          downData.packets++;
          downData.bytes += back.length;
        }
        front.send(back, rinfo.port, rinfo.address);
      });
      socket.bind(0, '127.0.0.1');
      flow = { socket, loseUp: dropper(index * 2) };
      upstreams.set(key, flow);
    }
    if (flow.loseUp(msg)) return;
    stats.forwarded++;
    if (isData(msg)) {
      upData.packets++;
      upData.bytes += msg.length;
    }
    flow.socket.send(msg, targetPort, '127.0.0.1');
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
      for (const f of upstreams.values()) f.socket.close();
      await new Promise<void>((r) => front.close(() => r()));
    },
  };
}
