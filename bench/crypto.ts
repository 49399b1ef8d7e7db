/** Crypto and ratchet costs, with each fast path compared to its reference in the same run. */
import { nobleXchacha, xchachaSeal } from '../protocol/crypto/aead.js';
import { encodeFields, randomBytes } from '../protocol/crypto/bytes.js';
import { ed25519KeyPair, nobleBackend, nodeBackend, x25519KeyPair } from '../protocol/crypto/curves.js';
import {
  initReceiver,
  initSender,
  ratchetDecrypt,
  ratchetEncrypt,
} from '../protocol/ratchet/doubleRatchet.js';
import { measure, ratio, report } from './harness.js';

export async function benchCrypto(): Promise<void> {
  const a = x25519KeyPair();
  const b = x25519KeyPair();
  const ed = ed25519KeyPair();
  const msg = randomBytes(256);
  const sig = nodeBackend.ed25519Sign(ed.privateKey, msg);
  const xNode = await measure('X25519 DH (node)', () => nodeBackend.x25519(a.privateKey, b.publicKey));
  const xNoble = await measure('X25519 DH (noble)', () => nobleBackend.x25519(a.privateKey, b.publicKey));
  const sNode = await measure('Ed25519 sign 256 B (node)', () => nodeBackend.ed25519Sign(ed.privateKey, msg));
  const sNoble = await measure('Ed25519 sign 256 B (noble)', () =>
    nobleBackend.ed25519Sign(ed.privateKey, msg),
  );
  const vNode = await measure('Ed25519 verify 256 B (node)', () =>
    nodeBackend.ed25519Verify(ed.publicKey, msg, sig),
  );
  const vNoble = await measure('Ed25519 verify 256 B (noble)', () =>
    nobleBackend.ed25519Verify(ed.publicKey, msg, sig),
  );
  const key = randomBytes(32);
  const nonce = randomBytes(24);
  const kb = randomBytes(1024);
  const aFast = await measure('XChaCha20-Poly1305 1 KiB (hchacha+OpenSSL)', () =>
    xchachaSeal(key, nonce, kb),
  );
  const aNoble = await measure('XChaCha20-Poly1305 1 KiB (noble)', () => nobleXchacha.seal(key, nonce, kb));
  const gxNode = await measure('X25519 key pair (node)', () => nodeBackend.x25519Generate());
  const gxNoble = await measure('X25519 key pair (noble)', () => nobleBackend.x25519Generate());
  const geNode = await measure('Ed25519 key pair (node)', () => nodeBackend.ed25519Generate());
  const geNoble = await measure('Ed25519 key pair (noble)', () => nobleBackend.ed25519Generate());
  report('curves and AEAD', [xNode, xNoble, sNode, sNoble, vNode, vNoble, aFast, aNoble]);
  report('key generation', [gxNode, gxNoble, geNode, geNoble]);
  ratio('X25519 node/noble', xNode, xNoble);
  ratio('Ed25519 sign node/noble', sNode, sNoble);
  ratio('Ed25519 verify node/noble', vNode, vNoble);
  ratio('XChaCha fast/noble', aFast, aNoble);
  ratio('X25519 key pair node/noble', gxNode, gxNoble);
  ratio('Ed25519 key pair node/noble', geNode, geNoble);

  // Ratchet: one message each way per iteration (a DH step each time) vs one-way chain steps.
  const ad = encodeFields('bench');
  const sk = randomBytes(32);
  const bobPair = x25519KeyPair();
  let alice = initSender(sk, bobPair.publicKey);
  let bob = initReceiver(sk, bobPair);
  const text = randomBytes(200);
  const oneWay = await measure('ratchet encrypt+decrypt, same chain', () => {
    const e = ratchetEncrypt(alice, text, ad);
    alice = e.state;
    bob = ratchetDecrypt(bob, e.header, e.ciphertext, ad).state;
  });
  const pingPong = await measure('ratchet round trip with 2 DH steps', () => {
    const e = ratchetEncrypt(alice, text, ad);
    alice = e.state;
    bob = ratchetDecrypt(bob, e.header, e.ciphertext, ad).state;
    const r = ratchetEncrypt(bob, text, ad);
    bob = r.state;
    alice = ratchetDecrypt(alice, r.header, r.ciphertext, ad).state;
  });
  report('Double Ratchet (200-byte messages)', [oneWay, pingPong]);
}
