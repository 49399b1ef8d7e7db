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
  it('uses WAL with synchronous=FULL for posts and records its schema version', async () => {
    const file = join(dir, 'pragma.db');
    const s = new SqliteStore(file);
    await s.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    db.close();
  });

  it('refuses a file from a newer schema', () => {
    const file = join(dir, 'newer.db');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    expect(() => new SqliteStore(file)).toThrow(/schema version 99/);
  });
});
