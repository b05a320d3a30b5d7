import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildArgs, resolveCommand, resolvePlaceholders, type LocalEndpoints } from '../../../src/main/processes/command.ts';
import { parseProcessConfig } from '../../../src/main/processes/config.ts';
import { redactSecrets } from '../../../src/main/processes/runner.ts';

const disk = mkdtempSync(join(tmpdir(), 'processes-disk-'));
writeFileSync(join(disk, 'in.mp4'), 'x');
const ep: LocalEndpoints = {
  memfsUrl: 'http://127.0.0.1:8787/memfs',
  diskDir: disk,
  rtmpUrl: 'rtmp://127.0.0.1:1935',
  rtmpApp: '/',
  rtmpToken: '',
  srtHostPort: '127.0.0.1:6000',
  srtToken: 'secret',
};
const who = { id: 'p1', reference: 'cam' };

describe('placeholders', () => {
  it("resolve to the local core's own servers", () => {
    expect(resolvePlaceholders('{memfs}/{reference}.m3u8', ep, who)).toBe('http://127.0.0.1:8787/memfs/cam.m3u8');
    expect(resolvePlaceholders('{rtmp,name=cam}', ep, who)).toBe('rtmp://127.0.0.1:1935/live/cam');
    expect(resolvePlaceholders('{rtmp,name=live/cam.stream}', { ...ep, rtmpToken: 't k' }, who)).toBe('rtmp://127.0.0.1:1935/live/cam.stream?token=t%20k');
    expect(resolvePlaceholders('{rtmp,name=cam}', { ...ep, rtmpApp: '/app' }, who)).toBe('rtmp://127.0.0.1:1935/app/cam');
    expect(resolvePlaceholders('{srt,name=cam,mode=publish}', ep, who)).toBe('srt://127.0.0.1:6000?mode=caller&transtype=live&streamid=cam,mode:publish,token:secret');
    expect(resolvePlaceholders('{diskfs}/a.mp4 {processid}', ep, who)).toBe(`${disk}/a.mp4 p1`);
  });

  it('refuse unknown names and servers that are off', () => {
    expect(() => resolvePlaceholders('{memfz}', ep, who)).toThrow(/unknown placeholder \{memfz\}/);
    expect(() => resolvePlaceholders('{rtmp,name=cam}', { ...ep, rtmpUrl: null }, who)).toThrow(/RTMP server/);
    expect(() => resolvePlaceholders('{diskfs}', { ...ep, diskDir: null }, who)).toThrow(/--disk-dir/);
  });
});

describe('resolveCommand and buildArgs', () => {
  it('builds global options, inputs with -i and outputs in order', () => {
    const config = parseProcessConfig({
      id: 'p1',
      reference: 'cam',
      options: ['-err_detect', 'ignore_err'],
      input: [{ id: 'a', address: '{diskfs}/in.mp4', options: ['-re'] }],
      output: [{ id: 'b', address: '{memfs}/cam.m3u8', options: ['-f', 'hls'] }, { id: 'c', address: '{diskfs}/out.mp4', options: [] }],
    });
    const args = buildArgs(resolveCommand(config, ep, 'owner'), ['-progress', 'pipe:1']);
    expect(args.slice(args.indexOf('pipe:1') + 1)).toEqual(['-err_detect', 'ignore_err', '-re', '-i', `${disk}/in.mp4`, '-f', 'hls', 'http://127.0.0.1:8787/memfs/cam.m3u8', `${disk}/out.mp4`]);
  });

  it('refuses a path that climbs out of the disk folder', () => {
    const config = parseProcessConfig({ id: 'p', input: [{ address: '{rtmp,name=cam}' }], output: [{ address: '{diskfs}/../escape.mp4' }] });
    expect(() => resolveCommand(config, ep, 'owner')).toThrow(/writes outside memfs and the disk folder/);
  });
});

describe('redactSecrets', () => {
  it('hides URL credentials and tokens in commands and log lines', () => {
    expect(redactSecrets("Output #0, hls, to 'http://admin:s3cret@127.0.0.1:41000/memfs/cam.m3u8':")).toBe("Output #0, hls, to 'http://***@127.0.0.1:41000/memfs/cam.m3u8':");
    expect(redactSecrets('rtmp://127.0.0.1:1935/live/cam?token=abc&x=1')).toBe('rtmp://127.0.0.1:1935/live/cam?token=***&x=1');
    expect(redactSecrets('srt://h:1?streamid=cam,mode:request,token:xyz')).toBe('srt://h:1?streamid=cam,mode:request,token:***');
  });
});
