/**
 * A deleted message takes its files with it: deleted for everyone, the copy at rest goes on
 * Alice's desktop, her laptop and Bob's computer, and the blob goes from the relay (Alice's
 * desktop uploaded it); deleted only for me, my copy goes and the blob stays for the others.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import type { meow } from '../../protocol/wire/proto.js';
import { aliceWithLaptopAndBob, settle, startEnv, type Env } from '../core/harness.js';
import { pdfLike } from './fixtures.js';

describe('deleting a message deletes its files', { timeout: 120_000 }, () => {
  let env: Env;
  const open: Messenger[] = [];
  let alice: Messenger;
  let laptop: Messenger;
  let bob: Messenger;
  let files: string;
  const blobDir = () => (env.relay.server as unknown as { opts: { blobs: { dir: string } } }).opts.blobs.dir;
  const onRelay = (f: meow.IFileMeta) => existsSync(join(blobDir(), `${f.blobId}.blob`));
  const kept = (m: Messenger, f: meow.IFileMeta) =>
    existsSync(join(m.dir, 'attachments', `${Buffer.from(f.blobDigest!).toString('hex')}.blob`));

  beforeAll(async () => {
    env = await startEnv('embedded', { maxBlobBytes: 2 * 1024 * 1024 });
    files = mkdtempSync(join(tmpdir(), 'meow-delete-'));
    ({ a: alice, s: laptop, bob } = await aliceWithLaptopAndBob(env, open, 'del'));
  }, 120_000);
  afterAll(async () => {
    for (const m of open) await m.close().catch(() => undefined);
    await env?.close();
    rmSync(files, { recursive: true, force: true });
  });

  /** Alice's desktop sends a PDF; every device fetches it; returns the message's id and file. */
  async function sendEverywhere(name: string) {
    writeFileSync(join(files, name), pdfLike(200_000));
    const meta = await alice.attachments.prepare({ path: join(files, name) });
    const bobName = bob.identity.nickname;
    const sent = await alice.send(bobName, name, { files: [meta] });
    await settle(alice, laptop, bob);
    for (const m of [laptop, bob]) {
      const peer = m === bob ? alice.identity.nickname : bobName;
      await m.attachments.download(m.messages(peer).find((x) => x.uuid === sent.uuid)!.files[0]!);
    }
    for (const m of [alice, laptop, bob]) expect(kept(m, meta)).toBe(true);
    expect(onRelay(meta)).toBe(true);
    return { uuid: sent.uuid, meta };
  }

  it('deleted for everyone: gone at rest on every device, and from the relay', async () => {
    const { uuid, meta } = await sendEverywhere('gone.pdf');
    await alice.act(bob.identity.nickname, { kind: 'delete', target: uuid, forEveryone: true });
    await settle(alice, laptop, bob);
    for (const m of [alice, laptop, bob]) await expect.poll(() => kept(m, meta)).toBe(false);
    await expect.poll(() => onRelay(meta)).toBe(false);
    expect(readdirSync(blobDir()).filter((n) => n.startsWith(meta.blobId!))).toEqual([]);
  });

  it('deleted only for me: gone on my devices, still on the relay and at the contact', async () => {
    const { uuid, meta } = await sendEverywhere('mine.pdf');
    await bob.act(alice.identity.nickname, { kind: 'delete', target: uuid, forEveryone: false });
    await settle(alice, laptop, bob);
    await expect.poll(() => kept(bob, meta)).toBe(false);
    expect(kept(alice, meta)).toBe(true);
    expect(kept(laptop, meta)).toBe(true);
    expect(onRelay(meta)).toBe(true);
  });
});
