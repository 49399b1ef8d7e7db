/**
 * PeerStorage (contacts) and DeviceStorage (my other devices): encrypted
 * classic-level stores of Peer records, with an in-memory index by my lookup key
 * so an incoming message finds its channel in O(1).
 */
import { toHex } from '../../crypto/bytes.js';
import { EncryptedKv } from '../storage/encryptedKv.js';
import { peerRecordSchema, peerToJson, type Peer } from './peer.js';

export class PeerStore {
  private readonly kv: EncryptedKv<Peer>;
  private readonly byLookup = new Map<string, string>();

  constructor(path: string, storageKey: Uint8Array, what: string) {
    this.kv = new EncryptedKv<Peer>(path, storageKey, peerRecordSchema, what);
  }

  async open(): Promise<void> {
    await this.kv.open();
    for (const p of this.kv.all()) this.byLookup.set(toHex(p.myLookup.publicKey), p.uid);
  }

  get(uid: string): Peer | undefined {
    return this.kv.get(uid);
  }

  all(): Peer[] {
    return this.kv.all();
  }

  byMyLookupKey(lookupKey: Uint8Array): Peer | undefined {
    const uid = this.byLookup.get(toHex(lookupKey));
    return uid ? this.kv.get(uid) : undefined;
  }

  /**
   * Durable (fsync) before it returns: ratchet states must never roll back. Writers hold
   * the peer's lock and build `peer` from the record read under it (Core.updatePeer).
   * An unlinked device stays unlinked: a write that would revive it is ignored.
   */
  async put(peer: Peer): Promise<void> {
    if (this.kv.get(peer.uid)?.unlinked && !peer.unlinked) return;
    await this.kv.put(peer.uid, peer, peerToJson(peer));
    this.byLookup.set(toHex(peer.myLookup.publicKey), peer.uid);
  }

  async delete(uid: string): Promise<void> {
    const p = this.kv.get(uid);
    await this.kv.delete(uid);
    if (p) this.byLookup.delete(toHex(p.myLookup.publicKey));
  }

  async close(): Promise<void> {
    await this.kv.close();
  }
}
