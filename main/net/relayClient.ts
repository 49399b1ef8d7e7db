/**
 * The client side of a relay server (`meow-server`): post, long-poll pull, ack, sender
 * registration (secure) and short-link invitations over POST /v1/request, each request
 * sealed to the pinned server key with the device key inside (see
 * protocol/wire/serverProtocol.ts). Plain http:// is refused except to loopback unless
 * `allowInsecureHttp` (see ./transport.ts); `ca` trusts a private certificate.
 *
 * Every failure is a RelayError whose `code` is the server's ErrorCode name
 * (QUEUE_FULL, NOT_AUTHORIZED, ...), or UNREACHABLE (network failure or timeout),
 * BAD_REPLY (the answer could not be read or was not for this request), ABORTED
 * (the caller's signal), INSECURE_TRANSPORT (plain http:// to a non-loopback host,
 * not allowed). `retryable` says whether the same call may succeed later.
 *
 * @example
 *   const card = await fetchServerCard('http://127.0.0.1:8787');
 *   const relay = new RelayClient({ url: card.url, serverKey: card.publicKey, device });
 *   const [id] = await relay.post([packed]);
 *   const { messages } = await relay.pull([lookup], { timeoutMs: 25_000 });
 *   await relay.ack([{ lookup, ids: messages.map((m) => m.id) }]);
 */
import type { KeyPair } from '../../protocol/crypto/curves.js';
import { decodeStrict, meow } from '../../protocol/wire/proto.js';
import {
  ackOperation,
  invitationDeleteOperation,
  openReply,
  pullOperation,
  sealRequest,
  secureOperation,
  closeOperation,
  verifyServerCard,
  type RequestContext,
} from '../../protocol/wire/serverProtocol.js';
import {
  checkTransport,
  httpRequest,
  InsecureTransportError,
  TransportError,
  type TransportOptions,
} from './transport.js';

const RETRYABLE = new Set([
  'UNREACHABLE',
  'STORE_UNAVAILABLE',
  'RATE_LIMITED',
  'SHUTTING_DOWN',
  'QUEUE_FULL',
  'INTERNAL',
]);

export class RelayError extends Error {
  override readonly name = 'RelayError';
  readonly retryable: boolean;
  constructor(
    /** An ErrorCode name ('QUEUE_FULL', 'STORE_UNAVAILABLE', ...), or 'UNREACHABLE', 'BAD_REPLY', 'ABORTED'. */
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
    options?: { cause?: unknown; index?: number; retryAfterMs?: number; authenticated?: boolean },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.index = options?.index;
    this.retryAfterMs = options?.retryAfterMs;
    this.authenticated = options?.authenticated ?? false;
    this.retryable = RETRYABLE.has(code) || (code === 'BAD_REPLY' && (httpStatus ?? 0) >= 500);
  }
  /** Which item of a batch the server refused, when it says. */
  readonly index: number | undefined;
  /** For RATE_LIMITED: how long the server asks to wait. */
  readonly retryAfterMs: number | undefined;
  /**
   * The server said this in a reply sealed to this request. A plain error (for a request
   * the server could not open) is not authenticated: damage on the way can change its code.
   */
  readonly authenticated: boolean;
}

/** Default bound on a request (a pull's long-poll time is added to it). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/** Default long-poll hold asked for by pull(). */
export const DEFAULT_PULL_TIMEOUT_MS = 25_000;

function base(url: string): string {
  return url.replace(/\/+$/, '');
}

/** One HTTP exchange with the caller's signal and a timeout; failures as RelayError. */
async function exchange(
  url: string,
  init: { method: 'GET' | 'POST'; body?: Uint8Array; timeoutMs: number; signal?: AbortSignal },
  transport: TransportOptions,
): Promise<{ status: number; body: Uint8Array; header: (name: string) => string | undefined }> {
  try {
    checkTransport(url, transport);
  } catch (e) {
    if (e instanceof InsecureTransportError) throw new RelayError('INSECURE_TRANSPORT', e.message);
    throw new RelayError('UNREACHABLE', `not a relay address: ${url}`, undefined, { cause: e });
  }
  try {
    return await httpRequest(url, {
      ...init,
      headers: init.body ? { 'content-type': 'application/octet-stream' } : {},
      ...(transport.ca ? { ca: transport.ca } : {}),
    });
  } catch (e) {
    if (e instanceof TransportError && e.kind === 'abort')
      throw new RelayError('ABORTED', 'request aborted', undefined, { cause: e });
    throw new RelayError('UNREACHABLE', (e as Error).message, undefined, { cause: e });
  }
}

