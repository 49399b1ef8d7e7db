/**
 * A pulled batch commits as one: a storage failure in the middle of it (the disk full at
 * the 30th message of 50) leaves none of it shown and none of it acknowledged; the next
 * sync takes all of it, each message once, in order, and the ratchets stay in step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { storageError } from '../../main/core/errors.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  pairDevices,
  settle,
  startEnv,
  type Env,
} from './harness.js';

describe('receiving a batch', () => {
  let env: Env;
  const open: Messenger[] = [];
  beforeAll(async () => {
    env = await startEnv('embedded');
  });
  afterAll(async () => {
    await Promise.all(open.map((m) => m.close().catch(() => undefined)));
    await env.close();
  });

  it('is all or nothing: a failure mid-batch shows nothing, acks nothing, and loses nothing', async () => {
    const alice = await createProfile(env, 'alice');
    const bob = await createProfile(env, 'bob');
    open.push(alice, bob);
    await befriend(alice, bob);
    const A = alice.identity.nickname;
    const B = bob.identity.nickname;
    // The first message from Alice completes Bob's side of the invitation (a record change,
    // taken alone); the batch is what follows.
    await alice.send(B, 'hello');
    await settle(alice, bob);
    const texts = Array.from({ length: 50 }, (_, i) => `batch ${i}`);
    for (const t of texts) await alice.send(B, t);
    await alice.flushOutbox();

    const original = bob.db.messages.insertReturning.bind(bob.db.messages);
    let calls = 0;
    bob.db.messages.insertReturning = (m) => {
      if (++calls === 30)
        throw storageError(
          Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
          'messages',
        );
      return original(m);
    };
    await expect(bob.sync()).rejects.toMatchObject({ code: 'DISK_FULL' });
    expect(calls).toBe(30); // it failed in the middle of one batch
    expect(bob.messages(A).map((m) => m.text)).toEqual(['hello']); // the 29 before it were not committed alone
    expect(bob.db.outbox.size()).toBe(0); // nor their receipts

    bob.db.messages.insertReturning = original;
    await settle(bob, alice);
    const received = bob.messages(A).filter((m) => !m.outbound);
    expect(received.map((m) => m.text)).toEqual(['hello', ...texts]); // each once, in order
    // every one acknowledged and receipted exactly once: all delivered on Alice's side
    expect(new Set(alice.messages(B).map((m) => m.state))).toEqual(new Set(['delivered']));
    await bob.send(A, 'still in step?');
    await settle(bob, alice);
    expect(alice.messages(B).some((m) => !m.outbound && m.text === 'still in step?')).toBe(true);
  }, 120_000);

  it('a sibling takes the fan-out in batches too: all or nothing, then each once, in order', async () => {
    const me = await createProfile(env, 'carol');
    const friend = await createProfile(env, 'dave');
    const laptop = await createBlankDevice(env, 'carol-laptop');
    open.push(me, friend, laptop);
    await befriend(me, friend);
    await pairDevices(me, laptop);
    const C = me.identity.nickname;
    const D = friend.identity.nickname;
    await friend.send(C, 'hello');
    await settle(friend, me, laptop);
    const texts = Array.from({ length: 40 }, (_, i) => `fan ${i}`);
    for (const t of texts) await friend.send(C, t);
    await friend.flushOutbox();
    await me.sync(); // receives them, and sends each to the laptop
    expect(me.messages(D).map((m) => m.text)).toEqual(['hello', ...texts]);

    const original = laptop.db.messages.insertReturning.bind(laptop.db.messages);
    let calls = 0;
    laptop.db.messages.insertReturning = (m) => {
      if (++calls === 25)
        throw storageError(
          Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
          'messages',
        );
      return original(m);
    };
    const shown: string[] = [];
    laptop.on('message', (m) => shown.push(m.text));
    laptop.on('messages', (b) => shown.push(...b.stored.map((m) => m.text))); // many at once: one event
    await expect(laptop.sync()).rejects.toMatchObject({ code: 'DISK_FULL' });
    expect(calls).toBe(25); // it failed in the middle of one batch of the sibling's channel
    expect(laptop.messages(D).map((m) => m.text)).toEqual(['hello']); // none of it committed alone
    expect(shown).toEqual([]); // nor shown

    laptop.db.messages.insertReturning = original;
    await settle(laptop, me);
    expect(laptop.messages(D).map((m) => m.text)).toEqual(['hello', ...texts]); // each once, in order
    expect(shown).toEqual(texts);
    // the device channel's ratchet is in step both ways
    await laptop.send(D, 'from the laptop');
    await settle(laptop, me, friend);
    expect(friend.messages(C).some((m) => !m.outbound && m.text === 'from the laptop')).toBe(true);
  }, 120_000);
});
