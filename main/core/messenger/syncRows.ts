/**
 * Fan-out rows coalesced before packing: consecutive unpacked "msg" / "status" device_sync
 * rows queued for one sibling become ONE row carrying a "batch" payload (their payloads, in
 * order, each with its own dedup id), so a drain costs one pack (ratchet step, AEAD, sealed
 * box, signature) and one relay message per batch per sibling instead of one per change.
 *
 * The merge is one transaction (the first row's plaintext replaced, the others deleted),
 * before anything is packed: after a crash the rows are as they were, or merged — never
 * both. The merged row is then packed and posted like any other (pack.ts: its bytes
 * and the ratchet step commit together), so nothing is lost and nothing sent twice.
 *
 * Order per sibling holds: a group closes at the first row of its channel that cannot join
 * it (another sync type, a packed row, a bound reached, a dedup id already in it); rows of
 * other channels do not touch it.
 *
 * Only for a sibling that announced it applies "batch" (devices/capabilities.ts); any
 * other gets one message per change.
 */
import { randomUUID } from 'node:crypto';
import { encode, meow } from '../../../protocol/wire/proto.js';
import type { OutboxRow } from '../storage/messageDb.js';
import type { Core } from '../core.js';
import { canReceive } from '../devices/capabilities.js';
import { MAX_SYNC_BATCH, MAX_SYNC_BATCH_BYTES } from './limits.js';

/** The sync types a batch carries: what the receiving sibling's batched path applies. */
export const BATCHED_SYNC_TYPES: ReadonlySet<string> = new Set(['msg', 'status']);

interface Group {
  rows: OutboxRow[];
  payloads: meow.DeviceSyncPayload[];
  ids: Set<string>;
  bytes: number;
}

/** The fan-out change a row carries, if it may join a batch. */
function fanOutChange(row: OutboxRow): { payload: meow.DeviceSyncPayload; bytes: number } | null {
  if (row.channel !== 'device' || row.kind !== 'sync' || row.packed) return null;
  try {
    const message = meow.UserMessage.decode(row.plain); // written by this device: no strict decode needed
    if (message.type !== 'device_sync') return null;
    const payload = meow.DeviceSyncPayload.decode(message.appdata);
    if (!BATCHED_SYNC_TYPES.has(payload.syncType) || !payload.dedupId) return null;
    return { payload, bytes: message.appdata.length };
  } catch {
    return null; // prepare() reports what is wrong with it
  }
}

/** Merges runs of fan-out rows per sibling (see above); returns the rows left to pack, in order. */
export function mergeSyncRows(core: Core, rows: OutboxRow[]): OutboxRow[] {
  const groups: Group[] = [];
  const open = new Map<string, Group>(); // the group still filling, per sibling
  const out: OutboxRow[] = [];
  const batches = new Map<string, boolean>();
  const takesBatches = (uid: string) => {
    let yes = batches.get(uid);
    if (yes === undefined) {
      const d = core.devices.get(uid);
      yes = !!d && canReceive(d, 'batch');
      batches.set(uid, yes);
    }
    return yes;
  };
  for (const r of rows) {
    const change = r.channel === 'device' && takesBatches(r.peerUid) ? fanOutChange(r) : null;
    if (!change) {
      if (r.channel === 'device') open.delete(r.peerUid);
      out.push(r);
      continue;
    }
    const g = open.get(r.peerUid);
    // Encoded size of the batch ≈ the items plus a few bytes of framing each.
    const bytes = change.bytes + 4;
    // A change queued twice (same dedup id) goes in the next batch: a batch names each change once.
    const fits = g && g.rows.length < MAX_SYNC_BATCH && g.bytes + bytes <= MAX_SYNC_BATCH_BYTES;
    if (g && fits && !g.ids.has(change.payload.dedupId)) {
      g.rows.push(r);
      g.payloads.push(change.payload);
      g.ids.add(change.payload.dedupId);
      g.bytes += bytes;
      continue;
    }
    const fresh = { rows: [r], payloads: [change.payload], ids: new Set([change.payload.dedupId]), bytes };
    groups.push(fresh);
    open.set(r.peerUid, fresh);
    out.push(r);
  }
  for (const g of groups) {
    if (g.rows.length < 2) continue;
    const merged = batchPlain(g.payloads);
    core.db.outbox.merge(g.rows[0]!, g.rows.slice(1), merged);
    g.rows[0]!.plain = merged;
  }
  return out;
}

/** The device_sync UserMessage carrying `payloads` as one "batch". */
function batchPlain(payloads: meow.DeviceSyncPayload[]): Uint8Array {
  const dedupId = randomUUID();
  return encode(meow.UserMessage, {
    type: 'device_sync',
    appdata: encode(meow.DeviceSyncPayload, {
      syncType: 'batch',
      dedupId,
      deviceId: payloads[0]!.deviceId,
      batch: payloads.map((p) => ({ ...p, deviceId: '' })), // the batch names the device once
    }),
    status: { uuid: dedupId, sent: Date.now() },
  });
}
