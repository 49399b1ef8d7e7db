import { describe, expect, it } from 'vitest';
import { fromHex, randomBytes, toHex, utf8 } from '../../protocol/crypto/bytes.js';
import {
  ed25519KeyPair,
  keyCacheForTests,
  nobleBackend,
  nodeBackend,
  setCurveBackend,
  sign,
  verify,
  x25519,
  x25519KeyPair,
} from '../../protocol/crypto/curves.js';
import { CryptoError } from '../../protocol/crypto/errors.js';

const backends = [nodeBackend, nobleBackend];

describe.each(backends)('RFC 7748 X25519 and RFC 8032 Ed25519 on the $name backend', (backend) => {
  it('X25519 §5.2 scalar multiplication vector', () => {
    const out = backend.x25519(
      fromHex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'),
      fromHex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c'),
    );
    expect(toHex(out)).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
  });

  it('X25519 §6.1 Diffie-Hellman vector', () => {
    const alice = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bob = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    expect(toHex(backend.x25519PublicKey(alice))).toBe(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    );
    expect(toHex(backend.x25519PublicKey(bob))).toBe(
      'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f',
    );
    const shared = backend.x25519(alice, backend.x25519PublicKey(bob));
    expect(toHex(shared)).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });

  it('Ed25519 §7.1 tests 1 and 2', () => {
    const cases = [
      {
        sk: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
        pk: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
        msg: '',
        sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
      },
      {
        sk: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
        pk: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
        msg: '72',
        sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
      },
    ];
    for (const c of cases) {
      expect(toHex(backend.ed25519PublicKey(fromHex(c.sk)))).toBe(c.pk);
      expect(toHex(backend.ed25519Sign(fromHex(c.sk), fromHex(c.msg)))).toBe(c.sig);
      expect(backend.ed25519Verify(fromHex(c.pk), fromHex(c.msg), fromHex(c.sig))).toBe(true);
      const bad = fromHex(c.sig);
      bad[5]! ^= 1;
      expect(backend.ed25519Verify(fromHex(c.pk), fromHex(c.msg), bad)).toBe(false);
    }
  });
});

describe('node and noble backends agree byte for byte', () => {
  it('on 200 random key pairs, shared secrets and signatures', () => {
    for (let i = 0; i < 200; i++) {
      const a = randomBytes(32);
      const b = randomBytes(32);
      const msg = randomBytes(i);
      expect(toHex(nodeBackend.x25519PublicKey(a))).toBe(toHex(nobleBackend.x25519PublicKey(a)));
      const bPub = nobleBackend.x25519PublicKey(b);
      expect(toHex(nodeBackend.x25519(a, bPub))).toBe(toHex(nobleBackend.x25519(a, bPub)));
      expect(toHex(nodeBackend.ed25519PublicKey(a))).toBe(toHex(nobleBackend.ed25519PublicKey(a)));
      const sig = nodeBackend.ed25519Sign(a, msg);
      expect(toHex(sig)).toBe(toHex(nobleBackend.ed25519Sign(a, msg)));
      const pub = nodeBackend.ed25519PublicKey(a);
      expect(nobleBackend.ed25519Verify(pub, msg, sig)).toBe(true);
      expect(nodeBackend.ed25519Verify(pub, msg, sig)).toBe(true);
      // generated pairs are consistent across backends, and the JWK fast path (with the
      // public half supplied) signs and agrees exactly like the DER path
      const gx = nodeBackend.x25519Generate();
      expect(toHex(nobleBackend.x25519PublicKey(gx.privateKey))).toBe(toHex(gx.publicKey));
      expect(toHex(nodeBackend.x25519(gx.privateKey, bPub, gx.publicKey))).toBe(
        toHex(nobleBackend.x25519(gx.privateKey, bPub)),
      );
      const ge = nodeBackend.ed25519Generate();
      expect(toHex(nobleBackend.ed25519PublicKey(ge.privateKey))).toBe(toHex(ge.publicKey));
      expect(toHex(nodeBackend.ed25519Sign(ge.privateKey, msg, ge.publicKey))).toBe(
        toHex(nobleBackend.ed25519Sign(ge.privateKey, msg)),
      );
    }
  });
});

describe.each(backends)('bad keys get typed errors on the $name backend', (backend) => {
  const run = (fn: () => void) => {
    setCurveBackend(backend);
    try {
      fn();
    } finally {
      setCurveBackend(nodeBackend);
    }
  };

  it('refuses wrong key lengths', () => {
    run(() => {
      expect(() => x25519KeyPair(new Uint8Array(31))).toThrow(CryptoError);
      expect(() => x25519(randomBytes(32), new Uint8Array(33))).toThrowError(/32 bytes/);
      expect(() => ed25519KeyPair(new Uint8Array(0))).toThrow(CryptoError);
      expect(() => verify(new Uint8Array(31), utf8('m'), new Uint8Array(64))).toThrow(CryptoError);
      try {
        sign(new Uint8Array(16), utf8('m'));
        expect.unreachable();
      } catch (e) {
        expect((e as CryptoError).code).toBe('BAD_KEY_LENGTH');
      }
    });
  });

  it('refuses low-order points, including their non-canonical twins', () => {
    run(() => {
      const lowOrder = [
        '0000000000000000000000000000000000000000000000000000000000000000',
        '0100000000000000000000000000000000000000000000000000000000000000',
        'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
        '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
        'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7',
        'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
      ];
      for (const p of lowOrder) {
        try {
          x25519(randomBytes(32), fromHex(p));
          expect.unreachable(`accepted ${p}`);
        } catch (e) {
          expect((e as CryptoError).code).toBe('LOW_ORDER_POINT');
        }
      }
    });
  });

  it('signature of the wrong length is just invalid', () => {
    run(() => {
      const kp = ed25519KeyPair();
      expect(verify(kp.publicKey, utf8('m'), new Uint8Array(63))).toBe(false);
      expect(verify(kp.publicKey, utf8('m'), sign(kp.privateKey, utf8('m')))).toBe(true);
    });
  });
});

describe('key handles cached by array (node backend)', () => {
  it('an array changed in place is served a handle for its new bytes, never the old one', () => {
    setCurveBackend(nodeBackend);
    const [a, b, peer] = [x25519KeyPair(), x25519KeyPair(), x25519KeyPair()];
    const [ea, eb] = [ed25519KeyPair(), ed25519KeyPair()];
    // "loaded from storage": fresh arrays, cached by the array
    const priv = new Uint8Array(a.privateKey);
    const pub = new Uint8Array(peer.publicKey);
    const signer = new Uint8Array(ea.publicKey);
    expect(x25519(priv, pub)).toEqual(x25519(a, peer.publicKey));
    const sig = sign(eb, utf8('m'));
    expect(verify(signer, utf8('m'), sig)).toBe(false);
    priv.set(b.privateKey);
    pub.set(a.publicKey);
    signer.set(eb.publicKey);
    expect(x25519(priv, pub)).toEqual(x25519(b, a.publicKey));
    expect(verify(signer, utf8('m'), sig)).toBe(true);
    // a one-time public key is used, not kept
    const before = keyCacheForTests().size;
    expect(x25519(a, x25519KeyPair().publicKey, true)).toHaveLength(32);
    expect(keyCacheForTests().size).toBe(before);
  });
});
