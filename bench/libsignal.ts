/**
 * Signal's own Double Ratchet (`@signalapp/libsignal-client`, Rust behind N-API) as the
 * bench's reference: two parties with in-memory stores, a session set up the way Signal
 * does it (X3DH/PQXDH from a prekey bundle with a signed prekey, a Kyber prekey and a
 * one-time prekey), and `SessionCipher`-style encrypt and decrypt through
 * signalEncrypt/signalDecrypt. A devDependency, loaded only by the bench.
 */
import {
  CiphertextMessageType,
  type Direction,
  IdentityChange,
  IdentityKeyPair,
  IdentityKeyStore,
  KEMKeyPair,
  KyberPreKeyRecord,
  KyberPreKeyStore,
  PreKeyBundle,
  PreKeyRecord,
  PreKeySignalMessage,
  PreKeyStore,
  PrivateKey,
  ProtocolAddress,
  type PublicKey,
  type SessionRecord,
  SessionStore,
  SignalMessage,
  SignedPreKeyRecord,
  SignedPreKeyStore,
  processPreKeyBundle,
  signalDecrypt,
  signalDecryptPreKey,
  signalEncrypt,
} from '@signalapp/libsignal-client';

class Sessions extends SessionStore {
  private readonly map = new Map<string, SessionRecord>();
  saveSession(name: ProtocolAddress, record: SessionRecord): Promise<void> {
    this.map.set(name.toString(), record);
    return Promise.resolve();
  }
  getSession(name: ProtocolAddress): Promise<SessionRecord | null> {
    return Promise.resolve(this.map.get(name.toString()) ?? null);
  }
  getExistingSessions(addresses: ProtocolAddress[]): Promise<SessionRecord[]> {
    return Promise.resolve(addresses.map((a) => this.map.get(a.toString())!));
  }
}

class Identities extends IdentityKeyStore {
  private readonly known = new Map<string, PublicKey>();
  constructor(
    private readonly pair: IdentityKeyPair,
    private readonly registrationId: number,
  ) {
    super();
  }
  getIdentityKey(): Promise<PrivateKey> {
    return Promise.resolve(this.pair.privateKey);
  }
  getLocalRegistrationId(): Promise<number> {
    return Promise.resolve(this.registrationId);
  }
  saveIdentity(name: ProtocolAddress, key: PublicKey): Promise<IdentityChange> {
    this.known.set(name.toString(), key);
    return Promise.resolve(IdentityChange.NewOrUnchanged);
  }
  isTrustedIdentity(_name: ProtocolAddress, _key: PublicKey, _direction: Direction): Promise<boolean> {
    return Promise.resolve(true);
  }
  getIdentity(name: ProtocolAddress): Promise<PublicKey | null> {
    return Promise.resolve(this.known.get(name.toString()) ?? null);
  }
}

class PreKeys extends PreKeyStore {
  readonly map = new Map<number, PreKeyRecord>();
  savePreKey(id: number, record: PreKeyRecord): Promise<void> {
    this.map.set(id, record);
    return Promise.resolve();
  }
  getPreKey(id: number): Promise<PreKeyRecord> {
    return Promise.resolve(this.map.get(id)!);
  }
  removePreKey(id: number): Promise<void> {
    this.map.delete(id);
    return Promise.resolve();
  }
}

class SignedPreKeys extends SignedPreKeyStore {
  readonly map = new Map<number, SignedPreKeyRecord>();
  saveSignedPreKey(id: number, record: SignedPreKeyRecord): Promise<void> {
    this.map.set(id, record);
    return Promise.resolve();
  }
  getSignedPreKey(id: number): Promise<SignedPreKeyRecord> {
    return Promise.resolve(this.map.get(id)!);
  }
}

class KyberPreKeys extends KyberPreKeyStore {
  readonly map = new Map<number, KyberPreKeyRecord>();
  saveKyberPreKey(id: number, record: KyberPreKeyRecord): Promise<void> {
    this.map.set(id, record);
    return Promise.resolve();
  }
  getKyberPreKey(id: number): Promise<KyberPreKeyRecord> {
    return Promise.resolve(this.map.get(id)!);
  }
  markKyberPreKeyUsed(): Promise<void> {
    return Promise.resolve();
  }
}

interface Party {
  address: ProtocolAddress;
  sessions: Sessions;
  identities: Identities;
  preKeys: PreKeys;
  signedPreKeys: SignedPreKeys;
  kyberPreKeys: KyberPreKeys;
}

function party(name: string, registrationId: number): Party {
  return {
    address: ProtocolAddress.new(name, 1),
    sessions: new Sessions(),
    identities: new Identities(IdentityKeyPair.generate(), registrationId),
    preKeys: new PreKeys(),
    signedPreKeys: new SignedPreKeys(),
    kyberPreKeys: new KyberPreKeys(),
  };
}

/** One message from `from` to `to`: encrypt, then decrypt (a prekey message the first time). */
async function deliver(from: Party, to: Party, plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const ct = await signalEncrypt(plaintext, to.address, from.address, from.sessions, from.identities);
  if (ct.type() === (CiphertextMessageType.PreKey as number)) {
    return signalDecryptPreKey(
      PreKeySignalMessage.deserialize(ct.serialize()),
      from.address,
      to.address,
      to.sessions,
      to.identities,
      to.preKeys,
      to.signedPreKeys,
      to.kyberPreKeys,
    );
  }
  return signalDecrypt(
    SignalMessage.deserialize(ct.serialize()),
    from.address,
    to.address,
    to.sessions,
    to.identities,
  );
}

export interface SignalPair {
  /** Alice → Bob: encrypt, serialize, deserialize, decrypt. */
  aliceToBob(plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
  bobToAlice(plaintext: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
}

/** Alice and Bob with a session set up from Bob's prekey bundle, and one message each way. */
export async function signalPair(): Promise<SignalPair> {
  const alice = party('alice', 1);
  const bob = party('bob', 2);
  const bobIdentity = await bob.identities.getIdentityKeyPair();
  const pre = PrivateKey.generate();
  const signed = PrivateKey.generate();
  const kyber = KEMKeyPair.generate();
  const signedSig = bobIdentity.privateKey.sign(signed.getPublicKey().serialize());
  const kyberSig = bobIdentity.privateKey.sign(kyber.getPublicKey().serialize());
  await bob.preKeys.savePreKey(1, PreKeyRecord.new(1, pre.getPublicKey(), pre));
  await bob.signedPreKeys.saveSignedPreKey(
    2,
    SignedPreKeyRecord.new(2, Date.now(), signed.getPublicKey(), signed, signedSig),
  );
  await bob.kyberPreKeys.saveKyberPreKey(3, KyberPreKeyRecord.new(3, Date.now(), kyber, kyberSig));
  const bundle = PreKeyBundle.new(
    2,
    1,
    1,
    pre.getPublicKey(),
    2,
    signed.getPublicKey(),
    signedSig,
    bobIdentity.publicKey,
    3,
    kyber.getPublicKey(),
    kyberSig,
  );
  await processPreKeyBundle(bundle, bob.address, alice.address, alice.sessions, alice.identities);
  const hello = new Uint8Array(16);
  await deliver(alice, bob, hello);
  await deliver(bob, alice, hello);
  return {
    aliceToBob: (p) => deliver(alice, bob, p),
    bobToAlice: (p) => deliver(bob, alice, p),
  };
}
