/**
 * The service in a worker thread behind shared/rpc.ts (how the desktop app and the
 * browser host run it): the same answers and errors, events crossing the thread, calls
 * of the wrong shape refused before the service sees them, keychain calls answered by
 * the host thread. Needs dist/service-worker.js (`npm run build`, part of `npm test`).
 */
import { describe, expect, it } from 'vitest';
import { startServiceWorker } from '../../main/host/worker.js';
import { TEST_LOG_N, useEnv } from '../core/harness.js';
import { befriendServices, newIdentity, nextEvent, PASSWORD } from './helpers.js';

describe('MeowService in a worker thread', () => {
  const env = useEnv();

  it('answers like the in-process service; events cross the thread; malformed calls never reach it', async () => {
    const w = await startServiceWorker({ profile: env.profile('w-alice'), kdfLogN: TEST_LOG_N });
    const bob = await newIdentity(env, 'w-bob');
    try {
      expect(await w.appState()).toMatchObject({ state: 'new' });
      await expect(w.contacts()).rejects.toMatchObject({ code: 'NOT_OPEN' });
      await w.createIdentity({ nickname: 'Alice', password: PASSWORD, serverUrl: env.relay.url });
      const { bOnA, aOnB } = await befriendServices(w, bob);
      await w.setOnline(true);
      const arrived = nextEvent(w, 'message:stored', (m) => m.text === 'across threads');
      await bob.send(aOnB, 'across threads');
      expect(await arrived).toMatchObject({ contactId: bOnA, outbound: false });

      // through the client with the wrong types and sizes: refused by the schemas in the worker
      const loose = w as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      await expect(loose['send']!(42, 'x')).rejects.toMatchObject({ code: 'BAD_INPUT' });
      await expect(loose['send']!(bOnA, 'x'.repeat(200_000))).rejects.toMatchObject({ code: 'BAD_INPUT' });
      await expect(loose['updateProfile']!({ nickname: 'n', isAdmin: true })).rejects.toMatchObject({
        code: 'BAD_INPUT',
      });
      // a raw frame naming a method that does not exist
      const reply = new Promise((resolve) =>
        w.worker.on('message', (f: { t: string; id: number; result: unknown }) => {
          if (f.t === 'result' && f.id === 1e9) resolve(f.result);
        }),
      );
      w.worker.postMessage({ t: 'call', id: 1e9, method: 'constructor', args: [] });
      expect(await reply).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
      expect((await bob.messages(aOnB)).map((m) => m.text)).toEqual(['across threads']);
    } finally {
      await w.terminate();
      await bob.close();
    }
  });

  it('remember me: the host thread keeps the key; the worker opens with it after a restart', async () => {
    const kept = new Map<string, Uint8Array>();
    const keychain = {
      load: async () => kept.get('k') ?? null,
      save: async (key: Uint8Array) => void kept.set('k', new Uint8Array(key)),
      clear: async () => void kept.delete('k'),
    };
    const profile = env.profile('w-remember');
    const first = await startServiceWorker({ profile, kdfLogN: TEST_LOG_N, keychain });
    try {
      await first.createIdentity({ nickname: 'R', password: PASSWORD, serverUrl: env.relay.url });
      await first.lock();
      await expect(first.unlockRemembered()).rejects.toMatchObject({ code: 'NO_PASSWORD' });
      await first.unlock({ password: PASSWORD, remember: true });
      expect((await first.appState()).remembered).toBe(true);
      expect(kept.get('k')).toHaveLength(32);
    } finally {
      await first.terminate();
    }
    const second = await startServiceWorker({ profile, kdfLogN: TEST_LOG_N, keychain });
    try {
      expect(await second.appState()).toMatchObject({ state: 'locked', remembered: true });
      expect((await second.unlockRemembered()).nickname).toBe('R');
      await second.lock();
      await second.unlock({ password: PASSWORD, remember: false });
      expect(kept.size).toBe(0);
    } finally {
      await second.terminate();
    }
  });
});
