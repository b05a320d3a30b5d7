import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => import('./electron-fake.ts'));

const { createSafeSecretStore, encryptionUsable } = await import('../../../src/main/shell/secrets.ts');
const { safeStorage } = await import('./electron-fake.ts');

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'secrets-'));
  file = join(dir, 'secrets.json');
  safeStorage.available = true;
  safeStorage.backend = 'gnome_libsecret';
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('safeStorage secret store', () => {
  it('round-trips secrets by key and never writes plaintext', async () => {
    const store = createSafeSecretStore({ safeStorage, filePath: file, platform: 'linux' });
    expect(store.get('core-a')).toBeUndefined();
    store.set('core-a', 'hunter2-ü');
    store.set('api', 'other');
    expect(store.get('core-a')).toBe('hunter2-ü');
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(Buffer.from('hunter2').toString('hex'));
    expect(JSON.parse(text).entries['core-a']).toMatch(/^[A-Za-z0-9+/=]+$/);
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    store.delete('core-a');
    expect(store.get('core-a')).toBeUndefined();
    expect(store.get('api')).toBe('other');
    // a second store over the same file sees the same data
    expect(createSafeSecretStore({ safeStorage, filePath: file }).get('api')).toBe('other');
  });

  it('refuses to store when encryption is unavailable, with a clear error, writing nothing', async () => {
    safeStorage.available = false;
    const store = createSafeSecretStore({ safeStorage, filePath: file, platform: 'darwin' });
    expect(() => store.set('core-a', 'pw')).toThrow(expect.objectContaining({ code: 'encryption-unavailable', message: expect.stringMatching(/keyring/) }));
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it("refuses Linux's basic_text fallback (a hard-coded key is plaintext in disguise)", () => {
    safeStorage.backend = 'basic_text';
    expect(encryptionUsable(safeStorage, 'linux')).toBe(false);
    expect(encryptionUsable(safeStorage, 'darwin')).toBe(true);
    expect(() => createSafeSecretStore({ safeStorage, filePath: file, platform: 'linux' }).set('k', 'v')).toThrow(/cannot be stored/);
  });

  it('an entry that no longer decrypts reads as missing and is reported; a damaged file reads as empty', async () => {
    const seen: string[] = [];
    const store = createSafeSecretStore({ safeStorage, filePath: file, onUnreadable: (k) => seen.push(k) });
    await writeFile(file, JSON.stringify({ version: 1, entries: { x: Buffer.from('garbage').toString('base64') } }));
    expect(store.get('x')).toBeUndefined();
    expect(seen).toEqual(['x']);
    await writeFile(file, '{ not json');
    expect(store.get('x')).toBeUndefined();
    store.set('y', 'v');
    expect(store.get('y')).toBe('v');
  });
});

describe('credential store adapter (remote/config.ts SecretStore)', () => {
  it('keeps whole credentials per core id in the same encrypted file, namespaced', async () => {
    const { credentialStoreOver } = await import('../../../src/main/shell/secrets.ts');
    const base = createSafeSecretStore({ safeStorage, filePath: file });
    const creds = credentialStoreOver(base);
    await creds.set('core-a', { username: 'admin', password: 's3cret' });
    base.set('core-a', 'plain-password');
    expect(await creds.get('core-a')).toEqual({ username: 'admin', password: 's3cret' });
    expect(base.get('core-a')).toBe('plain-password');
    expect(await readFile(file, 'utf8')).not.toContain('s3cret');
    await creds.delete('core-a');
    expect(await creds.get('core-a')).toBeUndefined();
  });
});
