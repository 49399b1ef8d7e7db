/** The relay's blob store: upload (resumable), ranged download, delete, quotas, the card's limit. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { blobAuthHeader } from '../../protocol/wire/blobAuth.js';
import { BlobClient, BlobClientError, BLOB_PART_BYTES } from '../../main/net/blobClient.js';
import { fetchServerCard } from '../../main/net/relayClient.js';
import type { BlobStore } from '../../server/blobs/blobStore.js';
import { parseConfig } from '../../server/config.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';
import { startRelay, type TestRelay } from '../helpers/relay.js';

/** The same cases for each store: a folder beside relay.db, and an S3 server (s3rver) started for real. */
describe.each(['disk', 's3'] as const)('relay blob store (%s)', (kind) => {
  let relay: TestRelay;
  let dir: string;
  const device = ed25519KeyPair();
  let blobs: BlobClient;
  let s3: S3Fixture | null = null;

  beforeAll(async () => {
    s3 = kind === 's3' ? await startS3() : null;
    relay = await startRelay({
      limits: { maxBlobBytes: 12 * 1024 * 1024, blobQuotaBytes: 20 * 1024 * 1024 },
      ...(s3 ? { blobs: s3.store() } : {}),
    });
    dir = mkdtempSync(join(tmpdir(), 'meow-blobs-'));
    blobs = new BlobClient({ url: relay.url, serverKey: relay.serverKey, device });
  });
  afterAll(async () => {
    await relay.close();
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, size: number) => {
    const data = randomBytes(size);
    const path = join(dir, name);
    writeFileSync(path, data);
    return { path, data };
  };

  it('the card carries the relay’s largest file, signed', async () => {
    const card = await fetchServerCard(relay.url);
    expect(Number(card.maxBlob)).toBe(12 * 1024 * 1024);
  });

  it('uploads in parts and downloads the same bytes, whole and by range; files sit on disk', async () => {
    const { path, data } = file('a', BLOB_PART_BYTES + 12345);
    const seen: number[] = [];
    const id = await blobs.upload(path, { onProgress: (d) => seen.push(d) });
    expect(seen.at(-1)).toBe(data.length);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const out = join(dir, 'a.down');
    expect(await blobs.download(id, out, data.length)).toBe(data.length);
    expect(Buffer.compare(readFileSync(out), data)).toBe(0); // (toEqual on megabytes is slow)
    const ranged = await fetch(`${relay.url}/v1/blob/${id}`, { headers: { range: 'bytes=10-19' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(Buffer.from(data.subarray(10, 20)));
  });

  it('a download cut in the middle continues with a range', async () => {
    const { path, data } = file('b', 300_000);
    const id = await blobs.upload(path);
    const out = join(dir, 'b.down');
    writeFileSync(out, data.subarray(0, 100_000)); // what a killed download left
    await blobs.download(id, out, data.length);
    expect(Buffer.compare(readFileSync(out), data)).toBe(0); // (toEqual on megabytes is slow)
  });

  it('an upload cut after its first part continues at the relay’s offset', async () => {
    const { path, data } = file('c', BLOB_PART_BYTES + 10);
    const id = await blobs.create(data.length);
    // the first part went through, then the connection died
    const first = data.subarray(0, BLOB_PART_BYTES);
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update(first).digest();
    const put = await fetch(`${relay.url}/v1/blob/${id}`, {
      method: 'PATCH',
      headers: {
        'upload-offset': '0',
        'x-part-sha256': digest.toString('hex'),
        'x-meow-auth': blobAuthHeader(device, {
          op: 'append',
          serverKey: relay.serverKey,
          id,
          offset: 0,
          size: first.length,
          digest,
          nonce: '',
        }),
      },
      body: first as Uint8Array<ArrayBuffer>,
    });
    expect(put.status).toBe(200);
    expect((await blobs.status(id)).received).toBe(BLOB_PART_BYTES);
    expect((await fetch(`${relay.url}/v1/blob/${id}`)).status).toBe(409); // not readable half-done
    await blobs.upload(path, { resume: id });
    expect((await blobs.status(id)).complete).toBe(true);
    const out = join(dir, 'c.down');
    await blobs.download(id, out, data.length);
    expect(Buffer.compare(readFileSync(out), data)).toBe(0); // (toEqual on megabytes is slow)
  });

  it('a part whose bytes do not match their signed digest changes nothing', async () => {
    const id = await blobs.create(1000);
    const { createHash } = await import('node:crypto');
    const good = randomBytes(1000);
    const digest = createHash('sha256').update(good).digest();
    const auth = blobAuthHeader(device, {
      op: 'append',
      serverKey: relay.serverKey,
      id,
      offset: 0,
      size: 1000,
      digest,
      nonce: '',
    });
    const bad = good.slice();
    bad[5]! ^= 1;
    const r = await fetch(`${relay.url}/v1/blob/${id}`, {
      method: 'PATCH',
      headers: { 'upload-offset': '0', 'x-part-sha256': digest.toString('hex'), 'x-meow-auth': auth },
      body: bad,
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toBe('DIGEST');
    expect((await blobs.status(id)).received).toBe(0);
  });

  it('a body cut mid-part leaves the offset where it was', async () => {
    const id = await blobs.create(200_000);
    const { createHash } = await import('node:crypto');
    const part = randomBytes(200_000);
    const digest = createHash('sha256').update(part).digest();
    const u = new URL(`${relay.url}/v1/blob/${id}`);
    await new Promise<void>((resolve) => {
      const req = request(u, {
        method: 'PATCH',
        headers: {
          'content-length': '200000',
          'upload-offset': '0',
          'x-part-sha256': digest.toString('hex'),
          'x-meow-auth': blobAuthHeader(device, {
            op: 'append',
            serverKey: relay.serverKey,
            id,
            offset: 0,
            size: 200_000,
            digest,
            nonce: '',
          }),
        },
      });
      req.on('error', () => resolve());
      req.write(part.subarray(0, 50_000), () => setImmediate(() => (req.destroy(), resolve())));
    });
    // the relay notices the cut asynchronously; the offset is never advanced by it
    for (let i = 0; i < 50 && (await blobs.status(id)).received !== 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await blobs.status(id)).received).toBe(0);
  });

  it('refuses a file over the limit, over the quota, and writes by anyone but the uploader', async () => {
    const tooBig = await blobs.create(13 * 1024 * 1024).catch((e: unknown) => e);
    expect(tooBig).toBeInstanceOf(BlobClientError);
    expect((tooBig as BlobClientError).code).toBe('TOO_LARGE');
    expect((tooBig as BlobClientError).message).toMatch(/at most 12582912 bytes/);
    const quotaDevice = new BlobClient({
      url: relay.url,
      serverKey: relay.serverKey,
      device: ed25519KeyPair(),
    });
    await quotaDevice.create(11 * 1024 * 1024);
    const over = await quotaDevice.create(11 * 1024 * 1024).catch((e: unknown) => e);
    expect((over as BlobClientError).code).toBe('QUOTA');

    const { path } = file('d', 100);
    const id = await blobs.upload(path);
    const stranger = new BlobClient({ url: relay.url, serverKey: relay.serverKey, device: ed25519KeyPair() });
    await expect(stranger.delete(id)).rejects.toThrow(/only its uploader/);
    await blobs.delete(id);
    const gone = await blobs.download(id, join(dir, 'd.down'), 100).catch((e: unknown) => e);
    expect((gone as BlobClientError).code).toBe('NOT_FOUND');
  });

  it('refuses a header signed for another relay, and an unknown id', async () => {
    const other = new BlobClient({ url: relay.url, serverKey: randomBytes(32), device });
    await expect(other.create(10)).rejects.toThrow(/does not sign/);
    const missing = await blobs.download('A'.repeat(43), join(dir, 'e.down'), 10).catch((e: unknown) => e);
    expect((missing as BlobClientError).code).toBe('NOT_FOUND');
  });

  it('prunes blobs past the retention', async () => {
    const { path } = file('f', 100);
    const id = await blobs.upload(path);
    const store = (relay.server as unknown as { opts: { blobs: BlobStore } }).opts.blobs;
    expect(await store.get(id)).not.toBeNull();
    expect(await store.prune(Date.now() + 10_000, 1000)).toBeGreaterThan(0);
    expect(await store.get(id)).toBeNull();
    const gone = await blobs.download(id, join(dir, 'f.down'), 100).catch((e: unknown) => e);
    expect((gone as BlobClientError).code).toBe('NOT_FOUND');
  });
});

describe('meow-server --max-blob', () => {
  it('defaults to 100 MB beside the embedded store, none with Redis unless --blob-dir', () => {
    const embedded = parseConfig(['--data', '/tmp/meow-x'], {});
    if (embedded === 'help') throw new Error('help');
    expect(embedded.limits.maxBlobBytes).toBe(100 * 1024 * 1024);
    expect(embedded.blobDir).toBe('/tmp/meow-x/blobs');
    const redis = parseConfig(['--redis', 'redis://127.0.0.1:1', '--max-blob', '5m'], {});
    if (redis === 'help') throw new Error('help');
    expect(redis.limits.maxBlobBytes).toBe(5 * 1024 * 1024);
    expect(redis.blobDir).toBeUndefined();
    const off = parseConfig(['--max-blob', '0'], {});
    if (off === 'help') throw new Error('help');
    expect(off.blobDir).toBeUndefined();
    const big = parseConfig(['--blob-quota', '3g'], {});
    if (big === 'help') throw new Error('help');
    expect(big.limits.blobQuotaBytes).toBe(3 * 1024 ** 3);
  });
});

describe('meow-server --blob-s3-bucket', () => {
  it('names an S3 store, which wins over the folder', () => {
    const c = parseConfig(
      ['--blob-s3-bucket', 'b', '--blob-s3-endpoint', 'http://127.0.0.1:9', '--data', '/tmp/x'],
      {},
    );
    if (c === 'help') throw new Error('help');
    expect(c.blobS3).toEqual({
      bucket: 'b',
      region: 'us-east-1',
      prefix: '',
      endpoint: 'http://127.0.0.1:9',
    });
    expect(c.blobDir).toBeUndefined();
  });
});
