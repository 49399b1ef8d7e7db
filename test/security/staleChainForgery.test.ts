/**
 * Issue 20, finding 1: a thief keeps a copy of an ex-primary's record of a contact (B drove X
 * for a while, then handed X back to A). A unlinks B and X applies A's rotation. The thief
 * then advances the stolen ratchet a few steps (a receiver accepts skipping ahead) and signs
 * with A's previous signing key. Nothing of it may be shown by X — neither through the relay
 * (which must no longer admit the old key) nor handed to X's receive path directly (X must
 * refuse the old key and the old chain on its own) — and the conversation goes on both ways.
 */
import { describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { channelKeys, type Peer } from '../../main/core/peers/peer.js';
import { receiveOne } from '../../main/core/receive/receive.js';
import { decodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { packUserMessage, type Packed } from '../../protocol/wire/packing.js';
import { meow } from '../../protocol/wire/proto.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

const inbound = (m: Messenger, contact: string) =>
  m
    .messages(contact)
    .filter((x) => !x.outbound)
    .map((x) => x.text);

/** The thief's forgeries: the stolen chain advanced `skip` steps, signed with the stolen (previous) key. */
function forge(stolen: Peer, texts: string[], skip: number): Packed[] {
  let ratchet = decodeRatchetState(stolen.drState!);
  const out: Packed[] = [];
  for (let i = 0; i < skip + texts.length; i++) {
    const text = texts[i - skip] ?? `burnt ${i}`;
    const p = packUserMessage(
      channelKeys(stolen),
      ratchet,
      meow.UserMessage.create({ type: 'text', text, status: { uuid: `forged-${text}`, sent: Date.now() } }),
      stolen.session.epoch,
    );
    ratchet = p.ratchet;
    if (i >= skip) out.push(p);
  }
  return out;
}

describe('a stolen pre-rotation copy cannot speak for me after the unlink', () => {
  const env = useEnv();

  it('the thief advances the stolen ratchet and signs with my previous key: the contact shows nothing of it', async () => {
    const a = await createProfile(env, 'forge-a');
    const x = await createProfile(env, 'forge-x');
    const b = await createBlankDevice(env, 'forge-b');
    try {
      await befriend(a, x);
      await x.send('forge-a', 'hello');
      await settle(x, a);
      await pairDevices(a, b);
      const uid = a.findContact('forge-x').uid;
      // b drives x for a while; the thief copies b's folder then…
      await b.deviceSync.requestPrimary(uid);
      await settle(b, a, x, b, a, x); // b rotates x's keys as it takes x over
      const stolen: Peer = structuredClone(b.peers.get(uid)!);
      expect(stolen.drState).not.toBeNull();
      // …and b hands x back to a
      await a.deviceSync.requestPrimary(uid);
      await settle(a, b, a, b);
      expect(a.peers.get(uid)!.primary).toBeNull();

      await a.deviceSync.unlink(a.deviceSync.deviceById(b.identity.uid)!.uid);
      await a.flushOutbox();
      await settle(x, a, x, a); // x applies the rotation (and a hears back)
      await a.send(uid, 'one more from a');
      await settle(a, x, a, x);
      expect(inbound(x, 'forge-a')).toEqual(['one more from a']);

      const [viaRelay, direct] = forge(stolen, ['forged via the relay', 'forged directly'], 5);
      // Through the relay: refused there (the old sender key is dropped) or, if posted, by x.
      await env.relay
        .client()
        .post([viaRelay!.packed])
        .catch(() => undefined);
      await settle(x, a, x);
      // Straight into x's receive path, as if a relay still admitted it.
      await receiveOne(x.core, { id: 'forged-direct', message: direct!.packed }, null);

      const shown = inbound(x, 'forge-a');
      expect(shown).not.toContain('forged via the relay');
      expect(shown).not.toContain('forged directly');
      // and the conversation goes on both ways, on keys the thief never had
      await x.send('forge-a', 'still talking');
      await settle(x, a, x, a);
      expect(inbound(a, uid)).toContain('still talking');
      await a.send(uid, 'me too');
      await settle(a, x, a, x);
      expect(inbound(x, 'forge-a')).toEqual(['one more from a', 'me too']);
    } finally {
      await Promise.all([a.close(), x.close(), b.close()]);
    }
  });
});
