/**
 * The service worker thread (its entry, entry/serviceWorker.ts, is bundled as dist/service-worker.js): one
 * CoreService for one profile, served over the thread's port with shared/rpc.ts, so
 * that no SQLite call or crypto batch ever runs on the host's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveRpc } from '../../shared/rpc.js';
import { createLogger } from '../core/log.js';
import type { Keychain } from '../core/service/keychain.js';
import { createService, type LocalRelayStarter } from '../core/service/service.js';
import { isWorkerFrame, type KeychainOp, type WorkerFrame, type WorkerInit } from './workerProtocol.js';

if (!parentPort) throw new Error('service-worker.js runs as a worker thread');
const port = parentPort;
const init = workerData as WorkerInit;

let nextId = 1;
const pending = new Map<number, (f: Extract<WorkerFrame, { t: 'keychain-result' }>) => void>();
function ask(op: KeychainOp, key?: Uint8Array): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, (f) => (f.ok ? resolve(f.key ?? null) : reject(new Error(f.error ?? 'keychain failed'))));
    port.postMessage({ t: 'keychain', id, op, key } satisfies WorkerFrame);
  });
}
const keychain: Keychain | undefined = init.keychain
  ? {
      load: () => ask('load'),
      save: async (key) => void (await ask('save', key)),
      clear: async () => void (await ask('clear')),
    }
  : undefined;

/** Serves the profile's service on this thread's port until the host says shutdown. */
export function serveWorker(localRelay?: LocalRelayStarter): void {
  const service = createService({
    profile: init.profile,
    kdfLogN: init.kdfLogN,
    pollTimeoutMs: init.pollTimeoutMs,
    keychain,
    log: createLogger({ level: init.logLevel ?? 'warn', component: 'meow-service' }),
    localRelay,
  });

  serveRpc(service, { send: (f) => port.postMessage(f), onFrame: (l) => port.on('message', l) });

  port.on('message', (f: unknown) => {
    if (!isWorkerFrame(f)) return;
    if (f.t === 'keychain-result') {
      pending.get(f.id)?.(f);
      pending.delete(f.id);
    } else if (f.t === 'shutdown') {
      void service.close().finally(() => port.postMessage({ t: 'closed' } satisfies WorkerFrame));
    }
  });
}
