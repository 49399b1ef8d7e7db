/**
 * A fleet: two meow-server processes on one Redis, their files in one S3 store (s3rver,
 * started for real). A file whose upload starts through one relay continues through the
 * other, and either serves it whole.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { blobAuthHeader } from '../../protocol/wire/blobAuth.js';
import { BlobClient, BLOB_PART_BYTES } from '../../main/net/blobClient.js';
import { fetchServerCard } from '../../main/net/relayClient.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { startS3, type S3Fixture } from '../helpers/s3.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';

describe('files on a relay fleet (Redis + S3)', { timeout: 120_000 }, () => {
  let dir: string;
  let redis: RedisProcess;
  let s3: S3Fixture;
  let relays: ServerProcess[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-fleet-files-'));
    redis = await startRedis();
    s3 = await startS3();
    const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' };
    const args = [
      '--redis',
      redis.url,
      '--key',
      join(dir, 'key.json'),
      '--rate',
      '0',
      '--blob-s3-bucket',
      s3.bucket,
      '--blob-s3-endpoint',
      s3.endpoint,
    ];
    relays = [
      await spawnServer([...args, '--data', join(dir, 'a')], env),
      await spawnServer([...args, '--data', join(dir, 'b')], env),
    ];
  });
  afterAll(async () => {
    for (const r of relays) await r.stop();
    await s3?.close();
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an upload begun through one relay continues through the other; both serve the whole file', async () => {
    const [a, b] = relays as [ServerProcess, ServerProcess];
    const card = await fetchServerCard(a.url);
    expect(Number(card.maxBlob)).toBe(100 * 1024 * 1024);
    const device = ed25519KeyPair();
    const viaA = new BlobClient({ url: a.url, serverKey: card.publicKey, device });
    const viaB = new BlobClient({ url: b.url, serverKey: card.publicKey, device });
    const file = randomBytes(2 * BLOB_PART_BYTES + 99);
    writeFileSync(join(dir, 'f.bin'), file);
    const id = await viaA.create(file.length);
    const first = file.subarray(0, BLOB_PART_BYTES);
    const digest = createHash('sha256').update(first).digest();
    const put = await fetch(`${a.url}/v1/blob/${id}`, {
      method: 'PATCH',
      headers: {
        'upload-offset': '0',
        'x-part-sha256': digest.toString('hex'),
        'x-meow-auth': blobAuthHeader(device, {
          op: 'append',
          serverKey: card.publicKey,
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
    expect((await viaB.status(id)).received).toBe(BLOB_PART_BYTES);
    await viaB.upload(join(dir, 'f.bin'), { resume: id });
    for (const via of [viaA, viaB]) {
      const out = join(dir, `out-${Math.random()}`);
      await via.download(id, out, file.length);
      expect(Buffer.compare(readFileSync(out), file)).toBe(0);
    }
    await viaB.delete(id);
    await expect(viaA.status(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
