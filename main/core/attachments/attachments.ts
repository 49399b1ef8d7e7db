/**
 * Attachments of a profile: files sent are stripped of their metadata (JPEG/PNG), sealed
 * into a blob under a new key (blobFile.ts) and uploaded once to my relay; the message
 * carries the reference (FileMeta: key, digest, relay, id). Every device that gets the
 * message — the contact's and each of mine, through the usual device sync — downloads the
 * same blob; no device uploads it again.
 *
 * At rest the profile keeps each blob as it travels (`attachments/DIGEST.blob`): encrypted
 * under the file's key, which lives only inside the message (encrypted at rest in
 * messages.db). A blob is kept under that name only once it matched the digest the message
 * carries, so a file present is the file sent, whole; saving and showing decrypt it,
 * checking every chunk (a sender's bad chunk is refused there, never shown).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { toHex } from '../../../protocol/crypto/bytes.js';
import { plainSizeOf } from '../../../protocol/crypto/streamAead.js';
import type { meow } from '../../../protocol/wire/proto.js';
import type { KeyPair } from '../../../protocol/crypto/curves.js';
import { MeowError } from '../errors.js';
import type { ServerRef } from '../records.js';
import type { BlobTransport, RelayFactory } from '../relay.js';
import { BlobVerifyError, openBlob, sealFile, syncFile } from './blobFile.js';
import { freeName, safeFileName } from './fileName.js';
import { sniffType } from './fileType.js';
import { stripMetadata } from './stripMetadata.js';

export type Progress = (done: number, total: number) => void;

/** By default, files at most this large are fetched as soon as their message arrives; larger ones on request. */
export const AUTO_DOWNLOAD_BYTES = 10 * 1024 * 1024;

/** This device's choices about files (not synced: each computer has its own disk and link). */
export interface FileSettings {
  autoDownloadBytes: number;
}
/** The largest file shown inline (read whole into memory to go to the renderer). */
export const INLINE_MAX_BYTES = 25 * 1024 * 1024;
const CARD_TTL_MS = 5 * 60_000;

export interface AttachmentsContext {
  dir: string;
  relays: RelayFactory;
  /** My relay (where uploads go) and my device key (the uploader). */
  server(): ServerRef;
  device(): KeyPair;
}

export interface SendFile {
  path: string;
  /** Shown name (default: the file's own). */
  name?: string;
  /** A preview the host made (a small JPEG/PNG/WebP) and the picture's size. */
  thumbnail?: Uint8Array;
  width?: number;
  height?: number;
}

export type FileState = { state: 'remote' | 'downloading' | 'ready' } | { state: 'failed'; error: MeowError };

/** Where a file's blob is kept in a profile folder (named by its digest). */
export function blobPath(dir: string, f: meow.IFileMeta): string {
  return join(dir, 'attachments', `${toHex(f.blobDigest ?? new Uint8Array(0))}.blob`);
}

export class Attachments {
  private readonly downloads = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, MeowError>();
  private card: { url: string; at: number; maxBlob: number } | null = null;
  private settingsCache: FileSettings | null = null;
  private readonly closing = new AbortController();
  private readonly cancels = new Map<string, AbortController>();

  constructor(private readonly ctx: AttachmentsContext) {}

  private get folder(): string {
    return join(this.ctx.dir, 'attachments');
  }

  private blobPath(f: meow.IFileMeta): string {
    return blobPath(this.ctx.dir, f);
  }

