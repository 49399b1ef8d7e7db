/**
 * Messenger test bootstrap: real relays (in-process meow-server on the embedded store,
 * or on a real redis-server), profiles in temp folders, and helpers that drive two
 * profiles until they stop exchanging messages — waiting on state, never on sleeps.
 */
import { pairingViews } from '../../main/core/service/views.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ed25519KeyPair, x25519KeyPair } from '../../protocol/crypto/curves.js';
import type { Peer } from '../../main/core/peers/peer.js';
import { initSender, type RatchetState } from '../../protocol/ratchet/doubleRatchet.js';
import type { ChannelKeys } from '../../protocol/wire/packing.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../main/core/log.js';
import { Messenger } from '../../main/core/messenger/messenger.js';
import { netRelays } from '../../main/net/relayFactory.js';
import { RedisStore } from '../../server/store/redis.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { startRelay, type TestRelay } from '../helpers/relay.js';

export const PASSWORD = 'correct horse battery staple';
export const TEST_LOG_N = 12; // scrypt cost for throwaway test profiles (production: 17)

export type StoreKind = 'embedded' | 'redis';

export interface Env {
  relay: TestRelay;
  redis?: RedisProcess;
  dir: string;
  logs: string[];
  log: Logger;
  profile(name: string): string;
  close(): Promise<void>;
}

