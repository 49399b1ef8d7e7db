/**
 * A relay killed (SIGKILL) in the middle of a file's upload, and in the middle of its
 * download, then started again on the same data folder and port: the upload continues at
 * the offset the relay had acknowledged (parts are fsync'd before the acknowledgement), the
 * download continues with a byte range, and the bytes that arrive are the bytes sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { BlobClient, BLOB_PART_BYTES } from '../../main/net/blobClient.js';
import { fetchServerCard } from '../../main/net/relayClient.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';

describe('file transfer across a relay crash', { timeout: 180_000 }, () => {
  let dir: string;
  let relay: ServerProcess;
  let port = 0;
  const data = () => join(dir, 'relay');
  const start = async () => {
    relay = await spawnServer(['--data', data(), '--rate', '0', ...(port ? ['--port', String(port)] : [])]);
    port = Number(new URL(relay.url).port);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-file-crash-'));
    await start();
  });
  afterAll(async () => {
    await relay?.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Kills the relay once, when `when` first holds, and starts it again. */
  function crashOnce(when: (done: number) => boolean) {
    let crashed: Promise<void> | null = null;
    return {
      progress: (done: number) => {
        if (crashed || !when(done)) return;
        crashed = (async () => {
          await relay.stop('SIGKILL');
          await start();
        })();
      },
      get restarted() {
        return crashed;
      },
    };
  }

  it('an upload cut by a killed relay continues where the relay had it, and the blob is whole', async () => {
    const card = await fetchServerCard(relay.url);
    const client = new BlobClient({ url: relay.url, serverKey: card.publicKey, device: ed25519KeyPair() });
    const file = randomBytes(6 * BLOB_PART_BYTES + 1234);
    writeFileSync(join(dir, 'up.bin'), file);
    const acked: number[] = [];
    const crash = crashOnce((done) => done >= 2 * BLOB_PART_BYTES);
    const id = await client.upload(join(dir, 'up.bin'), {
      onProgress: (done) => {
        acked.push(done);
        crash.progress(done);
      },
    });
    expect(crash.restarted).not.toBeNull();
    await crash.restarted;
    expect(acked.at(-1)).toBe(file.length);
    const out = join(dir, 'up.down');
    await client.download(id, out, file.length);
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(
      createHash('sha256').update(file).digest('hex'),
    );
  });

  it('a download cut by a killed relay continues with a range; the result is the blob', async () => {
    const card = await fetchServerCard(relay.url);
    const client = new BlobClient({ url: relay.url, serverKey: card.publicKey, device: ed25519KeyPair() });
    const file = randomBytes(40 * 1024 * 1024);
    writeFileSync(join(dir, 'down.bin'), file);
    const id = await client.upload(join(dir, 'down.bin'));
    const crash = crashOnce((done) => done >= 4 * 1024 * 1024);
    const out = join(dir, 'down.out');
    // the digest is checked as the bytes come, over the bytes before the cut and after it
    const sha256 = createHash('sha256').update(file).digest();
    await client.download(id, out, file.length, { onProgress: (done) => crash.progress(done), sha256 });
    expect(crash.restarted).not.toBeNull();
    expect(createHash('sha256').update(readFileSync(out)).digest('hex')).toBe(
      createHash('sha256').update(file).digest('hex'),
    );
    // a digest the bytes do not match: refused, and nothing is kept to resume from
    sha256[0]! ^= 1;
    const bad = join(dir, 'bad.out');
    await expect(client.download(id, bad, file.length, { sha256 })).rejects.toMatchObject({
      code: 'UNVERIFIED',
    });
    expect(readFileSync(bad).length).toBe(0);
  });
});
