/**
 * The keys of the core's KeyedMutex locks, in one place: every read-modify-write of a
 * channel record (its ratchet) holds that channel's lock; flushing holds the outbox's.
 */
export type ChannelKind = 'peer' | 'device';

/** The lock of one channel: a contact's ('peer') or one of my devices' ('device'). */
export function channelLock(kind: ChannelKind, uid: string): string {
  return `${kind}/${uid}`;
}

export const contactLock = (uid: string): string => channelLock('peer', uid);
export const deviceLock = (uid: string): string => channelLock('device', uid);
export const OUTBOX_LOCK = 'outbox';
