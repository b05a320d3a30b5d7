import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SafeStorage } from 'electron';
import { writeFileAtomicSync } from '../atomic-file.ts';
import type { Credentials } from '../remote/client.ts';
import type { SecretStore as RemoteSecretStore } from '../remote/config.ts';

/** Secret strings by key, synchronously (the encrypted file below; `credentialStoreOver` gives the app's store). */
export interface StringSecretStore {
  get(key: string): string | undefined;
  set(key: string, secret: string): void;
  delete(key: string): void;
}

/**
 * The app's secrets: remote Cores' credentials (by core id) and the local API's, encrypted with Electron's safeStorage (Keychain on macOS, DPAPI on Windows, the Secret Service or
 * KWallet on Linux) and kept as base64 ciphertext in one JSON file in userData, mode 0600.
 *
 * Security guard: it refuses to store a secret when encryption is unavailable, and on Linux also when safeStorage
 * fell back to its `basic_text` backend (a hard-coded key, i.e. obfuscated plaintext). `set` then throws a
 * `SecretStoreError` with code `encryption-unavailable`, which the UI shows ("install a keyring, or use headless
 * mode with an owner-only file"). Nothing is ever written in plaintext.
 */
export class SecretStoreError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'SecretStoreError';
    this.code = code;
  }
}

interface SecretFile {
  version: 1;
  /** key → base64 of safeStorage.encryptString(secret) */
  entries: Record<string, string>;
}

export type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & {
  getSelectedStorageBackend?: SafeStorage['getSelectedStorageBackend'];
};

export interface SafeSecretStoreOptions {
  safeStorage: SafeStorageLike;
  /** e.g. join(app.getPath('userData'), 'secrets.json') */
  filePath: string;
  platform?: NodeJS.Platform;
  /** Told about an entry that no longer decrypts (keyring reset, file copied from another machine). */
  onUnreadable?: (key: string, error: unknown) => void;
}

/** True when safeStorage really encrypts (not unavailable, not Linux's hard-coded-key fallback). */
export function encryptionUsable(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  if (platform === 'linux' && typeof safeStorage.getSelectedStorageBackend === 'function') {
    const backend = safeStorage.getSelectedStorageBackend();
    if (backend === 'basic_text' || backend === 'unknown') return false;
  }
  return true;
}

function readSecretFile(path: string): SecretFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
    throw err;
  }
  let parsed: Partial<SecretFile>;
  try {
    parsed = JSON.parse(text) as Partial<SecretFile>;
  } catch {
    // A damaged file holds nothing we could decrypt anyway; the next `set` replaces it.
    return { version: 1, entries: {} };
  }
  const entries: Record<string, string> = {};
  if (parsed && typeof parsed.entries === 'object' && parsed.entries !== null) {
    for (const [k, v] of Object.entries(parsed.entries)) if (typeof v === 'string') entries[k] = v;
  }
  return { version: 1, entries };
}

/** Atomic (temp file 0600, fsync, rename): a crash leaves the old file or the new one, never half of one. */
function writeSecretFile(path: string, file: SecretFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(path, JSON.stringify(file, null, 2) + '\n', 0o600);
}

export function createSafeSecretStore(options: SafeSecretStoreOptions): StringSecretStore {
  const { safeStorage, filePath } = options;
  const platform = options.platform ?? process.platform;
  return {
    get(key) {
      const b64 = readSecretFile(filePath).entries[key];
      if (b64 === undefined) return undefined;
      if (!safeStorage.isEncryptionAvailable()) return undefined;
      try {
        return safeStorage.decryptString(Buffer.from(b64, 'base64'));
      } catch (error) {
        options.onUnreadable?.(key, error);
        return undefined;
      }
    },
    set(key, secret) {
      if (!encryptionUsable(safeStorage, platform)) {
        throw new SecretStoreError(
          'encryption-unavailable',
          'Passwords cannot be stored: the system keyring is not available (on Linux, install and unlock GNOME Keyring or KWallet). Nothing was saved.',
        );
      }
      const file = readSecretFile(filePath);
      file.entries[key] = safeStorage.encryptString(secret).toString('base64');
      writeSecretFile(filePath, file);
    },
    delete(key) {
      const file = readSecretFile(filePath);
      if (!(key in file.entries)) return;
      delete file.entries[key];
      writeSecretFile(filePath, file);
    },
  };
}

/**
 * The same encrypted file behind the remote-Cores owner's async `SecretStore` (src/main/remote/config.ts), which keeps
 * whole credentials per core id. Entries are namespaced (`credentials:<coreId>`) so they never collide with the
 * plain password entries of the store above.
 */
export function credentialStoreOver(store: StringSecretStore): RemoteSecretStore {
  const key = (coreId: string): string => `credentials:${coreId}`;
  return {
    async get(coreId) {
      const text = store.get(key(coreId));
      if (text === undefined) return undefined;
      try {
        const v = JSON.parse(text) as Partial<Credentials>;
        return typeof v.username === 'string' && typeof v.password === 'string' ? { username: v.username, password: v.password } : undefined;
      } catch {
        return undefined;
      }
    },
    async set(coreId, credentials) {
      store.set(key(coreId), JSON.stringify({ username: credentials.username, password: credentials.password }));
    },
    async delete(coreId) {
      store.delete(key(coreId));
    },
  };
}
