/**
 * Bad input gets a clear error and changes nothing: every refusal is checked for its
 * error code, its HTTP status, unchanged queue lengths, and a server that goes on
 * serving a good request right after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFields, randomBytes, toHex } from '../../main/crypto/bytes.js';
import { ed25519KeyPair, sign, x25519KeyPair, type KeyPair } from '../../main/crypto/curves.js';
import { seal } from '../../main/crypto/sealedBox.js';
import { RelayError, type RelayClient } from '../../main/net/relayClient.js';
import { encode, meow } from '../../main/wire/proto.js';
import { CLOCK_WINDOW_MS, makeKeyProof, openReply, sealRequest } from '../../main/wire/serverProtocol.js';
import { packed, rawRequest, startRelay, type TestRelay } from '../helpers/relay.js';

let relay: TestRelay;
let client: RelayClient;
const device = ed25519KeyPair();
const lookups: KeyPair[] = [ed25519KeyPair(), ed25519KeyPair()];

beforeAll(async () => {
  relay = await startRelay({ limits: { maxMessagesPerPost: 5, maxKeysPerPull: 4, maxBodyBytes: 64 * 1024 } });
  client = relay.client(device);
  await client.post([packed(lookups[0]!), packed(lookups[0]!), packed(lookups[1]!)]);
});
afterAll(async () => {
  await relay?.close();
});

const lengths = () => Promise.all(lookups.map((l) => relay.store.queueLength(toHex(l.publicKey))));

/** Runs `attempt`, expects refusal with `code` and `status`, and checks nothing changed and the server still serves. */
async function refused(code: string, status: number, attempt: () => Promise<unknown>): Promise<RelayError> {
  const before = await lengths();
  const errorsBefore = relay.logs.length;
  const err = await attempt().then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RelayError);
  const e = err as RelayError;
  expect({ code: e.code, status: e.httpStatus }).toEqual({ code, status });
  expect(e.retryable).toBe(false);
  expect(await lengths()).toEqual(before);
  // One structured log line for the refusal, with its code.
  expect(relay.logs.slice(errorsBefore)).toContainEqual(
    expect.objectContaining({ event: 'request_error', code, status }),
  );
  // The server keeps serving.
  const { messages } = await client.pull([lookups[1]!], { timeoutMs: 0 });
  expect(messages.length).toBe(before[1]);
  return e;
}

/** Sends raw bytes; turns the reply into what RelayClient would throw. */
async function sendRaw(body: Uint8Array, request?: ReturnType<typeof sealRequest>): Promise<never> {
  const { status, reply } = await rawRequest(relay.url, body);
  const from = request && reply.sealed.length ? openReply(request, encode(meow.ServerReply, reply)) : reply;
  const error = from.error as meow.Error | null;
  throw new RelayError(error ? meow.ErrorCode[error.code] : 'NONE', error?.message ?? '', status);
}

function sealed(
  fill: (ts: number, nonce: Uint8Array) => meow.IToServerMessage,
  now = Date.now(),
  dev = device,
) {
  return sealRequest(relay.serverKey, dev, fill, now);
}

