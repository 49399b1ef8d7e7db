/**
 * PeerStorage (contacts) and DeviceStorage (my other devices). A channel lives in two
 * places: its record — keys, names, settings — in an encrypted classic-level store, and
 * its live state — the Double Ratchet and when it last carried a message — in
 * messages.db (channel_state), where it commits in the same transaction as what each
 * ratchet step produced (see commitReceive and the outbox). Callers see one Peer.
 * An in-memory index by my lookup key finds an incoming message's channel in O(1).
 */
import { toHex } from '../../../protocol/crypto/bytes.js';
import { EncryptedKv } from '../storage/encryptedKv.js';
import type { MessageDb } from '../storage/messageDb.js';
import type { ContactChannel, Peer } from './peer.js';
import { peerRecordSchema, peerToJson } from './peerJson.js';

interface LiveState {
  ratchet: Uint8Array | null;
  activeAt: number;
}

/** The kind of channel each store holds. */
type KindOf<T extends Peer> = T extends ContactChannel ? 'peer' : 'device';

export class PeerStore<T extends Peer = Peer> {
  private readonly kv: EncryptedKv<T>;
  private readonly byLookup = new Map<string, string>();
  private live = new Map<string, LiveState>();
  /** Per channel, the secrets its stored record holds (hex): a write that drops one scrubs the disk. */
  private readonly secrets = new Map<string, Set<string>>();

  constructor(
    path: string,
    storageKey: Uint8Array,
    what: string,
    private readonly kind: KindOf<T>,
    private readonly db: MessageDb,
  ) {
    const type = kind === 'peer' ? 'contact' : 'device';
    // A record of the other kind in this store is damage, refused like any unreadable record.
    const schema = peerRecordSchema.refine((r): r is T => r.type === type, {
      message: `not a ${type} channel`,
    });
    this.kv = new EncryptedKv<T>(path, storageKey, schema, what);
  }

  async open(): Promise<void> {
    await this.kv.open();
    this.live = this.db.channels.load(this.kind);
    for (const p of this.kv.all()) {
      this.index(p);
      this.secrets.set(p.uid, secretsOf(p));
      // Records written before channel_state existed carry their ratchet: move it over once.
      if (p.drState !== null && !this.live.has(p.uid)) {
        this.db.channels.set(this.kind, p.uid, p.drState, p.lastActivityAt);
        this.live.set(p.uid, { ratchet: p.drState, activeAt: p.lastActivityAt });
        await this.writeRecord(p);
      }
    }
  }

  private merged(p: T | undefined): T | undefined {
    if (!p) return undefined;
    const s = this.live.get(p.uid);
    return s ? { ...p, drState: s.ratchet, lastActivityAt: Math.max(p.lastActivityAt, s.activeAt) } : p;
  }

  get(uid: string): T | undefined {
    return this.merged(this.kv.get(uid));
  }

  all(): T[] {
    return this.kv.all().map((p) => this.merged(p)!);
  }

  byMyLookupKey(lookupKey: Uint8Array): T | undefined {
    const uid = this.byLookup.get(toHex(lookupKey));
    return uid ? this.get(uid) : undefined;
  }

  /**
   * The whole channel, durable before it returns: its live state, then its record. Writers
   * hold the peer's lock and build `peer` from the record read under it (Core.updatePeer).
   * An unlinked device stays unlinked: a write that would revive it is ignored.
   */
  async put(peer: T): Promise<void> {
    if (revives(this.kv.get(peer.uid), peer)) return;
    const s = this.live.get(peer.uid);
    if (!s || s.ratchet !== peer.drState || s.activeAt !== peer.lastActivityAt) {
      this.db.channels.set(this.kind, peer.uid, peer.drState, peer.lastActivityAt);
      this.noteState(peer.uid, peer.drState, peer.lastActivityAt);
    }
    await this.writeRecord(peer);
  }

  /** Only the record (the live state is written with the transaction that moved it). */
  async putRecord(peer: T): Promise<void> {
    if (revives(this.kv.get(peer.uid), peer)) return;
    await this.writeRecord(peer);
  }

  private async writeRecord(peer: T): Promise<void> {
    const record: T = { ...peer, drState: null };
    await this.kv.put(peer.uid, record, peerToJson(record));
    this.index(peer);
    // Compared with what was written (a record in memory may have been wiped in place since).
    const before = this.secrets.get(peer.uid);
    const after = secretsOf(record);
    this.secrets.set(peer.uid, after);
    if (before && [...before].some((s) => !after.has(s))) await this.scrub();
  }

  /** Superseded copies of erased secrets leave the disk: LevelDB compacted, SQLite's log truncated. */
  private async scrub(): Promise<void> {
    await this.kv.compact();
    this.db.sql.scrub();
  }

  /** My queues of a channel: the current one and the retired ones still drained. */
  private index(p: T): void {
    this.byLookup.set(toHex(p.myLookup.publicKey), p.uid);
    for (const r of p.retired) this.byLookup.set(toHex(r.lookup.publicKey), p.uid);
  }

  /** Writes the live state inside the caller's messages.db transaction; call noteState once it commits. */
  stageState(uid: string, ratchet: Uint8Array | null, activeAt: number): void {
    this.db.channels.set(this.kind, uid, ratchet, activeAt);
  }

  /** The live state a committed transaction wrote. */
  noteState(uid: string, ratchet: Uint8Array | null, activeAt: number): void {
    this.live.set(uid, { ratchet, activeAt });
  }

  /** Whether the record (all but the live state) differs from the stored one. */
  recordDiffers(peer: T): boolean {
    const stored = this.kv.get(peer.uid);
    if (!stored) return true;
    const a = JSON.stringify(peerToJson({ ...stored, drState: null, lastActivityAt: 0 }));
    const b = JSON.stringify(peerToJson({ ...peer, drState: null, lastActivityAt: 0 }));
    return a !== b;
  }

  async delete(uid: string): Promise<void> {
    const p = this.kv.get(uid);
    await this.kv.delete(uid);
    this.db.channels.delete(this.kind, uid);
    this.live.delete(uid);
    if (p) this.byLookup.delete(toHex(p.myLookup.publicKey));
    this.secrets.delete(uid);
    if (p) await this.scrub();
  }

  async close(): Promise<void> {
    await this.kv.close();
  }
}

/** Whether writing `next` over `stored` would bring an unlinked device back. */
function revives(stored: Peer | undefined, next: Peer): boolean {
  return stored?.type === 'device' && stored.unlinked && !(next.type === 'device' && next.unlinked);
}

/** Every secret a record holds (private keys, shared keys), as hex. */
function secretsOf(p: Peer): Set<string> {
  const keys = [
    p.myIdentity,
    p.myEncryption,
    p.myLookup,
    p.drKp,
    ...(p.rotation ? [p.rotation.identity, p.rotation.encryption, p.rotation.lookup] : []),
    ...p.retired.flatMap((r) => [r.lookup, r.encryption]),
    ...(p.oldSigner ? [p.oldSigner.key] : []),
  ].map((k) => k.privateKey);
  const all = [...keys, p.symKey, p.drRootKey, ...p.retired.map((r) => r.symKey)];
  return new Set(all.filter((b) => b.some((x) => x !== 0)).map(toHex));
}
