import { describe, expect, it } from 'vitest';
import {
  MAX_PACKET_SIZE,
  CTRL,
  decodeAckSeq,
  decodeHandshake,
  decodeHsBlock,
  decodeLossList,
  decodePacket,
  decodeSwappedString,
  encodeAck,
  encodeControl,
  encodeDataHeader,
  encodeHandshake,
  encodeHsBlock,
  encodeLossList,
  encodePeerIp,
  encodeSwappedString,
  EXT,
  HS_TYPE,
  seqAdd,
  seqDiff,
  seqNext,
  type Handshake,
} from '../../../../src/main/servers/srt/packet.ts';

describe('SRT packets', () => {
  it('encodes and decodes a data packet header (solo message, R flag, 26-bit message number)', () => {
    const payload = Buffer.from('payload');
    const wire = Buffer.concat([encodeDataHeader(0x7fffffff, 0x3ffffff, true, 0xfffffffe, 0x12345678), payload]);
    expect(wire.readUInt32BE(0) >>> 31).toBe(0);
    expect(decodePacket(wire)).toEqual({
      control: false,
      seq: 0x7fffffff,
      position: 3,
      inOrder: false,
      encryption: 0,
      retransmitted: true,
      msgNo: 0x3ffffff,
      timestamp: 0xfffffffe,
      destSocketId: 0x12345678,
      payload,
    });
  });

  it('encodes and decodes a control packet', () => {
    const wire = encodeControl(CTRL.ackack, 77, 1000, 42);
    expect(wire.length).toBe(20); // header + 4 bytes of body, as libsrt sends
    expect(wire.readUInt32BE(0)).toBe(0x80060000);
    const p = decodePacket(wire);
    expect(p).toMatchObject({ control: true, type: CTRL.ackack, subtype: 0, info: 77, timestamp: 1000, destSocketId: 42 });
  });

  it('refuses datagrams shorter than a header, or longer than a packet of a 1500-byte MTU', () => {
    expect(decodePacket(Buffer.alloc(15))).toBeNull();
    expect(decodePacket(Buffer.alloc(0))).toBeNull();
    expect(decodePacket(Buffer.alloc(MAX_PACKET_SIZE))).toMatchObject({ control: false, payload: Buffer.alloc(1456) });
    expect(decodePacket(Buffer.alloc(MAX_PACKET_SIZE + 1))).toBeNull();
    expect(decodePacket(Buffer.alloc(60_000))).toBeNull();
  });

  it('round-trips a handshake with extensions; truncated ones decode to null', () => {
    const hs: Handshake = {
      version: 5,
      encryption: 0,
      extension: 5,
      isn: 123456,
      mtu: 1500,
      flowWindow: 8192,
      type: HS_TYPE.conclusion,
      socketId: 0xdeadbeef,
      cookie: 0xcafe,
      peerIp: encodePeerIp('127.0.0.1'),
      extensions: [
        { type: EXT.hsreq, data: encodeHsBlock({ version: 0x010503, flags: 0xbf, rcvLatencyMs: 120, sndLatencyMs: 200 }) },
        { type: EXT.sid, data: encodeSwappedString('test,mode:publish') },
      ],
    };
    const wire = encodeHandshake(hs);
    expect(wire.length).toBe(48 + 4 + 12 + 4 + 20);
    const back = decodeHandshake(wire)!;
    expect(back).toMatchObject({ version: 5, isn: 123456, type: HS_TYPE.conclusion, socketId: 0xdeadbeef, cookie: 0xcafe });
    expect(decodeHsBlock(back.extensions[0]!.data)).toEqual({ version: 0x010503, flags: 0xbf, rcvLatencyMs: 120, sndLatencyMs: 200 });
    expect(decodeSwappedString(back.extensions[1]!.data)).toBe('test,mode:publish');
    expect(decodeHandshake(wire.subarray(0, 47))).toBeNull();
    expect(decodeHandshake(wire.subarray(0, wire.length - 2))).toBeNull(); // extension longer than the packet
    expect(decodeHsBlock(Buffer.alloc(8))).toBeNull();
  });

  it('stores the stream id with the bytes of each 32-bit word reversed, NUL-padded', () => {
    expect(encodeSwappedString('abcdef').toString('latin1')).toBe('dcba\0\0fe');
    expect(decodeSwappedString(Buffer.from('dcba\0\0fe', 'latin1'))).toBe('abcdef');
    expect(decodeSwappedString(Buffer.from('dcb'))).toBe(''); // a partial word is ignored
  });

  it('writes IPv4 peer addresses as libsrt does (first word, bytes reversed)', () => {
    expect([...encodePeerIp('127.0.0.1').subarray(0, 4)]).toEqual([1, 0, 0, 127]);
    expect(encodePeerIp('::1').length).toBe(16);
  });

  it('encodes NAK loss lists with ranges and decodes them', () => {
    const ranges: Array<[number, number]> = [[5, 5], [10, 20], [0x7ffffffe, 0x7fffffff]];
    const wire = encodeLossList(ranges);
    expect(wire.length).toBe(4 * 5);
    expect(wire.readUInt32BE(4)).toBe((0x80000000 | 10) >>> 0);
    expect(decodeLossList(wire)).toEqual(ranges);
    expect(decodeLossList(wire.subarray(0, 8))).toEqual([[5, 5]]); // a range cut in half is dropped
    expect(encodeLossList([[1, 2], [4, 4]], 8).length).toBe(8); // stops at the size limit
  });

  it('encodes a full ACK', () => {
    const wire = encodeAck({ ackSeq: 99, rttUs: 1000, rttVarUs: 500, availableBuffer: 8000, packetsPerSec: 10, linkCapacity: 1000, bytesPerSec: 13000 });
    expect(wire.length).toBe(28);
    expect(decodeAckSeq(wire)).toBe(99);
    expect(decodeAckSeq(Buffer.alloc(2))).toBeNull();
  });

  it('does 31-bit sequence arithmetic across the wrap', () => {
    expect(seqNext(0x7fffffff)).toBe(0);
    expect(seqAdd(0, -1)).toBe(0x7fffffff);
    expect(seqAdd(0x7ffffffe, 3)).toBe(1);
    expect(seqDiff(0x7ffffffe, 1)).toBe(3);
    expect(seqDiff(1, 0x7ffffffe)).toBe(-3);
    expect(seqDiff(5, 5)).toBe(0);
  });
});
