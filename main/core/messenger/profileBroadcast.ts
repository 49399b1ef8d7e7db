/**
 * The profile notice (UserMessage type "profile"): when my name, status or picture changes —
 * here, or on another device of mine — every contact this device talks to (it is their
 * primary) learns it. Contacts I gave another name of mine keep seeing that name.
 */
import { fromBase64 } from '../../../protocol/crypto/bytes.js';
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { OutboxItem } from '../storage/messageDb.js';
import type { Core } from '../core.js';

/** The contacts whose "my name" followed my old nickname now get the new one. */
export async function renameMeForContacts(core: Core, before: string, after: string): Promise<void> {
  if (before === after) return;
  for (const p of core.peers.all()) {
    if (p.type !== 'contact' || p.myName !== before) continue;
    await core.updatePeer('contact', p.uid, (c) => (c.myName === before ? { ...c, myName: after } : null));
  }
}

/** One profile notice per contact this device is the primary for. */
export function profileNotices(core: Core): OutboxItem[] {
  const status = core.identity.status;
  const avatar = fromBase64(core.identity.avatar);
  return core.peers
    .all()
    .filter((p) => p.type === 'contact' && p.state !== 'invited' && !p.primary)
    .map((p) => ({
      channel: 'peer' as const,
      peerUid: p.uid,
      plain: encode(meow.UserMessage, { type: 'profile', nickname: p.myName, profileStatus: status, avatar }),
    }));
}
