/**
 * Attachment blobs in an S3-compatible object store (@aws-sdk/client-s3): a relay fleet
 * shares them whatever process an upload or a download reaches. Redis is the wrong
 * place for 100 MB blobs; an object store is made for them.
 *
 * Layout under the prefix:
 *   blob/ID/meta.json          the record (BlobRecord) and the parts received, in order
 *   blob/ID/part/OFFSET        one object per appended part (S3 has no append; a retried
 *                              part at the same offset overwrites its earlier try)
 *   uploader/KEY/ID.SIZE       one empty marker per live blob: quotas list it, pruning
 *                              reads its time
 * A part's digest is checked before it is stored, and it is stored (S3 acknowledges a PUT
 * once it is durable) before the record says it was received.
 *
 * Not done: appends to one blob from two relay processes at once are not serialised
 * across processes (one client uploads a blob part after part, so they do not happen).
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { randomBytes, toBase64Url, toHex } from '../../protocol/crypto/bytes.js';
import { BLOB_ID } from '../../protocol/wire/blobAuth.js';
import { BlobError, type BlobRecord, type BlobStore } from './blobStore.js';

interface Meta extends BlobRecord {
  parts: { offset: number; length: number }[];
}

export interface S3BlobStoreOptions {
  client: S3Client;
  bucket: string;
  /** Prepended to every key (several relays, or other data, in one bucket). */
  prefix?: string;
}

function isMissing(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === 'NoSuchKey' || err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404;
}

export class S3BlobStore implements BlobStore {
  readonly kind = 's3';
  private readonly busy = new Set<string>();
  private readonly prefix: string;

  constructor(private readonly o: S3BlobStoreOptions) {
    this.prefix = o.prefix ?? '';
  }

  private metaKey = (id: string) => `${this.prefix}blob/${id}/meta.json`;
  private partKey = (id: string, offset: number) =>
    `${this.prefix}blob/${id}/part/${String(offset).padStart(15, '0')}`;
  private markerKey = (r: BlobRecord) => `${this.prefix}uploader/${r.uploader}/${r.id}.${r.size}`;

  private async meta(id: string): Promise<Meta | null> {
    if (!BLOB_ID.test(id)) return null;
    try {
      const out = await this.o.client.send(
        new GetObjectCommand({ Bucket: this.o.bucket, Key: this.metaKey(id) }),
      );
      return JSON.parse(await out.Body!.transformToString()) as Meta;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  private async saveMeta(m: Meta): Promise<void> {
    await this.o.client.send(
      new PutObjectCommand({
        Bucket: this.o.bucket,
        Key: this.metaKey(m.id),
        Body: JSON.stringify(m),
        ContentType: 'application/json',
      }),
    );
  }

  async get(id: string): Promise<BlobRecord | null> {
    const m = await this.meta(id);
    if (!m) return null;
    const { parts: _parts, ...record } = m;
    return record;
  }

  private async list(prefix: string): Promise<{ key: string; at: number }[]> {
    const out: { key: string; at: number }[] = [];
    let token: string | undefined;
    do {
      const page = await this.o.client.send(
        new ListObjectsV2Command({ Bucket: this.o.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const c of page.Contents ?? []) out.push({ key: c.Key ?? '', at: c.LastModified?.getTime() ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async usage(uploader: string): Promise<number> {
    let sum = 0;
    for (const { key } of await this.list(`${this.prefix}uploader/${uploader}/`))
      sum += Number(key.split('.').at(-1)) || 0;
    return sum;
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
    await this.saveMeta({ ...r, parts: [] });
    await this.o.client.send(
      new PutObjectCommand({ Bucket: this.o.bucket, Key: this.markerKey(r), Body: '' }),
    );
    return r;
  }

  async append(
    id: string,
    offset: number,
    length: number,
    digest: Uint8Array,
    body: AsyncIterable<Buffer>,
  ): Promise<BlobRecord> {
    const m = await this.meta(id);
    if (!m) throw new BlobError(404, 'NOT_FOUND', 'no such blob');
    if (m.complete) throw new BlobError(409, 'COMPLETE', 'the blob is already complete');
    if (offset !== m.received)
      throw new BlobError(409, 'OFFSET', `the upload continues at ${m.received}, not ${offset}`);
    if (offset + length > m.size)
      throw new BlobError(413, 'TOO_LARGE', `the part goes past the declared size ${m.size}`);
    if (this.busy.has(id)) throw new BlobError(409, 'BUSY', 'another part of this blob is being written');
    this.busy.add(id);
    const key = this.partKey(id, offset);
    try {
      // A part (at most --max-blob-part) is gathered and checked before it is stored: an
      // object store takes a PUT of known length, and nothing unchecked is ever written.
      const chunks: Buffer[] = [];
      let seen = 0;
      for await (const chunk of body) {
        seen += chunk.length;
        if (seen > length) throw new BlobError(400, 'LENGTH', `the part is longer than its ${length} bytes`);
        chunks.push(chunk);
      }
      if (seen !== length) throw new BlobError(400, 'LENGTH', `the part has ${seen} bytes, not ${length}`);
      const part = Buffer.concat(chunks);
      if (toHex(createHash('sha256').update(part).digest()) !== toHex(digest))
        throw new BlobError(400, 'DIGEST', 'the part does not match its digest');
      await this.o.client.send(new PutObjectCommand({ Bucket: this.o.bucket, Key: key, Body: part }));
      const next: Meta = { ...m, received: offset + length, parts: [...m.parts, { offset, length }] };
      next.complete = next.received === m.size;
      await this.saveMeta(next);
      const { parts: _parts, ...record } = next;
      return record;
    } catch (e) {
      await this.o.client
        .send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: key }))
        .catch(() => undefined);
      throw e;
    } finally {
      this.busy.delete(id);
    }
  }

  async read(id: string, start: number, end: number): Promise<Readable> {
    const m = await this.meta(id);
    if (!m?.complete) throw new BlobError(404, 'NOT_FOUND', 'no such blob');
    const parts = m.parts.filter((p) => p.offset + p.length > start && p.offset <= end);
    const { client, bucket } = this.o;
    const partKey = this.partKey;
    async function* bytes(): AsyncGenerator<Uint8Array> {
      for (const p of parts) {
        const from = Math.max(start, p.offset) - p.offset;
        const to = Math.min(end, p.offset + p.length - 1) - p.offset;
        const out = await client.send(
          new GetObjectCommand({ Bucket: bucket, Key: partKey(id, p.offset), Range: `bytes=${from}-${to}` }),
        );
        for await (const chunk of out.Body as AsyncIterable<Uint8Array>) yield chunk;
      }
    }
    return Readable.from(bytes());
  }

  async delete(id: string): Promise<void> {
    const m = await this.meta(id);
    for (const { key } of await this.list(`${this.prefix}blob/${id}/`))
      await this.o.client.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: key }));
    if (m)
      await this.o.client.send(new DeleteObjectCommand({ Bucket: this.o.bucket, Key: this.markerKey(m) }));
  }

  async prune(now: number, retentionMs: number): Promise<number> {
    let n = 0;
    for (const { key, at } of await this.list(`${this.prefix}uploader/`)) {
      if (now - at <= retentionMs) continue;
      const id = key.split('/').at(-1)?.split('.')[0] ?? '';
      if (!BLOB_ID.test(id) || this.busy.has(id)) continue;
      await this.delete(id);
      n++;
    }
    return n;
  }

  close(): Promise<void> {
    this.o.client.destroy();
    return Promise.resolve();
  }
}
