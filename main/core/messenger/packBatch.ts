/**
 * Packing outbox rows in runs: consecutive due rows of the everyday kind (a channel
 * ready to send, nothing to rotate, not packed yet) are packed together — every row's
 * bytes and each channel's final ratchet in ONE messages.db transaction, one fsync for
 * the run instead of one per row. The promise of prepare() in outbox.ts stays: the
 * ratchet step and the bytes it made commit together, before anything is posted, and the
 * keys are the ones prepare() packs with (sendingKeys: my previous signer during a rotation).
 * Channel locks are taken the way receiveBatch takes them (all idle, then synchronous).
 */
import { canSend, type RatchetState } from '../../../protocol/ratchet/doubleRatchet.js';
import { decodeRatchetState, encodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import { packUserMessage } from '../../../protocol/wire/packing.js';
import { decodeStrict, meow } from '../../../protocol/wire/proto.js';
import { isStorageFailure } from '../errors.js';
import type { Peer } from '../peers/peer.js';
import { sendingKeys } from '../peers/rotation.js';
import type { ServerRef } from '../records.js';
import type { OutboxRow } from '../storage/messageDb.js';
import type { Core } from './core.js';
import { channelLock } from './lockKeys.js';

export type Prepared = {
  row: OutboxRow;
  server: ServerRef;
  bytes: Uint8Array;
  packed: meow.IPackedUserMessage;
};

function peerFor(core: Core, row: OutboxRow): Peer | undefined {
  return row.channel === 'device' ? core.devices.get(row.peerUid) : core.peers.get(row.peerUid);
}

/** Whether `row` may be packed in a run (otherwise prepare() takes it alone). */
export function packable(core: Core, row: OutboxRow, drop: (peer: Peer) => boolean): boolean {
  if (row.packed || row.kind === 'rotate' || row.kind === 'reset') return false;
  const peer = peerFor(core, row);
  return (
    !!peer &&
    !drop(peer) &&
    !!peer.contactLookupKey &&
    !!peer.contactEncryption &&
    peer.contactPullServers.length > 0
  );
}

/** Packs a prefix of `rows` (all of them, unless one needs prepare()); returns it packed. */
export async function packRun(
  core: Core,
  rows: OutboxRow[],
  drop: (peer: Peer) => boolean,
): Promise<Prepared[]> {
  const keys = [...new Set(rows.map((r) => channelLock(r.channel, r.peerUid)))];
  if (!(await core.locks.whenIdle(keys))) return [];
  // From here to the commit: synchronous, so no other holder of these locks can interleave.
  const channels = new Map<string, { peer: Peer; ratchet: RatchetState }>();
  const prepared: Prepared[] = [];
  const finals: [Peer, Uint8Array][] = [];
  core.db.atomically(() => {
    for (const row of rows) {
      const key = channelLock(row.channel, row.peerUid);
      const known = channels.get(key);
      if (!known && !packable(core, row, drop)) break;
      const peer = known?.peer ?? peerFor(core, row)!;
      const ratchet = known?.ratchet ?? decodeRatchetState(peer.drState ?? new Uint8Array(0));
      if (!canSend(ratchet)) break; // prepare() defers it
      const servers = peer.contactPullServers;
      const server = servers[row.attempts % servers.length]!;
      let packed: ReturnType<typeof packUserMessage>;
      try {
        packed = core.db.atomically(() => {
          const message = decodeStrict(meow.UserMessage, 'UserMessage', row.plain);
          const p = packUserMessage(sendingKeys(peer), ratchet, message, peer.sessionEpoch);
          core.db.outbox.setPacked(row.id, p.bytes, server.url);
          return p;
        });
      } catch (e) {
        if (isStorageFailure(e)) throw e;
        break; // prepare() takes it alone, and reports what is wrong with it
      }
      channels.set(key, { peer, ratchet: packed.ratchet });
      prepared.push({ row, server, bytes: packed.bytes, packed: packed.packed });
    }
    for (const { peer, ratchet } of channels.values()) {
      const state = encodeRatchetState(ratchet);
      core.storeOf(peer).stageState(peer.uid, state, peer.lastActivityAt);
      finals.push([peer, state]);
    }
  });
  for (const [peer, state] of finals) core.storeOf(peer).noteState(peer.uid, state, peer.lastActivityAt);
  return prepared;
}
