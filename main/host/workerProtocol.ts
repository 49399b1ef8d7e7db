/**
 * What travels between a host thread and the service worker besides the RPC frames of
 * shared/rpc.ts: the start options, the keychain calls the worker asks its host to make
 * (Electron's safeStorage lives on the main thread), and the shutdown handshake.
 */
export interface WorkerInit {
  profile: string;
  kdfLogN?: number;
  pollTimeoutMs?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** The host answers keychain calls. */
  keychain: boolean;
}

export type KeychainOp = 'load' | 'save' | 'clear';

export type WorkerFrame =
  | { t: 'keychain'; id: number; op: KeychainOp; key?: Uint8Array }
  | { t: 'keychain-result'; id: number; ok: boolean; key?: Uint8Array | null; error?: string }
  | { t: 'shutdown' }
  | { t: 'closed' };

export function isWorkerFrame(f: unknown): f is WorkerFrame {
  const t = (f as { t?: unknown } | null)?.t;
  return t === 'keychain' || t === 'keychain-result' || t === 'shutdown' || t === 'closed';
}
