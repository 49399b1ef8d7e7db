/**
 * Issue 11 through the messenger core against a real relay (embedded store and Redis):
 * queues registered with their one sender as relationships are made (contacts and
 * device channels), padded messages, a one-time owner key for short links, and links
 * that pin their server's key.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { serverFingerprint, shortLinkOwner } from '../../main/core/peers/linkKeys.js';
import { packUserMessage } from '../../protocol/wire/packing.js';
import { packed, startRelay } from '../helpers/relay.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  keysOfLinkHolder,
  pairDevices,
  settle,
  useEnv,
  type StoreKind,
} from './harness.js';

describe.each<StoreKind>(['embedded', 'redis'])('relay hardening through the core (%s store)', (kind) => {
  const env = useEnv(kind);
  const DAY = 24 * 3600_000;

  it('contact queues take only the contact: open for the answer, registered once the relationship exists', async () => {
    const a = await createProfile(env, `sa-${kind}`);
    const b = await createProfile(env, `sb-${kind}`);
    try {
      const { link, peer: invited } = await a.invite('B');
      // before the answer, the invitation queue is open (anyone with the link may answer)
      const holder = keysOfLinkHolder(invited);
      const early = packUserMessage(holder.keys, holder.ratchet, { type: 'text', text: 'junk' });
      expect(await env.relay.client().post([early.packed])).toHaveLength(1);
      await b.accept(link, 'A');
      await settle(a, b);
      const aQueue = a.findContact('B').myLookup;
      const bQueue = b.findContact('A').myLookup;
      const stored = await env.relay.store.senders(
        [toHex(aQueue.publicKey), toHex(bQueue.publicKey)],
        Date.now(),
      );
      expect(stored.get(toHex(aQueue.publicKey))!.map(toHex)).toEqual([
        toHex(a.findContact('B').contactPublicKey!),
      ]);
      expect(stored.get(toHex(bQueue.publicKey))!.map(toHex)).toEqual([
        toHex(b.findContact('A').contactPublicKey!),
      ]);
      // now the link holder, and any stranger, is refused on both queues
      const later = packUserMessage(holder.keys, early.ratchet, { type: 'text', text: 'more junk' });
      for (const m of [later.packed, packed(aQueue), packed(bQueue)])
        await expect(env.relay.client().post([m])).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
      // and the relationship works both ways
      await a.send('B', 'hello b');
      await b.send('A', 'hello a');
      await settle(a, b);
      expect(
        b
          .messages('A')
          .filter((m) => !m.outbound)
          .map((m) => m.text),
      ).toEqual(['hello b']);
      expect(
        a
          .messages('B')
          .filter((m) => !m.outbound)
          .map((m) => m.text),
      ).toEqual(['hello a']);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('device channels take only the sibling, on both sides of a pairing', async () => {
    const a = await createProfile(env, `da-${kind}`);
    const x = await createProfile(env, `dx-${kind}`);
    const a2 = await createBlankDevice(env, `da2-${kind}`);
    try {
      await befriend(a, x);
      await pairDevices(a, a2);
      const [onA, onA2] = [a.devices.all()[0]!, a2.devices.all()[0]!];
      for (const q of [onA.myLookup, onA2.myLookup])
        await expect(env.relay.client().post([packed(q)])).rejects.toMatchObject({ code: 'NOT_AUTHORIZED' });
      const secured = await env.relay.store.senders([toHex(onA.myLookup.publicKey)], Date.now());
      expect(secured.get(toHex(onA.myLookup.publicKey))!.map(toHex)).toEqual([toHex(onA.contactPublicKey!)]);
      // the sibling's real messages still flow (a message written on a2 reaches x through a)
      await a2.send(x.identity.nickname, 'from the second device');
      await settle(a2, a, x, a2);
      expect(x.messages(a.identity.nickname).map((m) => m.text)).toContain('from the second device');
    } finally {
      await Promise.all([a.close(), x.close(), a2.close()]);
    }
  });

  it('pads what it sends: texts of different lengths reach the relay in one size', async () => {
    const a = await createProfile(env, `pa-${kind}`);
    const b = await createProfile(env, `pb-${kind}`);
    try {
      await befriend(a, b);
      const bName = b.identity.nickname;
      for (const text of ['k', 'a'.repeat(120), 'how are you?']) await a.send(bName, text);
      await a.flushOutbox();
      const queue = toHex(b.findContact(a.identity.nickname).myLookup.publicKey);
      const { messages } = await env.relay.store.fetch([queue], 10, Date.now(), DAY);
      expect(messages).toHaveLength(3);
      expect(new Set(messages.map((m) => m.bytes.length)).size).toBe(1);
      await settle(a, b);
      expect(b.messages(a.identity.nickname).map((m) => m.text)).toEqual([
        'k',
        'a'.repeat(120),
        'how are you?',
      ]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("short links are owned by a one-time key, not the conversation's signing key, and still deleted once used", async () => {
    const a = await createProfile(env, `oa-${kind}`);
    const b = await createProfile(env, `ob-${kind}`);
    const n = await createBlankDevice(env, `on-${kind}`);
    try {
      const first = await a.invite('B');
      const second = await a.invite('C');
      const pairing = await n.pairing.init();
      const owners = [];
      for (const peer of [first.peer, second.peer, pairing.device]) {
        const inv = await env.relay.store.getInvitation(peer.shortLinkId);
        expect(inv).not.toBeNull();
        expect(toHex(inv!.ownerKey)).not.toBe(toHex(peer.myIdentity.publicKey));
        expect(toHex(inv!.ownerKey)).toBe(toHex(shortLinkOwner(peer).publicKey));
        owners.push(toHex(inv!.ownerKey));
      }
      expect(new Set(owners).size).toBe(3);
      await b.accept(first.link, 'A');
      await settle(a, b);
      expect(await env.relay.store.getInvitation(first.peer.shortLinkId)).toBeNull(); // deleted with its one-time key
    } finally {
      await Promise.all([a.close(), b.close(), n.close()]);
    }
  });

  it("links pin their server: a card with another key at the link's address is refused before anything is sent", async () => {
    const a = await createProfile(env, `fa-${kind}`);
    const b = await createProfile(env, `fb-${kind}`);
    const impostor = await startRelay(); // another key, as a man in the middle would answer
    try {
      const { link } = await a.invite('B');
      const server = a.identity.servers[0]!;
      expect(new URL(link).searchParams.get('f')).toBe(serverFingerprint(server));
      const swapped = link.replace(
        `s=${encodeURIComponent(env.relay.url)}`,
        `s=${encodeURIComponent(impostor.url)}`,
      );
      expect(swapped).not.toBe(link);
      await expect(b.accept(swapped, 'A')).rejects.toMatchObject({ code: 'SERVER_MISMATCH' });
      const metrics = await (await fetch(`${impostor.url}/metrics`)).text();
      expect(metrics).not.toMatch(/meow_requests_total\{type="invitation"/); // nothing was asked of it
      expect(b.contacts()).toEqual([]);
      // a tampered fingerprint is refused the same way; the genuine link works
      const wrongPrint = link.replace(
        /f=[A-Za-z0-9_-]{22}/,
        `f=${serverFingerprint({ signingKey: Buffer.from(ed25519KeyPair().publicKey).toString('base64') })}`,
      );
      await expect(b.accept(wrongPrint, 'A')).rejects.toMatchObject({ code: 'SERVER_MISMATCH' });
      await b.accept(link, 'A');
      await settle(a, b);
      expect(a.contacts().map((c) => c.state)).toEqual(['active']);
      // a link without a fingerprint (an older client's) is still accepted: trusted on first use
      const { link: legacy } = await a.invite('C');
      const c = await createProfile(env, `fc-${kind}`);
      try {
        await c.accept(legacy.replace(/&f=[A-Za-z0-9_-]{22}/, ''), 'A');
        expect(c.contacts()).toHaveLength(1);
      } finally {
        await c.close();
      }
    } finally {
      await Promise.all([a.close(), b.close(), impostor.close()]);
    }
  });
});
