/**
 * No view and no event ever carries key material. A whole scenario runs through the
 * service API — create, invite, accept, chat, pair a second device, sync, forward,
 * unlink — while every event and every returned value is recorded; then none of the
 * profiles' private, symmetric, storage or ratchet keys (snapshotted after each phase)
 * may appear in that record in any encoding.
 */
import { describe, expect, it } from 'vitest';
import { SERVICE_EVENTS } from '../../shared/schemas.js';
import type { MeowService } from '../../shared/service.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import type { LocalService } from '../../main/core/service/service.js';
import type { KeyPair } from '../../protocol/crypto/curves.js';
import { decodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { useEnv } from '../core/harness.js';
import { befriendServices, newIdentity, PASSWORD, serviceFor } from './helpers.js';

/** Every value a host saw, as it would cross a bridge. */
function recorder(services: MeowService[]) {
  const seen: unknown[] = [];
  for (const s of services) for (const e of SERVICE_EVENTS) s.on(e, (payload) => seen.push({ e, payload }));
  const rec = async <T>(p: Promise<T>): Promise<T> => {
    const v = await p;
    seen.push(v);
    return v;
  };
  return { seen, rec };
}

/** The key material inside a profile right now (read from the service's own messenger). */
function keysOf(service: LocalService): Uint8Array[] {
  const m = (service as unknown as { s: { m: Messenger | null } }).s.m;
  if (!m) return [];
  const keys: Uint8Array[] = [
    m.identity.rootKp.privateKey,
    m.identity.device.privateKey,
    m.identity.storageKey,
  ];
  keys.push(m.identityFile.unlockKey);
  const pair = (k: KeyPair) => k.privateKey;
  for (const p of [...m.peers.all(), ...m.devices.all()]) {
    keys.push(
      pair(p.myIdentity),
      pair(p.myEncryption),
      pair(p.myLookup),
      p.symKey,
      pair(p.drKp),
      p.drRootKey,
    );
    if (p.drState) {
      const r = decodeRatchetState(p.drState);
      keys.push(r.dhs.privateKey, r.rk, ...[r.cks, r.ckr].filter((k): k is Uint8Array => !!k));
      keys.push(...r.skipped.map((s) => s.mk));
    }
  }
  return keys.filter((k) => k.length >= 16 && k.some((b) => b !== 0));
}

function encodings(k: Uint8Array): string[] {
  const b = Buffer.from(k);
  return [
    b.toString('hex'),
    b.toString('hex').toUpperCase(),
    b.toString('base64'),
    b.toString('base64').replace(/=+$/, ''),
    b.toString('base64url'),
    Array.from(b.subarray(0, 8)).join(','), // a byte array serialised as numbers
    `"0":${b[0]},"1":${b[1]},"2":${b[2]},"3":${b[3]}`, // a Uint8Array through JSON.stringify
  ];
}

async function settleAll(...services: MeowService[]): Promise<void> {
  for (let round = 0; round < 40; round++) {
    let moved = 0;
    for (const s of services) {
      const r = await s.sync();
      moved += r.sent + r.received;
    }
    if (moved === 0) return;
  }
  throw new Error('did not settle');
}

describe('views and events carry no key material', () => {
  const env = useEnv();

  it('a full scenario: create, invite, accept, chat, pair, sync, forward, unlink', async () => {
    const alice = await newIdentity(env, 'km-alice');
    const bob = await newIdentity(env, 'km-bob');
    const laptop = serviceFor(env, 'km-laptop');
    const all = [alice, bob, laptop];
    const { seen, rec } = recorder(all);
    const keys: Uint8Array[] = [];
    const snapshot = () => all.forEach((s) => keys.push(...keysOf(s)));
    try {
      const { bOnA, aOnB } = await befriendServices(alice, bob);
      await rec(bob.send(aOnB, 'hello alice'));
      await settleAll(alice, bob);
      await rec(alice.markRead(bOnA));
      await rec(alice.send(bOnA, 'hello bob'));
      await settleAll(alice, bob);
      snapshot();

      const pairing = await rec(
        laptop.pairNew({ password: PASSWORD, serverUrl: env.relay.url, deviceName: 'laptop' }),
      );
      const accepted = await rec(alice.pairAccept({ link: pairing.link, historyDays: 30 }));
      await settleAll(alice, laptop);
      const onLaptop = (await rec(laptop.pairings()))[0]!;
      expect(onLaptop.code).toBe((await rec(alice.pairings()))[0]!.code);
      expect(onLaptop.code).toMatch(/^\d{4} \d{4}$/);
      await rec(laptop.pairConfirm(onLaptop.id));
      await rec(alice.pairConfirm(accepted.id));
      await settleAll(alice, laptop, bob);
      expect((await rec(laptop.contacts())).map((c) => c.name)).toEqual(['km-bob']);
      await rec(laptop.send(bOnA, 'from the laptop'));
      await settleAll(laptop, alice, bob, laptop);
      expect((await rec(bob.messages(aOnB))).map((m) => m.text)).toContain('from the laptop');
      snapshot();

      const laptopId = (await rec(laptop.profile())).deviceId;
      await rec(alice.unlinkDevice(laptopId, { force: true }));
      await settleAll(alice, laptop, bob);
      for (const s of all) {
        await rec(s.appState());
        await rec(s.profile());
        await rec(s.contacts());
        await rec(s.conversations());
        await rec(s.devices());
        await rec(s.pairings());
        await rec(s.connections());
        for (const c of await s.contacts()) await rec(s.messages(c.id));
      }
      snapshot();
    } finally {
      await Promise.all(all.map((s) => s.close()));
    }

    const text = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(100);
    expect(keys.length).toBeGreaterThan(50);
    const leaks = keys.flatMap((k) => encodings(k).filter((enc) => text.includes(enc)));
    expect(leaks).toEqual([]);
  });
});
