/**
 * The client of a relay's blob endpoints (protocol/wire/blobAuth.ts): uploads a file
 * already encrypted on disk in parts, resuming from the relay's offset after a cut;
 * downloads into a file, resuming with a byte range. Neither holds more than one part
 * in memory.
 *
 * @example
 *   const blobs = new BlobClient({ url, serverKey, device });
 *   const id = await blobs.upload('/profile/attachments/x.blob', { onProgress });
 *   await blobs.download(id, '/tmp/x.part', size);
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { randomBytes, toBase64Url } from '../../protocol/crypto/bytes.js';
import type { KeyPair } from '../../protocol/crypto/curves.js';
import { blobAuthHeader, BLOB_ID, type BlobOp } from '../../protocol/wire/blobAuth.js';
import {
  checkTransport,
  httpRequest,
  httpStream,
  TransportError,
  type TransportOptions,
} from './transport.js';

export const BLOB_PART_BYTES = 4 * 1024 * 1024;
const TIMEOUT_MS = 60_000;
const ATTEMPTS = 6;

export type BlobErrorCode =
  | 'TOO_LARGE'
  | 'QUOTA'
  | 'NOT_FOUND'
  | 'NO_BLOBS'
  | 'UNREACHABLE'
  | 'REFUSED'
  | 'BAD_REPLY'
  | 'ABORTED'
  | 'UNVERIFIED';

export class BlobClientError extends Error {
  override readonly name = 'BlobClientError';
  constructor(
    readonly code: BlobErrorCode,
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

export interface BlobClientOptions extends TransportOptions {
  url: string;
  /** The relay's X25519 key (its card's public_key): writes are signed for this relay only. */
  serverKey: Uint8Array;
  /** This device's Ed25519 key pair: the uploader. */
  device: KeyPair;
}

export type Progress = (done: number, total: number) => void;

/** A part of an upload, read and hashed. */
interface Part {
  part: Buffer;
  digest: Buffer;
}

function refusal(status: number, body: Uint8Array): BlobClientError {
  let code = '';
  let message = `HTTP ${status}`;
  try {
    const j = JSON.parse(Buffer.from(body).toString('utf8')) as { error?: string; message?: string };
    code = j.error ?? '';
    message = j.message ?? message;
  } catch {
    // not one of ours (a proxy's page): the status says enough
  }
  const known: Record<string, BlobErrorCode> = {
    TOO_LARGE: 'TOO_LARGE',
    QUOTA: 'QUOTA',
    NOT_FOUND: 'NOT_FOUND',
    NO_BLOBS: 'NO_BLOBS',
  };
  return new BlobClientError(
    known[code] ?? 'REFUSED',
    message,
    status >= 500 || status === 429 || code === 'CUT',
  );
}

