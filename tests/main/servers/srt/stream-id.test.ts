import { describe, expect, it } from 'vitest';
import { parseStreamId } from '../../../../src/main/servers/srt/stream-id.ts';

describe('SRT stream id (Core srt/url ParseStreamId)', () => {
  it.each([
    ['channel1', { resource: 'channel1', mode: 'request', token: '' }],
    ['channel1,mode:publish', { resource: 'channel1', mode: 'publish', token: '' }],
    ['channel1,mode:publish,token:abc', { resource: 'channel1', mode: 'publish', token: 'abc' }],
    ['channel1,token:abc,mode:publish', { resource: 'channel1', mode: 'publish', token: 'abc' }],
    ['channel1,mode:request', { resource: 'channel1', mode: 'request', token: '' }],
    ['live/a:b,c,token:x:y', { resource: 'live/a:b,c', mode: 'request', token: 'x:y' }],
    ['channel1,mode:', { resource: 'channel1,mode:', mode: 'request', token: '' }],
    ['channel1,mode:play', { resource: 'channel1', mode: 'play', token: '' }],
    ['', { resource: '', mode: 'request', token: '' }],
    ['channel1%2Cmode%3Apublish', { resource: 'channel1', mode: 'publish', token: '' }],
    ['bad%zz,mode:publish', { resource: 'bad%zz', mode: 'publish', token: '' }],
    ['#!:m=publish,r=channel1,token=abc', { resource: 'channel1', mode: 'publish', token: 'abc' }],
    ['#!:r=channel1', { resource: 'channel1', mode: 'request', token: '' }],
    ['#!::r=channel1,m=publish', { resource: 'channel1', mode: 'publish', token: '' }],
    ['#!:r=a=b,x,h=host', { resource: 'a=b', mode: 'request', token: '' }],
  ])('%j', (raw, expected) => {
    expect(parseStreamId(raw)).toEqual(expected);
  });
});
