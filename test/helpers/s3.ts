/** An S3 server started for real (s3rver, files in a temp folder) and a blob store on it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { S3BlobStore } from '../../server/blobs/s3BlobStore.js';

export interface S3Fixture {
  endpoint: string;
  bucket: string;
  client(): S3Client;
  store(prefix?: string): S3BlobStore;
  close(): Promise<void>;
}

export async function startS3(bucket = 'meow-blobs'): Promise<S3Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'meow-s3-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: dir,
    silent: true,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const client = () =>
    new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      // s3rver predates the SDK's default checksums (aws-chunked uploads)
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  return {
    endpoint,
    bucket,
    client,
    store: (prefix = '') => new S3BlobStore({ client: client(), bucket, prefix }),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
