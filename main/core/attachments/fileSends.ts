/**
 * Sending files so that a crash or a closed profile does not lose the send: the files are
 * sealed into blobs kept in the profile (`attachments/send-ID-N.blob`), then the send is
 * recorded (sealed in messages.db, table pending_upload: the contact, the caption, the
 * message's id, each file's reference and key, the blob it uploads to) before the first
 * byte goes. The record follows the upload (a blob's id as soon as the relay made it), so
 * when the profile opens again resumeFileSends continues each upload at the relay's offset,
 * then stores the message under the id chosen at the start (once, however often resumed).
 *
 * A send ends with its record dropped: stored, cancelled, or refused for good (too large,
 * no file store, the contact gone). Cut short (closed, server out of reach), it stays, and
 * the caller hears FILE_SEND_PENDING.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import type { Messenger } from '../messenger/messenger.js';
import type { StoredMessage } from '../storage/messageDb.js';
import type { SendFile } from './attachments.js';

/** Progress of one file of a send: its index in the send, bytes uploaded of its blob. */
export type SendProgress = (index: number, name: string, done: number, total: number) => void;

interface SendRecord {
  contact: string;
  uuid: string;
  caption: string;
  /** Each file: its FileMeta (protobuf, base64), its blob's file name, whether the relay has it all. */
  files: { meta: string; blob: string; uploaded: boolean }[];
}

/** Failures after which a send continues later; any other ends it. */
const LATER = new Set(['FILE_SEND_PENDING', 'SERVER_UNREACHABLE', 'NOT_OPEN']);

const running = new WeakMap<Messenger, Set<string>>();
function runningOf(m: Messenger): Set<string> {
  let r = running.get(m);
  if (!r) running.set(m, (r = new Set()));
  return r;
}

const folder = (m: Messenger) => join(m.dir, 'attachments');
const encodeMeta = (f: meow.IFileMeta) => Buffer.from(meow.FileMeta.encode(f).finish()).toString('base64');
const decodeMeta = (s: string) => meow.FileMeta.decode(Buffer.from(s, 'base64'));

/** Seals `files`, records the send, uploads the blobs and stores the message to `contactUid`. */
export async function sendFiles(
  m: Messenger,
  contactUid: string,
  caption: string,
  files: SendFile[],
  progress?: SendProgress,
  signal?: AbortSignal,
): Promise<StoredMessage> {
  const id = randomUUID();
  const record: SendRecord = { contact: contactUid, uuid: randomUUID(), caption, files: [] };
  runningOf(m).add(id);
  try {
    try {
      for (const [i, f] of files.entries()) {
        const blob = `send-${id}-${i}.blob`;
        const meta = await m.attachments.seal(f, join(folder(m), blob));
        record.files.push({ meta: encodeMeta(meta), blob, uploaded: false });
      }
    } catch (e) {
      await dropBlobs(m, record);
      throw e;
    }
    m.db.uploads.put(id, Date.now(), record);
    return await run(m, id, record, progress, signal);
  } finally {
    runningOf(m).delete(id);
  }
}

/**
 * Continues every send a crash or a close cut short (each once, even if asked again while it
 * runs); returns the messages stored. Blobs sealed for a send that was never recorded go.
 */
export async function resumeFileSends(
  m: Messenger,
  progress?: SendProgress,
  onError?: (e: unknown) => void,
): Promise<StoredMessage[]> {
  const pending = m.db.uploads.all();
  const known = new Set([...pending.map((p) => p.id), ...runningOf(m)]);
  for (const name of (existsSync(folder(m)) ? readdirSync(folder(m)) : []).filter((n) =>
    n.startsWith('send-'),
  )) {
    const id = /^send-(.+)-\d+\.blob$/.exec(name)?.[1];
    if (!id || !known.has(id)) await rm(join(folder(m), name), { force: true });
  }
  const stored: StoredMessage[] = [];
  for (const { id, record } of pending) {
    if (runningOf(m).has(id)) continue;
    runningOf(m).add(id);
    try {
      stored.push(await run(m, id, record as SendRecord, progress));
    } catch (e) {
      onError?.(e);
    } finally {
      runningOf(m).delete(id);
    }
  }
  return stored;
}

async function run(
  m: Messenger,
  id: string,
  record: SendRecord,
  progress?: SendProgress,
  signal?: AbortSignal,
): Promise<StoredMessage> {
  const save = () => m.db.uploads.put(id, Date.now(), record);
  const end = async () => {
    m.db.uploads.drop(id);
    await dropBlobs(m, record);
  };
  const metas: meow.IFileMeta[] = [];
  for (const [i, entry] of record.files.entries()) {
    let meta: meow.IFileMeta = decodeMeta(entry.meta);
    const name = meta.name || 'file';
    if (!entry.uploaded) {
      const upload = () =>
        m.attachments.upload(meta, join(folder(m), entry.blob), {
          onProgress: (done, total) => progress?.(i, name, done, total),
          ...(signal ? { signal } : {}),
          onCreated: (created) => {
            entry.meta = encodeMeta(created);
            save();
          },
        });
      try {
        meta = await upload().catch((e: unknown) => {
          // the relay no longer has the blob this send began (pruned, or another relay now): anew
          if (!(e instanceof MeowError && e.code === 'FILE_GONE' && meta.blobId)) throw e;
          meta = { ...meta, blobId: '' };
          return upload();
        });
      } catch (e) {
        if (signal?.aborted) {
          await end(); // the person stopped it: nothing continues later
          throw new MeowError('TRANSFER_CANCELLED', { name }, { cause: e });
        }
        if (LATER.has(e instanceof MeowError ? String(e.code) : ''))
          throw new MeowError('FILE_SEND_PENDING', { name }, { cause: e });
        await end();
        throw e;
      }
      entry.meta = encodeMeta(meta);
      entry.uploaded = true;
      save();
    }
    metas.push(meta);
  }
  // Kept before the message is stored: a stored message's files are never fetched by their sender.
  for (const [i, entry] of record.files.entries())
    await m.attachments.keep(metas[i]!, join(folder(m), entry.blob)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e; // kept already, before a crash
    });
  let stored: StoredMessage;
  try {
    stored = await m.send(record.contact, record.caption, { files: metas, uuid: record.uuid });
  } catch (e) {
    for (const meta of metas) await m.attachments.removeKept(meta);
    await end();
    throw e;
  }
  m.db.uploads.drop(id);
  return stored;
}

async function dropBlobs(m: Messenger, record: SendRecord): Promise<void> {
  for (const f of record.files) await rm(join(folder(m), f.blob), { force: true });
}