  private async tmp(ext: string): Promise<string> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    return join(this.folder, `tmp-${randomBytes(8).toString('hex')}.${ext}`);
  }

  settings(): FileSettings {
    if (!this.settingsCache) {
      let saved: Partial<FileSettings> = {};
      try {
        saved = JSON.parse(readFileSync(join(this.folder, 'settings.json'), 'utf8')) as Partial<FileSettings>;
      } catch {
        // none yet, or unreadable: the defaults
      }
      const bytes = saved.autoDownloadBytes;
      this.settingsCache = {
        autoDownloadBytes: Number.isSafeInteger(bytes) && bytes! >= 0 ? bytes! : AUTO_DOWNLOAD_BYTES,
      };
    }
    return this.settingsCache;
  }

  async setSettings(change: Partial<FileSettings>): Promise<FileSettings> {
    const next = { ...this.settings(), ...change };
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const tmp = join(this.folder, `settings.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, JSON.stringify(next), { mode: 0o600 });
    await rename(tmp, join(this.folder, 'settings.json'));
    this.settingsCache = next;
    return next;
  }

  /** The largest file my relay takes (its signed card), asked at most every few minutes. */
  async maxBlob(): Promise<number> {
    const server = this.ctx.server();
    if (this.card && this.card.url === server.url && Date.now() - this.card.at < CARD_TTL_MS)
      return this.card.maxBlob;
    const card = await this.ctx.relays.fetchCard(server.url).catch((e: unknown) => {
      throw new MeowError('SERVER_UNREACHABLE', { url: server.url }, { cause: e });
    });
    this.card = { url: server.url, at: Date.now(), maxBlob: Number(card.maxBlob ?? 0) };
    return this.card.maxBlob;
  }

  private transport(url: string, key = new Uint8Array(32)): BlobTransport {
    if (!this.ctx.relays.blobs) throw new MeowError('FILES_UNSUPPORTED', { url });
    return this.ctx.relays.blobs(url, key, this.ctx.device());
  }

  /** Checks a file can be sent (exists, within my relay's limit) before anything is done with it. */
  async check(file: SendFile): Promise<{ size: number; name: string }> {
    const name = safeFileName(file.name ?? basename(file.path));
    const st = await stat(file.path).catch((e: NodeJS.ErrnoException) => {
      throw new MeowError('FILE_UNREADABLE', {
        name,
        reason: e.code === 'ENOENT' ? 'no such file' : e.message,
      });
    });
    if (!st.isFile()) throw new MeowError('FILE_UNREADABLE', { name, reason: 'not a file' });
    const max = await this.maxBlob();
    if (max <= 0) throw new MeowError('FILES_UNSUPPORTED', { url: this.ctx.server().url });
    // The relay's limit is on the file; it takes the blob that file encrypts and pads to.
    if (st.size > max) throw new MeowError('FILE_TOO_LARGE', { name, size: st.size, maxBytes: max });
    return { size: st.size, name };
  }

  /** Strips, seals and uploads one file; returns what the message carries about it. */
  async prepare(file: SendFile, onProgress?: Progress, signal?: AbortSignal): Promise<meow.IFileMeta> {
    const blob = await this.tmp('blob');
    try {
      const sealed = await this.seal(file, blob);
      const meta = await this.upload(sealed, blob, {
        ...(onProgress ? { onProgress } : {}),
        ...(signal ? { signal } : {}),
      });
      await this.keep(meta, blob);
      return meta;
    } finally {
      await rm(blob, { force: true });
    }
  }

  /**
   * Strips and seals one file into the blob file `blob`; returns what the message will carry
   * about it but where the blob goes (upload fills that in).
   */
  async seal(file: SendFile, blob: string): Promise<meow.IFileMeta> {
    const { name } = await this.check(file);
    const head = Buffer.alloc(64);
    const fh = await open(file.path, 'r');
    const { bytesRead } = await fh.read(head, 0, 64, 0).finally(() => fh.close());
    const type = sniffType(head.subarray(0, bytesRead));
    const stripped = await this.tmp('plain');
    try {
      const removed = await stripMetadata(file.path, stripped, type.mime).catch((e: unknown) => {
        throw new MeowError('FILE_UNREADABLE', {
          name,
          reason: `its metadata could not be removed (${(e as Error).message})`,
        });
      });
      const sealed = await sealFile(removed === null ? file.path : stripped, blob);
      return {
        name,
        size: sealed.size,
        mime: type.mime,
        sha256: sealed.sha256,
        key: sealed.key,
        blobDigest: sealed.blobDigest,
        cipherSize: sealed.cipherSize,
        blobSize: sealed.blobSize,
        metadataStripped: removed !== null,
        ...(type.image && file.thumbnail?.length ? { thumbnail: file.thumbnail } : {}),
        ...(file.width ? { width: file.width } : {}),
        ...(file.height ? { height: file.height } : {}),
      };
    } finally {
      await rm(stripped, { force: true });
    }
  }

  /**
   * Uploads a sealed blob to my relay, or continues the upload `meta` names (its blobId on its
   * blobUrl) from the relay's offset; `onCreated` hears of a new blob before its first byte is
   * sent. Returns the meta with the blob's id and relay. Closing the profile stops it.
   */
  async upload(
    meta: meow.IFileMeta,
    blob: string,
    o: { onProgress?: Progress; signal?: AbortSignal; onCreated?: (m: meow.IFileMeta) => void } = {},
  ): Promise<meow.IFileMeta> {
    const server = this.ctx.server();
    const name = meta.name || 'file';
    const resume = meta.blobId && meta.blobUrl === server.url ? meta.blobId : undefined;
    const signal = o.signal ? AbortSignal.any([o.signal, this.closing.signal]) : this.closing.signal;
    let created: meow.IFileMeta = { ...meta, blobUrl: server.url };
    // The copy I keep reaches the disk while the relay takes the upload.
    const [id] = await Promise.all([
      this.transport(server.url, Buffer.from(server.publicKey, 'base64'))
        .upload(blob, {
          ...(resume ? { resume } : {}),
          ...(o.onProgress ? { onProgress: o.onProgress } : {}),
          signal,
          onCreated: (blobId: string) => {
            created = { ...created, blobId };
            if (blobId !== resume) o.onCreated?.(created);
          },
        })
        .catch((e: unknown) => {
          throw this.relayError(e, name, server.url);
        }),
      syncFile(blob),
    ]);
    return { ...created, blobId: id };
  }

  /** Keeps a blob I sealed as my own copy of its file: this device never downloads it. */
  async keep(meta: meow.IFileMeta, blob: string): Promise<void> {
    await rename(blob, this.blobPath(meta));
  }

  /** The bytes this device keeps for a file, or null when it keeps none. */
  keptSize(meta: meow.IFileMeta): number | null {
    if (!meta.blobDigest?.length) return null;
    try {
      return statSync(this.blobPath(meta)).size;
    } catch {
      return null;
    }
  }

  /** Removes this device's copy of a file (and what a download of it left). */
  async removeKept(meta: meow.IFileMeta): Promise<void> {
    await rm(this.blobPath(meta), { force: true });
    await rm(this.blobPath(meta).replace(/\.blob$/, '.part'), { force: true });
  }

  /**
   * Forgets a file whose message was deleted: this device's copy, and with `relayToo` the blob
   * on my relay (only its uploader may delete it; one the relay no longer has is gone already).
   */
  async forget(meta: meow.IFileMeta, relayToo: boolean): Promise<void> {
    await this.removeKept(meta);
    const server = this.ctx.server();
    if (!relayToo || !meta.blobId || meta.blobUrl !== server.url) return;
    await this.transport(server.url, Buffer.from(server.publicKey, 'base64')).delete(meta.blobId);
  }

  /** Stops this profile's transfers (it is closing); what they reached is resumed from later. */
  close(): void {
    this.closing.abort();
  }

  private relayError(e: unknown, name: string, url: string): MeowError {
    const code = (e as { code?: string }).code;
    if (code === 'TOO_LARGE')
      return new MeowError('FILE_TOO_LARGE', { name, size: 0, maxBytes: this.card?.maxBlob ?? 0 });
    if (code === 'NO_BLOBS') return new MeowError('FILES_UNSUPPORTED', { url });
    if (code === 'NOT_FOUND') return new MeowError('FILE_GONE', { name });
    if (code === 'UNREACHABLE') return new MeowError('SERVER_UNREACHABLE', { url }, { cause: e });
    if (code === 'ABORTED') return new MeowError('FILE_SEND_PENDING', { name }, { cause: e });
    return new MeowError('SERVER_REFUSED', { url, reason: (e as Error).message }, { cause: e });
  }

  state(f: meow.IFileMeta): FileState {
    if (!f.blobDigest?.length) return { state: 'remote' };
    const key = toHex(f.blobDigest);
    const failed = this.failures.get(key);
    if (failed) return { state: 'failed', error: failed };
    if (this.downloads.has(key)) return { state: 'downloading' };
    return existsSync(this.blobPath(f)) ? { state: 'ready' } : { state: 'remote' };
  }

  /** Fetches a file's blob (once, however many callers ask), verifies it, keeps it. */
  download(f: meow.IFileMeta, onProgress?: Progress): Promise<void> {
    const key = toHex(f.blobDigest ?? new Uint8Array(0));
    if (existsSync(this.blobPath(f))) return Promise.resolve();
    let p = this.downloads.get(key);
    if (!p) {
      this.failures.delete(key);
      const cancel = new AbortController();
      this.cancels.set(key, cancel);
      p = this.fetchBlob(f, cancel.signal, onProgress)
        .catch((e: unknown) => {
          const err: MeowError =
            e instanceof MeowError
              ? (e as MeowError)
              : new MeowError('FILE_UNVERIFIED', { name: f.name ?? 'file' });
          // cancelled: not a failure (what arrived stays, and the next try continues from it)
          if (err.code !== 'TRANSFER_CANCELLED') this.failures.set(key, err);
          throw err;
        })
        .finally(() => {
          this.downloads.delete(key);
          this.cancels.delete(key);
        });
      this.downloads.set(key, p);
    }
    return p;
  }

  /** Stops a file's download; true when one was running. */
  cancelDownload(f: meow.IFileMeta): boolean {
    const c = this.cancels.get(toHex(f.blobDigest ?? new Uint8Array(0)));
    c?.abort();
    return !!c;
  }

  private async fetchBlob(f: meow.IFileMeta, cancel: AbortSignal, onProgress?: Progress): Promise<void> {
    const name = f.name || 'file';
    const url = f.blobUrl ?? '';
    if (!/^https?:\/\//.test(url) || !f.blobId || !f.key?.length || !f.blobDigest?.length)
      throw new MeowError('FILE_GONE', { name });
    const blobSize = Number(f.blobSize ?? 0);
    const cipherSize = Number(f.cipherSize ?? 0);
    if (plainSizeOf(cipherSize) !== Number(f.size ?? -1) || cipherSize > blobSize)
      throw new MeowError('FILE_UNVERIFIED', { name });
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    const part = this.blobPath(f).replace(/\.blob$/, '.part'); // kept across restarts: the next try resumes
    // The digest (from the message) is checked as the bytes arrive: a blob kept is the blob
    // sent, and its chunks are checked each time it is decrypted (save, read).
    await this.transport(url)
      .download(f.blobId, part, blobSize, {
        sha256: f.blobDigest,
        signal: AbortSignal.any([this.closing.signal, cancel]),
        ...(onProgress ? { onProgress } : {}),
      })
      .catch(async (e: unknown) => {
        const code = (e as { code?: string }).code;
        if (code === 'ABORTED' && cancel.aborted) throw new MeowError('TRANSFER_CANCELLED', { name });
        if (code === 'ABORTED') throw new MeowError('NOT_OPEN', {}); // closing: the next open resumes
        if (code !== 'UNVERIFIED') throw this.relayError(e, name, url);
        await rm(part, { force: true }); // a bad blob is not resumed from
        throw new MeowError('FILE_UNVERIFIED', { name });
      });
    await rename(part, this.blobPath(f));
  }

  /** Decrypts a kept file into `dir` under a safe, free name; returns its path. */
  async save(f: meow.IFileMeta, dir: string): Promise<string> {
    await this.download(f);
    await mkdir(dir, { recursive: true });
    const name = freeName(safeFileName(f.name ?? ''), (c) => existsSync(join(dir, c)));
    const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
    const out = await open(tmp, 'wx', 0o600);
    const write: { error?: Error } = {}; // (a full disk is that, not an unverified file)
    try {
      await openBlob(
        this.blobPath(f),
        this.ref(f),
        async (p) => {
          await out.writev(p).catch((e: Error) => {
            write.error = e;
            throw e;
          });
        },
        {
          kept: true,
        },
      );
      await out.sync();
    } catch (e) {
      await out.close();
      await rm(tmp, { force: true });
      if (write.error) throw write.error;
      if (e instanceof BlobVerifyError) throw new MeowError('FILE_UNVERIFIED', { name });
      throw e;
    }
    await out.close();
    const target = join(
      dir,
      freeName(name, (c) => existsSync(join(dir, c))),
    );
    await rename(tmp, target);
    return target;
  }

  /** A kept file's bytes (for an image shown inline); null when it is larger than INLINE_MAX_BYTES. */
  async read(f: meow.IFileMeta): Promise<Buffer | null> {
    if (Number(f.size ?? 0) > INLINE_MAX_BYTES) return null;
    await this.download(f);
    const parts: Uint8Array[] = [];
    try {
      await openBlob(this.blobPath(f), this.ref(f), (p) => void parts.push(...p), { kept: true });
    } catch (e) {
      if (e instanceof BlobVerifyError) throw new MeowError('FILE_UNVERIFIED', { name: f.name ?? 'file' });
      throw e;
    }
    return Buffer.concat(parts);
  }

  /** Removes a kept file's blob from this device (its message disappeared); a missing one is fine. */
  async discard(f: meow.IFileMeta): Promise<void> {
    const key = toHex(f.blobDigest ?? new Uint8Array(0));
    await this.downloads.get(key)?.catch(() => undefined); // (one under way would write it back)
    await rm(this.blobPath(f), { force: true });
    this.failures.delete(key);
  }

  private ref(f: meow.IFileMeta) {
    return {
      key: f.key ?? new Uint8Array(0),
      blobDigest: f.blobDigest ?? new Uint8Array(0),
      cipherSize: Number(f.cipherSize ?? 0),
      blobSize: Number(f.blobSize ?? 0),
    };
  }
}