/** Fetches a server's card and checks its signature. Pin `publicKey` (and `signingKey`) from it. */
export async function fetchServerCard(
  url: string,
  opts: { signal?: AbortSignal } & TransportOptions = {},
): Promise<meow.ServerCard> {
  const { status, body } = await exchange(
    `${base(url)}/v1/card`,
    { method: 'GET', timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS, ...(opts.signal ? { signal: opts.signal } : {}) },
    opts,
  );
  if (status !== 200) throw new RelayError('BAD_REPLY', `server card: HTTP ${status}`, status);
  let card: meow.ServerCard;
  try {
    card = decodeStrict(meow.ServerCard, 'ServerCard', body);
  } catch (e) {
    throw new RelayError('BAD_REPLY', `server card: ${(e as Error).message}`, status, { cause: e });
  }
  if (!verifyServerCard(card))
    throw new RelayError('BAD_REPLY', 'server card signature does not verify', status);
  return card;
}

export interface RelayClientOptions extends TransportOptions {
  url: string;
  /** The server's X25519 key, pinned from its card. */
  serverKey: Uint8Array;
  /** This device's Ed25519 key pair: signs every request. */
  device: KeyPair;
  /** Bound on a request; a pull adds its long-poll time to it. */
  requestTimeoutMs?: number;
}

export class RelayClient {
  readonly url: string;
  private readonly serverKey: Uint8Array;
  private readonly device: KeyPair;
  private readonly requestTimeoutMs: number;
  private readonly transport: TransportOptions;

  constructor(opts: RelayClientOptions) {
    this.url = base(opts.url);
    this.serverKey = opts.serverKey;
    this.device = opts.device;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.transport = {
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
    };
  }

  /** This client is the HTTP path. */
  transportKind(): 'http' {
    return 'http';
  }

