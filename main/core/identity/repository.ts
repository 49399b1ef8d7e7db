/**
 * The one way to change the identity: each change is computed from the identity as
 * saved (under one lock), written whole (IdentityFile.save: a temp file of its own,
 * fsync, rename) together with what it still owes — the sync to my other devices and
 * the profile notice to contacts — so that a crash after the write and before those
 * rows are queued is made good when the profile opens again (`owed` is re-queued; the
 * versions make a second copy harmless).
 */
import { KeyedMutex } from '../locks.js';
import type { Identity, IdentityFile, Owed } from './identity.js';

export class IdentityRepository {
  private readonly lock = new KeyedMutex();

  constructor(readonly file: IdentityFile) {}

  get current(): Identity {
    return this.file.identity;
  }

  /**
   * Applies `change` (a patch, or null for nothing to do) and saves it with `owes` added to
   * what the identity owes. Returns the new identity, or null when nothing changed.
   */
  update(
    change: (current: Readonly<Identity>) => Partial<Identity> | null,
    owes: Owed[] = [],
  ): Promise<Identity | null> {
    return this.lock.run('identity', async () => {
      const current = this.file.identity;
      const patch = change(current);
      if (!patch) return null;
      const owed = [...new Set([...current.owed, ...owes])];
      const next: Identity = { ...current, ...patch, owed };
      await this.file.save(next);
      return next;
    });
  }

  /** Records that `paid` was queued (in the outbox, durably): the identity no longer owes it. */
  settle(paid: Owed[]): Promise<void> {
    return this.lock.run('identity', async () => {
      const current = this.file.identity;
      const owed = current.owed.filter((o) => !paid.includes(o));
      if (owed.length !== current.owed.length) await this.file.save({ ...current, owed });
    });
  }
}
