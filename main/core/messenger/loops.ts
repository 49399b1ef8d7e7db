/**
 * The network side of a profile: one long-poll loop per server (pull, receive, acknowledge
 * once stored), the send loop (flush the outbox whenever something is queued or due), and
 * `sync`, one round of both for a command that does not stay online.
 */
import { toBase64 } from '../../../protocol/crypto/bytes.js';
import type { Core } from '../core.js';
import { OUTBOX_LOCK } from '../locks.js';
import { pulls, sendRouting } from '../devices/routing.js';
import type { Peer } from '../peers/peer.js';
import { liveRetired } from '../peers/rotation.js';
import { secureQueues } from '../peers/queueAuth.js';
import { closedOn, closeRetired } from '../peers/queueClose.js';
import type { ServerRef } from '../records.js';
import type { DeviceDecider } from '../receive/decision.js';
import { receiveAll } from '../receive/receive.js';
import { isRelayError, relayServiceError, type Relay } from '../relay.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, SEEN_RETENTION_MS } from '../durations.js';
import { backoff, retryWhileRateLimited, sleep } from '../retry.js';
import { flushOutbox, type FlushResult } from './outbox.js';
import { PendingAcks, type AckItem } from './pendingAcks.js';
import type { RotationSchedule } from './rotationSchedule.js';

const POLL_TIMEOUT_MS = 25_000;
const KEYS_PER_PULL = 256;
const MAX_KEPT_PER_QUEUE = 3;
const INVITATION_PULL_GRACE_MS = DAY_MS;
/** Scheduled rotations start this long after the loops (their first pulls are done by then). */
const ROTATE_AFTER_START_MS = 10 * MINUTE_MS;

export interface ServerStats {
  processed: number;
  kept: number;
  more: boolean;
}

/** What the loops need of the device layer. */
export interface LoopDevices extends DeviceDecider {
  resumeHandovers(): Promise<number>;
  readonly dedup: { prune(): unknown };
}

export class NetworkLoops {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly pollAborts = new Set<AbortController>();
  private readonly pollingServers = new Set<string>();
  private sendWake: (() => void) | null = null;
  private sendKicked = false;
  private pruneTimer: NodeJS.Timeout | null = null;
  private firstRotation: NodeJS.Timeout | null = null;
  private readonly pendingAcks = new PendingAcks();

  constructor(
    private readonly core: Core,
    private readonly devices: LoopDevices,
    private readonly rotation: RotationSchedule,
    private readonly pollTimeoutMs = POLL_TIMEOUT_MS,
  ) {}

  /** Wakes the send loop (something was queued). */
  kickSend(): void {
    this.sendKicked = true;
    this.sendWake?.();
  }

  /** Wakes the poll loops (the set of queues to pull changed). */
  kickPoll(): void {
    for (const ac of this.pollAborts) ac.abort();
    if (this.running) this.startPollLoops();
  }

  /** Every server this profile pulls from, with the channels to pull there. */
  private pullPlan(): Map<string, { server: ServerRef; peers: Peer[] }> {
    const plan = new Map<string, { server: ServerRef; peers: Peer[] }>();
    for (const s of this.core.identity.servers) plan.set(s.url, { server: s, peers: [] });
    const now = Date.now();
    for (const p of [...this.core.peers.all(), ...this.core.devices.all()]) {
      if (p.state === 'invited' && now > p.invitationExpiresAt + INVITATION_PULL_GRACE_MS) continue;
      if (!pulls(p)) continue;
      for (const s of p.myPullServers) {
        const entry = plan.get(s.url) ?? { server: s, peers: [] };
        entry.peers.push(p);
        plan.set(s.url, entry);
      }
    }
    return plan;
  }

  flushOutbox(signal?: AbortSignal): Promise<FlushResult> {
    return flushOutbox(this.core, sendRouting, signal);
  }

