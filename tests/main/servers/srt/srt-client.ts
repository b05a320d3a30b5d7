/** A minimal SRT caller for tests: the HSv5 handshake only, built from the server's own packet codec. */
import { createSocket, type Socket } from 'node:dgram';
import {
  CTRL,
  decodeHandshake,
  decodePacket,
  encodeControl,
  encodeHandshake,
  encodeHsBlock,
  encodePeerIp,
  encodeSwappedString,
  EXT,
  HS_EXT_FLAG,
  HS_TYPE,
  type Handshake,
  type Packet,
} from '../../../../src/main/servers/srt/packet.ts';

export interface TestCaller {
  socket: Socket;
  socketId: number;
  /** Every packet received, in order. */
  received: Packet[];
  next(pred: (p: Packet) => boolean, timeoutMs?: number): Promise<Packet>;
  send(b: Buffer): void;
  close(): void;
}

/** A caller bound to `localAddress` (127.0.0.2 stands for another client) that talks to the server at 127.0.0.1:`port`. */
export async function testCaller(port: number, localAddress = '127.0.0.1'): Promise<TestCaller> {
  const socket = createSocket('udp4');
  const received: Packet[] = [];
  const waiters: Array<{ pred: (p: Packet) => boolean; resolve: (p: Packet) => void }> = [];
  socket.on('message', (m) => {
    const p = decodePacket(m);
    if (!p) return;
    received.push(p);
    for (const w of [...waiters]) {
      if (w.pred(p)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(p);
      }
    }
  });
  await new Promise<void>((r) => socket.bind(0, localAddress, () => r()));
  return {
    socket,
    socketId: 0x1000 + Math.floor(Math.random() * 0xffff),
    received,
    next(pred, timeoutMs = 3000) {
      const seen = received.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no matching packet from the server')), timeoutMs);
        waiters.push({ pred, resolve: (p) => (clearTimeout(t), resolve(p)) });
      });
    },
    send(b) {
      socket.send(b, port, '127.0.0.1');
    },
    close() {
      socket.close();
    },
  };
}

export function induction(socketId: number): Buffer {
  return encodeControl(CTRL.handshake, 0, 0, 0, encodeHandshake({
    version: 4, encryption: 0, extension: 2, isn: 1000, mtu: 1500, flowWindow: 8192, type: HS_TYPE.induction,
    socketId, cookie: 0, peerIp: encodePeerIp('127.0.0.1'), extensions: [],
  }));
}

export interface ConclusionOptions {
  streamId?: string;
  cookie: number;
  encryption?: number;
  version?: number;
  hsreq?: boolean;
  latencyMs?: number;
  extraExtensions?: Handshake['extensions'];
}

export function conclusion(socketId: number, o: ConclusionOptions): Buffer {
  const extensions: Handshake['extensions'] = [];
  if (o.hsreq !== false) {
    extensions.push({ type: EXT.hsreq, data: encodeHsBlock({ version: 0x010503, flags: 0xbf & ~0x40, rcvLatencyMs: o.latencyMs ?? 120, sndLatencyMs: o.latencyMs ?? 120 }) });
  }
  if (o.streamId !== undefined) extensions.push({ type: EXT.sid, data: encodeSwappedString(o.streamId) });
  extensions.push(...(o.extraExtensions ?? []));
  return encodeControl(CTRL.handshake, 0, 0, 0, encodeHandshake({
    version: o.version ?? 5, encryption: o.encryption ?? 0, extension: HS_EXT_FLAG.hsreq | HS_EXT_FLAG.config, isn: 1000, mtu: 1500,
    flowWindow: 8192, type: HS_TYPE.conclusion, socketId, cookie: o.cookie, peerIp: encodePeerIp('127.0.0.1'), extensions,
  }));
}

const isHandshake = (p: Packet): boolean => p.control && p.type === CTRL.handshake;

/** Induction, then a conclusion with the cookie: resolves to the server's answer to the conclusion. */
export async function handshake(c: TestCaller, o: Omit<ConclusionOptions, 'cookie'>): Promise<Handshake> {
  c.send(induction(c.socketId));
  const ind = await c.next((p) => isHandshake(p) && p.control && decodeHandshake(p.cif)?.type === HS_TYPE.induction);
  const cookie = decodeHandshake((ind as { cif: Buffer }).cif)!.cookie;
  c.send(conclusion(c.socketId, { ...o, cookie }));
  const res = await c.next((p) => isHandshake(p) && p.control && decodeHandshake(p.cif)?.type !== HS_TYPE.induction);
  return decodeHandshake((res as { cif: Buffer }).cif)!;
}
