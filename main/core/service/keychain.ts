/**
 * Where a host keeps the password-derived key of a profile when the person ticks
 * "remember me": the OS keychain (Electron's safeStorage) in the desktop app. The core
 * never stores that key itself; without a keychain, remember-me is simply unavailable.
 */
export interface Keychain {
  /** The kept key, or null. */
  load(): Promise<Uint8Array | null>;
  save(key: Uint8Array): Promise<void>;
  clear(): Promise<void>;
}
