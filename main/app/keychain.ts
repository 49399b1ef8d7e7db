/**
 * "Remember me": the password-derived key, encrypted by the OS keychain through Electron's
 * safeStorage (DPAPI, Keychain, libsecret/kwallet), in a file of the profile folder. Where
 * the OS offers no keychain (or only Chromium's hard-coded fallback on Linux) nothing is
 * kept and load() answers null, so the person is asked for the password.
 */
import { safeStorage } from 'electron';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Keychain } from '../core/service/keychain.js';

export const KEYCHAIN_FILE = 'remembered-key.bin';

function usable(): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  // On Linux 'basic_text' means a key written in Chromium's source: no protection at all.
  return process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text';
}

export function safeStorageKeychain(profile: string): Keychain {
  const file = join(profile, KEYCHAIN_FILE);
  return {
    async load() {
      if (!usable()) return null;
      try {
        const text = safeStorage.decryptString(await readFile(file));
        return new Uint8Array(Buffer.from(text, 'base64'));
      } catch {
        return null;
      }
    },
    async save(key) {
      if (!usable()) return;
      await writeFile(file, safeStorage.encryptString(Buffer.from(key).toString('base64')), { mode: 0o600 });
    },
    async clear() {
      await rm(file, { force: true });
    },
  };
}
