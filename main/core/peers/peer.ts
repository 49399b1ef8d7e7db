/**
 * The Peer record: one relationship, with a contact or with one
 * of my own devices (`type = "device"`), holding every key of that channel, its
 * Double Ratchet, and its settings. Each relationship has fresh keys, so two
 * contacts can never correlate the same person.
 */
import { z } from 'zod';
import { wipePrivateKey, type KeyPair } from '../../../protocol/crypto/curves.js';
import type { ChannelKeys } from '../../../protocol/wire/packing.js';
import { b64, type ServerRef, type Version } from '../records.js';

export type PeerType = 'contact' | 'device';

export interface RetiredKeys {
  lookup: KeyPair;
  encryption: KeyPair;
  symKey: Uint8Array;
  until: number;
}

export const pairingStateSchema = z.object({
  // new: this is the device being added · existing: the one adding it · introduced: a channel
  // made through another device of mine (devices/introduction.ts)
  role: z.enum(['new', 'existing', 'introduced']),
  phase: z.enum(['waiting', 'code', 'syncing', 'done', 'refused']),
  code: z.string(),
  confirmed: z.boolean(),
  done: z.number().int().min(0),
  total: z.number().int().min(0),
  since: z.number(),
  by: z.string(), // name of the device that confirmed (on the new device)
  /** On the new device: the link it shows, until the pairing is answered. */
  link: z.string().default(''),
  /** On the existing device: how much history to send, chosen when the link was accepted. */
  historyDays: z.number().int().min(0).nullable().default(null),
  /** The person confirmed here that both codes match. */
  localConfirmed: z.boolean().default(false),
  /** The other device's person confirmed too (only then does anything private move). */
  otherConfirmed: z.boolean().default(false),
  /** This side's pairing nonce (base64), and the new device's commitment from its link. */
  nonce: z.string().default(''),
  commitment: z.string().default(''),
});
export type PairingState = z.infer<typeof pairingStateSchema>;

/** The pairing state of a device channel that is complete (introduced by `by`, or paired long ago). */
export function linkedPairing(by: string, since = Date.now()): PairingState {
  return {
    role: 'existing',
    phase: 'done',
    code: '',
    confirmed: true,
    done: 0,
    total: 0,
    since,
    by,
    link: '',
    historyDays: null,
    localConfirmed: true,
    otherConfirmed: true,
    nonce: '',
    commitment: '',
  };
}
/** invited: my card is out, no answer yet · answered: I answered their card · active: both sides have talked. */
export type PeerState = 'invited' | 'answered' | 'active';

/** A contact driven by another device of mine: which one, and while it is not known here yet, its device id. */
export interface PrimaryRoute {
  /** The uid of my device channel the contact's traffic goes through. */
  device: string;
  /**
   * The primary's device id as a summary named it, while that device is not known here (a
   * device paired meanwhile: `device` is then the summary's sender; see devices/handover.ts).
   */
  pending: string | null;
}

/**
 * The session of a channel's ratchet (peers/session.ts): 0 until it is first reset, the
 * ephemeral keys (hex) of the latest resets sent or taken (a replayed one is refused), and my
 * reset waiting for the other side's answer (its hex ephemeral key).
 */
export interface SessionState {
  epoch: number;
  resets: string[];
  mine: string | null;
}

/** What every channel has, a contact's or one of my devices': its keys, ratchet, queues and rotations. */
interface ChannelBase {
  uid: string;
  name: string; // what I call them
  contactName: string; // what they call themselves
  myName: string; // the name I show them
  myIdentity: KeyPair;
  myEncryption: KeyPair;
  myLookup: KeyPair;
  symKey: Uint8Array;
  drKp: KeyPair;
  drRootKey: Uint8Array;
  drInitiator: boolean; // true: I made the card (Bob's role, I receive first)
  drState: Uint8Array | null; // the ratchet state (ratchet/stateBinary.ts)
  contactPublicKey: Uint8Array | null;
  contactEncryption: Uint8Array | null;
  contactLookupKey: Uint8Array | null;
  contactDrPublicKey: Uint8Array | null;
  contactPullServers: ServerRef[];
  myPullServers: ServerRef[];
  invitationId: string;
  invitationExpiresAt: number;
  /** Id of the sealed card on my server's invitation store (short links); deleted once answered. */
  shortLinkId: string;
  state: PeerState;
  visible: boolean;
  avatar: string;
  status: string;
  version: Version;
  /** My keys of this channel before a rotation: their queue is still drained until `until`. */
  retired: RetiredKeys[];
  /** The other side's signing keys before it rotated, still accepted on my queue until `until`. */
  previousContactKeys: { key: Uint8Array; until: number }[];
  /**
   * After a rotation, my previous signing key: it still signs what I send until the other
   * side is known to have my new keys (its relay admits only the sender keys it registered).
   */
  oldSigner: { key: KeyPair; until: number } | null;
  /** New keys of mine staged by a rotation in progress (see peers/rotation.ts). */
  rotation: { identity: KeyPair; encryption: KeyPair; lookup: KeyPair; symKey: Uint8Array } | null;
  /** When my keys of this channel last changed (creation or rotation). */
  rotatedAt: number;
  session: SessionState;
  createdAt: number;
  lastActivityAt: number;
}

