/**
 * Files: a 100 MB file sent and received end to end — sealed and uploaded by Alice, the
 * message delivered, downloaded and verified by Bob, then decrypted into a saved file —
 * against raw attachment AEAD (the same STREAM chunks over the same bytes, in memory) and
 * against a plain copy of the file, measured in the same run; and how much this process's
 * RSS grows meanwhile, against the file's size (the relay is another process).
 *
 * And a 3 MB photo (a JPEG with its EXIF, and a host-made preview): the time from send to
 * Bob holding the message with its preview (what his screen shows at once), and to the full
 * picture downloaded, verified and decrypted for showing, each against a text message's
 * send→receive over the same relay and profiles in the same run.
 */
import { copyFile, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ChunkEncryptor } from '../../protocol/crypto/streamAead.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { befriend } from '../../test/core/harness.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { clientDir, newProfile } from './clientSetup.js';

const MB = 1024 * 1024;

function fileSize(ctx: BenchContext): number {
  return ctx.scale(100, 20) * MB;
}

async function source(ctx: BenchContext): Promise<string> {
  return ctx.resource(
    'files-source',
    async () => {
      const path = join(await clientDir(ctx), 'big.bin');
      // written in pieces: this process never holds the file
      await writeFile(path, new Uint8Array(0));
      for (let at = 0; at < fileSize(ctx); at += 8 * MB)
        await writeFile(path, randomBytes(Math.min(8 * MB, fileSize(ctx) - at)), { flag: 'a' });
      return path;
    },
    (p) => rm(p, { force: true }),
  );
}

function pair(ctx: BenchContext): Promise<{ a: Messenger; b: Messenger }> {
  return ctx.resource(
    'files-pair',
    async () => {
      const a = await newProfile(ctx, 'filesA');
      const b = await newProfile(ctx, 'filesB');
      await befriend(a, b);
      return { a, b };
    },
    async ({ a, b }) => {
      await a.close();
      await b.close();
    },
  );
}

/** One send→receive of the file; the peak RSS growth of this process while it ran. */
async function sendReceive(ctx: BenchContext): Promise<{ seconds: number; rssGrowthMiB: number }> {
  const { a, b } = await pair(ctx);
  const path = await source(ctx);
  const out = join(await clientDir(ctx), `saved-${ctx.rep}-${Date.now()}`);
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const t0 = performance.now();
  try {
    const meta = await a.attachments.prepare({ path });
    const sent = await a.send(b.identity.nickname, '', { files: [meta] });
    await a.flushOutbox();
    const got = await receive(a, b, sent.uuid);
    const saved = await b.attachments.save(got.files[0]!, out);
    const seconds = (performance.now() - t0) / 1000;
    await rm(out, { recursive: true, force: true });
    void saved;
    return { seconds, rssGrowthMiB: (peak - base) / MB };
  } finally {
    clearInterval(sampler);
  }
}

async function rawAead(ctx: BenchContext): Promise<Sample> {
  const piece = randomBytes(MB);
  const enc = new ChunkEncryptor(randomBytes(32));
  const n = fileSize(ctx) / MB;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) enc.push(piece);
  enc.finish();
  return { value: n / ((performance.now() - t0) / 1000) };
}

async function plainCopy(ctx: BenchContext): Promise<Sample> {
  const path = await source(ctx);
  const to = `${path}.copy`;
  const t0 = performance.now();
  await copyFile(path, to);
  const s = (performance.now() - t0) / 1000;
  await rm(to, { force: true });
  return { value: fileSize(ctx) / MB / s };
}

async function throughput(ctx: BenchContext): Promise<Sample> {
  const r = await ctx.memo('files-send', () => sendReceive(ctx));
  return {
    value: fileSize(ctx) / MB / r.seconds,
    detail: `${r.seconds.toFixed(1)} s for ${fileSize(ctx) / MB} MB, RSS +${r.rssGrowthMiB.toFixed(0)} MiB`,
    extra: { seconds: r.seconds, rssGrowthMiB: r.rssGrowthMiB },
  };
}

