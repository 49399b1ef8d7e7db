/**
 * A profile closed in the middle of a file's upload, and one closed in the middle of its
 * download, over a real relay: opened again, the upload continues at the offset the relay
 * acknowledged (the same blob, not a new one) and the message goes once; the download
 * continues after the bytes already on disk; the bytes saved are the bytes sent.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resumeFileSends, sendFiles } from '../../main/core/attachments/fileSends.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { befriend, createProfile, openProfile, settle, startEnv, type Env } from '../core/harness.js';

const MB = 1024 * 1024;

describe('file transfers across a closed profile', { timeout: 120_000 }, () => {
  let env: Env;
  let alice: Messenger;
  let bob: Messenger;
  let files: string;
  const file = randomBytes(24 * MB);
  const blobDir = () => (env.relay.server as unknown as { opts: { blobs: { dir: string } } }).opts.blobs.dir;
  const records = () =>
    readdirSync(blobDir())
      .filter((n) => n.endsWith('.json'))
      .map(
        (n) =>
          JSON.parse(readFileSync(join(blobDir(), n), 'utf8')) as { received: number; complete: boolean },
      );

  beforeAll(async () => {
    env = await startEnv('embedded', { maxBlobBytes: 48 * MB });
    files = mkdtempSync(join(tmpdir(), 'meow-resume-'));
    writeFileSync(join(files, 'big.bin'), file);
    alice = await createProfile(env, 'alice');
    bob = await createProfile(env, 'bob');
    await befriend(alice, bob);
    await settle(alice, bob);
  }, 120_000);
  afterAll(async () => {
    for (const m of [alice, bob]) await m?.close().catch(() => undefined);
    await env?.close();
    rmSync(files, { recursive: true, force: true });
  });

  it('an upload cut by closing the profile continues at the relay’s offset when it opens again', async () => {
    const bobUid = alice.peers.all().find((p) => p.type === 'contact')!.uid;
    const closing: { done?: Promise<void> } = {};
    const sending = sendFiles(
      alice,
      bobUid,
      'the big one',
      [{ path: join(files, 'big.bin') }],
      (_i, _n, done) => {
        if (done >= 8 * MB && !closing.done) closing.done = alice.close(); // stops the upload at once
      },
    );
    await expect(sending).rejects.toMatchObject({ code: 'FILE_SEND_PENDING' });
    await closing.done;
    const [cut] = records();
    expect(records()).toHaveLength(1);
    expect(cut!.received).toBeGreaterThanOrEqual(8 * MB);
    expect(cut!.complete).toBe(false);

    alice = await openProfile(env, 'alice');
    expect(alice.messages('bob')).toHaveLength(0);
    const firsts: number[] = [];
    const stored = await resumeFileSends(alice, (_i, _n, done) => void firsts.push(done));
    expect(stored).toHaveLength(1);
    // the first part after the restart starts where the relay stood, in the same blob
    expect(firsts[0]! - cut!.received).toBeLessThanOrEqual(4 * MB);
    expect(firsts[0]!).toBeGreaterThan(cut!.received);
    expect(records()).toEqual([expect.objectContaining({ complete: true })]);
    // resumed again: nothing left to do, the message was stored once
    expect(await resumeFileSends(alice)).toEqual([]);
    expect(alice.messages('bob').map((m) => m.text)).toEqual(['the big one']);
    expect(alice.attachments.state(stored[0]!.files[0]!).state).toBe('ready');
    expect(readdirSync(join(alice.dir, 'attachments')).filter((n) => n.startsWith('send-'))).toEqual([]);
  });

  it('a download cut by closing the profile continues after the bytes on disk', async () => {
    await settle(alice, bob);
    const got = bob.messages('alice').find((m) => m.text === 'the big one')!;
    const f = got.files[0]!;
    const closing: { done?: Promise<void> } = {};
    await expect(
      bob.attachments.download(f, (done) => {
        if (done >= 8 * MB && !closing.done) closing.done = bob.close();
      }),
    ).rejects.toMatchObject({ code: 'NOT_OPEN' });
    await closing.done;
    const part = join(bob.dir, 'attachments', `${Buffer.from(f.blobDigest!).toString('hex')}.part`);
    const kept = statSync(part).size;
    expect(kept).toBeGreaterThanOrEqual(8 * MB);

    bob = await openProfile(env, 'bob');
    const again = bob.messages('alice').find((m) => m.text === 'the big one')!.files[0]!;
    const seen: number[] = [];
    await bob.attachments.download(again, (done) => void seen.push(done));
    expect(seen[0]!).toBeGreaterThan(kept); // a range from what was there, not from the start
    expect(existsSync(part)).toBe(false);
    const saved = await bob.attachments.save(again, join(files, 'out'));
    expect(readFileSync(saved).equals(file)).toBe(true);
  });
});