/** A relationship with a contact. */
export interface ContactChannel extends ChannelBase {
  type: 'contact';
  blocked: boolean;
  sendDeliveryAck: boolean;
  sendProcessingAck: boolean;
  messageNotification: boolean;
  /** null: this device drives the relationship (talks to the contact, pulls its queue). */
  primary: PrimaryRoute | null;
  /** How many times its keys moved between my devices, and the device whose acknowledgement is awaited. */
  handover: { seq: number; to: string | null };
  /** The two identity keys whose safety number the person compared, and when. */
  verified: { mine: Uint8Array; theirs: Uint8Array; at: number } | null;
}

/** A channel to another device of mine (hidden from my contacts). */
export interface DeviceChannel extends ChannelBase {
  type: 'device';
  /** The sibling's own id (its identity uid). */
  deviceId: string;
  /** Where pairing stands. */
  pairing: PairingState | null;
  /** Unlinked: the record stays only to refuse what the device still sends. */
  unlinked: boolean;
  /** The version of `name` (renameable from any of my devices). */
  nameVersion: Version;
  /** The device protocol it announced (0: never announced; devices/capabilities.ts). */
  protocolVersion: number;
  /** The change kinds it announced it applies; null: never announced (the legacy set). */
  capabilities: string[] | null;
}

/**
 * A channel: with a contact, or with one of my own devices. Each relationship has fresh keys,
 * so two contacts can never correlate the same person. Its record (keys, names, settings)
 * lives in the peer store; its live state (ratchet, last activity) in messages.db — PeerStore
 * owns both and hands out one record.
 */
export type Peer = ContactChannel | DeviceChannel;

/** Whether this device drives the channel: a device channel not unlinked, a contact it is the primary of. */
export function drivenHere(p: Peer): boolean {
  return p.type === 'device' ? !p.unlinked : !p.primary;
}

/** The channel type of a kind. */
export type ChannelOf<K extends PeerType> = K extends 'contact' ? ContactChannel : DeviceChannel;

/** The keys the packing layer needs for this channel. */
export function channelKeys(p: Peer): ChannelKeys {
  if (!p.contactEncryption || !p.contactLookupKey) throw new Error(`peer ${p.uid} has no contact keys yet`);
  return {
    myIdentity: p.myIdentity,
    myEncryption: p.myEncryption,
    myLookup: p.myLookup,
    symKey: p.symKey,
    contactPublicKey: p.contactPublicKey,
    contactEncryption: p.contactEncryption,
    contactLookupKey: p.contactLookupKey,
  };
}

/** Channel keys for an invitation I made: the answer's sender keys are not known yet. */
export function inviterChannelKeys(p: Peer): ChannelKeys {
  return {
    myIdentity: p.myIdentity,
    myEncryption: p.myEncryption,
    myLookup: p.myLookup,
    symKey: p.symKey,
    contactPublicKey: null,
    contactEncryption: new Uint8Array(32),
    contactLookupKey: new Uint8Array(32),
  };
}

export { b64 };

/** Whether the record still holds the invitation's ratchet secrets (see withoutInvitationSecrets). */
export function holdsInvitationSecrets(p: Peer): boolean {
  return p.drKp.privateKey.some((b) => b !== 0) || p.drRootKey.some((b) => b !== 0);
}

/**
 * The record without the invitation's ratchet secrets (the card's DR key pair and root
 * key). They only start the ratchet; once the first message on the channel has been
 * received the ratchet no longer needs them, and anyone holding a copy could read the
 * other side's first sending chain captured at the relay, or answer in my place before
 * I reply. Erased in memory too.
 */
export function withoutInvitationSecrets(p: Peer): Peer {
  if (!holdsInvitationSecrets(p)) return p;
  wipePrivateKey(p.drKp);
  p.drRootKey.fill(0);
  return {
    ...p,
    drKp: { publicKey: p.drKp.publicKey, privateKey: new Uint8Array(32) },
    drRootKey: new Uint8Array(32),
  };
}

/** The fields every new channel starts with, whoever makes it (invitation, answer, sync, introduction). */
export function channelDefaults(now = Date.now()) {
  return {
    retired: [] as RetiredKeys[],
    previousContactKeys: [] as { key: Uint8Array; until: number }[],
    oldSigner: null,
    rotation: null,
    rotatedAt: now,
    session: { epoch: 0, resets: [] as string[], mine: null } as SessionState,
  };
}

/** What a new contact channel starts with beyond the shared fields. */
export function contactDefaults() {
  return {
    type: 'contact' as const,
    blocked: false,
    sendDeliveryAck: true,
    sendProcessingAck: true,
    messageNotification: true,
    primary: null,
    handover: { seq: 0, to: null },
    verified: null,
  };
}

/** What a new device channel starts with beyond the shared fields. */
export function deviceDefaults(deviceId: string) {
  return {
    type: 'device' as const,
    deviceId,
    pairing: null,
    unlinked: false,
    nameVersion: { counter: 0, device: '' },
    protocolVersion: 0,
    capabilities: null as string[] | null,
  };
}
