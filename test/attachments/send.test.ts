/**
 * Files end to end over a real relay: Alice (desktop + laptop) sends a photo and a PDF to
 * Bob; Bob and Alice's laptop each fetch the one blob the desktop uploaded; the bytes Bob
 * saves equal the original (the photo's GPS gone); a tampered blob is refused.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  pairDevices,
  settle,
  startEnv,
  type Env,
} from '../core/harness.js';
import { jpegWithGps, pdfLike } from './fixtures.js';

describe('attachments between people and devices', () => {
  let env: Env;
  let alice: Messenger;
  let laptop: Messenger;
  let bob: Messenger;
  let files: string;
  const blobDir = () => (env.relay.server as unknown as { opts: { blobs: { dir: string } } }).opts.blobs.dir;
  const blobsOnRelay = () => readdirSync(blobDir()).filter((n) => n.endsWith('.blob'));

  beforeAll(async () => {
    env = await startEnv('embedded', { maxBlobBytes: 2 * 1024 * 1024 });
    files = mkdtempSync(join(tmpdir(), 'meow-files-'));
    alice = await createProfile(env, 'alice');
    laptop = await createBlankDevice(env, 'alice-laptop');
    await pairDevices(alice, laptop);
    bob = await createProfile(env, 'bob');
    await befriend(alice, bob);
    await settle(alice, laptop, bob);
  }, 120_000);
  afterAll(async () => {
    for (const m of [alice, laptop, bob]) await m?.close();
    await env?.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('sends a photo and a PDF once; Bob and Alice’s laptop fetch the same blobs', async () => {
    const photo = jpegWithGps();
    const pdf = pdfLike();
    writeFileSync(join(files, 'IMG_0001.jpg'), photo.bytes);
    writeFileSync(join(files, 'report.pdf'), pdf);
    const metas = [
      await alice.attachments.prepare({ path: join(files, 'IMG_0001.jpg') }),
      await alice.attachments.prepare({ path: join(files, 'report.pdf') }),
    ];
    expect(metas.map((f) => f.mime)).toEqual(['image/jpeg', 'application/pdf']);
    expect(metas[0]!.metadataStripped).toBe(true);
    const sent = await alice.send('bob', 'holiday', { files: metas });
    await settle(alice, laptop, bob);
    expect(blobsOnRelay()).toHaveLength(2);

    const onBob = bob.messages('alice').find((m) => m.uuid === sent.uuid)!;
    expect(onBob.text).toBe('holiday');
    expect(onBob.files.map((f) => f.name)).toEqual(['IMG_0001.jpg', 'report.pdf']);
    expect(bob.attachments.state(onBob.files[1]!).state).toBe('remote');
    const saved = await bob.attachments.save(onBob.files[1]!, join(files, 'bob'));
    expect(saved).toBe(join(files, 'bob', 'report.pdf'));
    expect(Buffer.compare(readFileSync(saved), pdf)).toBe(0);
    const savedPhoto = readFileSync(await bob.attachments.save(onBob.files[0]!, join(files, 'bob')));
    expect(savedPhoto.includes('GPSLatitude')).toBe(false);
    expect(savedPhoto.subarray(savedPhoto.length - photo.imageData.length).equals(photo.imageData)).toBe(
      true,
    );
    // a second save does not overwrite the first
    expect(await bob.attachments.save(onBob.files[1]!, join(files, 'bob'))).toBe(
      join(files, 'bob', 'report (2).pdf'),
    );

    // my other device: the message came through device sync, the file from the same blob
    const onLaptop = laptop.messages('bob').find((m) => m.uuid === sent.uuid)!;
    expect(onLaptop.outbound).toBe(true);
    expect(onLaptop.files[1]!.blobId).toBe(metas[1]!.blobId);
    const fromLaptop = await laptop.attachments.save(onLaptop.files[1]!, join(files, 'laptop'));
    expect(Buffer.compare(readFileSync(fromLaptop), pdf)).toBe(0);
    expect(blobsOnRelay()).toHaveLength(2); // nobody uploaded again
    // the sender keeps its own copy: nothing to download
    expect(alice.attachments.state(metas[0]!).state).toBe('ready');
  });

  it('a blob changed on the relay is refused and never shown or saved', async () => {
    const pdf = pdfLike(100_000);
    writeFileSync(join(files, 'other.pdf'), pdf);
    const meta = await alice.attachments.prepare({ path: join(files, 'other.pdf') });
    const sent = await alice.send('bob', '', { files: [meta] });
    await settle(alice, laptop, bob);
    const path = join(blobDir(), `${meta.blobId}.blob`);
    const blob = readFileSync(path);
    blob[1000]! ^= 0xff;
    writeFileSync(path, blob);
    const onBob = bob.messages('alice').find((m) => m.uuid === sent.uuid)!;
    await expect(bob.attachments.download(onBob.files[0]!)).rejects.toMatchObject({
      code: 'FILE_UNVERIFIED',
    });
    expect(bob.attachments.state(onBob.files[0]!).state).toBe('failed');
    await expect(bob.attachments.save(onBob.files[0]!, join(files, 'bad'))).rejects.toMatchObject({
      code: 'FILE_UNVERIFIED',
    });
    expect(existsSync(join(files, 'bad'))).toBe(false); // nothing written, not even a part
  });

  it('a kept file changed at rest is refused when saved or shown, and nothing is saved', async () => {
    writeFileSync(join(files, 'kept.pdf'), pdfLike(300_000));
    const meta = await alice.attachments.prepare({ path: join(files, 'kept.pdf') });
    const sent = await alice.send('bob', '', { files: [meta] });
    await settle(alice, laptop, bob);
    const onBob = bob.messages('alice').find((m) => m.uuid === sent.uuid)!.files[0]!;
    await bob.attachments.download(onBob);
    // the digest matched when it was kept; a chunk changed since fails its own check
    const kept = join(bob.dir, 'attachments', `${Buffer.from(onBob.blobDigest!).toString('hex')}.blob`);
    const blob = readFileSync(kept);
    blob[200_000]! ^= 0x01;
    writeFileSync(kept, blob);
    const out = join(files, 'kept-out');
    await expect(bob.attachments.save(onBob, out)).rejects.toMatchObject({ code: 'FILE_UNVERIFIED' });
    expect(readdirSync(out)).toEqual([]); // not even a part
    await expect(bob.attachments.read(onBob)).rejects.toMatchObject({ code: 'FILE_UNVERIFIED' });
  });

  it('refuses a file over the relay’s limit before uploading anything', async () => {
    writeFileSync(join(files, 'big.bin'), Buffer.alloc(2 * 1024 * 1024 + 1));
    const before = readdirSync(blobDir()).length;
    await expect(alice.attachments.prepare({ path: join(files, 'big.bin') })).rejects.toMatchObject({
      code: 'FILE_TOO_LARGE',
    });
    expect(readdirSync(blobDir()).length).toBe(before);
    await expect(alice.attachments.prepare({ path: join(files, 'missing.bin') })).rejects.toMatchObject({
      code: 'FILE_UNREADABLE',
    });
  });
});
