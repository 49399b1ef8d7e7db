/**
 * What each of my devices can take. A device announces its device-protocol version and the
 * change kinds it applies — in its pairing or introduction card, and in a `device_caps`
 * change whenever an update gives it new ones — and no device ever sends a sibling a kind
 * it does not announce: an older build neither refuses nor loses what it cannot read.
 * A device that never announced (a build from before announcements) takes the LEGACY set.
 * A kind that arrives anyway is kept and reported (devices/deferred.ts), never acknowledged
 * and dropped.
 *
 * @example
 *   canReceive(sibling, 'batch'); // false for a sibling that did not announce "batch": one message per change
 */
import type { DeviceChannel } from '../peers/peer.js';
import type { SyncType } from './payloads.js';

/** The device-to-device protocol this build speaks (bumped when a change's meaning changes). */
export const DEVICE_PROTOCOL_VERSION = 1;

/** A change kind (a sync type), or a feature a newer build adds. */
export type Capability = SyncType | (string & {});

/** What a device announced before announcements existed: every kind of that build. */
const LEGACY: ReadonlySet<string> = new Set<SyncType>([
  'msg',
  'status',
  'peer_update',
  'identity_update',
  'server_add',
  'forward',
  'history',
  'device_intro',
  'device_card',
  'device_unlinked',
  'pair_confirm',
  'pair_refused',
  'pair_done',
  'handover_request',
  'handover',
  'device_name',
  'handover_ack',
  'pair_reveal',
  'pair_ok',
  'batch',
]);

/** What this build applies (the handler table's kinds; devices/handlers.ts checks it is complete). */
export const MY_CAPABILITIES: readonly Capability[] = [
  ...LEGACY,
  'device_caps',
  'action',
  'conv_state',
  'typing',
  'conv_delete',
  'group_update',
  'group_msg',
  'group_op',
  'contact_delete',
];

/** Whether `device` announced it takes `kind` (pairing steps and announcements always go). */
export function canReceive(device: DeviceChannel, kind: Capability): boolean {
  if (kind === 'device_caps' || kind.startsWith('pair_')) return true;
  return device.capabilities ? device.capabilities.includes(kind) : LEGACY.has(kind);
}

/** An announcement as it travels (cards and device_caps). */
export interface Announcement {
  version: number;
  capabilities: string[];
}

export function myAnnouncement(): Announcement {
  return { version: DEVICE_PROTOCOL_VERSION, capabilities: [...MY_CAPABILITIES] };
}

/** What the identity records as last announced: when it differs, my siblings are told again. */
export function announcementKey(): string {
  return `${DEVICE_PROTOCOL_VERSION}:${[...MY_CAPABILITIES].sort().join(',')}`;
}

/** An announcement received, bounded (a device cannot make this one hold megabytes). */
export function readAnnouncement(version: number, capabilities: readonly string[]): Announcement | null {
  if (!version) return null; // the card of a build from before announcements
  const caps = capabilities
    .filter((c) => typeof c === 'string' && c.length > 0 && c.length <= 64)
    .slice(0, 256);
  return { version, capabilities: [...new Set(caps)] };
}

/** The device record with what its card announced (a card from before announcements leaves it legacy). */
export function withCardAnnouncement(
  device: DeviceChannel,
  card: { deviceProtocol?: number | null; deviceCapabilities?: string[] | null },
): DeviceChannel {
  const a = readAnnouncement(card.deviceProtocol ?? 0, card.deviceCapabilities ?? []);
  return a ? { ...device, protocolVersion: a.version, capabilities: a.capabilities } : device;
}
