import { describe, expect, it } from 'vitest';
import { randomBytes } from '../../protocol/crypto/bytes.js';
import { WireError } from '../../protocol/wire/errors.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';
import { prng } from '../ratchet/helpers.js';

const sample = {
  DeviceSyncPayload: meow.DeviceSyncPayload.create({
    syncType: 'msg',
    peerUid: 'peer-1',
    dedupId: 'd-1',
    dbMessage: {
      outbound: true,
      type: 'text',
      text: 'héllo 🐱',
      status: { uuid: 'u', sent: 1_700_000_000_123 },
      state: 'sent',
    },
    peerData: randomBytes(40),
    identityData: new Uint8Array([1, 2]),
    forwardPayload: randomBytes(10),
    forwardPeerUid: 'p2',
  }),
  ToServerMessage: meow.ToServerMessage.create({
    timestamp: Date.now(),
    nonce: randomBytes(16),
    replyKey: randomBytes(32),
    messages: [{ destination: randomBytes(32), payload: randomBytes(100), signature: randomBytes(64) }],
    pull: { keys: [{ lookupKey: randomBytes(32), signature: randomBytes(64) }], timeoutMs: 25000 },
  }),
  ContactCard: meow.ContactCard.create({
    name: 'Alice',
    contactPublicKey: randomBytes(32),
    pullServers: [{ url: 'http://127.0.0.1:1', publicKey: randomBytes(32) }],
    expiresAt: 1_800_000_000_000,
    kind: 'contact',
  }),
};

describe('proto', () => {
  it('round-trips every sample through encode and strict decode', () => {
    const bytes = encode(meow.DeviceSyncPayload, sample.DeviceSyncPayload);
    const d = decodeStrict(meow.DeviceSyncPayload, 'DeviceSyncPayload', bytes);
    expect(encode(meow.DeviceSyncPayload, d)).toEqual(bytes);
    expect(new Uint8Array(d.peerData)).toEqual(sample.DeviceSyncPayload.peerData);
    expect(d.dbMessage?.text).toBe('héllo 🐱');
    expect(d.dbMessage?.status?.sent).toBe(1_700_000_000_123);
    const t = decodeStrict(
      meow.ToServerMessage,
      'ToServerMessage',
      encode(meow.ToServerMessage, sample.ToServerMessage),
    );
    expect(t.pull?.timeoutMs).toBe(25000);
    expect(t.messages[0]!.payload).toEqual(sample.ToServerMessage.messages[0]!.payload);
    const c = decodeStrict(meow.ContactCard, 'ContactCard', encode(meow.ContactCard, sample.ContactCard));
    expect(c.name).toBe('Alice');
    expect(c.expiresAt).toBe(1_800_000_000_000);
  });

  it('keeps device_messages at field 10 (to server) and 9 (from server)', () => {
    const to = encode(meow.ToServerMessage, { deviceMessages: [{ destination: new Uint8Array([1]) }] });
    expect(to[0]).toBe((10 << 3) | 2);
    const from = encode(meow.FromServerMessage, { deviceMessages: [{ destination: new Uint8Array([1]) }] });
    expect(from[0]).toBe((9 << 3) | 2);
  });

  const bad: [string, Uint8Array][] = [
    ['truncated varint', new Uint8Array([0x08, 0xff, 0xff])],
    ['varint longer than 10 bytes', new Uint8Array([0x08, ...new Array<number>(11).fill(0xff), 0x01])],
    ['wrong wire type (varint for a string)', new Uint8Array([(1 << 3) | 0, 0x05])],
    [
      'wrong wire type (bytes for a bool)',
      new Uint8Array([(1 << 3) | 2, 0x01, 0x01].map((x, i) => (i === 0 ? (1 << 3) | 2 : x))),
    ],
    ['length bomb', new Uint8Array([(2 << 3) | 2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00])],
    ['length past the end', new Uint8Array([(2 << 3) | 2, 0x05, 0x61])],
    ['group wire type', new Uint8Array([(1 << 3) | 3])],
    ['field number zero', new Uint8Array([0x00, 0x00])],
    ['invalid UTF-8 in a string', new Uint8Array([(2 << 3) | 2, 0x02, 0xc3, 0x28])],
  ];

  it.each(bad)('%s → WireError, never a crash', (_, bytes) => {
    const types = [
      [meow.DeviceSyncPayload, 'DeviceSyncPayload'],
      [meow.UserMessage, 'UserMessage'],
      [meow.DbMessage, 'DbMessage'],
    ] as const;
    let refused = 0;
    for (const [t, name] of types) {
      try {
        decodeStrict(t as typeof meow.UserMessage, name, bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
  });

  it('nested messages are validated too', () => {
    // DeviceSyncPayload.db_message (3) containing a truncated varint
    const inner = new Uint8Array([0x08, 0xff]);
    const outer = new Uint8Array([(3 << 3) | 2, inner.length, ...inner]);
    expect(() => decodeStrict(meow.DeviceSyncPayload, 'DeviceSyncPayload', outer)).toThrowError(
      /truncated varint/,
    );
  });

  it('fuzz: 20,000 random and mutated inputs only ever decode or throw WireError', () => {
    const rand = prng(7);
    const valid = encode(meow.DeviceSyncPayload, sample.DeviceSyncPayload);
    for (let i = 0; i < 20000; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) {
        input = valid.slice(0, Math.floor(rand() * valid.length));
        for (let k = 0; k < 3; k++) input[Math.floor(rand() * input.length)] = Math.floor(rand() * 256);
      } else {
        input = randomBytes(Math.floor(rand() * 64));
      }
      try {
        decodeStrict(meow.DeviceSyncPayload, 'DeviceSyncPayload', input);
      } catch (e) {
        expect(e).toBeInstanceOf(WireError);
      }
    }
  });

  it('refuses input above the size bound', () => {
    expect(() => decodeStrict(meow.UserMessage, 'UserMessage', new Uint8Array(100), 10)).toThrowError(
      /exceeds/,
    );
  });
});

describe('int64 fields', () => {
  it('are plain numbers, present or absent (never Long objects)', () => {
    const d = meow.ConversationStatus.decode(encode(meow.ConversationStatus, { uuid: 'x', sent: 5 }));
    expect(d.sent).toBe(5);
    expect(d.processed).toBe(0);
    expect(typeof d.received).toBe('number');
  });
});
