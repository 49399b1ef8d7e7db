/**
 * messages.db's connection (better-sqlite3, WAL, synchronous=FULL): opened and migrated
 * once, statements prepared once, every write inside `atomically` when it belongs with
 * others, contents sealed with the profile's storage key. The tables (messages, outbox,
 * channel state, received ids) are built on it; MessageDb puts them together.
 */
import Database from 'better-sqlite3';
import { aeadDecrypt, aeadEncrypt } from '../../../protocol/crypto/aead.js';
import { utf8 } from '../../../protocol/crypto/bytes.js';
import { MeowError, storageError } from '../errors.js';
import { migrate } from './migrations/index.js';

export class SqlStore {
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly path: string,
    private readonly storageKey: Uint8Array,
  ) {
    try {
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      // Outbox and received-id rows decide what is sent and acknowledged: they must survive power loss.
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      // Deleted rows (outbox plaintext, wiped records) are overwritten, not left in free pages.
      this.db.pragma('secure_delete = ON');
      this.db.pragma('busy_timeout = 5000');
      migrate(this.db);
    } catch (e) {
      throw storageError(e, 'messages', path);
    }
  }

  close(): void {
    this.db.close();
  }

  /**
   * Old page images (a ratchet state since replaced, say) stay in the write-ahead log until
   * it is checkpointed and truncated; secure_delete already overwrites them in the database.
   */
  scrub(): void {
    this.run('messages', () => this.db.pragma('wal_checkpoint(TRUNCATE)'));
  }

  /** SQLite's quick check of the file's structure (sealed contents are checked as they are read). */
  checkIntegrity(): void {
    const result = this.run('messages', () => this.db.pragma('quick_check(1)', { simple: true }) as string);
    if (result !== 'ok')
      throw new MeowError('CORRUPTED', {
        what: 'message store',
        detail: `integrity check: ${result}`,
        file: this.path,
      });
  }

  /** A statement, prepared once per connection (preparing costs more than most runs). */
  q(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  atomically<T>(fn: () => T): T {
    return this.run('messages', () => this.db.transaction(fn)());
  }

  seal(bytes: Uint8Array, aad: string): Uint8Array {
    return aeadEncrypt(this.storageKey, bytes, utf8(aad));
  }

  unseal(bytes: Uint8Array, aad: string): Uint8Array {
    try {
      return aeadDecrypt(this.storageKey, bytes, utf8(aad));
    } catch {
      throw new MeowError('CORRUPTED', { what: 'message store', detail: `${aad} does not decrypt` });
    }
  }

  run<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw storageError(e, what, this.path);
    }
  }
}
