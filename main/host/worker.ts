/**
 * Runs the service in a worker thread and gives the host the same MeowService over
 * shared/rpc.ts: the Electron main process and the browser host keep their event loop
 * free while the core drains a backlog or syncs a new device.
 *
 * @example
 *   const service = await startServiceWorker({ profile: '/home/me/.meow' });
 *   await service.unlock({ password });
 *   await service.terminate();
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createRpcClient, type RpcClient } from '../../shared/rpc.js';
import type { Keychain } from '../core/service/keychain.js';
import { isWorkerFrame, type WorkerFrame, type WorkerInit } from './workerProtocol.js';

export interface WorkerOptions extends Omit<WorkerInit, 'keychain'> {
  keychain?: Keychain;
  /** The bundled worker entry (default: dist/service-worker.js of this package). */
  script?: string;
}

export interface WorkerService extends RpcClient {
  /** Closes the profile inside the worker, then stops the thread. */
  terminate(): Promise<void>;
  readonly worker: Worker;
}

/** dist/service-worker.js, found from wherever this module runs (dist/ bundle or sources under vitest). */
export function defaultWorkerScript(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, 'service-worker.js'), join(dir, 'dist', 'service-worker.js')]) {
      if (existsSync(candidate)) return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error('dist/service-worker.js not found: run `npm run build` first');
}

export async function startServiceWorker(opts: WorkerOptions): Promise<WorkerService> {
  const { keychain, script, ...init } = opts;
  const worker = new Worker(script ?? defaultWorkerScript(), {
    workerData: { ...init, keychain: !!keychain } satisfies WorkerInit,
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const client = createRpcClient({
    send: (f) => worker.postMessage(f),
    onFrame: (l) => worker.on('message', l),
    onClose: (l) => worker.once('exit', l),
  });
  worker.on('message', (f: unknown) => {
    if (!isWorkerFrame(f) || f.t !== 'keychain' || !keychain) return;
    const reply = (r: Omit<Extract<WorkerFrame, { t: 'keychain-result' }>, 't' | 'id'>) =>
      worker.postMessage({ t: 'keychain-result', id: f.id, ...r } satisfies WorkerFrame);
    const op =
      f.op === 'load'
        ? keychain.load()
        : f.op === 'save'
          ? keychain.save(f.key!).then(() => null)
          : keychain.clear().then(() => null);
    op.then(
      (key) => reply({ ok: true, key }),
      (e: unknown) => reply({ ok: false, error: String(e) }),
    );
  });
  worker.on('error', (e) =>
    process.stderr.write(`meow: the service worker failed: ${e.stack ?? String(e)}\n`),
  );

  const service = client as WorkerService;
  Object.defineProperty(service, 'worker', { value: worker });
  service.terminate = async () => {
    if (exited) return;
    const closed = new Promise<void>((resolve) =>
      worker.on('message', (f: unknown) => isWorkerFrame(f) && f.t === 'closed' && resolve()),
    );
    worker.postMessage({ t: 'shutdown' } satisfies WorkerFrame);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, exit, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
    client.close('the service stopped');
    await worker.terminate();
  };
  return service;
}
