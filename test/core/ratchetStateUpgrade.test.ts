/**
 * Profiles written before the binary ratchet state hold each channel's ratchet as JSON in
 * channel_state. Such a profile opens, the conversation goes on both ways, and the next
 * ratchet step stores the binary form.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { utf8 } from '../../protocol/crypto/bytes.js';
import { decodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { serializeRatchet } from '../../protocol/ratchet/stateJson.js';
import { befriend, createProfile, openProfile, settle, startEnv, type Env } from './harness.js';

describe('a ratchet state stored as JSON', () => {
  let env: Env;
  const open: Messenger[] = [];
  beforeAll(async () => {
    env = await startEnv('embedded');
  });
  afterAll(async () => {
    await Promise.all(open.map((m) => m.close().catch(() => undefined)));
    await env.close();
  });

  it('loads, carries on both ways, and is stored binary after the next step', async () => {
    const alice = await createProfile(env, 'alice');
    let bob = await createProfile(env, 'bob');
    open.push(alice, bob);
    await befriend(alice, bob);
    const A = alice.identity.nickname;
    const B = bob.identity.nickname;
    await alice.send(B, 'before');
    await settle(alice, bob);
    await bob.send(A, 'before, back');
    await settle(bob, alice);

    // What the previous version wrote: the JSON of the state, sealed like any state.
    const peer = bob.findContact(A);
    const json = serializeRatchet(decodeRatchetState(peer.drState!));
    bob.db.channels.set('peer', peer.uid, utf8(json), peer.lastActivityAt);
    await bob.close();
    bob = await openProfile(env, 'bob');
    open.push(bob);
    expect(bob.findContact(A).drState![0]).toBe('{'.charCodeAt(0)); // loaded as stored

    await alice.send(B, 'after');
    await settle(alice, bob);
    await bob.send(A, 'after, back');
    await settle(bob, alice);
    expect(bob.messages(A).map((m) => m.text)).toEqual(['before', 'before, back', 'after', 'after, back']);
    expect(alice.messages(B).map((m) => m.text)).toEqual(['before', 'before, back', 'after', 'after, back']);
    expect(bob.findContact(A).drState![0]).toBe(2); // the binary layout's version

    await bob.close();
    bob = await openProfile(env, 'bob');
    open.push(bob);
    await alice.send(B, 'reopened');
    await settle(alice, bob);
    expect(bob.messages(A).at(-1)?.text).toBe('reopened');
  });
});