describe('envelope refusals', () => {
  it('random bytes: MALFORMED', () => refused('MALFORMED', 400, () => sendRaw(randomBytes(200))));

  it('a truncated request: MALFORMED', async () => {
    const req = sealed(() => ({ messages: [packed(lookups[0]!)] }));
    await refused('MALFORMED', 400, () => sendRaw(req.body.subarray(0, req.body.length - 7)));
  });

  it('an empty body: MALFORMED', () => refused('MALFORMED', 400, () => sendRaw(new Uint8Array(0))));

  it('wrong wire types inside a valid-looking envelope: MALFORMED', async () => {
    // field 1 (device_key) sent as a varint instead of bytes
    await refused('MALFORMED', 400, () => sendRaw(new Uint8Array([0x08, 0x01, 0x12, 0x01, 0x00])));
  });

  it('sealed to another server: NOT_FOR_THIS_SERVER', async () => {
    // Signed for this server, but sealed to someone else's key (mirrors serverProtocol's framing).
    const other = x25519KeyPair();
    const msg = meow.ToServerMessage.create({
      timestamp: Date.now(),
      nonce: randomBytes(16),
      replyKey: x25519KeyPair().publicKey,
      serverKey: relay.serverKey,
      messages: [packed(lookups[0]!)],
    });
    const box = seal(
      other.publicKey,
      encode(meow.ToServerMessage, msg),
      encodeFields('meow/req/v1', device.publicKey),
    );
    const signature = sign(device, encodeFields('meow/req/v1', relay.serverKey, box));
    const body = encode(meow.SignedRequest, { deviceKey: device.publicKey, sealed: box, signature });
    await refused('NOT_FOR_THIS_SERVER', 421, () => sendRaw(body));
  });

  it('a request naming another server key inside: NOT_FOR_THIS_SERVER', async () => {
    const req = sealed(() => ({ messages: [packed(lookups[0]!)], serverKey: x25519KeyPair().publicKey }));
    // sealRequest sets server_key itself; rebuild with a foreign one.
    const msg = meow.ToServerMessage.create({
      timestamp: Date.now(),
      nonce: randomBytes(16),
      replyKey: req.replyKey.publicKey,
      serverKey: x25519KeyPair().publicKey,
      messages: [packed(lookups[0]!)],
    });
    const box = seal(
      relay.serverKey,
      encode(meow.ToServerMessage, msg),
      encodeFields('meow/req/v1', device.publicKey),
    );
    const signature = sign(device, encodeFields('meow/req/v1', relay.serverKey, box));
    const body = encode(meow.SignedRequest, { deviceKey: device.publicKey, sealed: box, signature });
    await refused('NOT_FOR_THIS_SERVER', 421, () => sendRaw(body, { ...req, nonce: msg.nonce }));
  });

  it('a wrong, missing or foreign device signature: BAD_SIGNATURE', async () => {
    const req = sealed(() => ({ messages: [packed(lookups[0]!)] }));
    const signed = meow.SignedRequest.decode(req.body);
    const flipped = new Uint8Array(signed.signature);
    flipped[5]! ^= 1;
    await refused('BAD_SIGNATURE', 401, () =>
      sendRaw(encode(meow.SignedRequest, { ...signed, signature: flipped })),
    );
    await refused('BAD_SIGNATURE', 401, () =>
      sendRaw(encode(meow.SignedRequest, { ...signed, signature: new Uint8Array(0) })),
    );
    await refused('BAD_SIGNATURE', 401, () =>
      sendRaw(encode(meow.SignedRequest, { ...signed, deviceKey: ed25519KeyPair().publicKey })),
    );
  });

  it('a timestamp outside the clock window: STALE', async () => {
    const old = sealed(() => ({ messages: [packed(lookups[0]!)] }), Date.now() - CLOCK_WINDOW_MS - 5000);
    await refused('STALE', 401, () => sendRaw(old.body));
    const future = sealed(() => ({ messages: [packed(lookups[0]!)] }), Date.now() + CLOCK_WINDOW_MS + 5000);
    await refused('STALE', 401, () => sendRaw(future.body));
  });

  it('the same request twice: REPLAYED', async () => {
    const q = ed25519KeyPair();
    const req = sealed(() => ({ messages: [packed(q)] }));
    const first = await rawRequest(relay.url, req.body);
    expect(first.status).toBe(200);
    expect(await relay.store.queueLength(toHex(q.publicKey))).toBe(1);
    await refused('REPLAYED', 409, () => sendRaw(req.body, req));
    expect(await relay.store.queueLength(toHex(q.publicKey))).toBe(1);
    // A replayed pull is refused too (nothing re-delivered to whoever replays it).
    const pull = sealed((ts, nonce) => ({
      pull: { keys: [makeKeyProof('pull', q, relay.serverKey, ts, nonce)], timeoutMs: 0 },
    }));
    expect((await rawRequest(relay.url, pull.body)).status).toBe(200);
    await refused('REPLAYED', 409, () => sendRaw(pull.body, pull));
  });

  it('an oversized body: BODY_TOO_LARGE', async () => {
    await refused('BODY_TOO_LARGE', 413, () => sendRaw(randomBytes(64 * 1024 + 1)));
    await refused('BODY_TOO_LARGE', 413, () => sendRaw(randomBytes(2 * 1024 * 1024)));
  });

  it('no operation, two operations, or device_messages: MALFORMED / UNSUPPORTED', async () => {
    await refused('MALFORMED', 400, () => client.request(() => ({})));
    await refused('MALFORMED', 400, () =>
      client.request((ts, nonce) => ({
        messages: [packed(lookups[0]!)],
        pull: { keys: [makeKeyProof('pull', lookups[0]!, relay.serverKey, ts, nonce)] },
      })),
    );
    await refused('UNSUPPORTED', 400, () =>
      client.request(() => ({ deviceMessages: [packed(lookups[0]!)] })),
    );
  });
});

