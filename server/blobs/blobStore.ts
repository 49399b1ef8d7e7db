/**
 * Where a relay keeps attachment blobs: on disk beside relay.db (diskBlobStore.ts), or in
 * an S3-compatible object store for a fleet (s3BlobStore.ts). Both keep the same promises:
 * a part is durable before its append resolves, a part whose bytes do not match its digest
 * (or that is cut short) leaves the blob as it was, and only a complete blob is readable.
 */
import type { Readable } from 'node:stream';

export interface BlobRecord {
  id: string;
  /** Hex Ed25519 key of the uploader (the only one who may append or delete). */
  uploader: string;
  /** Declared size: the upload is complete when `received` reaches it. */
  size: number;
  received: number;
  createdAt: number;
  complete: boolean;
}

export class BlobError extends Error {
  override readonly name = 'BlobError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface BlobStore {
  readonly kind: string;
  get(id: string): Promise<BlobRecord | null>;
  /** Bytes declared by an uploader's live blobs (what its quota counts). */
  usage(uploader: string): Promise<number>;
  create(uploader: string, size: number, now: number): Promise<BlobRecord>;
  /** Appends `length` bytes at `offset` (= received so far), kept only if their SHA-256 is `digest`. */
  append(
    id: string,
    offset: number,
    length: number,
    digest: Uint8Array,
    body: AsyncIterable<Buffer>,
  ): Promise<BlobRecord>;
  /** Bytes start..end (inclusive) of a complete blob. */
  read(id: string, start: number, end: number): Promise<Readable>;
  delete(id: string): Promise<void>;
  /** Removes blobs created more than `retentionMs` ago; returns how many. */
  prune(now: number, retentionMs: number): Promise<number>;
  close?(): Promise<void>;
}
