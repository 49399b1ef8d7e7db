/**
 * Both sides rotate their keys of one conversation at once (peers/rekey.ts): each rotation
 * goes to a queue the other side closes as its own rotation goes out. Whichever order they
 * sync in, they end on one session with each other's newest keys, and talk both ways.
 */
import { describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { contactSafetyNumber } from '../../main/core/peers/safetyNumber.js';
import { befriend, createProfile, settle, useEnv } from '../core/harness.js';

const inbound = (m: Messenger, contact: string) =>
  m
    .messages(contact)
    .filter((x) => !x.outbound)
    .map((x) => x.text);

describe('crossing rotations', () => {
  const env = useEnv();

  it.each([
    ['a first', true],
    ['x first', false],
  ])('settle on one session and keep talking (%s)', async (name, aFirst) => {
    const tag = aFirst ? 'cr1' : 'cr2';
    const a = await createProfile(env, `${tag}-a`);
    const x = await createProfile(env, `${tag}-x`);
    try {
      await befriend(a, x);
      await x.send(`${tag}-a`, 'hi');
      await settle(x, a);
      const ax = a.findContact(`${tag}-x`).uid;
      const xa = x.findContact(`${tag}-a`).uid;
      a.rotateChannel('peer', ax);
      x.rotateChannel('peer', xa);
      await a.send(ax, 'from a during the rotations');
      await x.send(xa, 'from x during the rotations');
      const [p, q] = aFirst ? [a, x] : [x, a];
      await settle(p, q, p, q);
      const pa = a.peers.get(ax)!;
      const px = x.peers.get(xa)!;
      expect(pa.session.epoch).toBe(px.session.epoch);
      expect(pa.contactPublicKey).toEqual(px.myIdentity.publicKey);
      expect(px.contactPublicKey).toEqual(pa.myIdentity.publicKey);
      expect(contactSafetyNumber(pa)).toBe(contactSafetyNumber(px));
      expect(inbound(x, xa)).toEqual(['from a during the rotations']);
      expect(inbound(a, ax)).toEqual(['hi', 'from x during the rotations']);
      await a.send(ax, 'after');
      await x.send(xa, 'after too');
      await settle(a, x, a, x);
      expect(inbound(x, xa)).toEqual(['from a during the rotations', 'after']);
      expect(inbound(a, ax)).toEqual(['hi', 'from x during the rotations', 'after too']);
      expect(a.db.outbox.size() + x.db.outbox.size()).toBe(0);
      void name;
    } finally {
      await Promise.all([a.close(), x.close()]);
    }
  });
});
