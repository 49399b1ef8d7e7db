import { describe, expect, it } from 'vitest';
import { fromHex, randomBytes, toHex, utf8 } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, x25519KeyPair } from '../../protocol/crypto/curves.js';
import {
  deviceAuth,
  subscriptionProof,
  verifyDeviceAuth,
  verifySubscriptionProof,
} from '../../protocol/session/auth.js';
import { FrameOpener, FrameSealer, type FrameError } from '../../protocol/session/frames.js';
import { clientFinish, clientStart, HandshakeError, serverRespond } from '../../protocol/session/noise.js';
import { referenceFrame, referenceHandshake } from './reference.js';

// Fixed keys → fixed transcript (computed once and checked against ./reference.ts).
const VECTOR = {
  serverPriv: '11'.repeat(32),
  clientEphPriv: '22'.repeat(32),
  serverEphPriv: '33'.repeat(32),
  serverPub: '7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13',
  message1:
    '0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f2040e922e14a9027792f1b6d1ab4b1a7fe',
  message2:
    '7b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b1404dca367108a0df9d54992f926df60e2',
  clientToServer: '94156db9b4f8c651423bddf277b93f5f35d094a0ab26cf0901ff4c4cd9de0b8d',
  serverToClient: '73b9113497134a704792c3bbde2cd2b9ff95e04beea88cb883d16d1eb4e4a69c',
  transcript: '3b40c1b4f61918f41ee6ba362a04856ea9c7b8f91d92c8a83a0cd14430c58da3',
};

function handshake(server = x25519KeyPair(), pinned = server.publicKey) {
  const c = clientStart(pinned);
  const s = serverRespond(server, c.message);
  return { client: clientFinish(c, s.message), server: s.keys };
}

describe('session handshake (Noise NK)', () => {
  it('fixed keys give the fixed messages, keys and transcript', () => {
    const server = x25519KeyPair(fromHex(VECTOR.serverPriv));
    expect(toHex(server.publicKey)).toBe(VECTOR.serverPub);
    const c = clientStart(server.publicKey, x25519KeyPair(fromHex(VECTOR.clientEphPriv)));
    const s = serverRespond(server, c.message, x25519KeyPair(fromHex(VECTOR.serverEphPriv)));
    const k = clientFinish(c, s.message);
    expect(toHex(c.message)).toBe(VECTOR.message1);
    expect(toHex(s.message)).toBe(VECTOR.message2);
    for (const keys of [k, s.keys]) {
      expect(toHex(keys.clientToServer)).toBe(VECTOR.clientToServer);
      expect(toHex(keys.serverToClient)).toBe(VECTOR.serverToClient);
      expect(toHex(keys.transcript)).toBe(VECTOR.transcript);
    }
  });

  it('an independent derivation (noble primitives, the specification written out) agrees on random keys', () => {
    for (let i = 0; i < 5; i++) {
      const [sp, ce, se] = [randomBytes(32), randomBytes(32), randomBytes(32)];
      const server = x25519KeyPair(sp);
      const c = clientStart(server.publicKey, x25519KeyPair(ce));
      const s = serverRespond(server, c.message, x25519KeyPair(se));
      const ref = referenceHandshake(sp, ce, se);
      expect(toHex(c.message)).toBe(toHex(ref.message1));
      expect(toHex(s.message)).toBe(toHex(ref.message2));
      expect(toHex(s.keys.clientToServer)).toBe(toHex(ref.c2s));
      expect(toHex(s.keys.serverToClient)).toBe(toHex(ref.s2c));
      expect(toHex(s.keys.transcript)).toBe(toHex(ref.transcript));
      // Frames: the reference's frame 0 and 1 open in order.
      const opener = new FrameOpener(s.keys.clientToServer);
      expect(opener.open(referenceFrame(ref.c2s, 0, utf8('a')))).toEqual(utf8('a'));
      expect(opener.open(referenceFrame(ref.c2s, 1, utf8('b')))).toEqual(utf8('b'));
    }
  });

  it('both sides agree; every session has its own keys and transcript (ephemeral on both sides)', () => {
    const server = x25519KeyPair();
    const a = handshake(server);
    const b = handshake(server);
    expect(a.client).toEqual(a.server);
    expect(toHex(a.server.transcript)).not.toBe(toHex(b.server.transcript));
    expect(toHex(a.server.clientToServer)).not.toBe(toHex(b.server.clientToServer));
  });

  it('a client that pinned another key is refused by the server (WRONG_SERVER_KEY)', () => {
    const server = x25519KeyPair();
    const c = clientStart(x25519KeyPair().publicKey);
    expect(() => serverRespond(server, c.message)).toThrow(HandshakeError);
    try {
      serverRespond(server, c.message);
    } catch (e) {
      expect((e as HandshakeError).code).toBe('WRONG_SERVER_KEY');
    }
  });

  it('an impostor without the server key cannot finish the handshake (BAD_SERVER)', () => {
    const real = x25519KeyPair();
    const c = clientStart(real.publicKey);
    // The impostor answers as if it held the key it advertises (its own).
    const impostor = x25519KeyPair();
    const fake = serverRespond(impostor, clientStart(impostor.publicKey).message).message;
    expect(() => clientFinish(c, fake)).toThrow(/did not prove/);
  });

  it('malformed handshake messages are refused', () => {
    const server = x25519KeyPair();
    expect(() => serverRespond(server, randomBytes(10))).toThrow(/48 bytes/);
    expect(() => serverRespond(server, new Uint8Array(48))).toThrow(HandshakeError); // low-order key
  });
});

