import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../server/store/sqlite.js';
import { storeContract } from './storeContract.js';

const dir = mkdtempSync(join(tmpdir(), 'meow-embedded-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract('embedded (SQLite)', () => ({
  sharedWakeups: false,
  namespace: () => {
    const file = join(dir, `relay-${n++}.db`);
    return () => Promise.resolve(new SqliteStore(file));
  },
}));

describe('embedded store file', () => {
  it('uses WAL (posts flushed before they are answered: walFlush.test.ts) and records its schema version', async () => {
    const file = join(dir, 'pragma.db');
    const s = new SqliteStore(file);
    await s.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
  });

  it('upgrades a version 1 file: queued messages kept, nonces store-wide, sender keys added', async () => {
    const file = join(dir, 'v1.db');
    const db = new Database(file);
    // schema 1 as released (nonces per device)
    db.exec(`CREATE TABLE messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, lookup TEXT NOT NULL, id TEXT NOT NULL,
               arrived_at INTEGER NOT NULL, bytes BLOB NOT NULL, UNIQUE (lookup, id));
             CREATE INDEX messages_queue ON messages (lookup, seq);
             CREATE INDEX messages_arrived ON messages (arrived_at);
             CREATE TABLE nonces (device TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL,
               PRIMARY KEY (device, nonce)) WITHOUT ROWID;
             CREATE INDEX nonces_expiry ON nonces (expires_at);
             CREATE TABLE invitations (id TEXT PRIMARY KEY, blob BLOB NOT NULL, expires_at INTEGER NOT NULL,
               owner_key BLOB NOT NULL);
             CREATE INDEX invitations_expiry ON invitations (expires_at);`);
    const now = Date.now();
    db.prepare('INSERT INTO messages (lookup, id, arrived_at, bytes) VALUES (?, ?, ?, ?)').run(
      'ab'.repeat(32),
      'cd'.repeat(16),
      now,
      Buffer.from([1, 2, 3]),
    );
    db.prepare('INSERT INTO nonces VALUES (?, ?, ?)').run('dev', 'n1', now + 60_000);
    db.pragma('user_version = 1');
    db.close();
    const s = new SqliteStore(file);
    try {
      expect(await s.queueLength('ab'.repeat(32))).toBe(1);
      expect(await s.useNonce('n1', now, 60_000)).toBe(true);
      expect(await s.useNonce('n1', now, 60_000)).toBe(false);
      await s.setSenders([{ lookup: 'ab'.repeat(32), keys: [new Uint8Array(32).fill(7)] }], now, 60_000);
      expect((await s.senders(['ab'.repeat(32)], now)).size).toBe(1);
    } finally {
      await s.close();
    }
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(2);
    after.close();
  });

  it('refuses a file from a newer schema', () => {
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/schema version 99/);
  });
});
