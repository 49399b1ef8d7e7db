/** `meow send --file` and `meow save` against a real meow-server process (embedded store, blobs on disk). */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { jpegWithGps, pdfLike } from '../attachments/fixtures.js';
import { cliFriends, meow, meowJson, settleCli, type MessageJson } from './harness.js';

type WithFiles = MessageJson & { files?: { name: string; size: number; mime: string; state: string }[] };

describe('meow send --file / meow save', { timeout: 180_000 }, () => {
  let server: ServerProcess;
  let dir: string;
  const A = () => join(dir, 'alice');
  const B = () => join(dir, 'bob');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-cli-files-'));
    server = await spawnServer(['--data', join(dir, 'server'), '--max-blob', '1m']);
    await cliFriends(server.url, { dir: A(), name: 'Alice' }, { dir: B(), name: 'Bob' });
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a photo and a PDF with a caption; Bob saves them: the PDF equal, the photo without GPS', async () => {
    const photo = jpegWithGps();
    const pdf = pdfLike(200_000);
    writeFileSync(join(dir, 'IMG_0001.jpg'), photo.bytes);
    writeFileSync(join(dir, 'report.pdf'), pdf);
    const sent = await meowJson<WithFiles>(A(), [
      'send',
      'Bob',
      '--file',
      join(dir, 'IMG_0001.jpg'),
      '--file',
      join(dir, 'report.pdf'),
      'from',
      'the',
      'trip',
    ]);
    expect(sent.text).toBe('from the trip');
    expect(sent.files?.map((f) => [f.name, f.mime, f.state])).toEqual([
      ['IMG_0001.jpg', 'image/jpeg', 'ready'],
      ['report.pdf', 'application/pdf', 'ready'],
    ]);
    await settleCli(A(), B());
    const onBob = (await meowJson<WithFiles[]>(B(), ['messages', 'Alice'])).find(
      (m) => m.uuid === sent.uuid,
    )!;
    expect(onBob.files?.map((f) => f.name)).toEqual(['IMG_0001.jpg', 'report.pdf']);
    const human = await meow(B(), ['messages', 'Alice']);
    expect(human.stdout).toMatch(
      /Alice: from the trip \[file: IMG_0001\.jpg, \d+ bytes.*\] \[file: report\.pdf/,
    );

    const out = join(dir, 'saved');
    const saved = await meowJson<{ name: string; path: string }[]>(B(), ['save', sent.uuid.slice(0, 8), out]);
    expect(saved.map((f) => f.path)).toEqual([join(out, 'IMG_0001.jpg'), join(out, 'report.pdf')]);
    expect(Buffer.compare(readFileSync(join(out, 'report.pdf')), pdf)).toBe(0);
    const savedPhoto = readFileSync(join(out, 'IMG_0001.jpg'));
    expect(savedPhoto.includes('GPSLatitude')).toBe(false);
    expect(savedPhoto.subarray(savedPhoto.length - photo.imageData.length).equals(photo.imageData)).toBe(
      true,
    );
    const again = await meow(B(), ['save', sent.uuid, out, '--index', '2']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Saved report\.pdf \(\d+ KB\) to .*report \(2\)\.pdf/);
    expect(readdirSync(join(dir, 'server', 'blobs')).filter((n) => n.endsWith('.blob'))).toHaveLength(2);

    // storage: Bob keeps both files; clearing them keeps the message, and save fetches them again
    expect(await meowJson<{ name: string; files: number }[]>(B(), ['storage'])).toEqual([
      expect.objectContaining({ name: 'Alice', files: 2 }),
    ]);
    const cleared = await meow(B(), ['storage', '--clear-older-than', '0', '--contact', 'Alice']);
    expect(cleared.stdout).toMatch(/Removed 2 files \(\d+ KB\) from this computer\./);
    expect((await meow(B(), ['storage'])).stdout).toMatch(/No files are kept on this computer\./);
    const refetched = await meow(B(), ['save', sent.uuid, join(dir, 'again'), '--index', '2']);
    expect(refetched.code).toBe(0);
    expect(Buffer.compare(readFileSync(join(dir, 'again', 'report.pdf')), pdf)).toBe(0);
  });

  it('refuses a file over the server’s limit before uploading, in one sentence', async () => {
    writeFileSync(join(dir, 'big.bin'), Buffer.alloc(1024 * 1024 + 1));
    const before = readdirSync(join(dir, 'server', 'blobs')).length;
    const r = await meow(A(), ['send', 'Bob', '--file', join(dir, 'big.bin')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /big\.bin is too large to send: 1\.0 MB, and this message server takes files up to 1\.0 MB/,
    );
    expect(readdirSync(join(dir, 'server', 'blobs')).length).toBe(before);
    const missing = await meow(A(), ['send', 'Bob', '--file', join(dir, 'nope.txt')]);
    expect(missing.stderr).toMatch(/Cannot read nope\.txt: no such file/);
    const noMessage = await meow(B(), ['save', 'deadbeefdeadbeef']);
    expect(noMessage.code).not.toBe(0);
  });
});
