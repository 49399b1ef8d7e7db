/**
 * Each channel's live state (table `channel_state`): its Double Ratchet, sealed, and when it
 * last carried a message — written in the transaction that moved the ratchet (the channel's
 * record, names and keys, lives in the peer store; PeerStore joins the two). Also the ledger
 * of received ratchet slots per contact, which tells a replay from a reused key (sessions).
 */
import type { SqlStore } from './sqlStore.js';

export class ChannelStateTable {
  constructor(private readonly s: SqlStore) {}

  /** Every channel's ratchet and last activity, to load when the profile opens. */
  load(kind: 'peer' | 'device'): Map<string, { ratchet: Uint8Array | null; activeAt: number }> {
    return this.s.run('channel state', () => {
      const rows = this.s.q('SELECT uid, ratchet, active_at FROM channel_state WHERE kind = ?').all(kind) as {
        uid: string;
        ratchet: Buffer | null;
        active_at: number;
      }[];
      return new Map(
        rows.map((r) => [
          r.uid,
          {
            ratchet: r.ratchet ? this.s.unseal(r.ratchet, `ratchet/${kind}/${r.uid}`) : null,
            activeAt: r.active_at,
          },
        ]),
      );
    });
  }

  /**
   * Writes a channel's ratchet (null: none) and last activity — inside the caller's
   * transaction when there is one, so it commits with what the ratchet step produced.
   */
  set(kind: 'peer' | 'device', uid: string, ratchet: Uint8Array | null, activeAt: number): void {
    this.s.run('channel state', () =>
      this.s
        .q('INSERT OR REPLACE INTO channel_state (kind, uid, ratchet, active_at) VALUES (?, ?, ?, ?)')
        .run(kind, uid, ratchet === null ? null : this.s.seal(ratchet, `ratchet/${kind}/${uid}`), activeAt),
    );
  }

  delete(kind: 'peer' | 'device', uid: string): void {
    this.s.run('channel state', () =>
      this.s.q('DELETE FROM channel_state WHERE kind = ? AND uid = ?').run(kind, uid),
    );
  }

  /** The ciphertext digest a received (ratchet key, n) slot of a contact carried, if still remembered. */
  slotDigest(peerUid: string, slot: string): string | undefined {
    return this.s.run('ratchet slots', () => {
      const r = this.s
        .q('SELECT digest FROM ratchet_slots WHERE peer_uid = ? AND slot = ?')
        .get(peerUid, slot) as { digest: string } | undefined;
      return r?.digest;
    });
  }

  /** Remembers what a received slot carried; keeps about the last RATCHET_SLOTS_KEPT per contact. */
  noteSlot(peerUid: string, slot: string, digest: string): void {
    this.s.run('ratchet slots', () => {
      const info = this.s
        .q('INSERT OR IGNORE INTO ratchet_slots (peer_uid, slot, digest) VALUES (?, ?, ?)')
        .run(peerUid, slot, digest);
      // Pruned once in a while, not on every message (the receive path is hot).
      if (info.changes && Number(info.lastInsertRowid) % 100 === 0)
        this.s
          .q(
            `DELETE FROM ratchet_slots WHERE peer_uid = ? AND id <= (
             SELECT id FROM ratchet_slots WHERE peer_uid = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
          )
          .run(peerUid, peerUid, RATCHET_SLOTS_KEPT);
    });
  }
}

/** Received ratchet slots remembered per contact to tell a replay from a reused key. */
export const RATCHET_SLOTS_KEPT = 2000;
