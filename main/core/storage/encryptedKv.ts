/**
 * A classic-level (LevelDB) store of JSON records, each value sealed with the
 * profile's storage key (XChaCha20-Poly1305, the record key as AAD so values cannot
 * be swapped between keys). Records are few (contacts, devices): all of them are
 * kept in memory after open, writes go through with fsync (`sync: true`), because
 * these records hold ratchet states that must never roll back.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { z } from 'zod';
import { aeadDecrypt, aeadEncrypt } from '../../../protocol/crypto/aead.js';
import { fromUtf8, utf8 } from '../../../protocol/crypto/bytes.js';
import { MeowError, storageError } from '../errors.js';

export class EncryptedKv<T> {
  private readonly db: ClassicLevel<string, Uint8Array>;
  private readonly cache = new Map<string, T>();

  constructor(
    private readonly path: string,
    private readonly storageKey: Uint8Array,
    private readonly schema: z.ZodType<T>,
    private readonly what: string,
  ) {
    this.db = new ClassicLevel<string, Uint8Array>(this.path, { keyEncoding: 'utf8', valueEncoding: 'view' });
  }

  async open(): Promise<void> {
    try {
      await this.db.open();
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED' || /lock/i.test(`${(e as Error).message} ${cause?.message ?? ''}`)) {
        throw new MeowError('PROFILE_LOCKED', { profile: dirname(this.path) }, { cause: e });
      }
      throw storageError(e, this.what, this.path);
    }
    try {
      this.refuseSkippedRecords();
      for await (const [key, value] of this.db.iterator()) {
        this.cache.set(key, this.decode(key, value));
      }
    } catch (e) {
      await this.db.close().catch(() => undefined);
      throw storageError(e, this.what, this.path);
    }
  }

  /**
   * LevelDB opens a store whose write-ahead log is damaged by dropping the damaged
   * records, saying so only in its info log (LOG): records would vanish without a word.
   * The info log of this open is read back; a drop makes the store CORRUPTED instead
   * (a write cut short by a crash is a truncated tail, which LevelDB ignores silently).
   */
  private refuseSkippedRecords(): void {
    let log = '';
    try {
      log = readFileSync(join(this.path, 'LOG'), 'utf8');
    } catch {
      return; // no info log: nothing was recovered
    }
    const drop = /^.*(dropping \d+ bytes|Corruption:).*$/m.exec(log);
    if (drop)
      throw new MeowError('CORRUPTED', {
        what: `${this.what} store`,
        detail: drop[0].replace(/^[\d/:. -]+\S*\s+/, '').trim(),
        file: this.path,
      });
  }

  private decode(key: string, value: Uint8Array): T {
    let json: unknown;
    try {
      json = JSON.parse(fromUtf8(aeadDecrypt(this.storageKey, value, utf8(key))));
    } catch {
      throw new MeowError('CORRUPTED', {
        what: `${this.what} store`,
        detail: `record ${key} does not open with this profile's key`,
        file: this.path,
      });
    }
    const parsed = this.schema.safeParse(json);
    if (!parsed.success)
      throw new MeowError('CORRUPTED', {
        what: `${this.what} store`,
        detail: `record ${key} is invalid`,
        file: this.path,
      });
    return parsed.data;
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  all(): T[] {
    return [...this.cache.values()];
  }

  async put(key: string, record: T, json: unknown): Promise<void> {
    const value = aeadEncrypt(this.storageKey, utf8(JSON.stringify(json)), utf8(key));
    try {
      await this.db.put(key, value, { sync: true });
    } catch (e) {
      throw storageError(e, this.what, this.path);
    }
    this.cache.set(key, record);
  }

  async delete(key: string): Promise<void> {
    try {
      await this.db.del(key, { sync: true });
    } catch (e) {
      throw storageError(e, this.what, this.path);
    }
    this.cache.delete(key);
  }

  /**
   * Rewrites the store without superseded versions of its records: LevelDB keeps an
   * overwritten value in its log and older tables until a compaction drops it, and those
   * open with the profile's key like the live one. Called when a write erased secrets.
   */
  async compact(): Promise<void> {
    try {
      await this.db.compactRange('\u0000', '\uffff');
    } catch (e) {
      throw storageError(e, this.what, this.path);
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
