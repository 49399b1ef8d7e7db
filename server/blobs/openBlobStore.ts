/** The blob store a config names: an S3-compatible object store, a folder, or none. */
import { S3Client } from '@aws-sdk/client-s3';
import type { ServerConfig } from '../config.js';
import type { BlobStore } from './blobStore.js';
import { DiskBlobStore } from './diskBlobStore.js';
import { S3BlobStore } from './s3BlobStore.js';

export function openBlobStore(config: ServerConfig): BlobStore | undefined {
  const s3 = config.blobS3;
  if (s3) {
    // Credentials: the SDK's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, a role).
    const client = new S3Client({
      region: s3.region,
      ...(s3.endpoint ? { endpoint: s3.endpoint, forcePathStyle: true } : {}),
      // checksums only where S3 requires them: S3-compatible stores do not all take aws-chunked uploads
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    return new S3BlobStore({ client, bucket: s3.bucket, prefix: s3.prefix });
  }
  return config.blobDir ? new DiskBlobStore(config.blobDir) : undefined;
}
