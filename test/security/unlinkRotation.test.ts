/**
 * Finding 2 (unlink revokes): a device that once held a contact's keys (a sibling that was
 * its primary for a while) keeps a copy if it is stolen. Unlinking it now rotates every
 * channel the remaining devices drive, through the ratchet: the contact learns new keys,
 * the stolen copy can no longer pull, delete or sign anything new, and nothing the
 * contact sent in between is lost (the old queue is drained, then dropped).
 */
import { describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { channelKeys, type Peer } from '../../main/core/peers/peer.js';
import { RETIRED_DRAIN_MS } from '../../main/core/peers/rotation.js';
import { decodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { packUserMessage } from '../../protocol/wire/packing.js';
import { meow } from '../../protocol/wire/proto.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

const inbound = (m: Messenger, contact: string) =>
  m
    .messages(contact)
    .filter((x) => !x.outbound)
    .map((x) => x.text);

describe('unlinking a device rotates what it could have kept', () => {
  const env = useEnv();

  it('a stolen copy of a contact’s keys is useless once its device is unlinked; nothing sent meanwhile is lost', async () => {
    const a = await createProfile(env, 'rot-a');
    const x = await createProfile(env, 'rot-x');
    const b = await createBlankDevice(env, 'rot-b');
    try {
      await befriend(a, x);
      await x.send('rot-a', 'hello');
      await settle(x, a);
      await pairDevices(a, b);
      const uid = a.findContact('rot-x').uid;
      // b drives x for a while: the thief copies b's record of x then
      await b.deviceSync.requestPrimary(uid);
      await settle(b, a, x, b, a, x); // b rotates x's keys as it takes x over
      const stolen: Peer = structuredClone(b.peers.get(uid)!);
      expect(stolen.drState).not.toBeNull();
      await a.deviceSync.requestPrimary(uid); // and hands x back to a
      await settle(a, b, a, b);
      expect(a.peers.get(uid)!.primary).toBeNull();

      await a.deviceSync.unlink(a.deviceSync.deviceById(b.identity.uid)!.uid);
      await a.flushOutbox(); // the key update goes out
      // x writes before it has seen the update: that lands in the old queue…
      await x.send('rot-a', 'written before the update');
      await x.flushOutbox();
      await settle(a, x, a); // …which a still drains; x learns a's new keys
      await x.send('rot-a', 'after the update');
      await x.flushOutbox();

      // the thief: the old queue yields nothing new, and a message signed with the old keys is refused
      const thief = env.relay.client();
      const drained = await thief.pull([stolen.myLookup], { timeoutMs: 0 });
      expect(drained.messages).toEqual([]);
      const forged = packUserMessage(
        channelKeys(stolen),
        decodeRatchetState(stolen.drState!),
        meow.UserMessage.create({
          type: 'text',
          text: 'forged',
          status: { uuid: 'forged', sent: Date.now() },
        }),
      );
      await thief.post([forged.packed]).catch(() => undefined); // the relay may refuse it already

      await settle(a, x, a);
      expect(inbound(a, uid)).toEqual(['hello', 'written before the update', 'after the update']);
      expect(inbound(x, 'rot-a')).not.toContain('forged');
      expect(a.peers.get(uid)!.myLookup.publicKey).not.toEqual(stolen.myLookup.publicKey);
      // and the conversation goes on both ways
      await a.send(uid, 'still here');
      await settle(a, x);
      expect(inbound(x, 'rot-a')).toEqual(['still here']);
    } finally {
      await Promise.all([a.close(), x.close(), b.close()]);
    }
  });

  it('what I send right after a rotation waits for the contact to take it, then goes signed with the new key only', async () => {
    const a = await createProfile(env, 'rot-c');
    const x = await createProfile(env, 'rot-y');
    try {
      await befriend(a, x);
      await x.send('rot-c', 'hello');
      await settle(x, a);
      const uid = a.findContact('rot-y').uid;
      const before = a.peers.get(uid)!.myIdentity.publicKey;
      const notices: string[] = [];
      a.on('notice', (n: { code: string }) => notices.push(`a:${n.code}`));
      x.on('notice', (n: { code: string }) => notices.push(`x:${n.code}`));
      expect(a.rotateChannel('peer', uid)).toBe(true);
      await a.flushOutbox(); // the rotation goes out; a's keys switch at once
      expect(a.peers.get(uid)!.myIdentity.publicKey).not.toEqual(before);
      // the old key signs no message any more (only a reset, until x is heard on the new queue)
      // x has not taken it yet: what a writes now waits (its new session starts with x's answer)
      const early = await a.send(uid, 'right after the rotation');
      await a.flushOutbox();
      expect(a.messages(uid).find((m) => m.uuid === early.uuid)!.state).toBe('pending');
      await settle(x, a, x, a);
      expect(a.messages(uid).find((m) => m.uuid === early.uuid)!.state).not.toBe('pending');
      expect(a.db.outbox.size()).toBe(0);
      expect(inbound(x, 'rot-c')).toEqual(['right after the rotation']);
      expect(notices).toEqual([]); // a rotation is no restore: nobody is told of a new session
      // x refuses a's old key from the moment it took the rotation: no grace for a stolen copy
      const xa = x.peers.get(x.findContact('rot-c').uid)!;
      expect(xa.previousContactKeys).toEqual([]);
      expect(xa.contactPublicKey).toEqual(a.peers.get(uid)!.myIdentity.publicKey);
      await x.send('rot-c', 'got your new keys');
      await settle(x, a);
      expect(inbound(a, uid)).toEqual(['hello', 'got your new keys']);
      expect(a.peers.get(uid)!.oldSigner).toBeNull();
      // the old queue's keys are kept while it is drained, and erased once the drain time is over
      expect(await a.dropDrainedQueues()).toBe(0);
      expect(a.peers.get(uid)!.retired).toHaveLength(1);
      expect(await a.dropDrainedQueues(Date.now() + RETIRED_DRAIN_MS + 1)).toBe(1);
      expect(a.peers.get(uid)!.retired).toEqual([]);
    } finally {
      await Promise.all([a.close(), x.close()]);
    }
  });
});
