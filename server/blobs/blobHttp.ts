/**
 * The relay's blob endpoints (routes and authentication: protocol/wire/blobAuth.ts).
 * Refusals are JSON `{error: CODE, message}` with a matching HTTP status; nothing is
 * written before every check passed. A part's bytes stream to disk (never the whole
 * part in memory) and are acknowledged only once fsync'd.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fromHex, toHex } from '../../protocol/crypto/bytes.js';
import { paddedBlobSize, sealedStreamSize } from '../../protocol/crypto/streamAead.js';
import { BLOB_ID, verifyBlobAuth, type BlobOp } from '../../protocol/wire/blobAuth.js';
import { CLOCK_WINDOW_MS } from '../../protocol/wire/serverProtocol.js';
import type { Limits } from '../config.js';
import type { RelayStore } from '../store/types.js';
import { BlobError, type BlobStore } from './blobStore.js';

export interface BlobHttpContext {
  blobs: BlobStore | undefined;
  store: RelayStore;
  limits: Limits;
  serverKey: Uint8Array;
  source: string;
}

const EMPTY = new Uint8Array(0);

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  const bytes = Buffer.from(JSON.stringify(body) + '\n');
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(bytes.length),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(bytes);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function intHeader(req: IncomingMessage, name: string): number {
  const v = header(req, name);
  if (v === undefined || !/^\d{1,15}$/.test(v))
    throw new BlobError(400, 'MALFORMED', `missing or bad ${name}`);
  return Number(v);
}

/** Handles /v1/blob and /v1/blob/ID; true when the path was one of them. */
export async function handleBlob(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ctx: BlobHttpContext,
): Promise<boolean> {
  const m = /^\/v1\/blob(?:\/([^/]*))?$/.exec(path);
  if (!m) return false;
  const id = m[1];
  try {
    const blobs = ctx.blobs;
    if (!blobs) throw new BlobError(501, 'NO_BLOBS', 'this relay keeps no files');
    if (id === undefined) {
      if (req.method !== 'POST') throw new BlobError(405, 'METHOD', 'POST here to create a blob');
      await create(req, res, blobs, ctx);
      return true;
    }
    if (!BLOB_ID.test(id)) throw new BlobError(404, 'NOT_FOUND', 'no such blob');
    switch (req.method) {
      case 'HEAD':
        await status(res, blobs, id);
        return true;
      case 'GET':
        await download(req, res, blobs, id);
        return true;
      case 'PATCH':
        await append(req, res, blobs, id, ctx);
        return true;
      case 'DELETE':
        await remove(req, res, blobs, id, ctx);
        return true;
      default:
        throw new BlobError(405, 'METHOD', 'method not allowed');
    }
  } catch (e) {
    req.resume(); // drain what the client still sends, so it reads the refusal
    if (e instanceof BlobError) json(res, e.status, { error: e.code, message: e.message });
    else throw e;
    return true;
  }
}

function authenticate(
  req: IncomingMessage,
  ctx: BlobHttpContext,
  claim: { op: BlobOp; id: string; offset: number; size: number; digest: Uint8Array },
): { uploader: string; nonce: string } {
  const ok = verifyBlobAuth(header(req, 'x-meow-auth'), { ...claim, serverKey: ctx.serverKey });
  if (!ok) throw new BlobError(401, 'BAD_SIGNATURE', 'x-meow-auth does not sign this request');
  if (Math.abs(Date.now() - ok.timestamp) > CLOCK_WINDOW_MS)
    throw new BlobError(401, 'STALE', 'x-meow-auth is outside the clock window');
  return { uploader: toHex(ok.key), nonce: ok.nonce };
}

async function create(
  req: IncomingMessage,
  res: ServerResponse,
  blobs: BlobStore,
  ctx: BlobHttpContext,
): Promise<void> {
  const size = intHeader(req, 'x-blob-size');
  const { uploader, nonce } = authenticate(req, ctx, {
    op: 'create',
    id: '',
    offset: 0,
    size,
    digest: EMPTY,
  });
  const { maxBlobBytes, blobQuotaBytes } = ctx.limits;
  // --max-blob is the largest file; its blob is the encrypted stream padded to a bucket
  if (size > paddedBlobSize(sealedStreamSize(maxBlobBytes)))
    throw new BlobError(413, 'TOO_LARGE', `a file on this relay is at most ${maxBlobBytes} bytes`);
  if (nonce.length < 16) throw new BlobError(400, 'MALFORMED', 'create needs a nonce');
  if (!(await ctx.store.useNonce(`blob:${nonce}`, Date.now(), 2 * CLOCK_WINDOW_MS + 10_000)))
    throw new BlobError(409, 'REPLAYED', 'this request was already received');
  if ((await blobs.usage(uploader)) + size > blobQuotaBytes)
    throw new BlobError(
      507,
      'QUOTA',
      `files from this device on this relay are limited to ${blobQuotaBytes} bytes`,
    );
  const rate = { perSec: ctx.limits.ratePerSec, burst: ctx.limits.rateBurst };
  if (rate.perSec > 0 && !(await ctx.store.takeTokens(`b:${ctx.source}`, 1, Date.now(), rate)))
    throw new BlobError(429, 'RATE_LIMITED', 'too many new files from this address');
  const r = await blobs.create(uploader, size, Date.now());
  json(res, 201, { id: r.id, size: r.size });
}

