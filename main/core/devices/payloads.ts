/**
 * What travels between my devices: DeviceSyncPayloads inside UserMessages of type
 * "device_sync", and the JSON snapshots they carry (peer records, profile, servers,
 * device channels). Everything received is validated with zod before it is applied.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { fromBase64, fromUtf8, toBase64, utf8 } from '../../../protocol/crypto/bytes.js';
import { decodeStrict, encode, meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import { MAX_SYNC_BATCH } from '../messenger/limits.js';
import {
  channelDefaults,
  contactDefaults,
  type ContactChannel,
  type DeviceChannel,
  type Peer,
  type PrimaryRoute,
} from '../peers/peer.js';
import { peerFromJson, peerJsonSchema, peerToJson } from '../peers/peerJson.js';
import { key32, serverRefSchema, versionSchema, type ServerRef, type Version } from '../records.js';
import type { OutboxItem } from '../storage/messageDb.js';

export type SyncType =
  | 'msg'
  | 'status'
  | 'peer_update'
  | 'identity_update'
  | 'server_add'
  | 'forward'
  | 'history'
  | 'device_intro'
  | 'device_card'
  | 'device_unlinked'
  | 'pair_confirm'
  | 'pair_refused'
  | 'pair_done'
  | 'handover_request'
  | 'handover'
  | 'device_name'
  | 'handover_ack'
  | 'pair_reveal'
  | 'pair_ok'
  | 'batch'
  | 'device_caps'
  | 'action'
  | 'conv_state'
  | 'group_update'
  | 'group_msg'
  | 'group_op';

/** A device_sync UserMessage for one sibling, as an outbox row. */
export function syncItem(
  device: DeviceChannel,
  payload: meow.IDeviceSyncPayload,
  myDeviceId: string,
): OutboxItem {
  const dedupId = payload.dedupId || randomUUID();
  const plain = encode(meow.UserMessage, {
    type: 'device_sync',
    appdata: encode(meow.DeviceSyncPayload, { ...payload, dedupId, deviceId: myDeviceId }),
    status: { uuid: dedupId, sent: Date.now() },
  });
  return { channel: 'device', peerUid: device.uid, plain, kind: 'sync' };
}

export function decodePayload(message: meow.UserMessage): meow.DeviceSyncPayload {
  if (message.type !== 'device_sync')
    throw new MeowError('REFUSED', { detail: `expected a device_sync message, got "${message.type}"` });
  return decodeStrict(meow.DeviceSyncPayload, 'DeviceSyncPayload', message.appdata);
}

/** A fan-out change as a batch carries it: a stored message or a status change, with its dedup id. */
export type BatchedChange = meow.DeviceSyncPayload & { dbMessage: meow.IDbMessage };

/**
 * The changes of a "batch" payload (messenger/syncRows.ts), checked before any is applied:
 * 1 to MAX_SYNC_BATCH of them, each a "msg" or "status" with its conversation, message and
 * a dedup id of its own. Anything else refuses the whole batch, saying which change and why.
 */
export function batchItems(p: meow.DeviceSyncPayload): BatchedChange[] {
  const refuse = (detail: string) => new MeowError('REFUSED', { detail: `batch: ${detail}` });
  if (p.batch.length === 0 || p.batch.length > MAX_SYNC_BATCH)
    throw refuse(`${p.batch.length} changes (1 to ${MAX_SYNC_BATCH} allowed)`);
  const ids = new Set<string>();
  p.batch.forEach((item, i) => {
    if (item.syncType !== 'msg' && item.syncType !== 'status')
      throw refuse(
        `change ${i + 1} has sync type "${item.syncType}" (only "msg" and "status" travel in a batch)`,
      );
    if (!item.dedupId) throw refuse(`change ${i + 1} has no dedup id`);
    if (ids.has(item.dedupId)) throw refuse(`change ${i + 1} repeats the dedup id of an earlier one`);
    if (!item.peerUid || !item.dbMessage) throw refuse(`change ${i + 1} names no conversation or message`);
    ids.add(item.dedupId);
  });
  return p.batch as BatchedChange[];
}

function parseJson<T>(bytes: Uint8Array, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(fromUtf8(bytes));
  } catch {
    throw new MeowError('REFUSED', { detail: `${what}: not JSON` });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new MeowError('REFUSED', { detail: `${what}: ${parsed.error.issues[0]?.message ?? 'invalid'}` });
  return parsed.data;
}

// ---------------------------------------------------------------- peer_update

/**
 * PeerData: what a sibling needs to show and route a contact — names, settings, state,
 * version, the two identity public keys (for safety numbers) and which device is the
 * contact's primary. Never a private
 * or symmetric key, never the ratchet, never the invitation's ratchet secrets: those stay
 * with the primary and move only in an acknowledged handover. `primaryDeviceId` names the
 * primary by its device id, which each device maps to its own device-peer uid.
 */
const contactSummarySchema = z.object({
  uid: z.string().min(1),
  name: z.string().max(256),
  contactName: z.string().max(256),
  myName: z.string().max(256),
  state: z.enum(['invited', 'answered', 'active']),
  visible: z.boolean(),
  blocked: z.boolean(),
  sendDeliveryAck: z.boolean(),
  sendProcessingAck: z.boolean(),
  messageNotification: z.boolean(),
  avatar: z.string(),
  status: z.string().max(1024),
  invitationId: z.string(),
  version: versionSchema,
  createdAt: z.number(),
  lastActivityAt: z.number(),
  myIdentityPublic: key32,
  contactPublicKey: key32.nullable(),
  verified: z.object({ mine: key32, theirs: key32, at: z.number() }).nullable().default(null),
  primaryDeviceId: z.string(),
});
export type ContactSummary = z.infer<typeof contactSummarySchema>;

