import { describe, expect, it } from 'vitest';
import { splitToken, streamAddress, streamReference, tokenMatches } from '../../../../src/main/servers/rtmp/url.ts';
import { joinHostPort } from '../../../../src/main/http/net-util.ts';
import { normalizeIp } from '../../../../src/main/http/net-util.ts';

describe('RTMP stream addressing', () => {
  it('joins app and name like Core (empty segments dropped, queries merged)', () => {
    const a = streamAddress('live', 'channel1.stream');
    expect(a.path).toBe('/live/channel1.stream');
    const b = streamAddress('live?token=abc', 'x');
    expect(b.path).toBe('/live/x');
    expect(b.query.get('token')).toBe('abc');
    expect(streamAddress('/live/', '/a//b?token=t&x=1').path).toBe('/live/a/b');
    expect(streamAddress('', 'test').path).toBe('/test');
    expect(streamAddress('live', 'a%20b').path).toBe('/live/a b');
  });

  it('spec §6.42: publisher on /live/channel1.stream with app / gives reference /live/channel1', () => {
    expect(streamReference('/live/channel1.stream', '/')).toBe('/live/channel1');
    expect(streamReference('/live/channel1.stream', '/live')).toBe('channel1');
    expect(streamReference('/live/test', '/')).toBe('/live/test');
    expect(streamReference('/live.d/test', '/')).toBe('/live.d/test');
  });

  it('takes the token from ?token= first, else from the last path element', () => {
    expect(splitToken(streamAddress('live', 'test?token=s3cret'))).toEqual({ path: '/live/test', token: 's3cret', inPath: false });
    expect(splitToken(streamAddress('live', 'test/s3cret'))).toEqual({ path: '/live/test', token: 's3cret', inPath: true });
    expect(splitToken(streamAddress('', 'test'))).toEqual({ path: '/test', token: '', inPath: false });
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abd')).toBe(false);
    expect(tokenMatches('abc', '')).toBe(false);
  });

  it('formats remotes as ip:port, [v6]:port, and unmaps v4-mapped IPv6', () => {
    expect(normalizeIp('::ffff:198.51.100.23')).toBe('198.51.100.23');
    expect(normalizeIp('2001:db8::1')).toBe('2001:db8::1');
    expect(joinHostPort('198.51.100.23', 50412)).toBe('198.51.100.23:50412');
    expect(joinHostPort('2001:db8::1', 53422)).toBe('[2001:db8::1]:53422');
  });
});
