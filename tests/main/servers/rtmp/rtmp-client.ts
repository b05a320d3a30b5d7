/**
 * A minimal RTMP client for the tests and the bench: simple handshake, connect, createStream, publish or play,
 * raw message sending, status capture. Players read and discard media (counting bytes).
 */
import { connect as netConnect, type Socket } from 'node:net';
import { decodeAmf0, encodeAmf0, type AmfObject, type AmfValue } from '../../../../src/main/servers/rtmp/amf0.ts';
import { ChunkParser, MSG, serializeMessage, type RtmpMessage } from '../../../../src/main/servers/rtmp/chunk.ts';

export interface ClientOptions {
  host: string;
  port: number;
  /** Outgoing chunk size announced after the handshake (default 4096). */
  chunkSize?: number;
  /** Keep only counters, not the media messages (bench players). */
  discardMedia?: boolean;
  /** Source address, e.g. 127.0.0.2 for a second loopback client. */
  localAddress?: string;
}

export class RtmpTestClient {
  readonly socket: Socket;
  readonly statuses: string[] = [];
  readonly media: RtmpMessage[] = [];
  mediaBytes = 0;
  mediaMessages = 0;
  closed = false;
  private parser: ChunkParser;
  private outChunkSize = 128;
  private tid = 1;
  private waiters: Array<{ test: (v: AmfValue[]) => boolean; resolve: (v: AmfValue[]) => void }> = [];
  private readonly opts: ClientOptions;
  private hsDone: Promise<void>;