const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export class BlobClient {
  private readonly base: string;
  constructor(private readonly opts: BlobClientOptions) {
    this.base = opts.url.replace(/\/+$/, '') + '/v1/blob';
  }

  private auth(op: BlobOp, id: string, offset: number, size: number, digest: Uint8Array, nonce = ''): string {
    return blobAuthHeader(this.opts.device, {
      op,
      serverKey: this.opts.serverKey,
      id,
      offset,
      size,
      digest,
      nonce,
    });
  }

  private async call(
    method: 'POST' | 'HEAD' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    body?: Uint8Array,
    signal?: AbortSignal,
  ) {
    checkTransport(url, this.opts);
    try {
      return await httpRequest(url, {
        method,
        headers,
        timeoutMs: TIMEOUT_MS,
        ...(body ? { body } : {}),
        ...(signal ? { signal } : {}),
        ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      });
    } catch (e) {
      if (e instanceof TransportError && e.kind === 'abort')
        throw new BlobClientError('ABORTED', 'cancelled');
      throw new BlobClientError('UNREACHABLE', (e as Error).message, true);
    }
  }

  /** Reserves a blob of `size` bytes; returns its id (the capability to read it). */
  async create(size: number, signal?: AbortSignal): Promise<string> {
    const nonce = toBase64Url(randomBytes(18));
    const r = await this.call(
      'POST',
      this.base,
      {
        'x-blob-size': String(size),
        'x-meow-auth': this.auth('create', '', 0, size, new Uint8Array(0), nonce),
      },
      undefined,
      signal,
    );
    if (r.status !== 201) throw refusal(r.status, r.body);
    const id = (JSON.parse(Buffer.from(r.body).toString('utf8')) as { id?: string }).id ?? '';
    if (!BLOB_ID.test(id)) throw new BlobClientError('BAD_REPLY', 'the relay answered without a blob id');
    return id;
  }

  /** How much of a blob the relay holds. */
  async status(
    id: string,
    signal?: AbortSignal,
  ): Promise<{ received: number; size: number; complete: boolean }> {
    const r = await this.call('HEAD', `${this.base}/${id}`, {}, undefined, signal);
    if (r.status === 404) throw new BlobClientError('NOT_FOUND', 'no such blob'); // HEAD: no body to say it
    if (r.status !== 200) throw refusal(r.status, new Uint8Array(0));
    return {
      received: Number(r.header('upload-offset')),
      size: Number(r.header('blob-size')),
      complete: r.header('blob-complete') === '1',
    };
  }

  /**
   * Uploads a file (already encrypted) to a new blob, or continues blob `resume` from where
   * the relay has it. Network failures and cut parts are retried from the relay's offset.
   */
  async upload(
    path: string,
    o: {
      resume?: string;
      onProgress?: Progress;
      signal?: AbortSignal;
      onCreated?: (id: string) => void;
    } = {},
  ): Promise<string> {
    const size = (await stat(path)).size;
    const id = o.resume ?? (await this.create(size, o.signal));
    o.onCreated?.(id);
    const fh = await open(path, 'r');
    // Two buffers: the next part is read and hashed while the relay writes this one.
    const bufs = [0, 1].map(() => Buffer.alloc(Math.min(BLOB_PART_BYTES, Math.max(size, 1))));
    let turn = 0;
    const readPart = async (at: number): Promise<Part> => {
      const buf = bufs[turn++ % 2]!;
      const n = Math.min(buf.length, size - at);
      const { bytesRead } = await fh.read(buf, 0, n, at);
      if (bytesRead !== n) throw new BlobClientError('REFUSED', `${path} changed while it was uploaded`);
      const part = buf.subarray(0, n);
      return { part, digest: createHash('sha256').update(part).digest() };
    };
    try {
      // After a failure the relay says where the upload stands (what it acknowledged is on its disk).
      let resync = !!o.resume;
      let offset = 0;
      let failures = 0;
      let ahead: Promise<Part> | null = null;
      while (resync || offset < size) {
        if (o.signal?.aborted) throw new BlobClientError('ABORTED', 'cancelled');
        try {
          if (resync) {
            await ahead?.catch(() => undefined); // its buffer is free again
            ahead = null;
            offset = (await this.status(id, o.signal)).received;
            resync = false;
            continue;
          }
          const next: Promise<Part> = ahead ?? readPart(offset);
          const { part, digest } = await next;
          const n: number = part.length;
          const sent = this.call(
            'PATCH',
            `${this.base}/${id}`,
            {
              'upload-offset': String(offset),
              'x-part-sha256': digest.toString('hex'),
              'x-meow-auth': this.auth('append', id, offset, n, digest),
              'content-type': 'application/octet-stream',
            },
            part,
            o.signal,
          );
          ahead = offset + n < size ? readPart(offset + n) : null;
          ahead?.catch(() => undefined); // awaited on the next turn; a failure there counts
          const r = await sent;
          if (r.status !== 200) throw refusal(r.status, r.body);
          offset += n;
          failures = 0;
          o.onProgress?.(offset, size);
        } catch (e) {
          const retry = e instanceof BlobClientError && (e.retryable || /continues at/.test(e.message));
          if (!retry || ++failures >= ATTEMPTS) {
            await ahead?.catch(() => undefined); // nothing reads the file once it is closed
            throw e;
          }
          await pause(200 * 2 ** failures, o.signal);
          resync = true;
        }
      }
      if (size === 0) o.onProgress?.(0, 0);
      return id;
    } finally {
      await fh.close();
    }
  }

  /**
   * Downloads a blob into `path`, continuing after the bytes already there (a cut download
   * resumes with a byte range). Refuses a blob longer than `maxSize`. With `sha256`, the
   * bytes are hashed as they arrive (and those already there once) and a blob that does not
   * match is refused (UNVERIFIED) and its bytes dropped, so nothing reads the file again to check it.
   */
  async download(
    id: string,
    path: string,
    maxSize: number,
    o: { onProgress?: Progress; signal?: AbortSignal; sha256?: Uint8Array } = {},
  ): Promise<number> {
    if (!BLOB_ID.test(id)) throw new BlobClientError('NOT_FOUND', 'not a blob id');
    const url = `${this.base}/${id}`;
    checkTransport(url, this.opts);
    await (await open(path, 'a')).close(); // exists, kept as it is (what is there is resumed from)
    const fh = await open(path, 'r+');
    let failures = 0;
    // what `hash` has seen: the file's first `hashed` bytes
    let hash = createHash('sha256');
    let hashed = 0;
    const hashUpTo = async (end: number) => {
      if (end < hashed) [hash, hashed] = [createHash('sha256'), 0];
      const buf = Buffer.alloc(Math.min(BLOB_PART_BYTES, Math.max(1, end - hashed)));
      while (hashed < end) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - hashed), hashed);
        if (!bytesRead) break;
        hash.update(buf.subarray(0, bytesRead));
        hashed += bytesRead;
      }
    };
    const verified = async (size: number) => {
      if (!o.sha256) return size;
      await hashUpTo(size);
      if (Buffer.compare(hash.digest(), o.sha256) === 0) return size;
      await fh.truncate(0); // not resumed from
      throw new BlobClientError('UNVERIFIED', 'the blob does not match its digest');
    };
    try {
      for (;;) {
        const have = (await fh.stat()).size;
        let total = -1;
        try {
          const res = await httpStream(url, {
            timeoutMs: TIMEOUT_MS,
            ...(have ? { headers: { range: `bytes=${have}-` } } : {}),
            ...(o.signal ? { signal: o.signal } : {}),
            ...(this.opts.ca ? { ca: this.opts.ca } : {}),
          });
          if (res.statusCode === 416 && have > 0) {
            res.resume();
            return await verified(have); // everything is already here
          }
          if (res.statusCode !== 200 && res.statusCode !== 206) {
            const chunks: Buffer[] = [];
            for await (const c of res) chunks.push(c as Buffer);
            throw refusal(res.statusCode ?? 0, Buffer.concat(chunks));
          }
          const range = /\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''));
          total = range ? Number(range[1]) : Number(res.headers['content-length']);
          if (res.statusCode === 200 && have) await fh.truncate(0);
          if (total > maxSize) {
            res.destroy();
            throw new BlobClientError(
              'TOO_LARGE',
              `the relay holds ${total} bytes, more than the ${maxSize} expected`,
            );
          }
          let at = res.statusCode === 206 ? have : 0;
          if (o.sha256) await hashUpTo(at);
          for await (const chunk of res) {
            const c = chunk as Buffer;
            await fh.write(c, 0, c.length, at);
            if (o.sha256 && hashed === at) {
              hash.update(c);
              hashed += c.length;
            }
            at += c.length;
            o.onProgress?.(at, total);
          }
          if (at !== total) throw new BlobClientError('UNREACHABLE', 'the download was cut short', true);
          await fh.sync();
          return await verified(at);
        } catch (e) {
          if (o.signal?.aborted) throw new BlobClientError('ABORTED', 'cancelled');
          const err =
            e instanceof BlobClientError ? e : new BlobClientError('UNREACHABLE', (e as Error).message, true);
          if (!err.retryable || ++failures >= ATTEMPTS) throw err;
          await pause(200 * 2 ** failures, o.signal);
        }
      }
    } finally {
      await fh.close();
    }
  }

  /** Deletes a blob this device uploaded. */
  async delete(id: string): Promise<void> {
    const r = await this.call('DELETE', `${this.base}/${id}`, {
      'x-meow-auth': this.auth('delete', id, 0, 0, new Uint8Array(0)),
    });
    if (r.status !== 200 && r.status !== 404) throw refusal(r.status, r.body);
  }
}
