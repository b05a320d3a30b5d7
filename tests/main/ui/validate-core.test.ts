import { describe, expect, it } from 'vitest';
import { parseCoreInput } from '../../../src/main/ui/validate.ts';
import { parseCoreUrl, withDefaultScheme } from '../../../src/main/remote/config.ts';

describe('the add-Core form address', () => {
  it('accepts host:port and a bare host, assuming http://', () => {
    expect(parseCoreInput({ name: 'A', url: '192.168.1.20:8080' }).url).toBe('http://192.168.1.20:8080');
    expect(parseCoreInput({ name: '', url: ' core.example ' })).toEqual({ name: 'core.example', url: 'http://core.example' });
    expect(parseCoreInput({ name: 'A', url: 'https://core.example:8443/' }).url).toBe('https://core.example:8443/');
    expect(withDefaultScheme('localhost:8080')).toBe('http://localhost:8080');
    expect(parseCoreUrl('127.0.0.1:8080')).toEqual({ url: 'http://127.0.0.1:8080' });
  });

  it('says plainly what is wrong', () => {
    expect(() => parseCoreInput({ name: 'A', url: '' })).toThrow(/address is empty: enter host:port/);
    expect(() => parseCoreInput({ name: 'A', url: 'host:notaport' })).toThrow(/"host:notaport" is not an address: enter host:port or http\(s\):\/\/host:port/);
    expect(() => parseCoreInput({ name: 'A', url: 'ftp://host:21' })).toThrow(/must start with http:\/\/ or https:\/\/, not ftp:\/\//);
    expect(() => parseCoreInput({ name: 'A', url: 'admin:pw@host:8080' })).toThrow(/username and password in their fields/);
  });
});
