/**
 * Files through the service, as the app uses it: bytes staged in pieces (a browser has no
 * path), sendFiles, the receiver's automatic download up to its setting (and not above),
 * fileData typed by the bytes, saveFile.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalService } from '../../main/core/service/service.js';
import { startEnv, type Env } from '../core/harness.js';
import { befriendServices, nextEvent, newIdentity } from '../service/helpers.js';
import { jpegWithGps, pdfLike } from './fixtures.js';

describe('files through the service', () => {
  let env: Env;
  let alice: LocalService;
  let bob: LocalService;
  let ids: { bOnA: string; aOnB: string };
  let out: string;

  beforeAll(async () => {
    env = await startEnv('embedded');
    out = mkdtempSync(join(tmpdir(), 'meow-svc-files-'));
    alice = await newIdentity(env, 'alice');
    bob = await newIdentity(env, 'bob');
    ids = await befriendServices(alice, bob);
    await bob.setOnline(true);
  }, 120_000);
  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await env?.close();
    rmSync(out, { recursive: true, force: true });
  });

  async function stageAndSend(name: string, bytes: Buffer, caption: string) {
    const { stageId } = await alice.stageFile({ name, size: bytes.length });
    for (let at = 0; at < bytes.length; at += 100_000)
      await alice.appendStagedFile(stageId, bytes.subarray(at, at + 100_000).toString('base64'));
    return alice.sendFiles(ids.bOnA, { files: [{ stageId, name }], caption });
  }

  it('a staged picture arrives and downloads by itself; its bytes come back typed by content', async () => {
    const photo = jpegWithGps().bytes;
    const ready = nextEvent(bob, 'message:status', (m) => m.attachments[0]?.state === 'ready');
    const sent = await stageAndSend('beach.jpg', photo, 'beach');
    expect(sent.attachments[0]).toMatchObject({
      name: 'beach.jpg',
      mime: 'image/jpeg',
      image: true,
      state: 'ready',
    });
    expect(sent.attachments[0]!.metadataStripped).toBe(true);
    const got = await ready;
    expect(got.id).toBe(sent.id);
    const data = await bob.fileData(ids.aOnB, sent.id, 0);
    expect(data.mime).toBe('image/jpeg');
    expect(Buffer.from(data.base64, 'base64').includes('GPSLatitude')).toBe(false);
  });

  it('above the setting a file waits to be asked for, then downloads and saves whole', async () => {
    expect((await bob.fileSettings()).autoDownloadBytes).toBe(10 * 1024 * 1024);
    await bob.setFileSettings({ autoDownloadBytes: 1000 });
    const stored = nextEvent(bob, 'message:stored', (m) => m.text === 'report');
    const pdf = pdfLike(50_000);
    const sent = await stageAndSend('report.pdf', pdf, 'report');
    const got = await stored;
    expect(got.attachments[0]!.state).toBe('remote');
    const after = await bob.downloadFile(ids.aOnB, sent.id, 0);
    expect(after.attachments[0]!.state).toBe('ready');
    const { path } = await bob.saveFile(ids.aOnB, sent.id, 0, out);
    expect(Buffer.compare(readFileSync(path), pdf)).toBe(0);
    await expect(bob.saveFile(ids.aOnB, sent.id, 3, out)).rejects.toMatchObject({ code: 'UNKNOWN_FILE' });
    // a refused file comes back as a clear error and sends nothing
    await expect(
      alice.sendFiles(ids.bOnA, { files: [{ path: join(out, 'no-such-file') }] }),
    ).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });
  it('storage: what each conversation keeps here; clearing old media keeps the messages, which fetch again', async () => {
    const usage = await bob.fileUsage();
    expect(usage).toEqual([expect.objectContaining({ contactId: ids.aOnB, name: 'alice', files: 2 })]);
    expect(usage[0]!.bytes).toBeGreaterThan(50_000);
    // nothing is older than a day yet
    expect(await bob.clearMedia({ olderThanDays: 1 })).toEqual({ files: 0, bytes: 0 });
    expect(await bob.clearMedia({ olderThanDays: 0, contactId: ids.aOnB })).toEqual({
      files: 2,
      bytes: usage[0]!.bytes,
    });
    expect(await bob.fileUsage()).toEqual([]);
    const report = (await bob.messages(ids.aOnB)).find((m) => m.text === 'report')!;
    expect(report.attachments[0]!.state).toBe('remote');
    expect((await bob.downloadFile(ids.aOnB, report.id, 0)).attachments[0]!.state).toBe('ready');
  });
  it('cancel: a download stops and continues when asked again; a send stops and sends nothing', async () => {
    await bob.setFileSettings({ autoDownloadBytes: 0 });
    const big = pdfLike(10 * 1024 * 1024);
    const stored = nextEvent(bob, 'message:stored', (m) => m.text === 'big');
    await stageAndSend('big.pdf', big, 'big');
    const got = await stored;
    const offDown = bob.on('file:progress', (p) => {
      if (p.direction === 'down' && p.messageId === got.id && p.done > 0)
        void bob.cancelFile(ids.aOnB, got.id, 0);
    });
    await expect(bob.downloadFile(ids.aOnB, got.id, 0)).rejects.toMatchObject({ code: 'TRANSFER_CANCELLED' });
    offDown();
    const after = (await bob.messages(ids.aOnB)).find((m) => m.id === got.id)!;
    expect(after.attachments[0]!.state).toBe('remote'); // stopped, not failed: Download again
    expect((await bob.downloadFile(ids.aOnB, got.id, 0)).attachments[0]!.state).toBe('ready');
    const { path } = await bob.saveFile(ids.aOnB, got.id, 0, out);
    expect(Buffer.compare(readFileSync(path), big)).toBe(0);

    const offUp = alice.on('file:progress', (p) => {
      if (p.direction === 'up' && p.done > 0) void alice.cancelFile(ids.bOnA, '', 0);
    });
    await expect(stageAndSend('never.pdf', big, 'never')).rejects.toMatchObject({
      code: 'TRANSFER_CANCELLED',
    });
    offUp();
    expect((await alice.messages(ids.bOnA)).some((m) => m.text === 'never')).toBe(false);
    expect((await alice.cancelFile(ids.bOnA, '', 0)).cancelled).toBe(false); // nothing left to stop
  });
});
