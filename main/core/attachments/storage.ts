/**
 * What files take on this device, per conversation, and clearing old ones: a cleared file
 * leaves its message as it was (name, size, preview) and is fetched again from the relay
 * when asked for, for as long as the relay keeps it.
 */
import type { Messenger } from '../messenger/messenger.js';

export interface ConversationUsage {
  contactId: string;
  name: string;
  /** Files kept on this device, and the bytes they take (encrypted, as kept). */
  files: number;
  bytes: number;
}

function conversations(m: Messenger, contactId?: string) {
  return m.peers
    .all()
    .filter((p) => p.type === 'contact' && p.visible && (!contactId || p.uid === contactId));
}

/** Each conversation that keeps files here, the largest first. */
export function fileUsage(m: Messenger): ConversationUsage[] {
  const out: ConversationUsage[] = [];
  for (const p of conversations(m)) {
    let files = 0;
    let bytes = 0;
    for (const msg of m.db.messages.list(p.uid))
      for (const f of msg.files) {
        const size = m.attachments.keptSize(f);
        if (size === null) continue;
        files++;
        bytes += size;
      }
    if (files) out.push({ contactId: p.uid, name: p.name, files, bytes });
  }
  return out.sort((a, b) => b.bytes - a.bytes);
}

/** Removes this device's copies of the files of messages older than `olderThanDays` (in one conversation, or all). */
export async function clearMedia(
  m: Messenger,
  opts: { olderThanDays: number; contactId?: string; now?: number },
): Promise<{ files: number; bytes: number }> {
  const before = (opts.now ?? Date.now()) - opts.olderThanDays * 86_400_000;
  let files = 0;
  let bytes = 0;
  for (const p of conversations(m, opts.contactId))
    for (const msg of m.db.messages.list(p.uid)) {
      if (msg.sentAt > before) continue;
      for (const f of msg.files) {
        const size = m.attachments.keptSize(f);
        if (size === null) continue;
        await m.attachments.removeKept(f);
        files++;
        bytes += size;
      }
    }
  return { files, bytes };
}
