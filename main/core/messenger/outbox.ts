/**
 * The send loop's work: take due outbox rows, pack each for its channel (ratchet
 * state persisted BEFORE the packed bytes are recorded, and both before anything
 * leaves), post them in batches per relay, and only then drop the rows. A crash at
 * any point either re-posts the very same bytes (the relay's content-derived ids
 * make that idempotent) or packs afresh with a newer ratchet state — never reuses
 * a message key, never loses a row.
 */
import { canSend } from '../../../protocol/ratchet/doubleRatchet.js';
import { decodeRatchetState, encodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import { packSessionReset, packUserMessage } from '../../../protocol/wire/packing.js';
import { decodeStrict, meow } from '../../../protocol/wire/proto.js';
import type { Peer } from '../peers/peer.js';
import { keyUpdateMessage, sendingKeys, stageRotation, switchKeys } from '../peers/rotation.js';
import { nextVersion } from '../records.js';
import type { ServerRef } from '../records.js';
import { isRelayError } from '../relay.js';
import type { OutboxRow } from '../storage/messageDb.js';
import type { Core } from './core.js';
import { mergeReceiptRows } from './receipts.js';
import { mergeSyncRows } from './syncRows.js';
import { classifySendFailure } from './retryPolicy.js';
import { toDbMessage } from './dbMessage.js';
import { OUTBOX_LOCK, channelLock } from './lockKeys.js';
import { packable, packRun, type Prepared } from './packBatch.js';

const BATCH = 100;
/**
 * Rows taken per round: more than one post's worth, so that a sibling's fan-out rows, which
 * interleave with the other siblings' (one row each per change), merge into full batches.
 */
const DUE_WINDOW = 4 * BATCH;
/** The default ceiling of a retry's wait (Messenger's retryCeilingMs). */
export const MAX_BACKOFF_MS = 5 * 60 * 1000;

export function errorText(e: unknown): string {
  return e instanceof Error || isRelayError(e) ? e.message : String(e);
}

/** Exponential backoff with jitter, never beyond `max` (the ceiling holds after the jitter). */
export function backoff(attempts: number, base = 1000, max = MAX_BACKOFF_MS): number {
  const d = base * 2 ** Math.min(attempts, 20);
  return Math.round(Math.min(max, d * (0.75 + Math.random() * 0.5)));
}

type NotReady = { row: OutboxRow; retryInMs: number; reason: string };

/** What the multi-device layer decides about a row at send time (its route was decided when queued). */
export interface SendRouting {
  /** A row for this peer is dropped unsent (a device unlinked since). */
  drop(peer: Peer): boolean;
  /** State a message takes when its row is accepted by the relay. */
  sentState(row: OutboxRow): 'sent' | null;
}

function peerFor(core: Core, row: OutboxRow): Peer | undefined {
  return row.channel === 'device' ? core.devices.get(row.peerUid) : core.peers.get(row.peerUid);
}

async function prepare(
  core: Core,
  row: OutboxRow,
  routing: SendRouting,
): Promise<Prepared | NotReady | 'dropped'> {
  return core.locks.run(channelLock(row.channel, row.peerUid), async () => {
    const peer = peerFor(core, row);
    if (!peer) {
      core.log.warn('outbox row for a peer that no longer exists: dropped', {
        row: row.id,
        peer: row.peerUid,
      });
      core.db.outbox.drop(row.id);
      return 'dropped';
    }
    if (routing.drop(peer)) {
      core.db.outbox.drop(row.id);
      return 'dropped';
    }
    const servers = peer.contactPullServers;
    if (!peer.contactLookupKey || !peer.contactEncryption || servers.length === 0) {
      return {
        row,
        retryInMs: backoff(row.attempts, 2000, Math.min(30_000, core.retryCeilingMs)),
        reason: 'waiting for the invitation to be answered',
      };
    }
    const server = servers[row.attempts % servers.length]!;
    if (row.packed) {
      return { row, server, bytes: row.packed, packed: meow.PackedUserMessage.decode(row.packed) };
    }
    if (row.kind === 'reset') {
      // A session reset (peers/session.ts) goes without the ratchet, which waits for its answer.
      const reset = decodeStrict(meow.SessionReset, 'SessionReset', row.plain);
      const p = packSessionReset(sendingKeys(peer), reset);
      core.db.outbox.setPacked(row.id, p.bytes, server.url);
      return { row, server, bytes: p.bytes, packed: p.packed };
    }
    const ratchet = decodeRatchetState(peer.drState ?? new Uint8Array(0));
    if (!canSend(ratchet)) {
      return {
        row,
        retryInMs: backoff(row.attempts, 2000, Math.min(30_000, core.retryCeilingMs)),
        reason: 'waiting for the first message from the other side',
      };
    }
    const store = core.storeOf(peer);
    // A key rotation (peers/rotation.ts): new keys staged durably, the key_update packed with
    // the current ones (after everything queued before it), then the new keys become mine.
    const rotating = row.kind === 'rotate';
    let current = peer;
    if (rotating && !peer.rotation) {
      current = stageRotation(peer);
      await store.putRecord(current);
    }
    const message = rotating
      ? meow.UserMessage.create(keyUpdateMessage(current))
      : decodeStrict(meow.UserMessage, 'UserMessage', row.plain);
    const packed = packUserMessage(sendingKeys(current), ratchet, message, peer.sessionEpoch);
    // The ratchet step and the bytes it made in one transaction: never two ciphertexts under one key.
    const state = encodeRatchetState(packed.ratchet);
    core.db.atomically(() => {
      store.stageState(peer.uid, state, peer.lastActivityAt);
      core.db.outbox.setPacked(row.id, packed.bytes, server.url);
    });
    store.noteState(peer.uid, state, peer.lastActivityAt);
    if (rotating) {
      const switched = switchKeys(current);
      if (peer.type === 'contact') {
        // My other devices show the new safety number.
        switched.version = nextVersion(peer.version, core.identity.uid);
        core.db.outbox.enqueue(core.fanOut({ type: 'peer_update', peer: switched }));
      }
      await store.putRecord(switched);
      core.emit(peer.type === 'device' ? 'device' : 'contact', peer.uid);
    }
    return { row, server, bytes: packed.bytes, packed: packed.packed };
  });
}

export interface FlushResult {
  sent: number;
  waiting: number;
}

async function post(
  core: Core,
  server: ServerRef,
  chunk: Prepared[],
  routing: SendRouting,
  signal?: AbortSignal,
): Promise<number> {
  const relay = core.relayFor(server);
  try {
    await relay.post(
      chunk.map((p) => p.packed),
      { signal },
    );
  } catch (e) {
    core.relayHealth.failed(server.url, e);
    const failure = classifySendFailure(e, chunk.length);
    if (failure.kind === 'split') {
      // One bad row must not hold the others: retry them one by one.
      let sent = 0;
      for (const p of chunk) sent += await post(core, server, [p], routing, signal);
      return sent;
    }
    for (const p of chunk) {
      if (failure.kind === 'permanent') {
        core.db.outbox.park(p.row.id, failure.reason);
        const message = p.row.messageUuid
          ? core.db.messages.get(p.row.peerUid, p.row.messageUuid)
          : undefined;
        if (message) core.emit('status', message);
      } else {
        const wait = Math.max(backoff(p.row.attempts, 1000, core.retryCeilingMs), failure.retryAfterMs ?? 0);
        core.db.outbox.retry(p.row.id, failure.reason, Date.now() + Math.min(wait, core.retryCeilingMs));
      }
    }
    if (failure.kind === 'permanent') {
      core.log.error('relay refused a message', {
        server: server.url,
        code: failure.code,
        error: errorText(e),
      });
      core.emit('notice', { code: 'SEND_FAILED', params: { error: failure.reason } });
    } else
      core.emit('connection', { server: server.url, online: false, error: errorText(e), since: Date.now() });
    return 0;
  }
  core.relayHealth.ok(server.url);
  const channels = new Map<string, { channel: 'peer' | 'device'; peerUid: string }>();
  for (const p of chunk) channels.set(`${p.row.channel}/${p.row.peerUid}`, p.row);
  // The whole chunk done in one transaction; each new status reaches my other devices in it.
  const updates = core.db.atomically(() =>
    chunk.map((p) =>
      core.db.outbox.done(p.row, routing.sentState(p.row), (m) =>
        core.fanOut({ type: 'status', peerUid: m.peerUid, dbMessage: toDbMessage(m) }),
      ),
    ),
  );
  for (const updated of updates) if (updated) core.emit('status', updated);
  for (const { channel, peerUid } of channels.values()) core.emit('sent', { channel, peerUid });
  return chunk.length;
}

/** Sends everything due now. Concurrent calls are serialised. */
export function flushOutbox(core: Core, routing: SendRouting, signal?: AbortSignal): Promise<FlushResult> {
  return core.locks.run(OUTBOX_LOCK, async () => {
    let sent = 0;
    for (;;) {
      if (signal?.aborted) break;
      // Receipts to one contact, and fan-out changes to one sibling, go as one message each.
      const due = mergeSyncRows(core, mergeReceiptRows(core, core.db.outbox.due(Date.now(), DUE_WINDOW)));
      if (due.length === 0) break;
      const ready: Prepared[] = [];
      const drop = (peer: Peer) => routing.drop(peer);
      for (let i = 0; i < due.length;) {
        // Everyday rows are packed in runs, one transaction each (packBatch.ts); the rest alone.
        let j = i;
        while (j < due.length && packable(core, due[j]!, drop)) j++;
        if (j > i) {
          const run = await packRun(core, due.slice(i, j), drop);
          ready.push(...run);
          i += run.length;
          if (i === j) continue;
        }
        const p = await prepare(core, due[i++]!, routing);
        if (p === 'dropped') continue;
        if ('retryInMs' in p) {
          core.db.outbox.retry(p.row.id, p.reason, Date.now() + p.retryInMs);
          continue;
        }
        ready.push(p);
      }
      const byServer = new Map<string, Prepared[]>();
      for (const p of ready) {
        const list = byServer.get(p.server.url) ?? [];
        list.push(p);
        byServer.set(p.server.url, list);
      }
      let progress = due.length - ready.length; // dropped/deferred rows left the due set
      for (const list of byServer.values()) {
        for (let i = 0; i < list.length; i += BATCH) {
          const n = await post(core, list[0]!.server, list.slice(i, i + BATCH), routing, signal);
          sent += n;
          progress += n;
        }
      }
      if (progress === 0) break; // every due row was sent, deferred or dropped: loop on the rest
    }
    return { sent, waiting: core.db.outbox.size() };
  });
}
