/**
 * Attachments of a profile: files sent are stripped of their metadata (JPEG/PNG), sealed
 * into a blob under a new key (blobFile.ts) and uploaded once to my relay; the message
 * carries the reference (FileMeta: key, digest, relay, id). Every device that gets the
 * message — the contact's and each of mine, through the usual device sync — downloads the
 * same blob; no device uploads it again.
 *
 * At rest the profile keeps each blob as it travels (`attachments/DIGEST.blob`): encrypted
 * under the file's key, which lives only inside the message (encrypted at rest in
 * messages.db). A blob is kept under that name only once its digest and every chunk
 * verified, so a file present is a file complete; saving and showing decrypt it again.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { toHex } from '../../../protocol/crypto/bytes.js';
import { plainSizeOf } from '../../../protocol/crypto/streamAead.js';
import type { meow } from '../../../protocol/wire/proto.js';
import type { KeyPair } from '../../../protocol/crypto/curves.js';
import { MeowError } from '../errors.js';
import type { ServerRef } from '../records.js';
import type { BlobTransport, RelayFactory } from '../relay.js';
import { BlobVerifyError, openBlob, sealFile } from './blobFile.js';
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

export class Attachments {
  private readonly downloads = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, MeowError>();
  private card: { url: string; at: number; maxBlob: number } | null = null;
  private settingsCache: FileSettings | null = null;

  constructor(private readonly ctx: AttachmentsContext) {}

  private get folder(): string {
    return join(this.ctx.dir, 'attachments');
  }

  private blobPath(f: meow.IFileMeta): string {
    return join(this.folder, `${toHex(f.blobDigest ?? new Uint8Array(0))}.blob`);
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
    const { name } = await this.check(file);
    const head = Buffer.alloc(64);
    const fh = await open(file.path, 'r');
    const { bytesRead } = await fh.read(head, 0, 64, 0).finally(() => fh.close());
    const type = sniffType(head.subarray(0, bytesRead));
    const stripped = await this.tmp('plain');
    const blob = await this.tmp('blob');
    try {
      const removed = await stripMetadata(file.path, stripped, type.mime).catch((e: unknown) => {
        throw new MeowError('FILE_UNREADABLE', {
          name,
          reason: `its metadata could not be removed (${(e as Error).message})`,
        });
      });
      const sealed = await sealFile(removed === null ? file.path : stripped, blob);
      const server = this.ctx.server();
      const id = await this.transport(server.url, Buffer.from(server.publicKey, 'base64'))
        .upload(blob, { ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) })
        .catch((e: unknown) => {
          throw this.relayError(e, name, server.url);
        });
      const meta: meow.IFileMeta = {
        name,
        size: sealed.size,
        mime: type.mime,
        sha256: sealed.sha256,
        key: sealed.key,
        blobDigest: sealed.blobDigest,
        cipherSize: sealed.cipherSize,
        blobSize: sealed.blobSize,
        blobId: id,
        blobUrl: server.url,
        metadataStripped: removed !== null,
        ...(type.image && file.thumbnail?.length ? { thumbnail: file.thumbnail } : {}),
        ...(file.width ? { width: file.width } : {}),
        ...(file.height ? { height: file.height } : {}),
      };
      await rename(blob, this.blobPath(meta)); // my own copy: this device never downloads it
      return meta;
    } finally {
      await rm(stripped, { force: true });
      await rm(blob, { force: true });
    }
  }

  private relayError(e: unknown, name: string, url: string): MeowError {
    const code = (e as { code?: string }).code;
    if (code === 'TOO_LARGE')
      return new MeowError('FILE_TOO_LARGE', { name, size: 0, maxBytes: this.card?.maxBlob ?? 0 });
    if (code === 'NO_BLOBS') return new MeowError('FILES_UNSUPPORTED', { url });
    if (code === 'NOT_FOUND') return new MeowError('FILE_GONE', { name });
    if (code === 'UNREACHABLE') return new MeowError('SERVER_UNREACHABLE', { url }, { cause: e });
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
      p = this.fetchBlob(f, onProgress)
        .catch((e: unknown) => {
          const err: MeowError =
            e instanceof MeowError
              ? (e as MeowError)
              : new MeowError('FILE_UNVERIFIED', { name: f.name ?? 'file' });
          this.failures.set(key, err);
          throw err;
        })
        .finally(() => this.downloads.delete(key));
      this.downloads.set(key, p);
    }
    return p;
  }

  private async fetchBlob(f: meow.IFileMeta, onProgress?: Progress): Promise<void> {
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
    await this.transport(url)
      .download(f.blobId, part, blobSize, onProgress ? { onProgress } : {})
      .catch((e: unknown) => {
        throw this.relayError(e, name, url);
      });
    try {
      await openBlob(part, { key: f.key, blobDigest: f.blobDigest, cipherSize, blobSize }, () => undefined);
    } catch (e) {
      await rm(part, { force: true }); // a bad blob is not resumed from
      if (e instanceof BlobVerifyError) throw new MeowError('FILE_UNVERIFIED', { name });
      throw e;
    }
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
      await openBlob(this.blobPath(f), this.ref(f), async (p) => {
        await out.write(p).catch((e: Error) => {
          write.error = e;
          throw e;
        });
      });
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
      await openBlob(this.blobPath(f), this.ref(f), (p) => void parts.push(p));
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
