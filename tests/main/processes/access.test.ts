/**
 * The access rules' parts: the filter-graph parser (FFmpeg's split, escapes and quotes), the restreaming profile an
 * anonymous caller gets, and the holes closed for every caller. Bad input never throws anything but the config error.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkProfileOptions, FULL_FFMPEG } from '../../../src/main/processes/anonymous-profile.ts';
import { resolveCommand, type CallerTrust, type LocalEndpoints } from '../../../src/main/processes/command.ts';
import { parseProcessConfig, ProcessConfigError } from '../../../src/main/processes/config.ts';
import { parseFilterGraph, splitFilterArgs } from '../../../src/main/processes/filter-graph.ts';
import { PROCESS_TEMPLATES } from '../../../src/shared/processes.ts';

const disk = mkdtempSync(join(tmpdir(), 'access-disk-'));
const ep: LocalEndpoints = { memfsUrl: 'http://127.0.0.1:8787/memfs', diskDir: disk, rtmpUrl: 'rtmp://127.0.0.1:1935', rtmpApp: '/', rtmpToken: '', srtHostPort: '127.0.0.1:6000', srtToken: '' };

const names = (graph: string): string[] => parseFilterGraph(graph, 'g').map((f) => f.name);
const lavfi = (graph: string, outputOptions: string[] = ['-f', 'null'], address = '-'): unknown => ({ id: 'p', input: [{ address: graph, options: ['-re', '-f', 'lavfi'] }], output: [{ address, options: outputOptions }] });
const withOutput = (options: string[], address = '{memfs}/a.m3u8'): unknown => ({ id: 'p', input: [{ address: '{rtmp,name=cam}' }], output: [{ address, options }] });
const check = (json: unknown, trust: CallerTrust): void => void resolveCommand(parseProcessConfig(json), ep, trust);

describe('parseFilterGraph', () => {
  it('splits chains and filters as FFmpeg does: labels, instance names, escapes and quotes', () => {
    expect(names('[0:v]scale=640:-2,fps=25[v];[1:a]volume=0.5[a]')).toEqual(['scale', 'fps', 'volume']);
    expect(names("testsrc2=size=1280x720:rate=25, format = yuv420p")).toEqual(['testsrc2', 'format']);
    expect(names('split@one[a][b];[a][b]overlay')).toEqual(['split', 'overlay']);
    // A quoted or escaped `,` is part of the arguments, not a new filter.
    expect(names("select='lt(n,5)',setpts=N/FRAME_RATE/TB")).toEqual(['select', 'setpts']);
    expect(names('select=lt(n\\,5)')).toEqual(['select']);
    // What FFmpeg unescapes is what it looks up: a quoted or escaped name is still that filter.
    expect(names("'mo'vie=x")).toEqual(['movie']);
    expect(names('m\\ovie=x')).toEqual(['movie']);
    // A label hides nothing: an escaped `]` does not end it, so what follows the real `]` is the filter.
    expect(names('[a\\]x]movie=y')).toEqual(['movie']);
  });

  it('splits arguments into keys and positional values with the second level of escaping', () => {
    expect(splitFilterArgs('640:-2:flags=lanczos')).toEqual([{ key: null, value: '640' }, { key: null, value: '-2' }, { key: 'flags', value: 'lanczos' }]);
    expect(splitFilterArgs("textfile=/etc/passwd:text='a\\:b'")).toEqual([{ key: 'textfile', value: '/etc/passwd' }, { key: 'text', value: 'a\\:b' }]);
    expect(splitFilterArgs(' /textfile = /x ')).toEqual([{ key: '/textfile', value: '/x' }]);
    expect(splitFilterArgs("x='a:b':y=1")).toEqual([{ key: 'x', value: 'a:b' }, { key: 'y', value: '1' }]);
  });

  it('refuses what it cannot read the way FFmpeg would', () => {
    expect(() => parseFilterGraph('[a', 'g')).toThrow(ProcessConfigError);
    expect(() => parseFilterGraph('scale=1:2,', 'g')).toThrow(/not a filter name/);
    expect(() => parseFilterGraph('sws_flags=bicubic;scale=1:2', 'g')).toThrow(/sws_flags/);
    expect(() => parseFilterGraph('scale=1:2[a] b', 'g')).toThrow(/cannot be read/);
  });

  it('throws nothing but the config error on arbitrary text', () => {
    const alphabet = "ab=,;[]'\\:@ /\n.-_0";
    let seed = 7;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let k = 0; k < 3000; k++) {
      let text = '';
      for (let j = rand(24); j > 0; j--) text += alphabet[rand(alphabet.length)];
      try {
        parseFilterGraph(text, 'g');
        checkProfileOptions(['-vf', text, text], 'output', '');
      } catch (err) {
        expect(err, JSON.stringify(text)).toBeInstanceOf(ProcessConfigError);
      }
    }
  });
});

describe('resolveCommand on arbitrary options', () => {
  it('throws nothing but the config error, for either caller', () => {
    const words = ['-f', 'lavfi', '-vf', '-c:v', '-b:v', '-map', '-x264-params', 'stats=x', '-hls_segment_filename', '{memfs}/s.ts', 'a/../b', "drawtext=textfile='/x'", '[a', 'scale=1:2', '-', ':', '', '-pass', '0:v?', '-safe', '-/vf', 'x.mp4'];
    let seed = 11;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const list = (): string[] => Array.from({ length: rand(7) }, () => words[rand(words.length)]);
    for (let k = 0; k < 2000; k++) {
      const json = { id: 'p', options: list(), input: [{ address: rand(2) === 0 ? 'testsrc' : '{rtmp,name=cam}', options: list() }], output: [{ address: rand(2) === 0 ? '-' : '{memfs}/a.m3u8', options: list() }] };
      for (const trust of ['owner', 'anonymous'] as const) {
        try {
          check(json, trust);
        } catch (err) {
          expect(err, JSON.stringify(json)).toBeInstanceOf(ProcessConfigError);
        }
      }
    }
  });
});

describe('the restreaming profile (anonymous)', () => {
  it("accepts the Processes view's templates, the README's and the tests' configurations", () => {
    for (const t of PROCESS_TEMPLATES) check(t.config, 'anonymous');
    check(lavfi('testsrc=size=160x120:rate=10'), 'anonymous');
    check(withOutput(['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-f', 'hls', '-hls_time', '1', '-method', 'PUT']), 'anonymous');
    check(withOutput(['-c', 'copy', '-f', 'flv'], 'rtmp://live.example.com/app/KEY'), 'anonymous');
    check({ id: 'p', options: ['-stats_period', '1', '-loglevel', 'level+info'], input: [{ address: '{rtmp,name=cam}', options: ['-rtmp_live', 'live'] }], output: [{ address: '-', options: ['-map', '0:v:0?', '-an', '-f', 'null'] }] }, 'anonymous');
    check(lavfi('testsrc2=size=1280x720:rate=25,format=yuv420p', ['-vf', 'scale=640:-2,fps=25', '-c:v', 'libx264', '-b:v', '2500k', '-maxrate', '3M', '-bufsize', '6M', '-g', '50', '-c:a', 'aac', '-b:a', '128k', '-ar', '48000', '-f', 'flv'], '{rtmp,name=bars}'), 'anonymous');
    check({ id: 'p', options: ['-filter_complex', '[0:v][1:v]overlay=10:10[v]'], input: [{ address: 'smptebars', options: ['-f', 'lavfi'] }, { address: 'color=c=red:s=64x64', options: ['-f', 'lavfi'] }], output: [{ address: '-', options: ['-map', '[v]', '-f', 'null'] }] }, 'anonymous');
  });

  const refused: Array<[string, unknown, RegExp]> = [
    ['drawtext reading a file', lavfi('color=size=400x60', ['-vf', 'drawtext=textfile=/home/u/.ssh/id_rsa', '-f', 'null']), /\(the value of "-vf"\) uses the filter "drawtext", which is not in the restreaming profile/],
    ['ladspa loading a shared object', lavfi('sine', ['-af', 'ladspa=file=/tmp/evil.so', '-f', 'null']), /"ladspa"/],
    ['psnr writing stats', lavfi('testsrc', ['-lavfi', 'split[a][b];[a][b]psnr=stats_file=x.log', '-f', 'null']), /"-lavfi" is not an output option/],
    ['a source in an output filter', withOutput(['-vf', 'testsrc']), /is a source/],
    ['a file source in lavfi', lavfi('movie=/etc/passwd'), /input\[0\]\.address uses the filter "movie"/],
    ['-pass', lavfi('testsrc', ['-pass', '1', '-c:v', 'libx264', '-f', 'null']), /"-pass" is not in the restreaming profile/],
    ['-x264-params', lavfi('testsrc', ['-c:v', 'libx264', '-x264-params', 'stats=x.log', '-f', 'null']), /"-x264-params"/],
    ['a relative segment name', withOutput(['-f', 'hls', '-hls_segment_filename', 'x%d.ts']), /"-hls_segment_filename"/],
    ['a bare file name', withOutput(['out.mp4', '-f', 'flv']), /"out\.mp4" is not an option/],
    ['concat with -safe 0', { id: 'p', input: [{ address: 'http://x/list.txt', options: ['-f', 'concat', '-safe', '0'] }], output: [{ address: '-', options: ['-f', 'null'] }] }, /"concat" is not one of the profile's input formats/],
    ['tee muxer', withOutput(['-f', 'tee'], 'http://x/[f=flv]a'), /"tee" is not one of the profile's output formats/],
    ['an encoder not in the list', withOutput(['-c:v', 'h264_vaapi']), /"h264_vaapi" is not one of the profile's encoders/],
    ['a value that is a path', withOutput(['-preset', '/etc/passwd']), /is not a valid word/],
    ['a missing value', withOutput(['-f']), /"-f" needs a value/],
    ['a stream specifier on a flag', withOutput(['-shortest:v']), /stream specifier/],
    ['FFmpeg 7 value-from-file syntax', withOutput(['-vf', 'scale=/w=/etc/passwd']), /\(the value of "-vf"\): filter "scale" option "\/w" reads its value from a file/],
  ];
  for (const [what, json, message] of refused) {
    it(`refuses ${what}, saying which and how to get full FFmpeg`, () => {
      expect(() => check(json, 'anonymous')).toThrow(message);
      expect(() => check(json, 'anonymous')).toThrow(FULL_FFMPEG.includes('--auth') ? /--auth/ : /never/);
    });
  }
});

describe('the rules of every caller (owner)', () => {
  const refused: Array<[string, unknown, RegExp]> = [
    ['drawtext reading a file outside the disk folder', lavfi('color', ['-vf', 'drawtext=textfile=/home/u/.ssh/id_rsa', '-f', 'null']), /option "textfile" names "\/home\/u\/\.ssh\/id_rsa"/],
    ['drawtext with positional arguments', lavfi('color', ['-vf', 'drawtext=/etc/passwd', '-f', 'null']), /give its options as key=value/],
    ['fontfile', lavfi('color', ['-vf', "drawtext=text=x:fontfile='/etc/shadow'", '-f', 'null']), /"fontfile"/],
    ['ladspa', lavfi('sine', ['-af', 'ladspa=file=/tmp/evil.so', '-f', 'null']), /"ladspa", which loads code/],
    ['lv2', lavfi('sine', ['-af', 'lv2=p=urn:x', '-f', 'null']), /"lv2"/],
    ['a quoted movie', lavfi("'mo'vie=/etc/passwd"), /"movie"/],
    ['psnr stats in the working folder', lavfi('testsrc', ['-lavfi', 'split[a][b];[a][b]psnr=stats_file=x.log', '-f', 'null']), /"stats_file" names "x\.log"/],
    ['psnr stats given positionally', lavfi('testsrc', ['-lavfi', 'split[a][b];[a][b]psnr=x.log', '-f', 'null']), /key=value/],
    ['metadata file', lavfi('testsrc', ['-vf', 'metadata=mode=print:file=/tmp/x', '-f', 'null']), /"file"/],
    ['vidstabdetect result', lavfi('testsrc', ['-vf', 'vidstabdetect=result=t.trf', '-f', 'null']), /"result"/],
    ['curves writing a plot', lavfi('testsrc', ['-vf', 'curves=preset=vintage:plot=/tmp/plot.gp', '-f', 'null']), /"plot"/],
    ['paletteuse writing a debug file', lavfi('testsrc', ['-filter_complex', 'split[a][b];[b]palettegen[p];[a][p]paletteuse=debug_kdtree=k.dot', '-f', 'null']), /"debug_kdtree"/],
    ['-pass', lavfi('testsrc', ['-pass', '1', '-c:v', 'libx264', '-f', 'null']), /"-pass" is not allowed/],
    ['-x264-params stats', lavfi('testsrc', ['-c:v', 'libx264', '-x264-params', 'pass=1:stats=x.log', '-f', 'null']), /sets "stats"/],
    ['-x265-params csv', lavfi('testsrc', ['-c:v', 'libx265', '-x265-params', 'csv=x.csv', '-f', 'null']), /sets "csv"/],
    ['a relative segment name', withOutput(['-f', 'hls', '-hls_segment_filename', 'x%d.ts']), /must be a network URL or a path inside the disk folder/],
    ['a segment name climbing out', withOutput(['-f', 'hls', '-hls_segment_filename', 'a/../../x%d.ts']), /outside the disk folder/],
    ['-hls_key_info_file', withOutput(['-f', 'hls', '-hls_key_info_file', 'key.info']), /must be a network URL/],
    ['-segment_list', withOutput(['-f', 'segment', '-segment_list', 'list.csv'], '{diskfs}/s%d.ts'), /must be a network URL/],
    ['concat with -safe 0', { id: 'p', input: [{ address: 'http://x/list.txt', options: ['-f', 'concat', '-safe', '0'] }], output: [{ address: '-', options: ['-f', 'null'] }] }, /"-safe" is not allowed/],
    ['-protocol_whitelist', { id: 'p', input: [{ address: 'http://x/a.m3u8', options: ['-protocol_whitelist', 'file,http'] }], output: [{ address: '-', options: ['-f', 'null'] }] }, /"-protocol_whitelist" is not allowed/],
    ['-graph_file', { id: 'p', input: [{ address: 'x', options: ['-f', 'lavfi', '-graph_file', 'g.txt'] }], output: [{ address: '-', options: ['-f', 'null'] }] }, /"-graph_file" is not allowed/],
    ["FFmpeg 7's -/option", lavfi('testsrc', ['-/vf', 'g.txt', '-f', 'null']), /"-\/vf" is not allowed/],
    ["FFmpeg 7's encoder stats files", lavfi('testsrc', ['-stats_enc_pre:v', 'enc.log', '-f', 'null']), /"-stats_enc_pre:v" is not allowed/],
  ];
  for (const [what, json, message] of refused) {
    it(`refuses ${what}`, () => {
      expect(() => check(json, 'owner')).toThrow(message);
    });
  }

  it('keeps what an owner restreams with: drawtext with text, files inside the disk folder, options outside the profile', () => {
    check(lavfi('color', ['-vf', "drawtext=text='LIVE':fontsize=30", '-f', 'null']), 'owner');
    check(lavfi('color', ['-vf', `drawtext=textfile=${disk}/title.txt`, '-f', 'null']), 'owner');
    check(withOutput(['-f', 'hls', '-hls_segment_filename', '{memfs}/seg_%04d.ts', '-method', 'PUT']), 'owner');
    check(withOutput(['-c:v', 'h264_vaapi', '-err_detect', 'ignore_err', '-f', 'flv'], 'rtmp://x/app/key'), 'owner');
    check(lavfi('testsrc', ['-c:v', 'libx264', '-x264-params', 'keyint=50:scenecut=0', '-f', 'null']), 'owner');
  });
});