describe('session frames', () => {
  const pair = () => {
    const key = randomBytes(32);
    return { sealer: new FrameSealer(key), opener: new FrameOpener(key) };
  };
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as FrameError).code;
    }
    return 'OK';
  };

  it('frames open in order; a replay, a re-order, a forgery and a cut frame are refused', () => {
    const { sealer, opener } = pair();
    const f0 = sealer.seal(utf8('zero'));
    const f1 = sealer.seal(utf8('one'));
    const f2 = sealer.seal(utf8('two'));
    expect(code(() => opener.open(f1))).toBe('OUT_OF_ORDER');
    expect(opener.open(f0)).toEqual(utf8('zero'));
    expect(code(() => opener.open(f0))).toBe('REPLAYED');
    const forged = f1.slice();
    forged[forged.length - 1]! ^= 1;
    expect(code(() => opener.open(forged))).toBe('FORGED');
    // A counter rewritten to the expected one does not authenticate (it is the nonce and the AAD).
    const moved = f2.slice();
    moved[7] = 1;
    expect(code(() => opener.open(moved))).toBe('FORGED');
    expect(code(() => opener.open(f1.subarray(0, 12)))).toBe('MALFORMED');
    expect(opener.open(f1)).toEqual(utf8('one'));
    expect(opener.open(f2)).toEqual(utf8('two'));
  });

  it('a frame of one direction does not open in the other', () => {
    const { client } = handshake();
    const toServer = new FrameSealer(client.clientToServer).seal(utf8('x'));
    expect(code(() => new FrameOpener(client.serverToClient).open(toServer))).toBe('FORGED');
  });
});

describe('proofs inside a session', () => {
  it('the device auth and a subscription proof hold only for the session that made them', () => {
    const server = x25519KeyPair();
    const a = handshake(server).server.transcript;
    const b = handshake(server).server.transcript;
    const device = ed25519KeyPair();
    const lookup = ed25519KeyPair();
    expect(verifyDeviceAuth(deviceAuth(device, a), a)).toBe(true);
    expect(verifyDeviceAuth(deviceAuth(device, a), b)).toBe(false);
    expect(verifySubscriptionProof(subscriptionProof(lookup, a), a)).toBe(true);
    expect(verifySubscriptionProof(subscriptionProof(lookup, a), b)).toBe(false);
    // A device auth is not a subscription proof (and the reverse): different labels.
    expect(verifySubscriptionProof({ lookupKey: device.publicKey, ...deviceAuth(device, a) }, a)).toBe(false);
    expect(verifyDeviceAuth({ deviceKey: lookup.publicKey, ...subscriptionProof(lookup, a) }, a)).toBe(false);
  });
});
