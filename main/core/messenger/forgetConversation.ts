/**
 * Deleting a conversation (issue 24, finding 5): its messages, their reactions and edits,
 * their files' blobs and their search entries go, on this device and — through a
 * "conv_delete" change — on all my devices; the contact stays. The change names a time (the
 * deleting device's clock): what was sent up to then goes everywhere, what was sent later
 * (while the change travelled) stays. My contact is not told.
 */
import { unlink } from 'node:fs/promises';
import type { meow } from '../../../protocol/wire/proto.js';
import { blobPath } from '../attachments/attachments.js';
import type { Core } from '../core.js';
import { MeowError } from '../errors.js';
import type { StoredMessage } from '../storage/messageDb.js';

/** The time a conv_delete change carries (REFUSED when it carries none). */
export function forgetUpTo(p: meow.IDeviceSyncPayload): number {
  const upTo = Number(p.forgetUpTo ?? 0);
  if (!p.peerUid || !Number.isSafeInteger(upTo) || upTo <= 0)
    throw new MeowError('REFUSED', { detail: 'conv_delete without a conversation or a time' });
  return upTo;
}

/** Deletes here what was sent up to `upTo`; returns how many messages went. */
export async function forgetConversation(core: Core, peerUid: string, upTo: number): Promise<number> {
  return forgotten(core, peerUid, upTo, core.db.messages.forgetUpTo(peerUid, upTo));
}

/** Deletes the conversation on this device and tells my other devices (one transaction with the change). */
export async function deleteConversation(core: Core, peerUid: string): Promise<number> {
  const upTo = core.clock();
  const removed = core.db.sql.db.transaction(() => {
    const rows = core.db.messages.forgetUpTo(peerUid, upTo);
    core.db.outbox.enqueue(core.fanOut({ type: 'conv_delete', peerUid, upTo }));
    return rows;
  })();
  core.kickSend();
  return forgotten(core, peerUid, upTo, removed);
}

/** After the rows went: their files, the search index, and the service's views. */
export async function forgotten(
  core: Core,
  peerUid: string,
  upTo: number,
  removed: StoredMessage[],
): Promise<number> {
  await discardFiles(core, removed);
  core.emit('forgotten', { peerUid, upTo });
  // The service reloads the conversation and its summary (now empty, or what came later).
  core.emit('messages', { peerUid, stored: [], changed: [] });
  return removed.length;
}

/** The blobs of removed messages (best effort: a file already gone is fine). */
async function discardFiles(core: Core, removed: StoredMessage[]): Promise<void> {
  for (const m of removed)
    for (const f of m.files)
      await unlink(blobPath(core.dir, f)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT')
          core.log.warn('could not delete a file of a deleted conversation', { error: e.message });
      });
}