  private constructor(opts: ClientOptions) {
    this.opts = opts;
    this.socket = netConnect({ host: opts.host, port: opts.port, noDelay: true, localAddress: opts.localAddress });
    this.socket.on('error', () => {});
    this.socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.resolve([]);
    });
    this.parser = new ChunkParser(
      { maxMessageBytes: 16 * 1024 * 1024, maxPartialBytes: 64 * 1024 * 1024, maxChunkStreams: 1000 },
      (m) => this.onMessage(m),
    );
    this.hsDone = this.handshake();
  }

  static async open(opts: ClientOptions): Promise<RtmpTestClient> {
    const c = new RtmpTestClient(opts);
    await c.hsDone;
    const size = opts.chunkSize ?? 4096;
    const p = Buffer.alloc(4);
    p.writeUInt32BE(size);
    c.send(2, MSG.setChunkSize, 0, 0, p);
    c.outChunkSize = size;
    return c;
  }

  private handshake(): Promise<void> {
    return new Promise((resolve, reject) => {
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer): void => {
        buf = Buffer.concat([buf, d]);
        if (buf.length < 1 + 1536 * 2) return;
        this.socket.off('data', onData);
        this.socket.write(buf.subarray(1, 1537)); // C2 = S1
        this.socket.on('data', (x: Buffer) => this.parser.push(x));
        const rest = buf.subarray(1 + 1536 * 2);
        if (rest.length) this.parser.push(rest);
        resolve();
      };
      this.socket.on('data', onData);
      this.socket.once('close', () => reject(new Error('closed during handshake')));
      const c0c1 = Buffer.alloc(1537);
      c0c1[0] = 3;
      this.socket.write(c0c1);
    });
  }

  private pings = new Map<number, () => void>();
  private pingSeq = 1;

  /** Round trip through the server (PingRequest → PingResponse): everything sent before has been processed. */
  sync(timeoutMs = 5000): Promise<void> {
    const n = this.pingSeq++;
    const p = Buffer.alloc(6);
    p.writeUInt16BE(6, 0);
    p.writeUInt32BE(n, 2);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no PingResponse')), timeoutMs);
      this.pings.set(n, () => {
        clearTimeout(t);
        resolve();
      });
      this.send(2, MSG.userControl, 0, 0, p);
    });
  }

  private onMessage(m: RtmpMessage): void {
    if (m.typeId === MSG.userControl && m.payload.length >= 6 && m.payload.readUInt16BE(0) === 7) {
      const n = m.payload.readUInt32BE(2);
      this.pings.get(n)?.();
      this.pings.delete(n);
      return;
    }
    if (m.typeId === MSG.audio || m.typeId === MSG.video) {
      this.mediaMessages++;
      this.mediaBytes += m.payload.length;
      if (!this.opts.discardMedia) this.media.push(m);
      return;
    }
    if (m.typeId === MSG.dataAmf0) {
      if (!this.opts.discardMedia) this.media.push(m);
      return;
    }
    if (m.typeId !== MSG.commandAmf0) return;
    const v = decodeAmf0(m.payload);
    if (v[0] === 'onStatus') {
      const info = v[3] as AmfObject | undefined;
      if (info && typeof info['code'] === 'string') this.statuses.push(info['code']);
    }
    const i = this.waiters.findIndex((w) => w.test(v));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(v);
  }

  send(csid: number, typeId: number, streamId: number, timestamp: number, payload: Buffer): void {
    if (this.closed) return;
    this.socket.write(serializeMessage({ csid, typeId, streamId, timestamp, payload }, this.outChunkSize));
  }

  command(streamId: number, ...values: AmfValue[]): void {
    this.send(3, MSG.commandAmf0, streamId, 0, encodeAmf0(...values));
  }

  /** Resolves with the first command matching `test` (an empty list when the connection closes first). */
  waitFor(test: (v: AmfValue[]) => boolean, timeoutMs = 5000): Promise<AmfValue[]> {
    return new Promise((resolve, reject) => {
      if (this.closed) return resolve([]);
      const t = setTimeout(() => reject(new Error('timeout waiting for an RTMP command')), timeoutMs);
      this.waiters.push({
        test,
        resolve: (v) => {
          clearTimeout(t);
          resolve(v);
        },
      });
    });
  }

  private async call(name: string, obj: AmfValue, ...args: AmfValue[]): Promise<AmfValue[]> {
    const tid = this.tid++;
    const p = this.waitFor((v) => (v[0] === '_result' || v[0] === '_error') && v[1] === tid);
    this.command(0, name, tid, obj, ...args);
    return p;
  }

  async connect(app: string): Promise<AmfValue[]> {
    return this.call('connect', { app, tcUrl: `rtmp://${this.opts.host}:${this.opts.port}/${app}`, flashVer: 'FMLE/3.0' });
  }

  /** connect + createStream + publish; resolves with the status code of the publish. */
  async publish(app: string, name: string): Promise<string> {
    await this.connect(app);
    await this.call('createStream', null);
    const p = this.waitFor((v) => v[0] === 'onStatus');
    this.command(1, 'publish', 0, null, name, 'live');
    const v = await p;
    return ((v[3] as AmfObject | undefined)?.['code'] as string) ?? 'closed';
  }

  /** connect + createStream + play; resolves with the first status code of the play. */
  async play(app: string, name: string): Promise<string> {
    await this.connect(app);
    await this.call('createStream', null);
    const p = this.waitFor((v) => v[0] === 'onStatus');
    this.command(1, 'play', 0, null, name, -2);
    const v = await p;
    return ((v[3] as AmfObject | undefined)?.['code'] as string) ?? 'closed';
  }

  /** Stops parsing: from now on incoming bytes are only counted in `rawBytes` (cheap bench players). */
  countOnly(): void {
    this.socket.removeAllListeners('data');
    this.socket.on('data', (d: Buffer) => (this.rawBytes += d.length));
  }
  rawBytes = 0;

  close(): void {
    this.socket.destroy();
  }
}

/** One tag of an FLV file. */
export interface FlvTag {
  type: number;
  timestamp: number;
  data: Buffer;
}

/** Splits an FLV file into its tags. */
export function readFlvTags(file: Buffer): FlvTag[] {
  if (file.toString('latin1', 0, 3) !== 'FLV') throw new Error('not an FLV file');
  let pos = file.readUInt32BE(5) + 4;
  const tags: FlvTag[] = [];
  while (pos + 11 <= file.length) {
    const type = file[pos]! & 0x1f;
    const size = file.readUIntBE(pos + 1, 3);
    const ts = file.readUIntBE(pos + 4, 3) | (file[pos + 7]! << 24);
    if (pos + 11 + size > file.length) break;
    tags.push({ type, timestamp: ts >>> 0, data: file.subarray(pos + 11, pos + 11 + size) });
    pos += 11 + size + 4;
  }
  return tags;
}
