/**
 * Erasing a channel's secrets: what a device keeps of a contact it does not drive, and of
 * a device that was unlinked. Erased in memory too (see wipePrivateKey for what cannot be).
 */
import { wipePrivateKey } from '../../../protocol/crypto/curves.js';
import type { ContactChannel, DeviceChannel, Peer } from '../peers/peer.js';

/**
 * A device channel closed for good: its keys erased, only its lookup key kept, so that what
 * the device still sends is refused.
 */
export function unlinkedChannel(d: DeviceChannel): DeviceChannel {
  const zero = new Uint8Array(32);
  for (const k of [d.myIdentity, d.myEncryption, d.drKp]) wipePrivateKey(k);
  d.symKey.fill(0);
  d.drRootKey.fill(0);
  return {
    ...d,
    unlinked: true,
    drState: null,
    symKey: zero,
    drRootKey: zero,
    myIdentity: { publicKey: d.myIdentity.publicKey, privateKey: zero },
    myEncryption: { publicKey: d.myEncryption.publicKey, privateKey: zero },
    drKp: { publicKey: d.drKp.publicKey, privateKey: zero },
  };
}

/** Whether a contact record holds secrets (private or symmetric keys, a ratchet). */
export function holdsSecrets(p: Peer): boolean {
  const any = (b: Uint8Array) => b.some((x) => x !== 0);
  return (
    !!p.drState ||
    any(p.symKey) ||
    any(p.drRootKey) ||
    [p.myIdentity, p.myEncryption, p.myLookup, p.drKp].some((k) => any(k.privateKey)) ||
    !!p.oldSigner ||
    !!p.rotation ||
    p.retired.length > 0
  );
}

/** The record with every secret erased — what a device keeps of a contact it does not drive. */
export function withoutSecrets(p: ContactChannel): ContactChannel {
  const retired = p.retired.flatMap((r) => [r.lookup, r.encryption]);
  const staged = p.rotation ? [p.rotation.identity, p.rotation.encryption, p.rotation.lookup] : [];
  for (const k of [p.myIdentity, p.myEncryption, p.myLookup, p.drKp, ...retired, ...staged])
    wipePrivateKey(k);
  if (p.oldSigner) wipePrivateKey(p.oldSigner.key);
  p.symKey.fill(0);
  p.drRootKey.fill(0);
  const none = (k: { publicKey: Uint8Array }) => ({ publicKey: k.publicKey, privateKey: new Uint8Array(32) });
  return {
    ...p,
    myIdentity: none(p.myIdentity),
    myEncryption: none(p.myEncryption),
    myLookup: none(p.myLookup),
    drKp: none(p.drKp),
    symKey: new Uint8Array(32),
    drRootKey: new Uint8Array(32),
    drState: null,
    handover: { ...p.handover, to: null },
    retired: [],
    rotation: null,
    oldSigner: null,
  };
}