export function contactSummary(peer: ContactChannel, primaryDeviceId: string): ContactSummary {
  return {
    uid: peer.uid,
    name: peer.name,
    contactName: peer.contactName,
    myName: peer.myName,
    state: peer.state,
    visible: peer.visible,
    blocked: peer.blocked,
    sendDeliveryAck: peer.sendDeliveryAck,
    sendProcessingAck: peer.sendProcessingAck,
    messageNotification: peer.messageNotification,
    avatar: peer.avatar,
    status: peer.status,
    invitationId: peer.invitationId,
    version: peer.version,
    createdAt: peer.createdAt,
    lastActivityAt: peer.lastActivityAt,
    myIdentityPublic: toBase64(peer.myIdentity.publicKey),
    contactPublicKey: peer.contactPublicKey ? toBase64(peer.contactPublicKey) : null,
    verified: peer.verified && {
      mine: toBase64(peer.verified.mine),
      theirs: toBase64(peer.verified.theirs),
      at: peer.verified.at,
    },
    primaryDeviceId,
  };
}

export function encodePeerData(peer: ContactChannel, primaryDeviceId: string): Uint8Array {
  return utf8(JSON.stringify(contactSummary(peer, primaryDeviceId)));
}

export function decodePeerData(bytes: Uint8Array): ContactSummary {
  return parseJson(bytes, contactSummarySchema, 'peer_update');
}

/** The fields of a contact a sibling takes from a summary (everything it may know). */
export function summaryFields(s: ContactSummary) {
  return {
    name: s.name,
    contactName: s.contactName,
    myName: s.myName,
    state: s.state,
    visible: s.visible,
    blocked: s.blocked,
    sendDeliveryAck: s.sendDeliveryAck,
    sendProcessingAck: s.sendProcessingAck,
    messageNotification: s.messageNotification,
    avatar: s.avatar,
    status: s.status,
    version: s.version,
    lastActivityAt: s.lastActivityAt,
  } satisfies Partial<ContactChannel>;
}

const noKey = (publicKey: Uint8Array = new Uint8Array(32)) => ({ publicKey, privateKey: new Uint8Array(32) });

/** A contact as a device that does not drive it holds it: shown and routed, no secret at all. */
export function contactFromSummary(s: ContactSummary, primary: PrimaryRoute | null): ContactChannel {
  return {
    ...contactDefaults(),
    uid: s.uid,
    ...summaryFields(s),
    myIdentity: noKey(fromBase64(s.myIdentityPublic)),
    myEncryption: noKey(),
    myLookup: noKey(),
    symKey: new Uint8Array(32),
    drKp: noKey(),
    drRootKey: new Uint8Array(32),
    drInitiator: false,
    drState: null,
    contactPublicKey: s.contactPublicKey ? fromBase64(s.contactPublicKey) : null,
    contactEncryption: null,
    contactLookupKey: null,
    contactDrPublicKey: null,
    contactPullServers: [],
    myPullServers: [],
    invitationId: s.invitationId,
    invitationExpiresAt: 0,
    shortLinkId: '',
    primary,
    ...channelDefaults(),
    verified: verifiedOf(s),
    createdAt: s.createdAt,
  };
}

/** The verification a summary carries. */
export function verifiedOf(s: ContactSummary): ContactChannel['verified'] {
  return (
    s.verified && {
      mine: fromBase64(s.verified.mine),
      theirs: fromBase64(s.verified.theirs),
      at: s.verified.at,
    }
  );
}

// ---------------------------------------------------------------- handover / device_link

/** A channel record with its ratchet (handover of a contact; a minted device channel). */
export function encodeFullPeer(peer: Peer): Uint8Array {
  return utf8(JSON.stringify(peerToJson(peer)));
}

export function decodeFullPeer(bytes: Uint8Array, what: string): Peer {
  return peerFromJson(parseJson(bytes, peerJsonSchema, what));
}

// ---------------------------------------------------------------- identity_update

/** IdentityProfileSnapshot: the profile fields only. RootKp, device key, devices, passwords: never. */
const profileSchema = z.object({
  nickname: z.string(),
  avatar: z.string(),
  status: z.string(),
  version: versionSchema,
  historyDays: z.number().int().min(0).optional(),
});
export type ProfileSnapshot = z.infer<typeof profileSchema>;

export function encodeProfile(p: ProfileSnapshot): Uint8Array {
  return utf8(JSON.stringify(p));
}

export function decodeProfile(bytes: Uint8Array): ProfileSnapshot {
  return parseJson(bytes, profileSchema, 'identity_update');
}

// ---------------------------------------------------------------- device_name

/** A device's new name (carried in identity_data), versioned so that renames from two devices converge. */
const deviceNameSchema = z.object({
  deviceId: z.string().min(1),
  name: z.string().min(1).max(64),
  version: versionSchema,
});
export type DeviceName = z.infer<typeof deviceNameSchema>;

export function encodeDeviceName(d: DeviceName): Uint8Array {
  return utf8(JSON.stringify(d));
}

export function decodeDeviceName(bytes: Uint8Array): DeviceName {
  return parseJson(bytes, deviceNameSchema, 'device_name');
}

// ---------------------------------------------------------------- server_add

const serversSchema = z.object({ servers: z.array(serverRefSchema).min(1).max(16), version: versionSchema });

export function encodeServers(servers: ServerRef[], version: Version): Uint8Array {
  return utf8(JSON.stringify({ servers, version }));
}

export function decodeServers(bytes: Uint8Array): { servers: ServerRef[]; version: Version } {
  return parseJson(bytes, serversSchema, 'server_add');
}
