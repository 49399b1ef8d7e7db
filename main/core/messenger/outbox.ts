/**
 * The send loop's work: take due outbox rows, pack each for its channel (pack.ts: the
 * ratchet step and the packed bytes commit together, before anything leaves), post them in
 * batches per relay, and only then drop the rows. A crash at
 * any point either re-posts the very same bytes (the relay's content-derived ids
 * make that idempotent) or packs afresh with a newer ratchet state — never reuses
 * a message key, never loses a row.
 */
import type { Core } from '../core.js';
import { OUTBOX_LOCK } from '../locks.js';
import type { ServerRef } from '../records.js';
import { isRelayError } from '../relay.js';
import { backoff } from '../retry.js';
import { toDbMessage } from './dbMessage.js';
import { packAll, type Prepared, type SendRouting } from './pack.js';
import { mergeReceiptRows } from './receipts.js';
import { classifySendFailure } from './retryPolicy.js';
import { mergeSyncRows } from './syncRows.js';

export type { SendRouting } from './pack.js';

const BATCH = 100;
/**
 * Rows taken per round: more than one post's worth, so that a sibling's fan-out rows, which
 * interleave with the other siblings' (one row each per change), merge into full batches.
 */
const DUE_WINDOW = 4 * BATCH;

export function errorText(e: unknown): string {
  return e instanceof Error || isRelayError(e) ? e.message : String(e);
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
      // Each row decided once and packed, in runs of one transaction each (pack.ts).
      const { ready, settled } = await packAll(core, due, routing);
      const byServer = new Map<string, Prepared[]>();
      for (const p of ready) {
        const list = byServer.get(p.server.url) ?? [];
        list.push(p);
        byServer.set(p.server.url, list);
      }
      let progress = settled; // dropped/deferred rows left the due set
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
