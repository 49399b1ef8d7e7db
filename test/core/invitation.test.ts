/** Invitation cards and links: formats, damage, expiry, reuse. */
import { describe, expect, it } from 'vitest';
import { toBase64Url } from '../../protocol/crypto/bytes.js';
import { newIdentity } from '../../main/core/identity/identity.js';
import {
  answerInvitation,
  createInvitation,
  finalizeInvitation,
  longLink,
  openCardBlob,
  parseLink,
  sealCardBlob,
  shortLink,
} from '../../main/core/peers/invitation.js';
import { fakeServerRef } from '../helpers/relay.js';
import { encode, meow } from '../../protocol/wire/proto.js';

const server = fakeServerRef();
const alice = newIdentity({ nickname: 'Alice', deviceName: 'laptop', servers: [server] });
const bob = newIdentity({ nickname: 'Bob', deviceName: 'desktop', servers: [server] });

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'OK';
}

describe('invitations', () => {
  it('long and short links round-trip the card', () => {
    const { card } = createInvitation(alice, { name: 'Bob', type: 'contact' });
    const long = parseLink(longLink(card));
    expect(long.form === 'long' && long.card.invitationId).toBe(card.invitationId);
    const { blob, key } = sealCardBlob(card);
    const short = parseLink(shortLink('invite', server.url, 'abcdefghijkl', key));
    expect(short).toMatchObject({ form: 'short', kind: 'invite', server: server.url, id: 'abcdefghijkl' });
    if (short.form !== 'short') throw new Error('expected a short link');
    expect(openCardBlob(blob, short.key).invitationId).toBe(card.invitationId);
  });

  it('damaged, truncated or tampered links are refused with BAD_LINK', () => {
    const { card } = createInvitation(alice, { name: 'Bob', type: 'contact' });
    const link = longLink(card);
    expect(code(() => parseLink('not a link'))).toBe('BAD_LINK');
    expect(code(() => parseLink('meow://elsewhere?c=AA'))).toBe('BAD_LINK');
    expect(code(() => parseLink(link.slice(0, link.length - 40)))).not.toBe('OK');
    expect(code(() => parseLink('meow://invite?c=%%%'))).toBe('BAD_LINK');
    const { blob } = sealCardBlob(card);
    const wrongKey = new Uint8Array(32).fill(9);
    expect(code(() => openCardBlob(blob, wrongKey))).toBe('BAD_LINK');
    const flipped = blob.slice();
    flipped[30]! ^= 1;
    expect(code(() => openCardBlob(flipped, sealCardBlob(card).key))).toBe('BAD_LINK');
    expect(
      code(() =>
        parseLink(
          `meow://invite?s=${encodeURIComponent('ftp://x')}&i=abcdefgh&k=${toBase64Url(new Uint8Array(32))}`,
        ),
      ),
    ).toBe('BAD_LINK');
    // a card whose keys were cut short
    const bad = meow.ContactCard.create({ ...card, encryptionPublicKey: new Uint8Array(31) });
    const parsed = parseLink(`meow://invite?c=${toBase64Url(encode(meow.ContactCard, bad))}`);
    if (parsed.form !== 'long') throw new Error('expected a long link');
    expect(code(() => answerInvitation(bob, parsed.card, { name: 'Alice', type: 'contact' }))).toBe(
      'BAD_LINK',
    );
    // a low-order "encryption key"
    const lowOrder = meow.ContactCard.create({ ...card, encryptionPublicKey: new Uint8Array(32) });
    expect(code(() => answerInvitation(bob, lowOrder, { name: 'Alice', type: 'contact' }))).toBe('BAD_LINK');
  });

  it('an expired invitation is refused as expired', () => {
    const { card } = createInvitation(alice, { name: 'Bob', type: 'contact', ttlMs: -1000 });
    expect(code(() => answerInvitation(bob, card, { name: 'Alice', type: 'contact' }))).toBe('LINK_EXPIRED');
  });

  it('a pairing link is not a contact invitation, and vice versa', () => {
    const { card } = createInvitation(alice, { name: 'laptop', type: 'device' });
    expect(code(() => answerInvitation(bob, card, { name: 'x', type: 'contact' }))).toBe('WRONG_LINK_KIND');
    expect(longLink(card)).toMatch(/^meow:\/\/pair\?/);
  });

  it('finalize accepts one answer for its own invitation only', () => {
    const { peer, card } = createInvitation(alice, { name: 'Bob', type: 'contact' });
    const { answer } = answerInvitation(bob, card, { name: 'Alice', type: 'contact' });
    const done = finalizeInvitation(peer, answer);
    expect(done.state).toBe('active');
    expect(done.contactName).toBe('Bob');
    expect(code(() => finalizeInvitation(done, answer))).toBe('REFUSED');
    const other = createInvitation(alice, { name: 'Carol', type: 'contact' });
    expect(code(() => finalizeInvitation(other.peer, answer))).toBe('REFUSED');
  });
});