async function status(res: ServerResponse, blobs: BlobStore, id: string): Promise<void> {
  const r = await blobs.get(id);
  if (!r) throw new BlobError(404, 'NOT_FOUND', 'no such blob');
  res.writeHead(200, {
    'upload-offset': String(r.received),
    'blob-size': String(r.size),
    'blob-complete': r.complete ? '1' : '0',
    'cache-control': 'no-store',
  });
  res.end();
}

async function download(
  req: IncomingMessage,
  res: ServerResponse,
  blobs: BlobStore,
  id: string,
): Promise<void> {
  const r = await blobs.get(id);
  if (!r) throw new BlobError(404, 'NOT_FOUND', 'no such blob (never uploaded, deleted or expired)');
  if (!r.complete) throw new BlobError(409, 'INCOMPLETE', 'the blob is still being uploaded');
  let start = 0;
  let end = r.size - 1;
  const range = header(req, 'range');
  if (range) {
    const m = /^bytes=(\d{1,15})-(\d{0,15})$/.exec(range);
    if (!m) throw new BlobError(416, 'RANGE', 'only one byte range: bytes=a-b');
    start = Number(m[1]);
    if (m[2]) end = Math.min(end, Number(m[2]));
    if (start > end || start >= r.size) throw new BlobError(416, 'RANGE', `the blob has ${r.size} bytes`);
  }
  // opened before the status goes out, so a store that cannot read answers with an error status
  const stream = r.size === 0 ? null : await blobs.read(id, start, end);
  res.writeHead(range ? 206 : 200, {
    'content-type': 'application/octet-stream',
    'content-length': String(r.size === 0 ? 0 : end - start + 1),
    'accept-ranges': 'bytes',
    'cache-control': 'no-store',
    ...(range ? { 'content-range': `bytes ${start}-${end}/${r.size}` } : {}),
  });
  if (!stream) return void res.end();
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

async function append(
  req: IncomingMessage,
  res: ServerResponse,
  blobs: BlobStore,
  id: string,
  ctx: BlobHttpContext,
): Promise<void> {
  const offset = intHeader(req, 'upload-offset');
  const length = intHeader(req, 'content-length');
  const digestHex = header(req, 'x-part-sha256') ?? '';
  if (!/^[0-9a-f]{64}$/.test(digestHex))
    throw new BlobError(400, 'MALFORMED', 'missing or bad x-part-sha256');
  const digest = fromHex(digestHex);
  const r = await blobs.get(id);
  if (!r) throw new BlobError(404, 'NOT_FOUND', 'no such blob');
  const { uploader } = authenticate(req, ctx, { op: 'append', id, offset, size: length, digest });
  if (uploader !== r.uploader) throw new BlobError(403, 'NOT_UPLOADER', 'another device uploads this blob');
  if (length > ctx.limits.maxBlobPartBytes)
    throw new BlobError(413, 'TOO_LARGE', `a part is at most ${ctx.limits.maxBlobPartBytes} bytes`);
  let next;
  try {
    next = await blobs.append(id, offset, length, digest, req);
  } catch (e) {
    if (e instanceof BlobError || req.complete) throw e;
    throw new BlobError(400, 'CUT', 'the part was cut short; continue at upload-offset');
  }
  json(
    res,
    200,
    { received: next.received, complete: next.complete },
    { 'upload-offset': String(next.received) },
  );
}

async function remove(
  req: IncomingMessage,
  res: ServerResponse,
  blobs: BlobStore,
  id: string,
  ctx: BlobHttpContext,
): Promise<void> {
  const r = await blobs.get(id);
  if (!r) throw new BlobError(404, 'NOT_FOUND', 'no such blob');
  const { uploader } = authenticate(req, ctx, { op: 'delete', id, offset: 0, size: 0, digest: EMPTY });
  if (uploader !== r.uploader)
    throw new BlobError(403, 'NOT_UPLOADER', 'only its uploader may delete a blob');
  await blobs.delete(id);
  json(res, 200, { deleted: true });
}
