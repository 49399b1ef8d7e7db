/**
 * A device channel between two of my devices, made by a third that both trust (the
 * device that paired the newcomer introduces it to every sibling). Both halves get
 * fresh keys; the ratchet is pre-run one message so either side may send first.
 */
import { randomBytes, toHex } from '../../crypto/bytes.js';
import { ed25519KeyPair, x25519KeyPair } from '../../crypto/curves.js';
import { initReceiver, initSender, ratchetDecrypt, ratchetEncrypt } from '../../ratchet/doubleRatchet.js';
import { serializeRatchet } from '../../ratchet/stateJson.js';
import { channelDefaults, linkedPairing, type Peer } from '../peers/peer.js';
import type { ServerRef } from '../records.js';

export interface DeviceEnd {
  deviceId: string;
  name: string;
  servers: ServerRef[];
}

const AD = new Uint8Array(0);

export function mintChannel(a: DeviceEnd, b: DeviceEnd, minter: string): { forA: Peer; forB: Peer } {
  const now = Date.now();
  const sym = randomBytes(32);
  const root = randomBytes(32);
  const bobDr = x25519KeyPair();
  const keysA = { id: ed25519KeyPair(), enc: x25519KeyPair(), lookup: ed25519KeyPair() };
  const keysB = { id: ed25519KeyPair(), enc: x25519KeyPair(), lookup: ed25519KeyPair() };
  // A plays Alice, B plays Bob; one empty message moves B past its first receive.
  const first = ratchetEncrypt(initSender(root, bobDr.publicKey), new Uint8Array(0), AD);
  const bobState = ratchetDecrypt(initReceiver(root, bobDr), first.header, first.ciphertext, AD).state;
  const base = (
    self: typeof keysA,
    other: typeof keysA,
    otherEnd: DeviceEnd,
    myServers: ServerRef[],
    drState: string,
  ): Peer => ({
    uid: toHex(randomBytes(16)),
    type: 'device',
    name: otherEnd.name,
    contactName: otherEnd.name,
    myName: '',
    myIdentity: self.id,
    myEncryption: self.enc,
    myLookup: self.lookup,
    symKey: sym,
    drKp: bobDr,
    drRootKey: root,
    drInitiator: false,
    drState,
    contactPublicKey: other.id.publicKey,
    contactEncryption: other.enc.publicKey,
    contactLookupKey: other.lookup.publicKey,
    contactDrPublicKey: null,
    contactPullServers: otherEnd.servers,
    myPullServers: myServers,
    invitationId: '',
    invitationExpiresAt: 0,
    shortLinkId: '',
    state: 'active',
    visible: false,
    blocked: false,
    sendDeliveryAck: false,
    sendProcessingAck: false,
    messageNotification: false,
    avatar: '',
    status: '',
    primaryDeviceUid: '',
    deviceId: otherEnd.deviceId,
    pairing: linkedPairing(minter, now),
    unlinked: false,
    version: { counter: 1, device: minter },
    ...channelDefaults(now),
    createdAt: now,
    lastActivityAt: now,
  });
  return {
    forA: { ...base(keysA, keysB, b, a.servers, serializeRatchet(first.state)), myName: a.name },
    forB: { ...base(keysB, keysA, a, b.servers, serializeRatchet(bobState)), myName: b.name },
  };
}