/** A 3 MB JPEG-shaped photo: SOI, JFIF, EXIF with a GPS tag, then image bytes. */
async function photoSource(ctx: BenchContext): Promise<string> {
  return ctx.resource(
    'files-photo',
    async () => {
      const path = join(await clientDir(ctx), 'photo.jpg');
      const exif = Buffer.concat([Buffer.from('Exif\u0000\u0000MM GPSLatitude 48 51 24 N', 'latin1')]);
      const len = Buffer.alloc(2);
      len.writeUInt16BE(exif.length + 2);
      const scan = randomBytes(3 * MB).map((b) => (b === 0xff ? 0 : b));
      await writeFile(
        path,
        Buffer.concat([
          Buffer.from([0xff, 0xd8, 0xff, 0xe1]),
          len,
          exif,
          Buffer.from([0xff, 0xda, 0x00, 0x02]),
          scan,
          Buffer.from([0xff, 0xd9]),
        ]),
      );
      return path;
    },
    (p) => rm(p, { force: true }),
  );
}

/** Syncs Bob until he holds message `uuid` from Alice. */
async function receive(a: Messenger, b: Messenger, uuid: string) {
  for (let i = 0; i < 200; i++) {
    await b.sync();
    const got = b.messages(a.identity.nickname).find((m) => m.uuid === uuid);
    if (got) return got;
  }
  throw new Error('the message did not arrive');
}

/** One photo sent: ms to Bob's message with its preview, ms to the full picture in memory. */
async function photoTimes(ctx: BenchContext): Promise<{ previewMs: number; fullMs: number }> {
  const { a, b } = await pair(ctx);
  const path = await photoSource(ctx);
  const t0 = performance.now();
  const meta = await a.attachments.prepare({
    path,
    thumbnail: randomBytes(20_000),
    width: 4000,
    height: 3000,
  });
  const sent = await a.send(b.identity.nickname, '', { files: [meta] });
  await a.flushOutbox();
  const got = await receive(a, b, sent.uuid);
  if (!got.files[0]?.thumbnail?.length) throw new Error('the preview did not arrive');
  const previewMs = performance.now() - t0;
  const full = await b.attachments.read(got.files[0]);
  if (!full) throw new Error('the picture was not read');
  return { previewMs, fullMs: performance.now() - t0 };
}

/** A text message's send→receive over the same pair (ms). */
async function textTime(ctx: BenchContext): Promise<Sample> {
  const { a, b } = await pair(ctx);
  const t0 = performance.now();
  const sent = await a.send(b.identity.nickname, `a text ${ctx.rep}`);
  await a.flushOutbox();
  await receive(a, b, sent.uuid);
  return { value: performance.now() - t0 };
}

function photoRow(id: string, name: string, which: 'previewMs' | 'fullMs'): Row {
  return {
    id,
    name,
    referenceName: 'a text message: send to stored at the contact',
    unit: 'ms',
    better: 'lower',
    async measure(ctx) {
      const r = await ctx.memo('files-photo', () => photoTimes(ctx));
      return { value: r[which] };
    },
    reference: textTime,
  };
}

export const fileRows: Row[] = [
  photoRow(
    'files.photo-preview',
    'a 3 MB photo: send to the preview at the contact (message with its thumbnail stored)',
    'previewMs',
  ),
  photoRow(
    'files.photo-full',
    'the same photo: send to the full picture at the contact (downloaded, verified, decrypted)',
    'fullMs',
  ),
  {
    id: 'files.send',
    name: 'a 100 MB file: seal, upload, message, download, verify, decrypt to disk',
    referenceName: 'raw attachment AEAD over the same bytes (memory)',
    unit: 'MB/s',
    better: 'higher',
    target: { min: 0.5, text: '≥ 0.5×' },
    measure: throughput,
    reference: rawAead,
  },
  {
    id: 'files.send-vs-cp',
    name: 'the same send→receive',
    referenceName: 'a plain copy of the file (copyFile)',
    unit: 'MB/s',
    better: 'higher',
    target: { min: 0.3, text: '≥ 0.3×' },
    measure: throughput,
    reference: plainCopy,
  },
  {
    id: 'files.rss',
    name: 'RSS growth of the client process during that send→receive',
    referenceName: 'the file size',
    unit: 'MiB',
    better: 'lower',
    ratio: 'measure/reference',
    target: { max: 0.64, text: '≤ 64 MB per 100 MB' },
    async measure(ctx) {
      const r = await ctx.memo('files-send', () => sendReceive(ctx));
      return { value: Math.max(0, r.rssGrowthMiB) };
    },
    reference: (ctx) => Promise.resolve({ value: fileSize(ctx) / MB }),
  },
];
