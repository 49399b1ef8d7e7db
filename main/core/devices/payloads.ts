/**
 * What travels between my devices: DeviceSyncPayloads inside UserMessages of type
 * "device_sync", and the JSON snapshots they carry (peer records, profile, servers,
 * device channels). Everything received is validated with zod before it is applied.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { fromUtf8, utf8 } from '../../crypto/bytes.js';
import { decodeStrict, encode, meow } from '../../wire/proto.js';
import { MeowError } from '../errors.js';
import { peerFromJson, peerJsonSchema, peerToJson, type Peer } from '../peers/peer.js';
import { serverRefSchema, versionSchema, type ServerRef, type Version } from '../records.js';
import type { OutboxItem } from '../storage/messageDb.js';

export type SyncType =
  | 'msg'
  | 'status'
  | 'peer_update'
  | 'identity_update'
  | 'server_add'
  | 'forward'
  | 'history'
  | 'device_link'
  | 'device_unlinked'
  | 'pair_confirm'
  | 'pair_refused'
  | 'pair_done'
  | 'handover_request'
  | 'handover'
  | 'device_name';

/** A device_sync UserMessage for one sibling, as an outbox row. */
export function syncItem(device: Peer, payload: meow.IDeviceSyncPayload, myDeviceId: string): OutboxItem {
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
 * PeerData: the full peer record (keys included, per the plan's sync scope) but
 * never the contact's ratchet state: with the primary relay only the primary
 * drives it. `primaryDeviceId` names the primary by its device id, which each
 * device maps to its own device-peer uid.
 */
const peerDataSchema = peerJsonSchema.extend({ primaryDeviceId: z.string() });

export function encodePeerData(peer: Peer, primaryDeviceId: string): Uint8Array {
  const json = { ...peerToJson(peer), drState: null, pairing: null, primaryDeviceId };
  return utf8(JSON.stringify(json));
}

export function decodePeerData(bytes: Uint8Array): { peer: Peer; primaryDeviceId: string } {
  const j = parseJson(bytes, peerDataSchema, 'peer_update');
  if (j.type !== 'contact')
    throw new MeowError('REFUSED', { detail: 'peer_update: only contacts are synced this way' });
  return { peer: peerFromJson(j), primaryDeviceId: j.primaryDeviceId };
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
