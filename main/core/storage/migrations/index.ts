/**
 * Numbered schema migrations for messages.db. Each runs once, in order, inside a
 * transaction, and bumps PRAGMA user_version. Never edit a released migration:
 * add the next number. Each has its own test (test/core/migrations.test.ts).
 */
import type { Database } from 'better-sqlite3';
import { migration0001 } from './0001_initial.js';
import { migration0002 } from './0002_forward_state.js';
import { migration0003 } from './0003_channel_state.js';
import { migration0004 } from './0004_conversation_summary.js';
import { migration0005 } from './0005_ratchet_slots.js';
import { migration0006 } from './0006_deferred_sync.js';
import { migration0007 } from './0007_message_actions.js';
import { migration0008 } from './0008_conversation_state.js';
import { migration0009 } from './0009_pending_uploads.js';
import { migration0010 } from './0010_disappearing.js';
import { migration0011 } from './0011_groups.js';

export interface Migration {
  version: number;
  description: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
  migration0005,
  migration0006,
  migration0007,
  migration0008,
  migration0009,
  migration0010,
  migration0011,
];

export function currentVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings `db` to `target` (default: the latest). Refuses a database newer than this code. */
export function migrate(db: Database, target = MIGRATIONS.length): void {
  const from = currentVersion(db);
  if (from > MIGRATIONS.length) {
    throw new Error(
      `messages.db is at schema ${from}, newer than this version of Meow understands (${MIGRATIONS.length})`,
    );
  }
  for (const m of MIGRATIONS) {
    if (m.version <= from || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    })();
  }
}
