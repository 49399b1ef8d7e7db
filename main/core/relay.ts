/**
 * What the messenger needs from a relay connection (implemented by main/net/relayClient.ts).
 * Kept as an interface so the core is written against the contract, not the transport.
 */
import type { KeyPair } from '../../protocol/crypto/curves.js';
import type { meow } from '../../protocol/wire/proto.js';
import { isMeowError, MeowError } from './errors.js';

export interface Relay {
  post(messages: meow.IPackedUserMessage[], opts?: { signal?: AbortSignal }): Promise<string[]>;
  pull(
    lookups: KeyPair[],
    opts?: {
      timeoutMs?: number;
      maxMessages?: number;
      signal?: AbortSignal;
      /** Acks applied before the pull reads (of what earlier pulls returned, once stored). */
      ack?: { lookup: KeyPair; ids: string[] }[];
    },
  ): Promise<{ messages: meow.DeliveredMessage[]; more: boolean }>;
  ack(items: { lookup: KeyPair; ids: string[] }[], opts?: { signal?: AbortSignal }): Promise<number>;
  /** Sender authorization: each queue of mine takes messages only from its `senders` (see peers/queueAuth.ts). */
  secure?(
    queues: { lookup: KeyPair; senders: Uint8Array[] }[],
    opts?: { signal?: AbortSignal },
  ): Promise<number>;
  /** Closes retired queues of mine for good (peers/rekey.ts); what they hold is deleted. */
  closeQueues?(
    lookups: KeyPair[],
    opts?: { signal?: AbortSignal },
  ): Promise<{ closed: number; messages: meow.DeliveredMessage[] }>;
  putInvitation(blob: Uint8Array, expiresAt: number, owner: KeyPair): Promise<string>;
  getInvitation(id: string): Promise<{ blob: Uint8Array; expiresAt: number }>;
  deleteInvitation(id: string, owner: KeyPair): Promise<void>;
  /** Which transport the last call used: a relay session, or the HTTP path (absent: HTTP). */
  transportKind?(): 'session' | 'http';
  /** Ends a held connection (a relay session says bye); the next call opens a new one. */
  close?(): void;
}

export interface RelayFactory {
  /** A connection to `url`, pinned to `serverKey`, authenticated by my device key. */
  connect(url: string, serverKey: Uint8Array, device: KeyPair): Relay;
  /** Fetches and verifies a server's signed card (for `init --server URL`). */
  fetchCard(url: string): Promise<meow.ServerCard>;
  /** The relay's blob store (attachments), when this factory can reach one. */
  blobs?(url: string, serverKey: Uint8Array, device: KeyPair): BlobTransport;
}

/** A relay's blob store (implemented by main/net/blobClient.ts): errors carry a `code` (BlobErrorCode). */
export interface BlobTransport {
  upload(
    path: string,
    o?: {
      onProgress?: (done: number, total: number) => void;
      signal?: AbortSignal;
      /** Continue this blob from the relay's offset instead of creating one. */
      resume?: string;
      onCreated?: (id: string) => void;
    },
  ): Promise<string>;
  download(
    id: string,
    path: string,
    maxSize: number,
    o?: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal; sha256?: Uint8Array },
  ): Promise<number>;
  delete(id: string): Promise<void>;
}

/** Errors from a relay: `code` is the protocol's ErrorCode name or UNREACHABLE. */
export interface RelayErrorLike {
  code: string;
  retryable: boolean;
  message: string;
  /** Said in a reply sealed to the request (a plain error can be damaged on the way). */
  authenticated?: boolean;
  httpStatus?: number;
  retryAfterMs?: number;
  /** Which message of a batch the refusal is about, when the relay named one. */
  index?: number;
}

export function isRelayError(e: unknown): e is RelayErrorLike {
  return typeof e === 'object' && e !== null && 'code' in e && 'retryable' in e;
}

/** A relay failure as the error a person sees: the server could not be reached, or refused. */
export function relayServiceError(e: unknown, url: string): MeowError {
  if (isMeowError(e)) return e;
  if (isRelayError(e) && e.code === 'UNREACHABLE')
    return new MeowError('SERVER_UNREACHABLE', { url }, { cause: e });
  if (isRelayError(e) && e.code === 'INSECURE_TRANSPORT')
    return new MeowError('INSECURE_SERVER', { url }, { cause: e });
  const reason = isRelayError(e) ? e.code : e instanceof Error ? e.message : String(e);
  return new MeowError('SERVER_REFUSED', { url, reason }, { cause: e });
}
