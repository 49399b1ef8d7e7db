/**
 * Table rows for the message crypto: our Double Ratchet against libsignal's in the same
 * run (a one-way burst, where each message is one chain step, and strict ping-pong, where
 * each message turns the DH ratchet), and a whole pack + unpack against the sum of the
 * primitives it is made of (what the layering and encoding cost on top).
 */
import { aeadDecrypt, aeadEncrypt } from '../../protocol/crypto/aead.js';
import { encodeFields, randomBytes } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair, sign, verify, x25519KeyPair } from '../../protocol/crypto/curves.js';
import { open, seal } from '../../protocol/crypto/sealedBox.js';
import {
  initReceiver,
  initSender,
  ratchetDecrypt,
  ratchetEncrypt,
  type RatchetState,
} from '../../protocol/ratchet/doubleRatchet.js';
import {
  packUserMessage,
  signedPart,
  unpackUserMessage,
  type ChannelKeys,
} from '../../protocol/wire/packing.js';
import { pad } from '../../protocol/wire/padding.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import { signalPair } from '../libsignal.js';
import type { BenchContext, Row } from '../table.js';

/** Microseconds per call of `fn` (sync or async), after a warm-up, over about `ms`. */
export async function usPerOp(fn: () => unknown, ms: number): Promise<number> {
  const warm = performance.now() + Math.min(200, ms / 4);
  while (performance.now() < warm) await fn();
  let n = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  return ((performance.now() - start) * 1000) / n;
}

const AD = encodeFields('meow/dr/v1');
const TEXT = 100;

function ourPair(): { a: RatchetState; b: RatchetState } {
  const sk = randomBytes(32);
  const bob = x25519KeyPair();
  let a = initSender(sk, bob.publicKey);
  let b = initReceiver(sk, bob);
  // One message each way, as the libsignal pair has (sessions confirmed both sides).
  const e = ratchetEncrypt(a, new Uint8Array(16), AD);
  a = e.state;
  b = ratchetDecrypt(b, e.header, e.ciphertext, AD).state;
  const r = ratchetEncrypt(b, new Uint8Array(16), AD);
  b = r.state;
  a = ratchetDecrypt(a, r.header, r.ciphertext, AD).state;
  return { a, b };
}

async function ourRatchet(ctx: BenchContext, pingPong: boolean): Promise<number> {
  let { a, b } = ourPair();
  const text = randomBytes(TEXT);
  let turn = 0;
  return usPerOp(
    () => {
      if (pingPong && turn++ % 2 === 1) {
        const e = ratchetEncrypt(b, text, AD);
        b = e.state;
        a = ratchetDecrypt(a, e.header, e.ciphertext, AD).state;
      } else {
        const e = ratchetEncrypt(a, text, AD);
        a = e.state;
        b = ratchetDecrypt(b, e.header, e.ciphertext, AD).state;
      }
    },
    ctx.scale(2000, 600),
  );
}

async function libsignalRatchet(ctx: BenchContext, pingPong: boolean): Promise<number> {
  const pair = await signalPair();
  const text = new Uint8Array(TEXT);
  text.set(randomBytes(TEXT));
  let turn = 0;
  return usPerOp(
    () => (pingPong && turn++ % 2 === 1 ? pair.bobToAlice(text) : pair.aliceToBob(text)),
    ctx.scale(2000, 600),
  );
}

function channel(): { a: ChannelKeys; b: ChannelKeys; aR: RatchetState; bR: RatchetState } {
  const ka = { id: ed25519KeyPair(), enc: x25519KeyPair(), lookup: ed25519KeyPair() };
  const kb = { id: ed25519KeyPair(), enc: x25519KeyPair(), lookup: ed25519KeyPair() };
  const symKey = randomBytes(32);
  const root = randomBytes(32);
  const bobDr = x25519KeyPair();
  return {
    a: {
      myIdentity: ka.id,
      myEncryption: ka.enc,
      myLookup: ka.lookup,
      symKey,
      contactPublicKey: kb.id.publicKey,
      contactEncryption: kb.enc.publicKey,
      contactLookupKey: kb.lookup.publicKey,
    },
    b: {
      myIdentity: kb.id,
      myEncryption: kb.enc,
      myLookup: kb.lookup,
      symKey,
      contactPublicKey: ka.id.publicKey,
      contactEncryption: ka.enc.publicKey,
      contactLookupKey: ka.lookup.publicKey,
    },
    aR: initSender(root, bobDr.publicKey),
    bR: initReceiver(root, bobDr),
  };
}

