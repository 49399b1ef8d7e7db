/**
 * Changes from my other devices that this build cannot apply yet (table `deferred_sync`,
 * migration 0006): kept sealed, in arrival order, until a build that knows their kind
 * applies them.
 */
import type { SqlStore } from './sqlStore.js';

export interface DeferredChange {
  id: number;
  deviceUid: string;
  syncType: string;
  payload: Uint8Array;
  receivedAt: number;
}

export class DeferredSyncTable {
  constructor(private readonly s: SqlStore) {}

  keep(deviceUid: string, syncType: string, payload: Uint8Array, now = Date.now()): void {
    this.s.run('deferred sync', () => {
      const info = this.s
        .q('INSERT INTO deferred_sync (device_uid, sync_type, payload, received_at) VALUES (?, ?, ?, ?)')
        .run(deviceUid, syncType, new Uint8Array(0), now);
      const id = Number(info.lastInsertRowid);
      this.s
        .q('UPDATE deferred_sync SET payload = ? WHERE id = ?')
        .run(this.s.seal(payload, `deferred/${id}`), id);
    });
  }

  all(): DeferredChange[] {
    return this.s.run('deferred sync', () =>
      (
        this.s.q('SELECT * FROM deferred_sync ORDER BY id').all() as {
          id: number;
          device_uid: string;
          sync_type: string;
          payload: Buffer;
          received_at: number;
        }[]
      ).map((r) => ({
        id: r.id,
        deviceUid: r.device_uid,
        syncType: r.sync_type,
        payload: this.s.unseal(r.payload, `deferred/${r.id}`),
        receivedAt: r.received_at,
      })),
    );
  }

  drop(id: number): void {
    this.s.run('deferred sync', () => this.s.q('DELETE FROM deferred_sync WHERE id = ?').run(id));
  }
}