  /** One pull on one server (long-polling up to timeoutMs), processing and acknowledging what came. */
  async pollServer(url: string, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ServerStats> {
    const entry = this.pullPlan().get(url);
    if (!entry || entry.peers.length === 0) return { processed: 0, kept: 0, more: false };
    const relay = this.core.relayFor(entry.server);
    await secureQueues(relay, entry.peers, this.core.log); // only their contact may post to my queues
    // A contact's old queues: closed for good; what they still held is read once, here.
    const handed = await closeRetired(relay, entry.peers, this.core.log);
    if (handed.length) await receiveAll(this.core, handed, this.devices);
    // Every queue of mine there: each channel's current one, and retired ones still drained.
    const now = Date.now();
    const queues = entry.peers.flatMap((p) => [
      { peer: p, lookup: p.myLookup },
      ...liveRetired(p, now)
        .filter((r) => !closedOn(relay, r.lookup))
        .map((r) => ({ peer: p, lookup: r.lookup })),
    ]);
    // My devices first, then contacts, unanswered invitations last: the relay fills a reply
    // queue by queue in this order, so nobody can crowd out the others.
    const rank = (p: Peer) => (p.type === 'device' ? 0 : p.state === 'invited' ? 2 : 1);
    queues.sort((a, b) => rank(a.peer) - rank(b.peer));
    const chunks: (typeof queues)[] = [];
    for (let i = 0; i < queues.length; i += KEYS_PER_PULL) chunks.push(queues.slice(i, i + KEYS_PER_PULL));
    // Acks for queues no longer pulled here go on their own; the others ride on their pull.
    const pulled = new Set(queues.map((q) => toBase64(q.lookup.publicKey)));
    const waiting = this.pendingAcks.take(url);
    this.pendingAcks.restore(
      url,
      waiting.filter((a) => pulled.has(toBase64(a.lookup.publicKey))),
    );
    const orphans = waiting.filter((a) => !pulled.has(toBase64(a.lookup.publicKey)));
    if (orphans.length) await this.sendAcks(relay, url, orphans, opts.signal);
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        const ack = this.pendingAcks.take(
          url,
          chunk.map((q) => q.lookup),
        );
        let res: Awaited<ReturnType<Relay['pull']>>;
        try {
          res = await retryWhileRateLimited(() =>
            relay.pull(
              chunk.map((q) => q.lookup),
              {
                timeoutMs: opts.timeoutMs,
                maxMessages: 200,
                signal: opts.signal,
                ...(ack.length ? { ack } : {}),
              },
            ),
          );
        } catch (e) {
          this.pendingAcks.restore(url, ack);
          throw e;
        }
        let kept = 0;
        const keptPerQueue = new Map<string, number>();
        // One transaction for the batch (receiveBatch); acked with the next pull, once committed.
        const dispositions = await receiveAll(this.core, res.messages, this.devices);
        for (const [i, dm] of res.messages.entries()) {
          const dest = toBase64(dm.message?.destination ?? new Uint8Array(0));
          let disposition = dispositions[i];
          if (disposition === 'elsewhere') {
            kept++; // the device that drives this contact now reads it
            continue;
          }
          if (disposition === 'keep') {
            // Only a few may wait on one queue (messages that overtook an invitation answer);
            // beyond that it is someone filling the queue with what cannot be read yet.
            const n = (keptPerQueue.get(dest) ?? 0) + 1;
            keptPerQueue.set(dest, n);
            if (n <= MAX_KEPT_PER_QUEUE) {
              kept++;
              continue;
            }
            this.core.log.warn('dropped a message waiting on an unanswered invitation (too many)', {
              id: dm.id,
            });
            this.core.db.received.record(dm.id);
            disposition = 'ack';
          }
          const owner = chunk.find((q) => toBase64(q.lookup.publicKey) === dest);
          if (owner && dm.id) this.pendingAcks.add(url, owner.lookup, dm.id);
        }
        const processed = res.messages.length - kept;
        return { processed, kept, more: res.more };
      }),
    );
    this.core.emit('connection', {
      server: url,
      online: true,
      since: Date.now(),
      transport: relay.transportKind?.() ?? 'http',
    });
    return {
      processed: results.reduce((n, r) => n + r.processed, 0),
      kept: results.reduce((n, r) => n + r.kept, 0),
      more: results.some((r) => r.more),
    };
  }

  private async sendAcks(relay: Relay, url: string, items: AckItem[], signal?: AbortSignal): Promise<void> {
    try {
      await retryWhileRateLimited(() => relay.ack(items, { signal }));
    } catch (e) {
      this.pendingAcks.restore(url, items);
      throw e;
    }
  }

  /** Sends the acks still waiting for a next pull (before stopping: a redelivery costs more). */
  async flushAcks(signal?: AbortSignal): Promise<void> {
    for (const url of this.pendingAcks.urls()) {
      const server = this.pullPlan().get(url)?.server;
      if (!server) continue;
      await this.sendAcks(this.core.relayFor(server), url, this.pendingAcks.take(url), signal).catch(
        (e: unknown) => this.core.log.info('acks left for the next pull', { server: url, error: String(e) }),
      );
    }
  }

  /**
   * `meow sync`: send the outbox, pull (long-polling up to waitMs the first time),
   * process, acknowledge, and repeat until nothing is left.
   */
  async sync(opts: { waitMs?: number } = {}): Promise<{ received: number; sent: number }> {
    let received = 0;
    await this.devices.resumeHandovers();
    let sent = (await this.flushOutbox()).sent;
    let first = true;
    for (;;) {
      const urls = [...this.pullPlan().keys()];
      const stats = await Promise.all(
        urls.map((u) =>
          this.pollServer(u, { timeoutMs: first ? (opts.waitMs ?? 0) : 0 }).catch((e: unknown) => {
            throw relayServiceError(e, u);
          }),
        ),
      );
      first = false;
      const processed = stats.reduce((n, s) => n + s.processed, 0);
      received += processed;
      const flushed = await this.flushOutbox();
      sent += flushed.sent;
      // A round that moved nothing ends it, whatever `more` says (kept messages stay queued).
      if (processed === 0 && flushed.sent === 0) break;
    }
    await this.flushAcks();
    return { received, sent };
  }

  /** `meow run`: the send loop and one long-poll loop per server, until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops.push(
      (async () => {
        await this.devices
          .resumeHandovers()
          .catch((e: unknown) => this.core.log.error('resume failed', { error: String(e) }));
        await this.sendLoop();
      })(),
    );
    this.startPollLoops();
    const prune = (rotate: boolean) => {
      try {
        this.core.db.received.prune(Date.now() - SEEN_RETENTION_MS);
        this.devices.dedup.prune();
        if (rotate) this.rotation.rotateDue();
      } catch (e) {
        this.core.log.warn('prune failed', { error: String(e) });
      }
      this.rotation
        .dropDrainedQueues()
        .catch((e: unknown) => this.core.log.warn('prune failed', { error: String(e) }));
    };
    prune(false);
    this.pruneTimer = setInterval(() => prune(true), 6 * HOUR_MS);
    this.pruneTimer.unref();
    // Scheduled rotations wait until what arrived while offline was read: a contact's rotation
    // waiting there is taken first, not crossed by one of mine (peers/rekey.ts).
    this.firstRotation = setTimeout(() => this.rotation.rotateDue(), ROTATE_AFTER_START_MS);
    this.firstRotation.unref();
  }

  private startPollLoops(): void {
    for (const url of this.pullPlan().keys()) {
      if (this.pollingServers.has(url)) continue;
      this.pollingServers.add(url);
      this.loops.push(this.pollLoop(url));
    }
  }

  /** Resolves once in-flight ratchet work (a flush) is done. */
  idle(): Promise<void> {
    return this.core.locks.run(OUTBOX_LOCK, async () => undefined);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.firstRotation) clearTimeout(this.firstRotation);
    for (const ac of this.pollAborts) ac.abort();
    this.sendWake?.();
    await Promise.allSettled(this.loops);
    this.loops = [];
    await this.flushAcks(AbortSignal.timeout(2000)); // bounded: stopping must not wait on a lost relay
    this.pollingServers.clear();
  }

  private async sendLoop(): Promise<void> {
    while (this.running) {
      this.sendKicked = false;
      try {
        await this.flushOutbox();
      } catch (e) {
        this.core.log.error('send loop', { error: String(e) });
        this.core.emit('notice', { code: 'SEND_FAILED', params: { error: (e as Error).message } });
      }
      if (!this.running) break;
      if (this.sendKicked) continue;
      const next = this.core.db.outbox.nextAttempt();
      const wait = next === null ? 30_000 : Math.max(0, Math.min(30_000, next - Date.now()));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.sendWake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.sendWake = null;
    }
  }

  private async pollLoop(url: string): Promise<void> {
    let failures = 0;
    while (this.running) {
      const ac = new AbortController();
      this.pollAborts.add(ac);
      try {
        const stats = await this.pollServer(url, {
          // Back from a failure: a short pull first, so "online again" shows when the
          // server answers rather than when a long poll ends (up to 25 s later).
          timeoutMs: failures > 0 ? 0 : this.pollTimeoutMs,
          signal: ac.signal,
        });
        failures = 0;
        this.core.relayHealth.ok(url);
        if (stats.processed === 0 && stats.kept === 0 && !this.pullPlan().get(url)?.peers.length) {
          await sleep(1000, ac.signal); // nothing to pull here yet
        } else if (stats.kept > 0 && stats.processed === 0) {
          await sleep(1000, ac.signal); // only messages that must wait: do not spin
        }
      } catch (e) {
        if (ac.signal.aborted) continue;
        failures++;
        this.core.relayHealth.failed(url, e);
        const err = isRelayError(e) ? `${e.code}: ${e.message}` : String(e);
        this.core.log.warn('pull failed', { server: url, error: err });
        this.core.emit('connection', { server: url, online: false, error: err, since: Date.now() });
        await sleep(backoff(failures, 500, Math.min(30_000, this.core.retryCeilingMs)), ac.signal);
      } finally {
        this.pollAborts.delete(ac);
      }
    }
  }
}
