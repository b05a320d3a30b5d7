/** Shared pieces of the RTMP server tests: a server factory and ffmpeg arguments. */
import { memoryLogger } from '../../../../src/main/log.ts';
import { createRtmpServer, type RtmpServer, type RtmpServerOptions } from '../../../../src/main/servers/rtmp/server.ts';
import { FakeCollector } from '../../../support/fake-collector.ts';

export interface TestServer {
  server: RtmpServer;
  port: number;
  lines: string[];
}

export async function startServer(opts: Partial<RtmpServerOptions> = {}): Promise<TestServer> {
  const log = memoryLogger();
  const server = createRtmpServer({ collector: new FakeCollector('rtmp'), log, ...opts });
  const { port } = await server.listen('127.0.0.1', 0);
  return { server, port, lines: log.lines };
}

/** `ffmpeg` publishing a 25 fps test pattern + sine (H.264 + AAC) in real time. */
export function ffmpegPublishArgs(url: string, extra: string[] = []): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
    '-f', 'lavfi', '-i', 'sine=frequency=440',
    '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-c:a', 'aac', ...extra,
    '-f', 'flv', url,
  ];
}
