/**
 * Bad input gets a clear error and changes nothing: every refusal is checked for its
 * error code, its HTTP status, unchanged queue lengths, and a server that goes on
 * serving a good request right after.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFields, randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, sign, x25519KeyPair, type KeyPair } from '../../protocol/crypto/curves.js';
import { seal } from '../../protocol/crypto/sealedBox.js';
import { RelayError, type RelayClient } from '../../main/net/relayClient.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import {
  CLOCK_WINDOW_MS,
  makeKeyProof,
  openReply,
  operationDigest,
  pullOperation,
  sealRequest,
  type RequestContext,
} from '../../protocol/wire/serverProtocol.js';
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

function sealed(build: (ctx: RequestContext) => meow.IToServerMessage, now = Date.now(), dev = device) {
  return sealRequest(relay.serverKey, dev, build, now);
}

/** A v2 body by hand (mirrors serverProtocol's framing), for envelopes the client would never make. */
function handmade(opts: {
  sealTo?: Uint8Array;
  message: meow.IToServerMessage;
  deviceKey?: Uint8Array;
  signature?: Uint8Array;
}): Uint8Array {
  const bytes = encode(meow.ToServerMessage, meow.ToServerMessage.create(opts.message));
  const envelope = encode(meow.RequestEnvelope, {
    deviceKey: opts.deviceKey ?? device.publicKey,
    message: bytes,
    signature: opts.signature ?? sign(device, encodeFields('meow/req/v2', relay.serverKey, bytes)),
  });
  return encode(meow.SignedRequest, {
    version: 2,
    sealed: seal(opts.sealTo ?? relay.serverKey, envelope, encodeFields('meow/req/v2')),
  });
}