describe('post refusals', () => {
  it('a malformed message anywhere in the batch: nothing of the batch is stored', async () => {
    const bad = { ...packed(lookups[0]!), destination: randomBytes(31) };
    const e = await refused('MALFORMED', 400, () =>
      client.post([packed(lookups[0]!), packed(lookups[1]!), bad]),
    );
    expect(e.index).toBe(2);
    await refused('MALFORMED', 400, () =>
      client.post([packed(lookups[0]!), { ...packed(lookups[1]!), payload: new Uint8Array(0) }]),
    );
    await refused('MALFORMED', 400, () =>
      client.post([{ ...packed(lookups[1]!), signature: randomBytes(10) }]),
    );
  });
});

describe('pull and ack proofs', () => {
  const pullWith = (keys: (ts: number, nonce: Uint8Array) => meow.IKeyProof[]) =>
    client.request((ts, nonce) => ({ pull: { keys: keys(ts, nonce), timeoutMs: 0 } }));

  it('a missing proof: BAD_PROOF, whole batch refused', async () => {
    const e = await refused('BAD_PROOF', 403, () =>
      pullWith((ts, nonce) => [
        makeKeyProof('pull', lookups[0]!, relay.serverKey, ts, nonce),
        { lookupKey: lookups[1]!.publicKey },
      ]),
    );
    expect(e.index).toBe(1);
    await refused('BAD_PROOF', 403, () => pullWith(() => [{}]));
  });

  it('a proof by another key, for another operation, or another server: BAD_PROOF', async () => {
    await refused('BAD_PROOF', 403, () =>
      pullWith((ts, nonce) => [
        {
          lookupKey: lookups[0]!.publicKey,
          signature: makeKeyProof('pull', ed25519KeyPair(), relay.serverKey, ts, nonce).signature,
        },
      ]),
    );
    await refused('BAD_PROOF', 403, () =>
      pullWith((ts, nonce) => [makeKeyProof('ack', lookups[0]!, relay.serverKey, ts, nonce)]),
    );
    await refused('BAD_PROOF', 403, () =>
      pullWith((ts, nonce) => [makeKeyProof('pull', lookups[0]!, x25519KeyPair().publicKey, ts, nonce)]),
    );
  });

  it('a stale proof (other timestamp) or a replayed one (other request nonce): BAD_PROOF', async () => {
    await refused('BAD_PROOF', 403, () =>
      pullWith((ts, nonce) => [makeKeyProof('pull', lookups[0]!, relay.serverKey, ts - 60_000, nonce)]),
    );
    const captured: meow.IKeyProof[] = [];
    await pullWith((ts, nonce) => {
      captured.push(makeKeyProof('pull', lookups[0]!, relay.serverKey, ts, nonce));
      return captured;
    });
    // Someone who saw that proof reuses it in a request of their own.
    const thief = relay.client(ed25519KeyPair());
    await refused('BAD_PROOF', 403, () => thief.request(() => ({ pull: { keys: captured, timeoutMs: 0 } })));
  });

  it('an ack with a bad proof removes nothing', async () => {
    const { messages } = await client.pull([lookups[0]!], { timeoutMs: 0 });
    expect(messages.length).toBeGreaterThan(0);
    const ids = messages.map((m) => m.id);
    // The victim's queue named, signed by someone else's key.
    await refused('BAD_PROOF', 403, () =>
      client.request((ts, nonce) => ({
        ack: {
          items: [
            {
              key: {
                lookupKey: lookups[0]!.publicKey,
                signature: makeKeyProof('ack', ed25519KeyPair(), relay.serverKey, ts, nonce).signature,
              },
              ids,
            },
          ],
        },
      })),
    );
    // A valid proof of one's own (empty) queue cannot remove another queue's messages.
    expect(await relay.client().ack([{ lookup: ed25519KeyPair(), ids }])).toBe(0);
    await refused('BAD_PROOF', 403, () =>
      client.request((ts, nonce) => ({
        ack: {
          items: [
            { key: makeKeyProof('ack', lookups[1]!, relay.serverKey, ts, nonce), ids: [] },
            { key: { lookupKey: lookups[0]!.publicKey, signature: randomBytes(64) }, ids },
          ],
        },
      })),
    );
    await refused('BAD_PROOF', 403, () =>
      client.request((ts, nonce) => ({
        ack: { items: [{ key: makeKeyProof('pull', lookups[0]!, relay.serverKey, ts, nonce), ids }] },
      })),
    );
    await refused('MALFORMED', 400, () => client.ack([{ lookup: lookups[0]!, ids: ['not-an-id'] }]));
  });
});
