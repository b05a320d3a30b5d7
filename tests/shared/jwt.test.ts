import { describe, expect, it } from 'vitest';
import { decodeJwt } from '../../src/shared/jwt.ts';

const part = (v: unknown): string => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');

describe('decodeJwt (the one JWT reader of main and the page)', () => {
  it('decodes header and claims, UTF-8 included, and keeps the signed input and signature apart', () => {
    const token = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'ädmin', exp: 1_800_000_000 })}.c2ln`;
    const jwt = decodeJwt(token);
    expect(jwt).toEqual({
      header: { alg: 'HS256', typ: 'JWT' },
      claims: { sub: 'ädmin', exp: 1_800_000_000 },
      signingInput: token.slice(0, token.lastIndexOf('.')),
      signature: 'c2ln',
    });
  });

  it('is undefined for anything that is not three base64url parts of JSON objects', () => {
    const h = part({ alg: 'HS256' });
    for (const bad of ['', 'a.b', `${h}.${part([1, 2])}.s`, `${h}.${part('text')}.s`, `${h}.not+base64url.s`, `${h}.${Buffer.from([0xff, 0xfe]).toString('base64url')}.s`, `${h}.${part({})}.s.x`]) {
      expect(decodeJwt(bad), bad).toBeUndefined();
    }
  });
});