/** The fields every request carries. */
function envelopeFields(replyKey = x25519KeyPair().publicKey): meow.IToServerMessage {
  return { timestamp: Date.now(), nonce: randomBytes(16), replyKey, serverKey: relay.serverKey };
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
    const body = handmade({
      sealTo: x25519KeyPair().publicKey,
      message: { ...envelopeFields(), messages: [packed(lookups[0]!)] },
    });
    await refused('NOT_FOR_THIS_SERVER', 421, () => sendRaw(body));
  });

  it('a request naming another server key inside: NOT_FOR_THIS_SERVER', async () => {
    const req = sealed(() => ({ messages: [packed(lookups[0]!)] }));
    const message = {
      ...envelopeFields(req.replyKey.publicKey),
      serverKey: x25519KeyPair().publicKey,
      messages: [packed(lookups[0]!)],
    };
    await refused('NOT_FOR_THIS_SERVER', 421, () =>
      sendRaw(handmade({ message }), { ...req, nonce: message.nonce as Uint8Array }),
    );
  });

  it('a wrong, missing or foreign device signature: BAD_SIGNATURE', async () => {
    const message = { ...envelopeFields(), messages: [packed(lookups[0]!)] };
    const good = sign(
      device,
      encodeFields('meow/req/v2', relay.serverKey, encode(meow.ToServerMessage, message)),
    );
    const flipped = new Uint8Array(good);
    flipped[5]! ^= 1;
    await refused('BAD_SIGNATURE', 401, () => sendRaw(handmade({ message, signature: flipped })));
    await refused('BAD_SIGNATURE', 401, () => sendRaw(handmade({ message, signature: new Uint8Array(0) })));
    await refused('BAD_SIGNATURE', 401, () =>
      sendRaw(handmade({ message, deviceKey: ed25519KeyPair().publicKey })),
    );
  });

  it('a v1 request (device key in clear): UNSUPPORTED; an unknown version: MALFORMED', async () => {
    const message = { ...envelopeFields(), messages: [packed(lookups[0]!)] };
    const box = seal(
      relay.serverKey,
      encode(meow.ToServerMessage, message),
      encodeFields('meow/req/v1', device.publicKey),
    );
    const signature = sign(device, encodeFields('meow/req/v1', relay.serverKey, box));
    const v1 = encode(meow.SignedRequest, { deviceKey: device.publicKey, sealed: box, signature });
    await refused('UNSUPPORTED', 400, () => sendRaw(v1));
    const v3 = encode(meow.SignedRequest, {
      ...meow.SignedRequest.decode(handmade({ message })),
      version: 3,
    });
    await refused('MALFORMED', 400, () => sendRaw(v3));
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
    const pull = sealed((ctx) => pullOperation(ctx, [q]));
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
      client.request((ctx) => ({ messages: [packed(lookups[0]!)], ...pullOperation(ctx, [lookups[0]!]) })),
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
  /** A pull whose proofs `keys` makes, over the digest of the request they travel in. */
  const pullWith = (
    keys: (ctx: RequestContext, digest: (m: meow.IToServerMessage) => Uint8Array) => meow.IKeyProof[],
  ) =>
    client.request((ctx) => {
      const m: meow.IToServerMessage = { pull: { keys: [], timeoutMs: 0 } };
      m.pull!.keys = keys(ctx, (shape) => operationDigest(ctx, shape));
      return m;
    });
  /** The digest of a pull naming `ls` in the request `ctx`. */
  const pullDigest = (ctx: RequestContext, ls: KeyPair[]) =>
    operationDigest(ctx, { pull: { keys: ls.map((l) => ({ lookupKey: l.publicKey })), timeoutMs: 0 } });

  it('a missing proof: BAD_PROOF, whole batch refused', async () => {
    const e = await refused('BAD_PROOF', 403, () =>
      pullWith((ctx) => [
        makeKeyProof('pull', lookups[0]!, pullDigest(ctx, [lookups[0]!, lookups[1]!])),
        { lookupKey: lookups[1]!.publicKey },
      ]),
    );
    expect(e.index).toBe(1);
    await refused('BAD_PROOF', 403, () => pullWith(() => [{}]));
  });

  it('a proof by another key, for another operation, or another server: BAD_PROOF', async () => {
    await refused('BAD_PROOF', 403, () =>
      pullWith((ctx) => [
        {
          lookupKey: lookups[0]!.publicKey,
          signature: makeKeyProof('pull', ed25519KeyPair(), pullDigest(ctx, [lookups[0]!])).signature,
        },
      ]),
    );
    await refused('BAD_PROOF', 403, () =>
      pullWith((ctx) => [makeKeyProof('ack', lookups[0]!, pullDigest(ctx, [lookups[0]!]))]),
    );
    await refused('BAD_PROOF', 403, () =>
      pullWith((ctx) => [
        makeKeyProof(
          'pull',
          lookups[0]!,
          pullDigest({ ...ctx, serverKey: x25519KeyPair().publicKey }, [lookups[0]!]),
        ),
      ]),
    );
  });

  it('a proof bound to another timestamp, nonce, device, reply key or set of keys: BAD_PROOF', async () => {
    const other = {
      timestamp: (c: RequestContext) => ({ ...c, timestamp: c.timestamp - 60_000 }),
      nonce: (c: RequestContext) => ({ ...c, nonce: randomBytes(16) }),
      device: (c: RequestContext) => ({ ...c, deviceKey: ed25519KeyPair().publicKey }),
      reply: (c: RequestContext) => ({ ...c, replyKey: x25519KeyPair().publicKey }),
    };
    for (const shift of Object.values(other)) {
      await refused('BAD_PROOF', 403, () =>
        pullWith((ctx) => [makeKeyProof('pull', lookups[0]!, pullDigest(shift(ctx), [lookups[0]!]))]),
      );
    }
    // signed for a pull of one key, sent in a pull of two
    await refused('BAD_PROOF', 403, () =>
      pullWith((ctx) => [
        makeKeyProof('pull', lookups[0]!, pullDigest(ctx, [lookups[0]!])),
        makeKeyProof('pull', lookups[1]!, pullDigest(ctx, [lookups[0]!, lookups[1]!])),
      ]),
    );
    // Someone who saw the proofs of a request reuses them in a request of their own.
    const captured: meow.IKeyProof[] = [];
    await client.request((ctx) => {
      const m = pullOperation(ctx, [lookups[0]!]);
      captured.push(...m.pull!.keys!);
      return m;
    });
    const thief = relay.client(ed25519KeyPair());
    await refused('BAD_PROOF', 403, () => thief.request(() => ({ pull: { keys: captured, timeoutMs: 0 } })));
  });

  it('an ack with a bad proof removes nothing', async () => {
    const { messages } = await client.pull([lookups[0]!], { timeoutMs: 0 });
    expect(messages.length).toBeGreaterThan(0);
    const ids = messages.map((m) => m.id);
    const ackOf = (items: { key: meow.IKeyProof; ids: string[] }[]): meow.IToServerMessage => ({
      ack: { items },
    });
    const ackDigest = (ctx: RequestContext, items: { lookup: KeyPair; ids: string[] }[]) =>
      operationDigest(
        ctx,
        ackOf(items.map((it) => ({ key: { lookupKey: it.lookup.publicKey }, ids: it.ids }))),
      );
    // The victim's queue named, signed by someone else's key.
    await refused('BAD_PROOF', 403, () =>
      client.request((ctx) =>
        ackOf([
          {
            key: {
              lookupKey: lookups[0]!.publicKey,
              signature: makeKeyProof('ack', ed25519KeyPair(), ackDigest(ctx, [{ lookup: lookups[0]!, ids }]))
                .signature,
            },
            ids,
          },
        ]),
      ),
    );
    // A valid proof of one's own (empty) queue cannot remove another queue's messages.
    expect(await relay.client().ack([{ lookup: ed25519KeyPair(), ids }])).toBe(0);
    await refused('BAD_PROOF', 403, () =>
      client.request((ctx) => {
        const items = [
          { lookup: lookups[1]!, ids: [] as string[] },
          { lookup: lookups[0]!, ids },
        ];
        const d = ackDigest(ctx, items);
        return ackOf([
          { key: makeKeyProof('ack', lookups[1]!, d), ids: [] },
          { key: { lookupKey: lookups[0]!.publicKey, signature: randomBytes(64) }, ids },
        ]);
      }),
    );
    // A proof made for a pull, and a proof made for other ids, do not ack.
    await refused('BAD_PROOF', 403, () =>
      client.request((ctx) =>
        ackOf([
          { key: makeKeyProof('pull', lookups[0]!, ackDigest(ctx, [{ lookup: lookups[0]!, ids }])), ids },
        ]),
      ),
    );
    await refused('BAD_PROOF', 403, () =>
      client.request((ctx) =>
        ackOf([
          {
            key: makeKeyProof(
              'ack',
              lookups[0]!,
              ackDigest(ctx, [{ lookup: lookups[0]!, ids: ids.slice(0, 1) }]),
            ),
            ids,
          },
        ]),
      ),
    );
    await refused('MALFORMED', 400, () => client.ack([{ lookup: lookups[0]!, ids: ['not-an-id'] }]));
  });
});
