/**
 * Invitations (contacts and devices alike): InvitePeer → a ContactCard as a meow://
 * link / QR code; AnswerInvitation → a new peer plus the answer card to send back;
 * FinalizeInvitation → the inviter completes the peer from the answer.
 *
 * Links:
 *   long   meow://invite?c=<base64url ContactCard>            (works offline, bigger QR)
 *   short  meow://invite?s=<server url>&i=<id>&k=<base64url key>&f=<server fingerprint>
 *          the card, sealed with k, waits on the server's invitation store; f pins
 *          that server's key (./linkKeys.ts; links without f are trusted on first use)
 * Device pairing uses meow://pair?… with the same parameters.
 */
import { aeadDecrypt, aeadEncrypt } from '../../../protocol/crypto/aead.js';
import {
  encodeFields,
  fromBase64,
  fromBase64Url,
  randomBytes,
  toBase64,
  toBase64Url,
  toHex,
} from '../../../protocol/crypto/bytes.js';
import { checkX25519PublicKey, ed25519KeyPair, x25519KeyPair } from '../../../protocol/crypto/curves.js';
import { initReceiver, initSender } from '../../../protocol/ratchet/doubleRatchet.js';
import { encodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import { pad, unpadOrLegacy } from '../../../protocol/wire/padding.js';
import { decodeStrict, encode, meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import type { Identity } from '../identity/identity.js';
import type { ServerRef } from '../records.js';
import { isFingerprint } from './linkKeys.js';
import {
  channelDefaults,
  contactDefaults,
  deviceDefaults,
  type ChannelOf,
  type Peer,
  type PeerType,
} from './peer.js';
import { WEEK_MS } from '../durations.js';

export const CONTACT_INVITATION_TTL_MS = WEEK_MS;
export const DEVICE_PAIRING_TTL_MS = 10 * 60 * 1000;
const CARD_VERSION = 1;
const BLOB_AAD = encodeFields('meow/invitation-blob/v1');

export function serverRefToCard(s: ServerRef): meow.IServerCard {
  return {
    url: s.url,
    publicKey: fromBase64(s.publicKey),
    signingKey: fromBase64(s.signingKey),
    name: s.name,
  };
}

function serverRefFromCard(c: meow.IServerCard): ServerRef {
  let url: URL;
  try {
    url = new URL(c.url ?? '');
  } catch {
    throw new MeowError('BAD_LINK', { kind: 'unknown', reason: 'it names a server with an invalid address' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new MeowError('BAD_LINK', { kind: 'unknown', reason: 'it names a server that is not http(s)' });
  if (c.publicKey?.length !== 32 || c.signingKey?.length !== 32)
    throw new MeowError('BAD_LINK', { kind: 'unknown', reason: 'it names a server without valid keys' });
  return {
    url: c.url!,
    publicKey: toBase64(c.publicKey),
    signingKey: toBase64(c.signingKey),
    name: c.name ?? '',
  };
}

/** Settings of a relationship this device just made: receipts on, this device primary. */
function newPeerSettings() {
  return { shortLinkId: '', avatar: '', ...channelDefaults() };
}

/** The kind-specific half of a new channel (`deviceId`: the other device's id, for device channels). */
function ofKind(type: PeerType, deviceId: string) {
  return type === 'contact'
    ? { ...contactDefaults(), visible: true }
    : { ...deviceDefaults(deviceId), visible: false };
}

/** InvitePeer / InitDevicePairing: a new peer with fresh keys, and the card that invites the other side. */
export function createInvitation<K extends PeerType>(
  identity: Identity,
  opts: {
    name: string;
    type: K;
    ttlMs?: number;
    myName?: string;
    message?: string;
    servers?: ServerRef[];
    /** Device cards: what this device speaks and applies (devices/capabilities.ts). */
    announce?: { version: number; capabilities: string[] };
  },
): { peer: ChannelOf<K>; card: meow.ContactCard } {
  const now = Date.now();
  const servers = opts.servers ?? identity.servers;
  if (servers.length === 0) throw new MeowError('NO_SERVER', {});
  const peer: Peer = {
    ...ofKind(opts.type, ''),
    uid: toHex(randomBytes(16)),
    name: opts.name,
    contactName: '',
    myName: opts.myName ?? identity.nickname,
    myIdentity: ed25519KeyPair(),
    myEncryption: x25519KeyPair(),
    myLookup: ed25519KeyPair(),
    symKey: randomBytes(32),
    drKp: x25519KeyPair(),
    drRootKey: randomBytes(32),
    drInitiator: true,
    drState: null,
    contactPublicKey: null,
    contactEncryption: null,
    contactLookupKey: null,
    contactDrPublicKey: null,
    contactPullServers: [],
    myPullServers: servers,
    invitationId: toHex(randomBytes(16)),
    invitationExpiresAt:
      now + (opts.ttlMs ?? (opts.type === 'device' ? DEVICE_PAIRING_TTL_MS : CONTACT_INVITATION_TTL_MS)),
    state: 'invited',
    ...newPeerSettings(),
    status: '',
    version: { counter: 1, device: identity.uid },
    createdAt: now,
    lastActivityAt: now,
  };
  peer.drState = encodeRatchetState(initReceiver(peer.drRootKey, peer.drKp));
  const card = meow.ContactCard.create({
    name: peer.myName,
    contactPublicKey: peer.myIdentity.publicKey,
    encryptionPublicKey: peer.myEncryption.publicKey,
    lookupPublicKey: peer.myLookup.publicKey,
    pullServers: servers.map(serverRefToCard),
    symmetricKey: peer.symKey,
    drRootKey: peer.drRootKey,
    drPublicKey: peer.drKp.publicKey,
    invitationId: peer.invitationId,
    expiresAt: peer.invitationExpiresAt,
    version: CARD_VERSION,
    kind: opts.type,
    invitationMessage: opts.message ?? '',
    status: identity.status,
    deviceId: opts.type === 'device' ? identity.uid : '',
    deviceProtocol: opts.announce?.version ?? 0,
    deviceCapabilities: opts.announce?.capabilities ?? [],
  });
  return { peer: peer as ChannelOf<K>, card };
}

/** Checks a received card's shape; `requireInvite` for cards that start a relationship. */
export function validateCard(card: meow.ContactCard, requireInvite: boolean): ServerRef[] {
  const k32 = (b: Uint8Array | null | undefined) => b instanceof Uint8Array && b.length === 32;
  if (card.version !== CARD_VERSION)
    throw new MeowError('BAD_LINK', {
      kind: linkKind(card),
      reason: `unknown format (version ${card.version})`,
    });
  if (!k32(card.contactPublicKey) || !k32(card.encryptionPublicKey) || !k32(card.lookupPublicKey)) {
    throw new MeowError('BAD_LINK', {
      kind: linkKind(card),
      reason: 'a key is missing or has the wrong length',
    });
  }
  try {
    checkX25519PublicKey(card.encryptionPublicKey);
  } catch {
    throw new MeowError('BAD_LINK', { kind: linkKind(card), reason: 'it carries an invalid encryption key' });
  }
  if (card.pullServers.length === 0 || card.pullServers.length > 8)
    throw new MeowError('BAD_LINK', { kind: linkKind(card), reason: 'it names no usable message server' });
  if (card.kind !== 'contact' && card.kind !== 'device')
    throw new MeowError('BAD_LINK', { kind: 'unknown', reason: 'it is of an unknown kind' });
  if (requireInvite) {
    if (
      !k32(card.symmetricKey) ||
      !k32(card.drRootKey) ||
      !k32(card.drPublicKey) ||
      !/^[0-9a-f]{32}$/.test(card.invitationId)
    ) {
      throw new MeowError('BAD_LINK', { kind: linkKind(card), reason: 'its session keys are missing' });
    }
    try {
      checkX25519PublicKey(card.drPublicKey);
    } catch {
      throw new MeowError('BAD_LINK', { kind: linkKind(card), reason: 'it carries an invalid ratchet key' });
    }
  }
  return card.pullServers.map(serverRefFromCard);
}

/** AnswerInvitation / AnswerDevicePairing: my side of the relationship, from their card. */
export function answerInvitation<K extends PeerType>(
  identity: Identity,
  card: meow.ContactCard,
  opts: {
    name: string;
    type: K;
    myName?: string;
    now?: number;
    announce?: { version: number; capabilities: string[] };
  },
): { peer: ChannelOf<K>; answer: meow.ContactCard } {
  const now = opts.now ?? Date.now();
  const contactServers = validateCard(card, true);
  if (card.expiresAt && card.expiresAt < now) {
    throw new MeowError('LINK_EXPIRED', { kind: linkKind(card) });
  }
  if (card.kind !== opts.type) {
    throw new MeowError('WRONG_LINK_KIND', { expected: opts.type === 'device' ? 'pair' : 'invite' });
  }
  const myIdentity = ed25519KeyPair();
  const myEncryption = x25519KeyPair();
  const myLookup = ed25519KeyPair();
  const ratchet = initSender(new Uint8Array(card.drRootKey), new Uint8Array(card.drPublicKey));
  const peer: Peer = {
    ...ofKind(opts.type, card.deviceId),
    uid: toHex(randomBytes(16)),
    name: opts.name || card.name,
    contactName: card.name,
    myName: opts.myName ?? identity.nickname,
    myIdentity,
    myEncryption,
    myLookup,
    symKey: new Uint8Array(card.symmetricKey),
    // The answering side starts its ratchet from the card and keeps no DR key pair of its own;
    // the card's root key is kept only until the first message arrives (withoutInvitationSecrets).
    drKp: { publicKey: new Uint8Array(32), privateKey: new Uint8Array(32) },
    drRootKey: new Uint8Array(card.drRootKey),
    drInitiator: false,
    drState: encodeRatchetState(ratchet),
    contactPublicKey: new Uint8Array(card.contactPublicKey),
    contactEncryption: new Uint8Array(card.encryptionPublicKey),
    contactLookupKey: new Uint8Array(card.lookupPublicKey),
    contactDrPublicKey: new Uint8Array(card.drPublicKey),
    contactPullServers: contactServers,
    myPullServers: identity.servers,
    invitationId: card.invitationId,
    invitationExpiresAt: card.expiresAt,
    state: 'answered',
    ...newPeerSettings(),
    status: card.status,
    version: { counter: 1, device: identity.uid },
    createdAt: now,
    lastActivityAt: now,
  };
  const answer = meow.ContactCard.create({
    name: peer.myName,
    contactPublicKey: myIdentity.publicKey,
    encryptionPublicKey: myEncryption.publicKey,
    lookupPublicKey: myLookup.publicKey,
    pullServers: identity.servers.map(serverRefToCard),
    invitationId: card.invitationId,
    version: CARD_VERSION,
    kind: opts.type,
    // A pairing answer goes out before either person confirmed the code: nothing of the profile.
    status: opts.type === 'device' ? '' : identity.status,
    deviceId: opts.type === 'device' ? identity.uid : '',
    deviceProtocol: opts.announce?.version ?? 0,
    deviceCapabilities: opts.announce?.capabilities ?? [],
  });
  return { peer: peer as ChannelOf<K>, answer };
}

/** FinalizeInvitation: the inviter learns the answering side's keys. */
export function finalizeInvitation<T extends Peer>(peer: T, answer: meow.ContactCard, now = Date.now()): T {
  const servers = validateCard(answer, false);
  if (answer.invitationId !== peer.invitationId)
    throw new MeowError('REFUSED', { detail: 'the answer is for another invitation' });
  if (peer.state !== 'invited')
    throw new MeowError('REFUSED', { detail: 'this invitation was already answered' });
  if (answer.kind !== peer.type)
    throw new MeowError('REFUSED', { detail: 'the answer is of the wrong kind' });
  const done: T = {
    ...peer,
    contactName: answer.name,
    name: peer.name || answer.name,
    contactPublicKey: new Uint8Array(answer.contactPublicKey),
    contactEncryption: new Uint8Array(answer.encryptionPublicKey),
    contactLookupKey: new Uint8Array(answer.lookupPublicKey),
    contactPullServers: servers,
    status: answer.status,
    state: 'active',
    lastActivityAt: now,
  };
  return done.type === 'device' ? { ...done, deviceId: answer.deviceId } : done;
}

// ------------------------------------------------------------------- links

function linkKind(card: meow.ContactCard): 'invite' | 'pair' {
  return card.kind === 'device' ? 'pair' : 'invite';
}

export type ParsedLink =
  | { form: 'long'; kind: 'invite' | 'pair'; card: meow.ContactCard }
  | {
      form: 'short';
      kind: 'invite' | 'pair';
      server: string;
      id: string;
      key: Uint8Array;
      /** The server's key fingerprint (links made before fingerprints have none). */
      fingerprint?: string;
    };

export function longLink(card: meow.ContactCard): string {
  const kind = card.kind === 'device' ? 'pair' : 'invite';
  return `meow://${kind}?c=${toBase64Url(encode(meow.ContactCard, card))}`;
}

export function shortLink(
  kind: 'invite' | 'pair',
  server: string,
  id: string,
  key: Uint8Array,
  fingerprint?: string,
): string {
  const f = fingerprint ? `&f=${fingerprint}` : '';
  return `meow://${kind}?s=${encodeURIComponent(server)}&i=${encodeURIComponent(id)}&k=${toBase64Url(key)}${f}`;
}

/** Seals a card for the server's invitation store; the key travels only in the link. */
export function sealCardBlob(card: meow.ContactCard): { blob: Uint8Array; key: Uint8Array } {
  const key = randomBytes(32);
  return { blob: aeadEncrypt(key, pad(encode(meow.ContactCard, card)), BLOB_AAD), key }; // a size bucket, like messages
}

export function openCardBlob(blob: Uint8Array, key: Uint8Array): meow.ContactCard {
  let bytes: Uint8Array;
  try {
    bytes = unpadOrLegacy(aeadDecrypt(key, blob, BLOB_AAD));
  } catch {
    throw new MeowError('BAD_LINK', { kind: 'unknown', reason: 'its key does not open the stored card' });
  }
  return decodeCard(bytes);
}

function decodeCard(bytes: Uint8Array): meow.ContactCard {
  try {
    return decodeStrict(meow.ContactCard, 'ContactCard', bytes, 16 * 1024);
  } catch {
    throw new MeowError('BAD_LINK', { kind: 'unknown', reason: 'its card cannot be read' });
  }
}

export function parseLink(link: string): ParsedLink {
  const trimmed = link.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new MeowError('BAD_LINK', { kind: 'unknown', reason: 'it is not a meow:// link' });
  }
  if (url.protocol !== 'meow:')
    throw new MeowError('BAD_LINK', { kind: 'unknown', reason: 'it is not a meow:// link' });
  const kind = url.hostname;
  if (kind !== 'invite' && kind !== 'pair')
    throw new MeowError('BAD_LINK', { kind: 'unknown', reason: `unknown kind of meow:// link ("${kind}")` });
  const c = url.searchParams.get('c');
  if (c) {
    let bytes: Uint8Array;
    try {
      bytes = fromBase64Url(c);
    } catch {
      throw new MeowError('BAD_LINK', { kind, reason: 'it is damaged (bad encoding)' });
    }
    return { form: 'long', kind, card: decodeCard(bytes) };
  }
  const s = url.searchParams.get('s');
  const i = url.searchParams.get('i');
  const k = url.searchParams.get('k');
  if (!s || !i || !k) throw new MeowError('BAD_LINK', { kind, reason: 'it is incomplete' });
  let key: Uint8Array;
  try {
    key = fromBase64Url(k);
  } catch {
    throw new MeowError('BAD_LINK', { kind, reason: 'it is damaged (bad key encoding)' });
  }
  if (key.length !== 32) throw new MeowError('BAD_LINK', { kind, reason: 'it is damaged (bad key length)' });
  try {
    const server = new URL(s);
    if (server.protocol !== 'http:' && server.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new MeowError('BAD_LINK', { kind, reason: 'it names an invalid server address' });
  }
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(i))
    throw new MeowError('BAD_LINK', { kind, reason: 'it is damaged (bad id)' });
  const f = url.searchParams.get('f');
  if (f !== null && !isFingerprint(f))
    throw new MeowError('BAD_LINK', { kind, reason: 'it is damaged (bad server fingerprint)' });
  return { form: 'short', kind, server: s, id: i, key, ...(f ? { fingerprint: f } : {}) };
}
