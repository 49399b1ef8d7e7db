/**
 * Encrypted attachment blobs on disk (the embedded relay: a `blobs/` folder beside
 * relay.db). Each blob is `ID.part` while it is uploaded and `ID.blob` once complete,
 * with its record in `ID.json` (uploader, declared size, bytes received, times).
 *
 * Durability: a part is written at the recorded offset, fsync'd, and only then is the
 * record's offset advanced (the record is replaced atomically: temporary file, fsync,
 * rename, fsync of the folder). A part cut short or whose digest does not match leaves
 * the offset where it was; the next append overwrites what it wrote. The last part
 * renames the file to `.blob` before the upload is acknowledged.
 *
 * Records are kept in memory too (an embedded relay holds thousands, not millions), so
 * quotas are a sum over a map.
 */
import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, toBase64Url, toHex } from '../../protocol/crypto/bytes.js';
import { BLOB_ID } from '../../protocol/wire/blobAuth.js';
import { BlobError, type BlobRecord, type BlobStore } from './blobStore.js';

export class DiskBlobStore implements BlobStore {
  readonly kind = 'disk';
  private readonly records = new Map<string, BlobRecord>();
  private readonly busy = new Set<string>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)) {
      if (!name.endsWith('.json')) continue;
      try {
        const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as BlobRecord;
        if (BLOB_ID.test(r.id)) this.records.set(r.id, r);
      } catch {
        // a record cut by a crash before its rename never existed (the rename is atomic)
      }
    }
  }

  private record(id: string): BlobRecord | null {
    return BLOB_ID.test(id) ? (this.records.get(id) ?? null) : null;
  }

  get(id: string): Promise<BlobRecord | null> {
    return Promise.resolve(this.record(id));
  }

  /** Bytes declared by an uploader's live blobs (what its quota counts). */
  usage(uploader: string): Promise<number> {
    let sum = 0;
    for (const r of this.records.values()) if (r.uploader === uploader) sum += r.size;
    return Promise.resolve(sum);
  }

  async create(uploader: string, size: number, now: number): Promise<BlobRecord> {
    const r: BlobRecord = {
      id: toBase64Url(randomBytes(32)),
      uploader,
      size,
      received: 0,
      createdAt: now,
      complete: false,
    };
    const fh = await open(this.path(r.id, 'part'), 'wx', 0o600);
    await fh.close();
    await this.save(r);
    this.records.set(r.id, r);
    return r;
  }

  /**
   * Appends one part at `offset` (which must be what was received so far). The part is
   * acknowledged only if exactly `length` bytes arrive and their SHA-256 is `digest`.
   */
  async append(
    id: string,
    offset: number,
    length: number,
    digest: Uint8Array,
    body: AsyncIterable<Buffer>,
  ): Promise<BlobRecord> {
    const r = this.record(id);
    if (!r) throw new BlobError(404, 'NOT_FOUND', 'no such blob');
    if (r.complete) throw new BlobError(409, 'COMPLETE', 'the blob is already complete');
    if (offset !== r.received)
      throw new BlobError(409, 'OFFSET', `the upload continues at ${r.received}, not ${offset}`);
    if (offset + length > r.size)
      throw new BlobError(413, 'TOO_LARGE', `the part goes past the declared size ${r.size}`);
    if (this.busy.has(id)) throw new BlobError(409, 'BUSY', 'another part of this blob is being written');
    this.busy.add(id);
    const fh = await open(this.path(id, 'part'), 'r+');
    try {
      const hash = createHash('sha256');
      let at = 0;
      // The socket's pieces (~64 KiB) are written a megabyte at a time: one call, not sixteen.
      let held: Buffer[] = [];
      let heldBytes = 0;
      const flush = async () => {
        const b = Buffer.concat(held, heldBytes);
        const pos = offset + at - heldBytes;
        let written = 0;
        while (written < b.length)
          written += (await fh.write(b, written, b.length - written, pos + written)).bytesWritten;
        held = [];
        heldBytes = 0;
      };
      for await (const chunk of body) {
        if (at + chunk.length > length)
          throw new BlobError(400, 'LENGTH', `the part is longer than its ${length} bytes`);
        hash.update(chunk);
        held.push(chunk);
        heldBytes += chunk.length;
        at += chunk.length;
        if (heldBytes >= 1024 * 1024) await flush();
      }
      await flush();
      if (at !== length) throw new BlobError(400, 'LENGTH', `the part has ${at} bytes, not ${length}`);
      if (toHex(hash.digest()) !== toHex(digest))
        throw new BlobError(400, 'DIGEST', 'the part does not match its digest');
      await fh.sync();
      const next: BlobRecord = { ...r, received: offset + length };
      if (next.received === r.size) {
        await fh.truncate(r.size);
        await fh.sync();
        await fh.close();
        await rename(this.path(id, 'part'), this.path(id, 'blob'));
        next.complete = true;
      }
      await this.save(next);
      this.records.set(id, next);
      return next;
    } finally {
      await fh.close().catch(() => undefined);
      this.busy.delete(id);
    }
  }

  /** Bytes start..end (inclusive) of a complete blob. */
  read(id: string, start: number, end: number): Promise<Readable> {
    return Promise.resolve(createReadStream(this.path(id, 'blob'), { start, end }));
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
    await rm(this.path(id, 'json'), { force: true });
    await rm(this.path(id, 'blob'), { force: true });
    await rm(this.path(id, 'part'), { force: true });
  }

  /** Removes blobs created more than `retentionMs` ago; returns how many. */
  async prune(now: number, retentionMs: number): Promise<number> {
    let n = 0;
    for (const r of [...this.records.values()]) {
      if (now - r.createdAt <= retentionMs || this.busy.has(r.id)) continue;
      await this.delete(r.id);
      n++;
    }
    return n;
  }

  private path(id: string, kind: 'part' | 'blob' | 'json'): string {
    return join(this.dir, `${id}.${kind}`);
  }

  private async save(r: BlobRecord): Promise<void> {
    const tmp = join(this.dir, `${r.id}.${toHex(randomBytes(4))}.tmp`);
    await writeFile(tmp, JSON.stringify(r), { mode: 0o600, flush: true });
    await rename(tmp, this.path(r.id, 'json'));
    const d = await open(this.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
