/**
 * The relay over a session (one WebSocket per relay: main/net/sessionLink.ts), behind the
 * same `Relay` contract as the HTTP client, so the messenger's loops do not change:
 *
 * - `pull(lookups)` subscribes the queues this link does not hold yet (one proof per queue
 *   per session), then answers from what the relay pushed: at once when something waits,
 *   otherwise when a push comes or `timeoutMs` passes. Nothing goes to the relay for a
 *   pull whose queues are all subscribed — an idle device costs the relay only pings.
 * - A pushed message stays here until it is acked (a later pull returns it again, as the
 *   relay's queue would over HTTP); acks go over the session.
 * - post / secure / invitations are requests over the session.
 * - The link drops (a relay restart, a network change): the waiting pull fails, the
 *   caller's loop retries, and the next pull opens a new session after a jittered backoff
 *   and subscribes again; the relay re-pushes whatever is still queued.
 * - Where a WebSocket cannot be opened (a proxy, a relay without sessions) the HTTP client
 *   serves every call for FALLBACK_MS, then a session is tried again. `transportKind()` says
 *   which is in use.
 */
import type { KeyPair } from '../../protocol/crypto/curves.js';
import { toHex } from '../../protocol/crypto/bytes.js';
import { sessionRequestContext, subscriptionProof } from '../../protocol/session/auth.js';
import { meow } from '../../protocol/wire/proto.js';
import { invitationDeleteOperation, secureOperation } from '../../protocol/wire/serverProtocol.js';
import type { Relay } from '../core/relay.js';
import { RelayClient, RelayError, type RelayClientOptions } from './relayClient.js';
import { SessionLink } from './sessionLink.js';

/** How long the HTTP path serves alone after a WebSocket could not be opened. */
export const FALLBACK_MS = 5 * 60_000;
/** How long HTTP serves alone after sessions kept failing while HTTP worked (a proxy cutting upgrades). */
export const PROBE_FALLBACK_MS = 60_000;
const SUBSCRIBE_CHUNK = 256;

export type TransportKind = 'session' | 'http';

/** A subscribed queue no pull has named for this long (a retired, drained queue) is unsubscribed. */
export const UNSUBSCRIBE_AFTER_MS = 30 * 60_000;

export interface SessionRelayOptions extends RelayClientOptions {
  pingIntervalMs?: number;
  unsubscribeAfterMs?: number;
}

export class SessionRelay implements Relay {
  readonly url: string;
  private readonly http: RelayClient;
  private link: SessionLink | null = null;
  private opening: Promise<SessionLink> | null = null;
  /** Queues the current link holds. */
  private subscribed = new Set<string>();
  /** Pushed and not acked yet, per queue (hex lookup), by id. */
  private inbox = new Map<string, Map<string, meow.DeliveredMessage>>();
  private readonly waiting = new Set<() => void>();
  /** When a pull last named each queue (hex lookup). */
  private readonly named = new Map<string, number>();
  private lastSweep = Date.now();
  private fallbackUntil = 0;
  /** This call goes over HTTP because sessions kept failing: if it works, fall back. */
  private probing = false;
  private failures = 0;
  private lastTransport: TransportKind = 'session';

  constructor(private readonly opts: SessionRelayOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    this.http = new RelayClient(opts);
  }

  /** Which transport the last call used. */
  transportKind(): TransportKind {
    return this.lastTransport;
  }

  /** Closes retired queues of mine (rare: once per rotation), over HTTP. */
  closeQueues(
    lookups: KeyPair[],
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ closed: number; messages: meow.DeliveredMessage[] }> {
    return this.http.closeQueues(lookups, opts);
  }

  /** Ends the session (a sealed bye). */
  close(): void {
    this.link?.close();
    this.link = null;
  }

  /** The open link, or null when the HTTP path is to be used (fallback). */
  private async session(signal?: AbortSignal): Promise<SessionLink | null> {
    if (Date.now() < this.fallbackUntil) return null;
    if (this.link && !this.link.closed) return this.link;
    this.opening ??= this.connect(signal).finally(() => (this.opening = null));
    try {
      return await this.opening;
    } catch (e) {
      if (e instanceof RelayError && e.code === 'UNSUPPORTED') {
        // The WebSocket could not be opened (a proxy) or the relay has no sessions: HTTP for a while.
        this.fallbackUntil = Date.now() + FALLBACK_MS;
        return null;
      }
      // A handshake reply that does not open (BAD_REPLY) is damage on the way, like a cut: one
      // such frame must not send the client to HTTP for FALLBACK_MS (found with the fault proxy).
      const failed = e instanceof RelayError && (e.code === 'UNREACHABLE' || e.code === 'BAD_REPLY');
      if (failed && this.failures >= 2) {
        // A proxy that cuts upgrades looks like a relay that is down: try this call over HTTP;
        // if that works, HTTP it is for a while (viaHttp).
        this.probing = true;
        return null;
      }
      throw e;
    }
  }