export async function startEnv(
  kind: StoreKind,
  limits: NonNullable<Parameters<typeof startRelay>[0]>['limits'] = {},
): Promise<Env> {
  const dir = mkdtempSync(join(tmpdir(), 'meow-core-'));
  let redis: RedisProcess | undefined;
  let relay: TestRelay;
  if (kind === 'redis') {
    redis = await startRedis();
    relay = await startRelay({ store: await RedisStore.open({ kind: 'redis', url: redis.url }), limits });
  } else {
    relay = await startRelay({ limits });
  }
  const logs: string[] = [];
  return {
    relay,
    redis,
    dir,
    logs,
    log: createLogger({ level: 'info', write: (l) => logs.push(l) }),
    profile: (name) => join(dir, name),
    async close() {
      await relay.close();
      await redis?.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function createProfile(env: Env, name: string): Promise<Messenger> {
  const m = await Messenger.create(
    env.profile(name),
    PASSWORD,
    { nickname: name, serverUrl: env.relay.url, logN: TEST_LOG_N, deviceName: `${name}'s computer` },
    { relays: netRelays, log: env.log },
  );
  return m;
}

export async function openProfile(env: Env, name: string): Promise<Messenger> {
  const m = await Messenger.open(
    env.profile(name),
    { password: PASSWORD },
    { relays: netRelays, log: env.log },
  );
  return m;
}

/** Syncs every messenger until a full round moves nothing. */
export async function settle(...ms: Messenger[]): Promise<void> {
  for (let round = 0; round < 50; round++) {
    let moved = 0;
    for (const m of ms) {
      const r = await m.sync();
      moved += r.received + r.sent;
    }
    if (moved === 0) return;
  }
  throw new Error('profiles did not settle within 50 rounds');
}

/**
 * settle, and what waits out a backoff goes too (as it would seconds later): for tests that
 * check what arrives, not how soon — after a handover's key rotation a row can be deferred.
 */
export async function settleDrained(...ms: Messenger[]): Promise<void> {
  for (let round = 0; round < 10; round++) {
    for (const m of ms) m.db.outbox.retryAllNow();
    await settle(...ms);
    if (ms.every((m) => m.db.outbox.size() === 0)) return;
  }
}

/** Makes `a` and `b` contacts (a invites, b accepts), named after each other's nickname. */
export async function befriend(a: Messenger, b: Messenger): Promise<void> {
  const { link } = await a.invite(b.identity.nickname);
  await b.accept(link, a.identity.nickname);
  await settle(a, b);
}

/** Pairs `fresh` (a new device) with `existing` (holds the identity): link, answer, codes, confirm, initial sync. */
export async function pairDevices(
  existing: Messenger,
  fresh: Messenger,
  opts: { historyDays?: number } = {},
): Promise<{ codeExisting: string; codeNew: string }> {
  const { link } = await fresh.pairing.init();
  await existing.pairing.accept(link);
  // The answer, then the new device's reveal: both know the code. A settle can end before the
  // reveal is posted (a send that waits out a backoff moves nothing this round): settle again.
  for (let i = 0; i < 20; i++) {
    await settle(existing, fresh);
    if (pairingViews(existing)[0]?.phase !== 'waiting' && pairingViews(fresh)[0]?.phase !== 'waiting') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const onNew = pairingViews(fresh)[0]!;
  const onExisting = pairingViews(existing)[0]!;
  await fresh.pairing.confirmOnNewDevice(onNew.id);
  await existing.pairing.confirm(undefined, { historyDays: opts.historyDays });
  await settle(existing, fresh);
  return { codeExisting: onExisting.code, codeNew: onNew.code };
}

/** A blank profile for a device that is about to be paired. */
export async function createBlankDevice(env: Env, name: string): Promise<Messenger> {
  const m = await Messenger.create(
    env.profile(name),
    PASSWORD,
    { nickname: '', serverUrl: env.relay.url, logN: TEST_LOG_N, deviceName: name, pairingPending: true },
    { relays: netRelays, log: env.log },
  );
  return m;
}

/** Starts an Env before the enclosing describe's tests and stops it after them. */
export function useEnv(kind: StoreKind = 'embedded'): Env {
  let current: Env | undefined;
  beforeAll(async () => {
    current = await startEnv(kind);
  });
  afterAll(async () => {
    await current?.close();
  });
  return new Proxy({} as Env, {
    get(_target, prop) {
      if (!current) throw new Error('the test environment is not started yet');
      return current[prop as keyof Env];
    },
  });
}

/** The profiles a test opens, closed after each test (also when an assertion failed midway). */
export function useOpen(): Messenger[] {
  const open: Messenger[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.close().catch(() => undefined)));
  });
  return open;
}

/** Alice (Bob's contact, her primary) with her second computer `s` paired, and Bob; all in `open`. */
export async function aliceWithLaptopAndBob(
  env: Env,
  open: Messenger[],
  tag: string,
): Promise<{ a: Messenger; s: Messenger; bob: Messenger }> {
  const a = await createProfile(env, `Alice-${tag}`);
  const bob = await createProfile(env, `Bob-${tag}`);
  open.push(a, bob);
  await befriend(a, bob);
  const s = await createBlankDevice(env, `AliceLaptop-${tag}`);
  open.push(s);
  await pairDevices(a, s);
  await settle(a, s);
  return { a, s, bob };
}

/** aliceWithLaptopAndBob, with their nicknames and `all()`: settles the three until quiet. */
export async function threeDevices(env: Env, open: Messenger[], tag: string) {
  const { a, s, bob } = await aliceWithLaptopAndBob(env, open, tag);
  const all = async () => settle(s, a, bob, a, s, bob, a, s);
  return { a, s, bob, A: a.identity.nickname, B: bob.identity.nickname, all };
}

/**
 * Channel keys and a fresh sender ratchet for someone who holds an invitation card (or
 * pairing link) of `invited`: what an attacker who saw the QR code can pack messages with.
 */
export function keysOfLinkHolder(invited: Peer): { keys: ChannelKeys; ratchet: RatchetState } {
  return {
    keys: {
      myIdentity: ed25519KeyPair(),
      myEncryption: x25519KeyPair(),
      myLookup: ed25519KeyPair(),
      symKey: invited.symKey,
      contactPublicKey: invited.myIdentity.publicKey,
      contactEncryption: invited.myEncryption.publicKey,
      contactLookupKey: invited.myLookup.publicKey,
    },
    ratchet: initSender(invited.drRootKey, invited.drKp.publicKey),
  };
}
