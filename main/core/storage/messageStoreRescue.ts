/**
 * A damaged messages.db does not lock the person out of the profile: the file (and its
 * write-ahead log) is kept aside under a new name, never deleted; a fresh store takes its
 * place; every row still readable in a copy of the damaged file is carried over — the
 * channels' ratchets first, so conversations go on where they were. What could not be
 * read stays in the kept file. Only damage is rescued: a store newer than this code, a
 * locked or full disk fail as before.
 */
import Database from 'better-sqlite3';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ServiceError } from '../../../shared/errors.js';
import { MessageDb } from './messageDb.js';
import { MIGRATIONS } from './migrations/index.js';

export interface MessageStoreRescue {
  /** The damaged file, as it was named. */
  file: string;
  /** Where it is kept now. */
  keptAs: string;
  /** Rows carried over, by table. */
  recovered: Record<string, number>;
}

/** Tables worth carrying over, ratchets first; conversation_summary is rebuilt by its triggers. */
const TABLES = ['channel_state', 'messages', 'received', 'outbox'] as const;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const PAGE_SIZE = 4096; // better-sqlite3's default, never changed by this code

/** Opens messages.db; if it is damaged, keeps it aside and opens a fresh one with what could be read. */
export function openMessageStore(
  path: string,
  storageKey: Uint8Array,
): { db: MessageDb; rescue: MessageStoreRescue | null } {
  let db: MessageDb | undefined;
  try {
    db = new MessageDb(path, storageKey);
    db.checkIntegrity();
    return { db, rescue: null };
  } catch (e) {
    db?.close();
    if (!isDamage(e)) throw e;
  }
  const keptAs = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const ext of ['', '-wal', '-shm']) if (existsSync(path + ext)) renameSync(path + ext, keptAs + ext);
  const fresh = new MessageDb(path, storageKey);
  return { db: fresh, rescue: { file: path, keptAs, recovered: salvage(keptAs, fresh.db) } };
}

/** SQLite's own words for a damaged file, or the integrity check's (not: newer schema, locked, full disk). */
function isDamage(e: unknown): boolean {
  if (!(e instanceof ServiceError) || e.code !== 'CORRUPTED') return false;
  const detail = String((e.params as { detail?: string }).detail ?? '');
  return /^SQLITE_(CORRUPT|NOTADB)|^integrity check/.test(detail);
}

/** Copies every readable row of the damaged file into `into`; returns the counts. */
function salvage(damaged: string, into: Database.Database): Record<string, number> {
  const recovered: Record<string, number> = Object.fromEntries(TABLES.map((t) => [t, 0]));
  const tmp = mkdtempSync(join(dirname(damaged), '.rescue-'));
  const copy = join(tmp, 'copy.db');
  let src: Database.Database | undefined;
  try {
    copyFileSync(damaged, copy);
    if (existsSync(`${damaged}-wal`)) copyFileSync(`${damaged}-wal`, `${copy}-wal`);
    restampHeader(copy, existsSync(`${copy}-wal`));
    src = new Database(copy, { fileMustExist: true });
    for (const table of TABLES) {
      const have = new Set(columns(src, table));
      const cols = columns(into, table).filter((c) => have.has(c));
      if (cols.length === 0) continue;
      const insert = into.prepare(
        `INSERT OR IGNORE INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`,
      );
      try {
        for (const row of src.prepare(`SELECT ${cols.join(', ')} FROM ${table}`).iterate()) {
          try {
            recovered[table]! += insert.run(row).changes;
          } catch {
            // a row damaged beyond its constraints: left in the kept file
          }
        }
      } catch {
        // the read stops where the damage starts: the rows before it are carried over
      }
    }
  } catch {
    // nothing readable (not even the schema): the kept file holds it all
  } finally {
    src?.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return recovered;
}

function columns(db: Database.Database, table: string): string[] {
  try {
    return (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
  } catch {
    return [];
  }
}

/**
 * A file whose first 100 bytes (SQLite's header) were overwritten gets a plausible header
 * back, so the pages behind it can be read: this code's page size, the page count taken
 * from the file's size (the "valid for" stamp differs from the change counter, so SQLite
 * does not trust a count here), no free list.
 */
function restampHeader(file: string, wal: boolean): void {
  const fd = openSync(file, 'r+');
  try {
    const head = Buffer.alloc(100);
    const n = readSync(fd, head, 0, 100, 0);
    if (n === 100 && head.subarray(0, 16).equals(SQLITE_MAGIC)) return;
    const h = Buffer.alloc(100);
    SQLITE_MAGIC.copy(h, 0);
    h.writeUInt16BE(PAGE_SIZE, 16);
    h[18] = wal ? 2 : 1;
    h[19] = wal ? 2 : 1;
    h[21] = 64;
    h[22] = 32;
    h[23] = 32;
    h.writeUInt32BE(2, 24); // change counter
    h.writeUInt32BE(Math.floor(statSync(file).size / PAGE_SIZE), 28);
    h.writeUInt32BE(1, 40); // schema cookie
    h.writeUInt32BE(4, 44); // schema format
    h.writeUInt32BE(1, 56); // UTF-8
    h.writeUInt32BE(MIGRATIONS.length, 60);
    h.writeUInt32BE(1, 92); // valid-for ≠ change counter: the page count comes from the file size
    h.writeUInt32BE(3_045_000, 96);
    writeSync(fd, h, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
}