  private async connect(signal?: AbortSignal): Promise<SessionLink> {
    if (this.failures > 0) {
      // Jittered: a relay restart must not see every client come back in the same instant.
      const wait = Math.min(30_000, 250 * 2 ** Math.min(this.failures - 1, 7)) * (0.5 + Math.random());
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, wait);
        signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            reject(new RelayError('ABORTED', 'aborted'));
          },
          { once: true },
        );
      });
    }
    try {
      const link = await SessionLink.open(
        this.url,
        this.opts.serverKey,
        this.opts.device,
        {
          push: (messages) => this.onPush(link, messages),
          taken: (lookups) => {
            if (this.link === link) for (const l of lookups) this.subscribed.delete(toHex(l));
          },
          closed: () => {
            if (this.link !== link) return;
            this.link = null;
            this.failures++;
            this.wakeAll();
          },
        },
        {
          ...(this.opts.ca ? { ca: this.opts.ca } : {}),
          ...(signal ? { signal } : {}),
          ...(this.opts.pingIntervalMs ? { pingIntervalMs: this.opts.pingIntervalMs } : {}),
        },
      );
      // A new session holds nothing yet; the relay re-pushes whatever is still queued.
      this.link = link;
      this.subscribed = new Set();
      this.inbox = new Map();
      this.failures = 0;
      return link;
    } catch (e) {
      this.failures++;
      throw e;
    }
  }

  private onPush(link: SessionLink, messages: meow.DeliveredMessage[]): void {
    if (this.link !== link) return;
    for (const m of messages) {
      const lookup = toHex(m.message?.destination ?? new Uint8Array(0));
      let box = this.inbox.get(lookup);
      if (!box) this.inbox.set(lookup, (box = new Map<string, meow.DeliveredMessage>()));
      box.set(m.id, m);
    }
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const w of [...this.waiting]) w();
  }

  async post(messages: meow.IPackedUserMessage[], opts: { signal?: AbortSignal } = {}): Promise<string[]> {
    const link = await this.session(opts.signal);
    if (!link) return this.viaHttp(() => this.http.post(messages, opts));
    this.lastTransport = 'session';
    const ev = await link.request({ request: { messages } }, opts.signal);
    const posted = ev.reply?.posted ?? [];
    if (posted.length !== messages.length)
      throw new RelayError('BAD_REPLY', `posted ${messages.length} messages, got ${posted.length} ids`);
    return posted.map((p) => p.id ?? '');
  }

  async pull(
    lookups: KeyPair[],
    opts: {
      timeoutMs?: number;
      maxMessages?: number;
      signal?: AbortSignal;
      ack?: { lookup: KeyPair; ids: string[] }[];
    } = {},
  ): Promise<{ messages: meow.DeliveredMessage[]; more: boolean; acked?: number }> {
    const link = await this.session(opts.signal);
    if (!link) return this.viaHttp(() => this.http.pull(lookups, opts));
    this.lastTransport = 'session';
    const now = Date.now();
    for (const l of lookups) this.named.set(toHex(l.publicKey), now);
    this.dropUnnamed(link, now);
    const missing = lookups.filter((l) => !this.subscribed.has(toHex(l.publicKey)));
    for (let i = 0; i < missing.length; i += SUBSCRIBE_CHUNK) {
      const chunk = missing.slice(i, i + SUBSCRIBE_CHUNK);
      await link.request(
        { subscribe: { keys: chunk.map((l) => subscriptionProof(l, link.transcript)) } },
        opts.signal,
      );
      if (this.link === link) for (const l of chunk) this.subscribed.add(toHex(l.publicKey));
    }
    // Acked once the queues are held (after a reconnect too): over the session, no proofs.
    let acked: number | undefined;
    if (opts.ack?.length) acked = await this.ack(opts.ack, opts);
    const wanted = lookups.map((l) => toHex(l.publicKey));
    if (!opts.timeoutMs) {
      // A pull that does not wait must see what was posted before it (as the HTTP pull reads
      // the queue): the relay reads the queues subscribed earlier and pushes before it answers.
      const earlier = lookups.filter((l) => !missing.includes(l)).map((l) => l.publicKey);
      if (earlier.length) await link.request({ flush: { lookupKeys: earlier } }, opts.signal);
    }
    const max = opts.maxMessages || 100;
    const deadline = Date.now() + (opts.timeoutMs ?? 25_000);
    link.hold();
    try {
      for (;;) {
        if (link.endedBy) throw link.endedBy;
        const ready = this.collect(wanted);
        if (ready.length || Date.now() >= deadline || opts.signal?.aborted) {
          ready.sort((a, b) => Number(a.arrivedAt) - Number(b.arrivedAt));
          return {
            messages: ready.slice(0, max),
            more: ready.length > max,
            ...(acked !== undefined ? { acked } : {}),
          };
        }
        await this.nextEvent(deadline - Date.now(), opts.signal);
      }
    } finally {
      link.release();
    }
  }

  /**
   * Unsubscribes the queues no pull has named lately (the loops name every live queue each
   * round), so a long session does not keep retired queues' wake-ups and pushes.
   */
  private dropUnnamed(link: SessionLink, now: number): void {
    const after = this.opts.unsubscribeAfterMs ?? UNSUBSCRIBE_AFTER_MS;
    if (now - this.lastSweep < after / 3) return;
    this.lastSweep = now;
    const stale = [...this.subscribed].filter((l) => now - (this.named.get(l) ?? 0) > after);
    if (!stale.length) return;
    for (const l of stale) {
      this.subscribed.delete(l);
      this.named.delete(l);
      this.inbox.delete(l);
    }
    link
      .request({ unsubscribe: { lookupKeys: stale.map((l) => Buffer.from(l, 'hex')) } })
      .catch(() => undefined); // a lost link forgets them anyway
  }

  private collect(lookups: string[]): meow.DeliveredMessage[] {
    const out: meow.DeliveredMessage[] = [];
    for (const l of lookups) for (const m of this.inbox.get(l)?.values() ?? []) out.push(m);
    return out;
  }

  private nextEvent(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.waiting.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.max(0, ms));
      this.waiting.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async ack(
    items: { lookup: KeyPair; ids: string[] }[],
    opts: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const link = await this.session(opts.signal);
    if (!link) return this.viaHttp(() => this.http.ack(items, opts));
    const held = items.filter((it) => it.ids.length && this.subscribed.has(toHex(it.lookup.publicKey)));
    // Queues this session does not hold (no longer pulled) are acked with their proofs over HTTP.
    const other = items.filter((it) => it.ids.length && !this.subscribed.has(toHex(it.lookup.publicKey)));
    let acked = 0;
    if (held.length) {
      const ev = await link.request(
        { ack: { items: held.map((it) => ({ key: { lookupKey: it.lookup.publicKey }, ids: it.ids })) } },
        opts.signal,
      );
      acked += ev.reply?.acked ?? 0;
    }
    if (other.length) acked += await this.http.ack(other, opts);
    for (const it of items) {
      const box = this.inbox.get(toHex(it.lookup.publicKey));
      for (const id of it.ids) box?.delete(id);
    }
    return acked;
  }

  async secure(
    queues: { lookup: KeyPair; senders: Uint8Array[] }[],
    opts: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const link = await this.session(opts.signal);
    if (!link) return this.viaHttp(() => this.http.secure(queues, opts));
    const ctx = sessionRequestContext(this.opts.serverKey, this.opts.device.publicKey, link.transcript);
    const ev = await link.request({ request: secureOperation(ctx, queues) }, opts.signal);
    return ev.reply?.secured ?? 0;
  }

  async putInvitation(blob: Uint8Array, expiresAt: number, owner: KeyPair): Promise<string> {
    const link = await this.session();
    if (!link) return this.viaHttp(() => this.http.putInvitation(blob, expiresAt, owner));
    const ev = await link.request({
      request: {
        invitation: { op: meow.InvitationOp.INVITATION_PUT, blob, expiresAt, ownerKey: owner.publicKey },
      },
    });
    const id = ev.reply?.invitation?.id;
    if (!id) throw new RelayError('BAD_REPLY', 'no invitation id in the reply');
    return id;
  }

  async getInvitation(id: string): Promise<{ blob: Uint8Array; expiresAt: number }> {
    const link = await this.session();
    if (!link) return this.viaHttp(() => this.http.getInvitation(id));
    const ev = await link.request({ request: { invitation: { op: meow.InvitationOp.INVITATION_GET, id } } });
    const inv = ev.reply?.invitation;
    if (!inv?.blob?.length) throw new RelayError('BAD_REPLY', 'no invitation in the reply');
    return { blob: inv.blob, expiresAt: Number(inv.expiresAt ?? 0) };
  }

  async deleteInvitation(id: string, owner: KeyPair): Promise<void> {
    const link = await this.session();
    if (!link) return this.viaHttp(() => this.http.deleteInvitation(id, owner));
    const ctx = sessionRequestContext(this.opts.serverKey, this.opts.device.publicKey, link.transcript);
    await link.request({ request: invitationDeleteOperation(ctx, id, owner) });
  }

  private async viaHttp<T>(call: () => Promise<T>): Promise<T> {
    this.lastTransport = 'http';
    const probing = this.probing;
    this.probing = false;
    const result = await call();
    // Shorter than a refused upgrade's: a relay that was restarting also looks like this.
    if (probing) this.fallbackUntil = Date.now() + PROBE_FALLBACK_MS;
    return result;
  }
}
