/** In-process relay servers and hand-made requests for the server tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, type KeyPair } from '../../protocol/crypto/curves.js';
import { RelayClient, RelayError } from '../../main/net/relayClient.js';
import { expect } from 'vitest';
import { decodeStrict, meow } from '../../protocol/wire/proto.js';
import { DEFAULT_LIMITS, type Limits } from '../../server/config.js';
import { loadOrCreateIdentity } from '../../server/identity.js';
import { RelayServer, type LogEntry } from '../../server/server.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { BlobStore } from '../../server/blobs/blobStore.js';
import { DiskBlobStore } from '../../server/blobs/diskBlobStore.js';
import type { RelayStore } from '../../server/store/types.js';

export interface TestRelay {
  server: RelayServer;
  url: string;
  serverKey: Uint8Array;
  store: RelayStore;
  logs: LogEntry[];
  client(device?: KeyPair): RelayClient;
  close(): Promise<void>;
}

/** A relay on a free loopback port; embedded store in a temp folder unless `store` is given. */
export async function startRelay(
  opts: {
    limits?: Partial<Limits>;
    store?: RelayStore;
    keyFile?: string;
    tls?: { cert: string; key: string };
    trustProxy?: string[];
    /** Where blobs go (default: a folder beside the embedded store). */
    blobs?: BlobStore;
  } = {},
): Promise<TestRelay> {
  const dir = mkdtempSync(join(tmpdir(), 'meow-relay-'));
  const store = opts.store ?? new SqliteStore(join(dir, 'relay.db'));
  const logs: LogEntry[] = [];
  const server = await RelayServer.start({
    identity: loadOrCreateIdentity(opts.keyFile ?? join(dir, 'server-key.json')),
    store,
    limits: { ...DEFAULT_LIMITS, ...opts.limits },
    log: (e) => logs.push(e),
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.trustProxy ? { trustProxy: opts.trustProxy } : {}),
    blobs: opts.blobs ?? new DiskBlobStore(join(dir, 'blobs')),
  });
  const serverKey = server.card.publicKey;
  return {
    server,
    url: server.url,
    serverKey,
    store,
    logs,
    client: (device = ed25519KeyPair()) =>
      new RelayClient({ url: server.url, serverKey, device, ...(opts.tls ? { ca: opts.tls.cert } : {}) }),
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A message as a sender would post it (the relay never looks inside the payload). */
export function packed(destination: KeyPair | Uint8Array, payloadSize = 100): meow.IPackedUserMessage {
  return {
    destination: destination instanceof Uint8Array ? destination : destination.publicKey,
    payload: randomBytes(payloadSize),
    signature: randomBytes(64),
  };
}

/** POSTs raw bytes to /v1/request; returns the HTTP status and the decoded ServerReply. */
export async function rawRequest(
  url: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: number; reply: meow.ServerReply; headers: Headers }> {
  const res = await fetch(`${url}/v1/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', ...headers },
    body: body as Uint8Array<ArrayBuffer>,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    status: res.status,
    reply: decodeStrict(meow.ServerReply, 'ServerReply', bytes),
    headers: res.headers,
  };
}

/** Awaits a call that must fail with a RelayError, and returns it. */
export async function refusal(p: Promise<unknown>): Promise<RelayError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(RelayError);
  return e as RelayError;
}

/** A pinned server reference for unit tests that never connect to it. */
export function fakeServerRef(url = 'http://127.0.0.1:8787', name = 'relay') {
  return {
    url,
    publicKey: Buffer.alloc(32, 1).toString('base64'),
    signingKey: Buffer.alloc(32, 2).toString('base64'),
    name,
  };
}
