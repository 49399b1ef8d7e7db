/**
 * A deleted message's files are deleted too: on every device that gets the deletion (mine and
 * the contact's, each through its own copy of the action), the copy at rest; on the relay, the
 * blob, by the device that uploaded it, when the message was deleted for everyone (a message
 * I delete only for me keeps its blob: the contact may not have fetched it yet).
 *
 * The deletion is announced inside its transaction (filesDropped); the files go after it,
 * and only those the stored message no longer has (a transaction rolled back keeps them).
 */
import { toHex } from '../../../protocol/crypto/bytes.js';
import type { MessengerEvents } from '../events.js';
import type { Logger } from '../log.js';
import type { MessageDb } from '../storage/messageDb.js';
import type { Attachments } from './attachments.js';

export function forgetDroppedFiles(ctx: {
  db: () => MessageDb;
  attachments: Attachments;
  log: Logger;
}): (...args: MessengerEvents['filesDropped']) => void {
  return (d) =>
    void setImmediate(() => {
      void (async () => {
        try {
          const still = new Set(
            (ctx.db().messages.get(d.peerUid, d.uuid)?.files ?? []).map((f) =>
              toHex(f.blobDigest ?? new Uint8Array(0)),
            ),
          );
          for (const f of d.files)
            if (!still.has(toHex(f.blobDigest ?? new Uint8Array(0))))
              await ctx.attachments.forget(f, d.relayToo);
        } catch (e) {
          // the relay prunes what it was not told to delete, after its retention
          ctx.log.warn('could not delete the files of a deleted message', { error: String(e) });
        }
      })();
    });
}
