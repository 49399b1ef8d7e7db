/**
 * The messenger core against a real relay (embedded store and Redis): invitations,
 * concurrent conversations, receipts, restarts, and refused input.
 */
import { describe, expect, it } from 'vitest';
import { MeowError } from '../../main/core/errors.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { befriend, createProfile, openProfile, settle, useEnv, type StoreKind } from './harness.js';

describe.each<StoreKind>(['embedded', 'redis'])('messenger core on the %s relay store', (kind) => {
  const env = useEnv(kind);

  it('invite, accept, finalize: both sides see each other, once', async () => {
    const alice = await createProfile(env, `alice-${kind}`);
    const bob = await createProfile(env, `bob-${kind}`);
    try {
      const { link, peer } = await alice.invite('Bob');
      expect(link).toMatch(/^meow:\/\/invite\?s=/);
      expect(peer.state).toBe('invited');
      const onBob = await bob.accept(link, 'Alice');
      expect(onBob.state).toBe('answered');
      await expect(bob.accept(link, 'Alice again')).rejects.toThrowError(/already accepted|already used/);
      await settle(alice, bob);
      expect(alice.contacts().map((c) => [c.name, c.contactName, c.state])).toEqual([
        ['Bob', `bob-${kind}`, 'active'],
      ]);
      expect(bob.contacts().map((c) => c.name)).toEqual(['Alice']);
      // the short link was single-use: it is gone from the server once answered
      const carol = await createProfile(env, `carol-${kind}`);
      await expect(carol.accept(link, 'Alice')).rejects.toMatchObject({ code: 'LINK_USED' });
      await carol.close();
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('200 messages each way, sent concurrently: each arrives exactly once, in order, delivered then read', async () => {
    const alice = await createProfile(env, `a200-${kind}`);
    const bob = await createProfile(env, `b200-${kind}`);
    try {
      await befriend(alice, bob);
      const aToB = Array.from({ length: 200 }, (_, i) => `a→b ${i}`);
      const bToA = Array.from({ length: 200 }, (_, i) => `b→a ${i}`);
      const bName = bob.identity.nickname;
      const aName = alice.identity.nickname;
      // interleave sends on both sides with syncs running at the same time
      const sending = Promise.all([
        (async () => {
          for (const t of aToB) await alice.send(bName, t);
        })(),
        (async () => {
          for (const t of bToA) await bob.send(aName, t);
        })(),
      ]);
      const syncing = (async () => {
        for (let i = 0; i < 5; i++) await Promise.all([alice.sync(), bob.sync()]);
      })();
      await Promise.all([sending, syncing]);
      await settle(alice, bob);

      const inbound = (m: Messenger, from: string) =>
        m
          .messages(from)
          .filter((x) => !x.outbound)
          .map((x) => x.text);
      expect(inbound(bob, aName)).toEqual(aToB);
      expect(inbound(alice, bName)).toEqual(bToA);
      expect(
        alice
          .messages(bName)
          .filter((x) => x.outbound)
          .every((x) => x.state === 'delivered'),
      ).toBe(true);

      await bob.markRead(aName);
      await alice.markRead(bName);
      await settle(alice, bob);
      expect(
        new Set(
          alice
            .messages(bName)
            .filter((x) => x.outbound)
            .map((x) => x.state),
        ),
      ).toEqual(new Set(['read']));
      expect(
        new Set(
          bob
            .messages(aName)
            .filter((x) => x.outbound)
            .map((x) => x.state),
        ),
      ).toEqual(new Set(['read']));
    } finally {
      await alice.close();
      await bob.close();
    }
  });

  it('restarts between sends and syncs lose nothing, duplicate nothing, and keep the ratchets in step', async () => {
    let alice = await createProfile(env, `ra-${kind}`);
    let bob = await createProfile(env, `rb-${kind}`);
    const aName = alice.identity.nickname;
    const bName = bob.identity.nickname;
    await befriend(alice, bob);
    const sentA: string[] = [];
    const sentB: string[] = [];
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 5; i++) {
        sentA.push(`A${round}.${i}`);
        await alice.send(bName, `A${round}.${i}`);
        sentB.push(`B${round}.${i}`);
        await bob.send(aName, `B${round}.${i}`);
      }
      if (round % 2 === 0) await alice.sync();
      await alice.close();
      alice = await openProfile(env, `ra-${kind}`);
      if (round % 3 === 0) await bob.sync();
      await bob.close();
      bob = await openProfile(env, `rb-${kind}`);
    }
    await settle(alice, bob);
    expect(
      bob
        .messages(aName)
        .filter((x) => !x.outbound)
        .map((x) => x.text),
    ).toEqual(sentA);
    expect(
      alice
        .messages(bName)
        .filter((x) => !x.outbound)
        .map((x) => x.text),
    ).toEqual(sentB);
    // and the conversation still works both ways afterwards
    await alice.send(bName, 'after');
    await settle(alice, bob);
    expect(bob.messages(aName).at(-1)?.text).toBe('after');
    await alice.close();
    await bob.close();
  });

  it('refuses tampered and stranger messages, drops a blocked contact, and keeps working', async () => {
    const alice = await createProfile(env, `ta-${kind}`);
    const bob = await createProfile(env, `tb-${kind}`);
    try {
      await befriend(alice, bob);
      const bName = bob.identity.nickname;
      const aName = alice.identity.nickname;
      const aliceLookup = bob.findContact(aName).contactLookupKey!;
      // Alice's queue for Bob takes Bob's messages only: the relay refuses a stranger's
      // post and a tampered copy of a real message (sender authorization), queuing nothing
      const stranger = env.relay.client();
      const junk = { destination: aliceLookup, payload: new Uint8Array(200), signature: new Uint8Array(64) };
      await expect(stranger.post([junk])).rejects.toMatchObject({ code: 'NOT_AUTHORIZED', index: 0 });
      await bob.send(aName, 'genuine');
      await bob.flushOutbox();
      // a copy of the genuine message with one payload byte flipped (read with Alice's own lookup key)
      const queued = await stranger.pull([alice.findContact(bName).myLookup], { timeoutMs: 0 });
      expect(queued.messages).toHaveLength(1);
      const copy = queued.messages.at(-1)!.message!;
      const tampered = { ...copy, payload: new Uint8Array(copy.payload!) };
      tampered.payload[40]! ^= 1;
      await expect(stranger.post([copy, tampered])).rejects.toMatchObject({
        code: 'NOT_AUTHORIZED',
        index: 1,
      });
      await settle(alice, bob);
      expect(alice.messages(bName).map((m) => m.text)).toEqual(['genuine']);

      await alice.updateContact(bName, { blocked: true });
      await expect(alice.send(bName, 'x')).rejects.toMatchObject({ code: 'BLOCKED' });
      await bob.send(aName, 'while blocked');
      await settle(alice, bob);
      expect(alice.messages(bName).map((m) => m.text)).toEqual(['genuine']);
      await alice.updateContact(bName, { blocked: false });
      await bob.send(aName, 'after unblock');
      await settle(alice, bob);
      expect(alice.messages(bName).map((m) => m.text)).toEqual(['genuine', 'after unblock']);
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});

describe('profiles', () => {
  const env = useEnv('embedded');

  it('a wrong password is a clear error and leaves the profile intact', async () => {
    const m = await createProfile(env, 'pw');
    await m.close();
    const { Messenger } = await import('../../main/core/messenger/messenger.js');
    const { netRelays } = await import('../../main/net/relayFactory.js');
    await expect(
      Messenger.open(env.profile('pw'), { password: 'nope' }, { relays: netRelays }),
    ).rejects.toMatchObject({
      code: 'WRONG_PASSWORD',
      message: 'Wrong password.',
    });
    const again = await openProfile(env, 'pw');
    expect(again.identity.nickname).toBe('pw');
    await again.close();
  });

  it('init refuses a folder that already has an identity', async () => {
    const m = await createProfile(env, 'twice');
    await m.close();
    await expect(createProfile(env, 'twice')).rejects.toBeInstanceOf(MeowError);
  });

  it('a second process on the same profile is refused with a clear error', async () => {
    const m = await createProfile(env, 'locked');
    try {
      await expect(openProfile(env, 'locked')).rejects.toMatchObject({ code: 'PROFILE_LOCKED' });
    } finally {
      await m.close();
    }
  });
});
