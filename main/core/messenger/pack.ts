/**
 * Packing outbox rows: each row is decided once (decidePack) — drop it, wait, post the bytes
 * it was packed into before, or pack it now with its channel's ratchet — and committed:
 * every packed row's bytes and each channel's final ratchet in ONE messages.db transaction,
 * before anything is posted, so the ratchet step and the bytes it made commit together
 * (never two ciphertexts under one key). Consecutive rows are decided and committed as a
 * run, under their channels' locks taken together (KeyedMutex.whileFree); a key rotation,
 * which stages new keys in the channel record before its key_update is packed and switches
 * to them after, is committed alone, under its channel's lock.
 */
import { canSend, type RatchetState } from '../../../protocol/ratchet/doubleRatchet.js';
import { decodeRatchetState, encodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import { packSessionReset, packUserMessage } from '../../../protocol/wire/packing.js';
import { decodeStrict, meow } from '../../../protocol/wire/proto.js';
import type { Core } from '../core.js';
import { isStorageFailure } from '../errors.js';
import { channelLock } from '../locks.js';
import type { ContactChannel, Peer } from '../peers/peer.js';
import { rotationReset, switchRekeyed } from '../peers/rekey.js';
import { keyUpdateMessage, sendingKeys, stageRotation, switchKeys } from '../peers/rotation.js';
import { nextVersion, type ServerRef } from '../records.js';
import { backoff } from '../retry.js';
import type { OutboxRow } from '../storage/messageDb.js';

export type Prepared = {
  row: OutboxRow;
  server: ServerRef;
  bytes: Uint8Array;
  packed: meow.IPackedUserMessage;
};

/** What the multi-device layer decides about a row at send time (its route was decided when queued). */
export interface SendRouting {
  /** A row for this peer is dropped unsent (a device unlinked since). */
  drop(peer: Peer): boolean;
  /** State a message takes when its row is accepted by the relay. */
  sentState(row: OutboxRow): 'sent' | null;
}

/** What becomes of one due row. */
type PackDecision =
  | { kind: 'drop'; why?: string }
  | { kind: 'defer'; retryInMs: number; reason: string }
  /** Ready to post: packed before (the same bytes again), or a session reset packed now (no ratchet). */
  | { kind: 'ready'; prepared: Prepared; record: boolean }
  /** Packed now: its bytes, and the channel's ratchet after it. */
  | { kind: 'pack'; prepared: Prepared; peer: Peer; ratchet: RatchetState }
  /** A rotation of my keys of the channel: alone (peers/rotation.ts). */
  | { kind: 'rotate'; peer: Peer; server: ServerRef; ratchet: RatchetState };

function peerOf(core: Core, row: OutboxRow): Peer | undefined {
  return row.channel === 'device' ? core.devices.get(row.peerUid) : core.peers.get(row.peerUid);
}

/** Decides `row`, with its channel as a run left it (`current`) or as stored. Writes nothing. */
function decidePack(
  core: Core,
  row: OutboxRow,
  routing: SendRouting,
  current?: { peer: Peer; ratchet: RatchetState },
): PackDecision {
  const peer = current?.peer ?? peerOf(core, row);
  if (!peer) return { kind: 'drop', why: 'outbox row for a peer that no longer exists: dropped' };
  if (routing.drop(peer)) return { kind: 'drop' };
  const servers = peer.contactPullServers;
  const wait = (reason: string) => ({
    kind: 'defer' as const,
    retryInMs: backoff(row.attempts, 2000, Math.min(30_000, core.retryCeilingMs)),
    reason,
  });
  if (!peer.contactLookupKey || !peer.contactEncryption || servers.length === 0)
    return wait('waiting for the invitation to be answered');
  const server = servers[row.attempts % servers.length]!;
  if (row.packed) {
    const packed = meow.PackedUserMessage.decode(row.packed);
    return { kind: 'ready', prepared: { row, server, bytes: row.packed, packed }, record: false };
  }
  if (row.kind === 'reset') {
    // A session reset (peers/session.ts) goes without the ratchet, which waits for its answer.
    const reset = decodeStrict(meow.SessionReset, 'SessionReset', row.plain);
    const p = packSessionReset(sendingKeys(peer, Date.now(), true), reset);
    return { kind: 'ready', prepared: { row, server, bytes: p.bytes, packed: p.packed }, record: true };
  }
  if (!current && !peer.drState && peer.type === 'contact' && peer.primary)
    // Queued while another device of mine took the contact over: a message waits for its
    // route (resumeHandovers gives it one); anything else is the new primary's to send.
    return row.messageUuid
      ? wait('waiting for the route through the device that drives this contact')
      : { kind: 'drop', why: 'outbox row for a contact another device drives: dropped' };
  const ratchet = current?.ratchet ?? decodeRatchetState(peer.drState ?? new Uint8Array(0));
  if (!canSend(ratchet)) return wait('waiting for the first message from the other side');
  if (row.kind === 'rotate') return { kind: 'rotate', peer, server, ratchet };
  const message = decodeStrict(meow.UserMessage, 'UserMessage', row.plain);
  const p = packUserMessage(sendingKeys(peer), ratchet, message, peer.session.epoch);
  return {
    kind: 'pack',
    prepared: { row, server, bytes: p.bytes, packed: p.packed },
    peer,
    ratchet: p.ratchet,
  };
}

/** What packing `rows` gave: rows ready to post, and rows that wait (with when to try again). */
export interface PackResult {
  ready: Prepared[];
  /** How many rows left the due set without being posted (dropped or deferred). */
  settled: number;
}

/** Packs `rows` in order: runs of them in one transaction each, rotations alone. */
export async function packAll(core: Core, rows: OutboxRow[], routing: SendRouting): Promise<PackResult> {
  const out: PackResult = { ready: [], settled: 0 };
  let i = 0;
  while (i < rows.length) {
    const done = await packRun(core, rows.slice(i), routing, out);
    i += done;
    if (done > 0) continue;
    await packOne(core, rows[i]!, routing, out); // a rotation, or a row that could not join a run
    i++;
  }
  return out;
}

const lockOf = (row: OutboxRow) => channelLock(row.channel, row.peerUid);

/** A prefix of `rows` decided and committed in one transaction; how many it took. */
async function packRun(
  core: Core,
  rows: OutboxRow[],
  routing: SendRouting,
  out: PackResult,
): Promise<number> {
  const keys = [...new Set(rows.map(lockOf))];
  const taken = await core.locks.whileFree(keys, () =>
    commitRows(core, out, (channels) => {
      const decided: [OutboxRow, PackDecision][] = [];
      for (const row of rows) {
        let d: PackDecision;
        try {
          d = decidePack(core, row, routing, channels.get(lockOf(row)));
        } catch (e) {
          if (isStorageFailure(e)) throw e;
          break; // packOne takes it alone, and reports what is wrong with it
        }
        if (d.kind === 'rotate') break;
        decided.push([row, d]);
        if (d.kind === 'pack') channels.set(lockOf(row), { peer: d.peer, ratchet: d.ratchet });
      }
      return decided;
    }),
  );
  return taken ?? 0;
}

/** One row alone, under its channel's lock: a key rotation, or a row a run could not take. */
async function packOne(core: Core, row: OutboxRow, routing: SendRouting, out: PackResult): Promise<void> {
  await core.locks.run(lockOf(row), async () => {
    const d = decidePack(core, row, routing); // what a run refused surfaces here
    if (d.kind === 'rotate') out.ready.push(await rotate(core, row, d));
    else commitRows(core, out, () => [[row, d]]);
  });
}

/**
 * Commits decided rows in one transaction (the caller holds their channels): dropped and
 * deferred rows leave the due set, packed rows get their bytes and each channel its final
 * ratchet. `decide` runs inside the transaction with the channels the run has moved.
 */
function commitRows(
  core: Core,
  out: PackResult,
  decide: (channels: Map<string, { peer: Peer; ratchet: RatchetState }>) => [OutboxRow, PackDecision][],
): number {
  const channels = new Map<string, { peer: Peer; ratchet: RatchetState }>();
  const staged: [Peer, Uint8Array][] = [];
  const ready: Prepared[] = [];
  let settled = 0;
  let n = 0;
  core.db.atomically(() => {
    const decided = decide(channels);
    n = decided.length;
    for (const [row, d] of decided) {
      if (d.kind === 'drop') {
        if (d.why) core.log.warn(d.why, { row: row.id, peer: row.peerUid });
        core.db.outbox.drop(row.id);
        settled++;
      } else if (d.kind === 'defer') {
        core.db.outbox.retry(row.id, d.reason, Date.now() + d.retryInMs);
        settled++;
      } else if (d.kind === 'ready' || d.kind === 'pack') {
        if (d.kind === 'pack' || d.record)
          core.db.outbox.setPacked(row.id, d.prepared.bytes, d.prepared.server.url);
        if (d.kind === 'pack') channels.set(lockOf(row), { peer: d.peer, ratchet: d.ratchet });
        ready.push(d.prepared);
      }
    }
    for (const { peer, ratchet } of channels.values()) {
      const state = encodeRatchetState(ratchet);
      core.storeOf(peer).stageState(peer.uid, state, peer.lastActivityAt);
      staged.push([peer, state]);
    }
  });
  for (const [peer, state] of staged) core.storeOf(peer).noteState(peer.uid, state, peer.lastActivityAt);
  out.ready.push(...ready);
  out.settled += settled;
  return n;
}

/**
 * A key rotation (peers/rotation.ts): new keys staged durably, then — for one of my devices'
 * channels — the key_update packed with the current ones (after everything queued before it)
 * and the new keys become mine; a contact's goes in a session reset (rotateContact).
 */
async function rotate(
  core: Core,
  row: OutboxRow,
  d: Extract<PackDecision, { kind: 'rotate' }>,
): Promise<Prepared> {
  const { peer, server, ratchet } = d;
  const store = core.storeOf(peer);
  let current = peer;
  if (!peer.rotation) {
    current = stageRotation(peer);
    await store.putRecord(current);
  }
  if (current.type === 'contact') return rotateContact(core, row, current, server);
  const packed = packUserMessage(
    sendingKeys(current),
    ratchet,
    meow.UserMessage.create(keyUpdateMessage(current)),
    peer.session.epoch,
  );
  const state = encodeRatchetState(packed.ratchet);
  core.db.atomically(() => {
    store.stageState(peer.uid, state, peer.lastActivityAt);
    core.db.outbox.setPacked(row.id, packed.bytes, server.url);
  });
  store.noteState(peer.uid, state, peer.lastActivityAt);
  await store.putRecord(switchKeys(current));
  core.emit('device', peer.uid);
  return { row, server, bytes: packed.bytes, packed: packed.packed };
}

/**
 * A contact's rotation travels in a session reset that starts a new session rooted on my new
 * keys (peers/rekey.ts): packed with the old signing key (the only one the contact knows), it
 * replaces whatever of this contact's was packed under the old session and not yet taken by
 * the relay (packed again under the new one, once the contact answers).
 */
async function rotateContact(core: Core, row: OutboxRow, current: ContactChannel, server: ServerRef) {
  const packed = packSessionReset(sendingKeys(current, Date.now(), true), rotationReset(current));
  core.db.atomically(() => {
    core.db.outbox.unpack('peer', current.uid);
    core.db.outbox.setPacked(row.id, packed.bytes, server.url);
  });
  const switched = switchRekeyed(current);
  switched.version = nextVersion(current.version, core.identity.uid); // my other devices show the new safety number
  core.db.outbox.enqueue(core.fanOut({ type: 'peer_update', peer: switched }));
  await core.peers.put(switched);
  core.emit('contact', current.uid);
  core.kickPoll(); // the old queue is closed at the relay (peers/queueClose.ts)
  return { row, server, bytes: packed.bytes, packed: packed.packed };
}
