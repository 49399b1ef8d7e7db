/**
 * The Peer record as stored and exchanged: flat JSON (every earlier version reads it), with
 * the typed channel (peer.ts) built from it and back. Kept apart from the types so that a
 * reader of the channel model is not a reader of its storage format.
 */
import { z } from 'zod';
import { fromBase64, toBase64 } from '../../../protocol/crypto/bytes.js';
import type { KeyPair } from '../../../protocol/crypto/curves.js';
import { ratchetStateFromJson, ratchetStateToJson } from '../../../protocol/ratchet/stateBinary.js';
import { key32, keyPairJson, keyPairSchema, serverRefSchema, versionSchema } from '../records.js';
import { pairingStateSchema, type Peer } from './peer.js';

const optKey = key32.nullable();

export const peerJsonSchema = z.object({
  uid: z.string().min(1),
  type: z.enum(['contact', 'device']),
  name: z.string(),
  contactName: z.string(),
  myName: z.string(),
  myIdentity: keyPairSchema,
  myEncryption: keyPairSchema,
  myLookup: keyPairSchema,
  symKey: key32,
  drKp: keyPairSchema,
  drRootKey: key32,
  drInitiator: z.boolean(),
  drState: z.string().nullable(), // JSON (stateJson.ts): every version reads it
  contactPublicKey: optKey,
  contactEncryption: optKey,
  contactLookupKey: optKey,
  contactDrPublicKey: optKey,
  contactPullServers: z.array(serverRefSchema),
  myPullServers: z.array(serverRefSchema),
  invitationId: z.string(),
  invitationExpiresAt: z.number(),
  shortLinkId: z.string().default(''),
  state: z.enum(['invited', 'answered', 'active']),
  visible: z.boolean(),
  blocked: z.boolean(),
  sendDeliveryAck: z.boolean(),
  sendProcessingAck: z.boolean(),
  messageNotification: z.boolean(),
  avatar: z.string(),
  status: z.string(),
  primaryDeviceUid: z.string(),
  primaryPendingId: z.string().default(''),
  deviceId: z.string().default(''),
  pairing: pairingStateSchema.nullable().default(null),
  unlinked: z.boolean().default(false),
  protocolVersion: z.number().int().min(0).default(0),
  capabilities: z.array(z.string().max(64)).max(256).nullable().default(null),
  version: versionSchema,
  nameVersion: versionSchema.default({ counter: 0, device: '' }),
  handoverSeq: z.number().int().min(0).default(0),
  handoverTo: z.string().default(''),
  retired: z
    .array(z.object({ lookup: keyPairSchema, encryption: keyPairSchema, symKey: key32, until: z.number() }))
    .default([]),
  previousContactKeys: z.array(z.object({ key: key32, until: z.number() })).default([]),
  oldSigner: z.object({ key: keyPairSchema, until: z.number() }).nullable().default(null),
  rotation: z
    .object({ identity: keyPairSchema, encryption: keyPairSchema, lookup: keyPairSchema, symKey: key32 })
    .nullable()
    .default(null),
  rotatedAt: z.number().default(0),
  verified: z.object({ mine: key32, theirs: key32, at: z.number() }).nullable().default(null),
  sessionEpoch: z.number().int().min(0).default(0),
  sessionResets: z.array(z.string().regex(/^[0-9a-f]{64}$/)).default([]),
  resetMine: z.string().default(''),
  createdAt: z.number(),
  lastActivityAt: z.number(),
});
export type PeerJson = z.infer<typeof peerJsonSchema>;

const kp = (k: { pub: string; priv: string }): KeyPair => ({
  publicKey: fromBase64(k.pub),
  privateKey: fromBase64(k.priv),
});
const optBytes = (s: string | null) => (s === null ? null : fromBase64(s));
const optB64 = (b: Uint8Array | null) => (b === null ? null : toBase64(b));