  /**
   * Sends one request and opens its reply. Throws RelayError for transport failures
   * and for any error the server answered with.
   */
  async request(
    build: (ctx: RequestContext) => meow.IToServerMessage,
    opts: { signal?: AbortSignal; extraTimeoutMs?: number } = {},
  ): Promise<meow.FromServerMessage> {
    const sealed = sealRequest(this.serverKey, this.device, build);
    const { status, body, header } = await exchange(
      `${this.url}/v1/request`,
      {
        method: 'POST',
        body: sealed.body,
        timeoutMs: this.requestTimeoutMs + (opts.extraTimeoutMs ?? 0),
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      this.transport,
    );
    let reply: meow.FromServerMessage;
    try {
      reply = openReply(sealed, body);
    } catch (e) {
      throw new RelayError(
        'BAD_REPLY',
        `unreadable reply (HTTP ${status}): ${(e as Error).message}`,
        status,
        {
          cause: e,
        },
      );
    }
    const err = reply.error as meow.Error | null;
    if (err && err.code !== meow.ErrorCode.OK) {
      const code = meow.ErrorCode[err.code] ?? 'INTERNAL';
      const retryAfter = Number(header('retry-after'));
      throw new RelayError(code, err.message || code, status, {
        index: err.index,
        // openReply fills requestNonce only from a sealed reply (bound to this request's nonce).
        authenticated: reply.requestNonce.length > 0,
        ...(retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    if (status !== 200) throw new RelayError('BAD_REPLY', `HTTP ${status} without an error`, status);
    return reply;
  }

  /** Queues messages; returns the server ids, one per message, in order (a re-post returns the same id). */
  async post(messages: meow.IPackedUserMessage[], opts: { signal?: AbortSignal } = {}): Promise<string[]> {
    const reply = await this.request(() => ({ messages }), opts);
    if (reply.posted.length !== messages.length)
      throw new RelayError('BAD_REPLY', `posted ${messages.length} messages, got ${reply.posted.length} ids`);
    return reply.posted.map((p) => p.id ?? '');
  }

  /**
   * Long-poll pull of the queues of `lookups`: returns as soon as any has messages,
   * or empty after `timeoutMs` (bounded by the server). Abort with `signal`.
   * Every message stays queued until acked: `ack` acknowledges ids (what the previous
   * pull returned, once stored) in the same request, before the pull reads; `acked`
   * says how many it removed. After a failed request the ack may or may not have been
   * applied (a lost reply): acks are idempotent, so send them again with the next pull.
   */
  async pull(
    lookups: KeyPair[],
    opts: {
      timeoutMs?: number;
      maxMessages?: number;
      signal?: AbortSignal;
      ack?: { lookup: KeyPair; ids: string[] }[];
    } = {},
  ): Promise<{ messages: meow.DeliveredMessage[]; more: boolean; acked?: number }> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_PULL_TIMEOUT_MS;
    const reply = await this.request(
      (ctx) =>
        pullOperation(ctx, lookups, {
          timeoutMs,
          maxMessages: opts.maxMessages ?? 0,
          ...(opts.ack ? { ack: opts.ack } : {}),
        }),
      { extraTimeoutMs: timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) },
    );
    return {
      messages: reply.messages as meow.DeliveredMessage[],
      more: reply.more,
      ...(opts.ack ? { acked: reply.acked } : {}),
    };
  }

  /** Acknowledges messages stored durably; returns how many the server removed (repeats remove none). */
  async ack(
    items: { lookup: KeyPair; ids: string[] }[],
    opts: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const reply = await this.request((ctx) => ackOperation(ctx, items), opts);
    return reply.acked;
  }

  /**
   * Sender authorization: from now on each named queue of mine takes only messages
   * signed by one of its `senders` (replacing any earlier set; 1 to 4 keys). Returns
   * how many queues were set.
   */
  async secure(
    queues: { lookup: KeyPair; senders: Uint8Array[] }[],
    opts: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const reply = await this.request((ctx) => secureOperation(ctx, queues), opts);
    return reply.secured;
  }

  /**
   * Closes queues of mine for good (a rotation retired them): the relay hands back what they
   * held (then deletes it) and refuses every later post (GONE), pull and sender registration.
   */
  async closeQueues(
    lookups: KeyPair[],
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ closed: number; messages: meow.DeliveredMessage[] }> {
    const reply = await this.request((ctx) => closeOperation(ctx, lookups), opts);
    return { closed: reply.closed, messages: reply.messages as meow.DeliveredMessage[] };
  }

  /** Stores an encrypted invitation card until `expiresAt` (unix ms); returns its id. */
  async putInvitation(blob: Uint8Array, expiresAt: number, owner: KeyPair): Promise<string> {
    const reply = await this.request(() => ({
      invitation: { op: meow.InvitationOp.INVITATION_PUT, blob, expiresAt, ownerKey: owner.publicKey },
    }));
    const id = reply.invitation?.id;
    if (!id) throw new RelayError('BAD_REPLY', 'no invitation id in the reply');
    return id;
  }

  /** Fetches an invitation; RelayError NOT_FOUND or EXPIRED otherwise. */
  async getInvitation(id: string): Promise<{ blob: Uint8Array; expiresAt: number }> {
    const reply = await this.request(() => ({ invitation: { op: meow.InvitationOp.INVITATION_GET, id } }));
    const inv = reply.invitation;
    if (!inv?.blob) throw new RelayError('BAD_REPLY', 'no invitation in the reply');
    return { blob: inv.blob, expiresAt: Number(inv.expiresAt ?? 0) };
  }

  /** Deletes an invitation this owner key stored. */
  async deleteInvitation(id: string, owner: KeyPair): Promise<void> {
    await this.request((ctx) => invitationDeleteOperation(ctx, id, owner));
  }
}
