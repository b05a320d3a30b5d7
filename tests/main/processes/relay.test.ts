import { createServer, connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openRelay, relayedName, relayTarget, rewriteToRelay, withoutRelayPorts } from '../../../src/main/processes/relay.ts';
import { waitFor } from '../../support/wait.ts';

describe('counting relay', () => {
  it('carries bytes both ways on loopback, counts them, and knows its own sockets', async () => {
    const peers: string[] = [];
    const echo = createServer((s) => {
      peers.push(`${s.remoteAddress}:${s.remotePort}`);
      s.on('data', (d: Buffer) => s.write(Buffer.concat([d, d])));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const relay = await openRelay('127.0.0.1', (echo.address() as AddressInfo).port);
    const client = connect(relay.port, '127.0.0.1');
    let got = 0;
    client.on('data', (d: Buffer) => (got += d.length));
    client.write(Buffer.alloc(10_000, 1));
    await waitFor(() => got === 20_000, 'the echo');
    expect(relay.counts).toEqual({ upBytes: 10_000, downBytes: 20_000 });
    expect([...relay.localPeers]).toEqual(peers);
    expect(relay.remoteIp).toBe('127.0.0.1');
    client.destroy();
    relay.close();
    echo.close();
  });

  it('rewrites rtmp and http addresses and leaves others alone', () => {
    expect(relayTarget('rtmp://a.example:1936/live/x?token=1')).toEqual({ scheme: 'rtmp', userinfo: '', host: 'a.example', port: 1936, rest: '/live/x?token=1' });
    expect(relayTarget('http://u:p@[::1]/memfs/a.m3u8')).toEqual({ scheme: 'http', userinfo: 'u:p', host: '::1', port: 80, rest: '/memfs/a.m3u8' });
    expect(rewriteToRelay('rtmp://a.example/live/x', 4000)).toBe('rtmp://127.0.0.1:4000/live/x');
    expect(relayTarget('srt://a.example:6000?mode=caller&streamid=x')).toMatchObject({ scheme: 'srt', host: 'a.example', port: 6000 });
    expect(relayTarget('srt://0.0.0.0:6000?mode=listener')).toBeNull();
    expect(relayTarget('srt://a.example?streamid=x')).toBeNull(); // SRT has no default port
    expect(relayTarget('https://a.example/x.m3u8')).toBeNull();
    expect(relayTarget('/var/file.mp4')).toBeNull();
  });
});

describe('counting relay errors', () => {
  it('says why the real host cannot be reached (FFmpeg itself only sees a closed connection)', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    closed.close();
    const errors: string[] = [];
    const relay = await openRelay('127.0.0.1', deadPort, (m) => errors.push(m));
    const client = connect(relay.port, '127.0.0.1');
    client.on('error', () => undefined);
    await waitFor(() => errors.length > 0, 'the error');
    expect(errors[0]).toBe(`cannot reach 127.0.0.1:${deadPort}: ECONNREFUSED`);
    relay.close();
  });
});

describe("FFmpeg's lines without the relays' ports (issue 16, procview)", () => {
  const cam = relayedName('rtmp://127.0.0.1:1935/live/cam?token=s3cret', '{rtmp,name=cam}', 45333)!;
  const hls = relayedName('http://u:p@127.0.0.1:8080/memfs/cam.m3u8', '{memfs}/cam.m3u8', 4533)!;

  it('names a relayed address as configured, or as resolved for the command', () => {
    expect(withoutRelayPorts('[error] rtmp://127.0.0.1:45333/live/cam?token=s3cret: Operation not permitted', [cam, hls], 'configured')).toBe('[error] {rtmp,name=cam}: Operation not permitted');
    expect(withoutRelayPorts('rtmp://127.0.0.1:45333/live/cam?token=s3cret', [cam, hls], 'resolved')).toBe('rtmp://127.0.0.1:1935/live/cam?token=s3cret');
  });

  it("names any other mention of a relay's port by the real host:port, port by port", () => {
    expect(withoutRelayPorts("Opening 'http://u:p@127.0.0.1:4533/memfs/cam3.ts' for writing", [cam, hls], 'configured')).toBe("Opening 'http://u:p@127.0.0.1:8080/memfs/cam3.ts' for writing");
    expect(withoutRelayPorts('Connection to tcp://127.0.0.1:45333 failed', [hls, cam], 'configured')).toBe('Connection to tcp://127.0.0.1:1935 failed');
    expect(withoutRelayPorts('nothing relayed here: 127.0.0.1:9', [cam, hls], 'configured')).toBe('nothing relayed here: 127.0.0.1:9');
    expect(relayedName('file:/x.mp4', 'file:/x.mp4', 1)).toBeNull();
  });
});