export function peerToJson(p: Peer): PeerJson {
  const base = {
    uid: p.uid,
    type: p.type,
    name: p.name,
    contactName: p.contactName,
    myName: p.myName,
    myIdentity: keyPairJson(p.myIdentity),
    myEncryption: keyPairJson(p.myEncryption),
    myLookup: keyPairJson(p.myLookup),
    symKey: toBase64(p.symKey),
    drKp: keyPairJson(p.drKp),
    drRootKey: toBase64(p.drRootKey),
    drInitiator: p.drInitiator,
    drState: p.drState && ratchetStateToJson(p.drState),
    contactPublicKey: optB64(p.contactPublicKey),
    contactEncryption: optB64(p.contactEncryption),
    contactLookupKey: optB64(p.contactLookupKey),
    contactDrPublicKey: optB64(p.contactDrPublicKey),
    contactPullServers: p.contactPullServers,
    myPullServers: p.myPullServers,
    invitationId: p.invitationId,
    invitationExpiresAt: p.invitationExpiresAt,
    shortLinkId: p.shortLinkId,
    state: p.state,
    visible: p.visible,
    avatar: p.avatar,
    status: p.status,
    version: p.version,
    retired: p.retired.map((r) => ({
      lookup: keyPairJson(r.lookup),
      encryption: keyPairJson(r.encryption),
      symKey: toBase64(r.symKey),
      until: r.until,
    })),
    previousContactKeys: p.previousContactKeys.map((k) => ({ key: toBase64(k.key), until: k.until })),
    oldSigner: p.oldSigner && { key: keyPairJson(p.oldSigner.key), until: p.oldSigner.until },
    rotation: p.rotation && {
      identity: keyPairJson(p.rotation.identity),
      encryption: keyPairJson(p.rotation.encryption),
      lookup: keyPairJson(p.rotation.lookup),
      symKey: toBase64(p.rotation.symKey),
    },
    rotatedAt: p.rotatedAt,
    sessionEpoch: p.session.epoch,
    sessionResets: p.session.resets,
    resetMine: p.session.mine ?? '',
    createdAt: p.createdAt,
    lastActivityAt: p.lastActivityAt,
  };
  // The stored and exchanged JSON stays flat (what every earlier version reads and writes).
  if (p.type === 'contact')
    return {
      ...base,
      blocked: p.blocked,
      sendDeliveryAck: p.sendDeliveryAck,
      sendProcessingAck: p.sendProcessingAck,
      messageNotification: p.messageNotification,
      primaryDeviceUid: p.primary?.device ?? '',
      primaryPendingId: p.primary?.pending ?? '',
      handoverSeq: p.handover.seq,
      handoverTo: p.handover.to ?? '',
      verified: p.verified && {
        mine: toBase64(p.verified.mine),
        theirs: toBase64(p.verified.theirs),
        at: p.verified.at,
      },
      deviceId: '',
      pairing: null,
      unlinked: false,
      nameVersion: { counter: 0, device: '' },
      protocolVersion: 0,
      capabilities: null,
    };
  return {
    ...base,
    blocked: false,
    sendDeliveryAck: false,
    sendProcessingAck: false,
    messageNotification: false,
    primaryDeviceUid: '',
    primaryPendingId: '',
    handoverSeq: 0,
    handoverTo: '',
    verified: null,
    deviceId: p.deviceId,
    pairing: p.pairing,
    unlinked: p.unlinked,
    nameVersion: p.nameVersion,
    protocolVersion: p.protocolVersion,
    capabilities: p.capabilities,
  };
}

export function peerFromJson(j: PeerJson): Peer {
  const base = {
    uid: j.uid,
    name: j.name,
    contactName: j.contactName,
    myName: j.myName,
    myIdentity: kp(j.myIdentity),
    myEncryption: kp(j.myEncryption),
    myLookup: kp(j.myLookup),
    symKey: fromBase64(j.symKey),
    drKp: kp(j.drKp),
    drRootKey: fromBase64(j.drRootKey),
    drInitiator: j.drInitiator,
    drState: j.drState === null ? null : ratchetStateFromJson(j.drState),
    contactPublicKey: optBytes(j.contactPublicKey),
    contactEncryption: optBytes(j.contactEncryption),
    contactLookupKey: optBytes(j.contactLookupKey),
    contactDrPublicKey: optBytes(j.contactDrPublicKey),
    contactPullServers: j.contactPullServers,
    myPullServers: j.myPullServers,
    invitationId: j.invitationId,
    invitationExpiresAt: j.invitationExpiresAt,
    shortLinkId: j.shortLinkId,
    state: j.state,
    visible: j.visible,
    avatar: j.avatar,
    status: j.status,
    version: j.version,
    retired: j.retired.map((r) => ({
      lookup: kp(r.lookup),
      encryption: kp(r.encryption),
      symKey: fromBase64(r.symKey),
      until: r.until,
    })),
    previousContactKeys: j.previousContactKeys.map((k) => ({ key: fromBase64(k.key), until: k.until })),
    oldSigner: j.oldSigner && { key: kp(j.oldSigner.key), until: j.oldSigner.until },
    rotation: j.rotation && {
      identity: kp(j.rotation.identity),
      encryption: kp(j.rotation.encryption),
      lookup: kp(j.rotation.lookup),
      symKey: fromBase64(j.rotation.symKey),
    },
    rotatedAt: j.rotatedAt,
    session: { epoch: j.sessionEpoch, resets: j.sessionResets, mine: j.resetMine || null },
    createdAt: j.createdAt,
    lastActivityAt: j.lastActivityAt,
  };
  if (j.type === 'contact')
    return {
      ...base,
      type: 'contact',
      blocked: j.blocked,
      sendDeliveryAck: j.sendDeliveryAck,
      sendProcessingAck: j.sendProcessingAck,
      messageNotification: j.messageNotification,
      primary: j.primaryDeviceUid
        ? { device: j.primaryDeviceUid, pending: j.primaryPendingId || null }
        : null,
      handover: { seq: j.handoverSeq, to: j.handoverTo || null },
      verified: j.verified && {
        mine: fromBase64(j.verified.mine),
        theirs: fromBase64(j.verified.theirs),
        at: j.verified.at,
      },
    };
  return {
    ...base,
    type: 'device',
    deviceId: j.deviceId,
    pairing: j.pairing,
    unlinked: j.unlinked,
    nameVersion: j.nameVersion,
    protocolVersion: j.protocolVersion,
    capabilities: j.capabilities,
  };
}

/** The schema the encrypted store validates records with: JSON in, Peer out. */
export const peerRecordSchema = peerJsonSchema.transform(peerFromJson);
