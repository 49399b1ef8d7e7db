/**
 * Multi-device security, findings 1, 2 (keys stay on the primary) and 4 (handover):
 *  1. the invitation's ratchet secrets are erased once the first message is received,
 *     and never travel to another device;
 *  2. a sibling holds none of a contact's private or symmetric keys, so a stolen sibling
 *     can neither pull nor acknowledge (delete) that contact's queue;
 *  4. a handover cannot lose the ratchet: the old primary keeps it until the new one
 *     acknowledges, and a rename racing the handover does not decide which copy wins.
 */
import { describe, expect, it } from 'vitest';
import { holdsSecrets } from '../../main/core/devices/secrets.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import type { Peer } from '../../main/core/peers/peer.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  pairDevices,
  settle,
  useEnv,
  type Env,
} from '../core/harness.js';

const zero = (b: Uint8Array) => b.every((x) => x === 0);
const texts = (m: Messenger, contact: string) =>
  m
    .messages(contact)
    .filter((x) => !x.outbound)
    .map((x) => x.text);

/** A primary `a` with contact `x`, and a sibling `b` paired to `a`. */
async function family(env: Env, tag: string): Promise<{ a: Messenger; b: Messenger; x: Messenger }> {
  const a = await createProfile(env, `a-${tag}`);
  const x = await createProfile(env, `x-${tag}`);
  await befriend(a, x);
  const b = await createBlankDevice(env, `b-${tag}`);
  await pairDevices(a, b);
  return { a, b, x };
}

describe('contact keys stay with the primary', () => {
  const env = useEnv();

  it('finding 1: the invitation ratchet secrets are gone once the first message is received, on both sides', async () => {
    const a = await createProfile(env, 'inv-a');
    const x = await createProfile(env, 'inv-x');
    try {
      await befriend(a, x);
      // the inviter has received the answer: its card's DR key pair and root key are gone
      const onA = a.findContact('inv-x');
      expect(onA.state).toBe('active');
      expect(zero(onA.drRootKey) && zero(onA.drKp.privateKey)).toBe(true);
      // the answering side keeps the card's root key only until the inviter's first message
      await a.send('inv-x', 'after the wipe');
      await settle(a, x);
      const onX = x.findContact('inv-a');
      expect(zero(onX.drRootKey) && zero(onX.drKp.privateKey)).toBe(true);
      // the ratchets still work both ways
      await x.send('inv-a', 'and back');
      await settle(a, x);
      expect(texts(x, 'inv-a')).toEqual(['after the wipe']);
      expect(texts(a, 'inv-x')).toEqual(['and back']);
    } finally {
      await Promise.all([a.close(), x.close()]);
    }
  });

  it('finding 2: a sibling holds no secret of a contact, so a stolen sibling can neither pull nor delete its messages', async () => {
    const { a, b, x } = await family(env, 'sib');
    try {
      const copy: Peer = b.findContact('x-sib');
      expect(copy.primary).not.toBeNull();
      expect(holdsSecrets(copy)).toBe(false);
      // x writes; a thief with b's disk tries to drain a's queue for x before a pulls it
      await x.send('a-sib', 'for the primary only');
      await x.flushOutbox();
      const thief = env.relay.client();
      const stolen = await thief
        .pull([copy.myLookup], { timeoutMs: 0 })
        .catch((e: { code: string }) => e.code);
      expect(stolen).toBe('BAD_PROOF');
      await settle(a, b);
      expect(texts(a, 'x-sib')).toEqual(['for the primary only']);
      expect(texts(b, 'x-sib')).toEqual(['for the primary only']); // b still sees the conversation
    } finally {
      await Promise.all([a.close(), b.close(), x.close()]);
    }
  });

  it('finding 4: make-primary then a rename before syncing leaves exactly one device with the ratchet', async () => {
    // The old tie-break compared record versions by device uid: the new primary lost the
    // ratchet whenever the old primary's uid sorted first. Build that ordering.
    let f: { a: Messenger; b: Messenger; x: Messenger; tag: string } | undefined;
    for (let i = 0; i < 8 && !f; i++) {
      const g = await family(env, `ho${i}`);
      if (g.a.identity.uid < g.b.identity.uid) f = { ...g, tag: `ho${i}` };
      else await Promise.all([g.a.close(), g.b.close(), g.x.close()]);
    }
    const { a, b, x, tag } = f!;
    try {
      const uid = b.findContact(`x-${tag}`).uid;
      await b.deviceSync.requestPrimary(uid);
      await b.updateContact(uid, { name: 'Xavier renamed on b' });
      await settle(b, a, b, a);
      const ratchets = [a, b].filter((d) => {
        const c = d.peers.get(uid)!;
        return !c.primary && !!c.drState;
      });
      expect(ratchets.map((d) => d.identity.uid)).toEqual([b.identity.uid]);
      // the old primary dropped its copy only after the acknowledgement
      expect(holdsSecrets(a.peers.get(uid)!)).toBe(false);
      expect(b.peers.get(uid)!.name).toBe('Xavier renamed on b');
      await b.send(uid, 'from the new primary');
      await x.send(`a-${tag}`, 'to the new primary');
      await settle(b, x, b, a);
      expect(texts(x, `a-${tag}`)).toEqual(['from the new primary']);
      expect(texts(b, uid)).toEqual(['to the new primary']);
      expect(texts(a, uid)).toEqual(['to the new primary']);
    } finally {
      await Promise.all([a.close(), b.close(), x.close()]);
    }
  });

  it('finding 4: only the current primary hands over, and a handover lost in transit is sent again', async () => {
    const { a, b, x } = await family(env, 'resend');
    const c = await createBlankDevice(env, 'c-resend');
    try {
      await pairDevices(a, c);
      await settle(a, b, c);
      const uid = b.findContact('x-resend').uid;
      // c asks b (not the primary) to hand x over: nothing moves
      const bOnC = c.deviceSync.siblings().find((d) => d.deviceId === b.identity.uid)!;
      c.db.outbox.enqueue([c.deviceSync.send(bOnC, 'handover_request', { peerUids: [uid] })]);
      await settle(c, b, a, c);
      expect(a.peers.get(uid)!.primary).toBeNull();
      // b asks a; a's handover is dropped unsent (lost), a keeps the keys and sends it again at restart
      await b.deviceSync.requestPrimary(uid);
      await settle(b);
      await a.pollServer(a.identity.servers[0]!.url, { timeoutMs: 0 }); // receives the request, queues the handover…
      const handover = a.db.outbox.forPeer('device', a.deviceSync.deviceById(b.identity.uid)!.uid);
      expect(handover.length).toBeGreaterThan(0);
      for (const row of handover) a.db.outbox.drop(row.id); // …which never leaves
      expect(holdsSecrets(a.peers.get(uid)!)).toBe(true);
      expect(await a.deviceSync.resumeHandovers()).toBe(1);
      await settle(a, b, a);
      expect(b.peers.get(uid)!.primary).toBeNull();
      expect(holdsSecrets(a.peers.get(uid)!)).toBe(false);
      await b.send(uid, 'after a resent handover');
      await settle(b, x);
      expect(texts(x, 'a-resend')).toEqual(['after a resent handover']);
    } finally {
      await Promise.all([a.close(), b.close(), c.close(), x.close()]);
    }
  });
});