const shortText = (): meow.IUserMessage => ({
  type: 'text',
  text: 'x'.repeat(100),
  status: { uuid: 'u'.repeat(36), sent: Date.now() },
});

async function packUnpack(ctx: BenchContext): Promise<number> {
  const ch = channel();
  let { aR, bR } = ch;
  const message = shortText();
  return usPerOp(
    () => {
      const p = packUserMessage(ch.a, aR, message);
      aR = p.ratchet;
      bR = unpackUserMessage(ch.b, bR, p.packed).ratchet;
    },
    ctx.scale(2000, 600),
  );
}

/** The primitives of one pack + unpack, each timed alone on inputs of the same sizes. */
interface Parts {
  ratchet: number;
  aead: number;
  sealedBox: number;
  signature: number;
}
async function primitives(ctx: BenchContext): Promise<{ total: number; parts: Parts }> {
  const ms = ctx.scale(800, 250);
  const ch = channel();
  let { aR, bR } = ch;
  const plain = pad(encode(meow.UserMessage, meow.UserMessage.create(shortText())));
  const sample = ratchetEncrypt(aR, plain, AD);
  const ratchetBytes = encode(meow.RatchetMessage, { header: sample.header, ciphertext: sample.ciphertext });
  const symmetric = aeadEncrypt(ch.a.symKey, ratchetBytes);
  const payload = seal(ch.b.myEncryption.publicKey, symmetric, ch.b.myLookup.publicKey);
  const signed = signedPart(ch.b.myLookup.publicKey, payload);
  const signature = sign(ch.a.myIdentity, signed);
  const parts: Parts = {
    ratchet: await usPerOp(() => {
      const e = ratchetEncrypt(aR, plain, AD);
      aR = e.state;
      bR = ratchetDecrypt(bR, e.header, e.ciphertext, AD).state;
    }, ms),
    aead: await usPerOp(() => aeadDecrypt(ch.b.symKey, aeadEncrypt(ch.a.symKey, ratchetBytes)), ms),
    sealedBox: await usPerOp(
      () =>
        open(
          ch.b.myEncryption,
          seal(ch.b.myEncryption.publicKey, symmetric, ch.b.myLookup.publicKey),
          ch.b.myLookup.publicKey,
        ),
      ms,
    ),
    signature: await usPerOp(() => {
      sign(ch.a.myIdentity, signed);
      verify(ch.a.myIdentity.publicKey, signed, signature);
    }, ms),
  };
  return { total: parts.ratchet + parts.aead + parts.sealedBox + parts.signature, parts };
}

export const cryptoRows: Row[] = [
  {
    id: 'ratchet.burst',
    name: 'ratchet encrypt+decrypt, one-way burst, 100 B',
    referenceName: 'libsignal SessionCipher',
    unit: 'µs/msg',
    better: 'lower',
    target: { min: 1, text: 'ahead (> 1×)' },
    measure: async (ctx) => ({ value: await ourRatchet(ctx, false) }),
    reference: async (ctx) => ({ value: await libsignalRatchet(ctx, false) }),
  },
  {
    id: 'ratchet.pingpong',
    name: 'ratchet, strict ping-pong (a DH turn per message)',
    referenceName: 'libsignal SessionCipher',
    unit: 'µs/msg',
    better: 'lower',
    target: { min: 1, text: 'ahead (> 1×)' },
    measure: async (ctx) => ({ value: await ourRatchet(ctx, true) }),
    reference: async (ctx) => ({ value: await libsignalRatchet(ctx, true) }),
  },
  {
    id: 'pack.unpack',
    name: 'pack + unpack a ~100-character text (4 layers)',
    referenceName: 'sum of its primitives',
    unit: 'µs/msg',
    better: 'lower',
    measure: async (ctx) => ({ value: await packUnpack(ctx) }),
    reference: async (ctx) => {
      const p = await primitives(ctx);
      const f = (n: number) => n.toFixed(0);
      return {
        value: p.total,
        detail: `ratchet ${f(p.parts.ratchet)} + AEAD ${f(p.parts.aead)} + sealed box ${f(p.parts.sealedBox)} + Ed25519 ${f(p.parts.signature)}`,
        extra: { ...p.parts },
      };
    },
  },
];
