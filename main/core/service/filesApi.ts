/**
 * Files and pictures: send (from paths, or from bytes staged by a host without paths),
 * download, save, and a picture's bytes for showing inline. Files up to this device's
 * setting (10 MB unless changed) are fetched as soon as their message is stored (autoDownload),
 * on every device — the contact's and each of mine — from the one blob the sender uploaded.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ServiceError } from '../../../shared/errors.js';
import type { SendFilesArgs } from '../../../shared/service.js';
import type { FileSettingsView, FileUsageView, MessageView } from '../../../shared/views.js';
import type { meow } from '../../../protocol/wire/proto.js';
import type { SendFile } from '../attachments/attachments.js';
import { resumeFileSends, sendFiles as sendFilesDurably } from '../attachments/fileSends.js';
import { safeFileName } from '../attachments/fileName.js';
import { clearMedia as clearOld, fileUsage as usageOf } from '../attachments/storage.js';
import { sniffType } from '../attachments/fileType.js';
import type { Messenger } from '../messenger/messenger.js';
import type { StoredMessage } from '../storage/messageDb.js';
import type { ServiceSession } from './session.js';
import { messageView } from './views.js';

/** All previews of one message together (the message is bounded at 64 KiB with everything else). */
const PREVIEW_BUDGET_BYTES = 40 * 1024;

interface Staged {
  path: string;
  name: string;
  size: number;
  received: number;
}
/** A map kept per open profile (gone with its messenger). */
function perProfile<T>(): (m: Messenger) => Map<string, T> {
  const all = new WeakMap<Messenger, Map<string, T>>();
  return (m) => {
    let one = all.get(m);
    if (!one) all.set(m, (one = new Map<string, T>()));
    return one;
  };
}

const stagesOf = perProfile<Staged>();

export function stageFile(
  s: ServiceSession,
  args: { name: string; size: number },
): Promise<{ stageId: string }> {
  return s.guard('stageFile', async () => {
    const m = s.open();
    const stageId = randomUUID();
    const dir = join(m.dir, 'attachments');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `stage-${stageId}`);
    await rm(path, { force: true });
    await appendFile(path, new Uint8Array(0), { mode: 0o600 });
    stagesOf(m).set(stageId, { path, name: args.name, size: args.size, received: 0 });
    return { stageId };
  });
}

export function appendStagedFile(
  s: ServiceSession,
  stageId: string,
  base64: string,
): Promise<{ received: number }> {
  return s.guard('appendStagedFile', async () => {
    const m = s.open();
    const st = stagesOf(m).get(stageId);
    if (!st) throw new ServiceError('BAD_INPUT', { field: 'stageId', reason: 'no such staged file' });
    const bytes = Buffer.from(base64, 'base64');
    if (st.received + bytes.length > st.size)
      throw new ServiceError('BAD_INPUT', { field: 'base64', reason: 'more bytes than the staged size' });
    await appendFile(st.path, bytes);
    st.received += bytes.length;
    return { received: st.received };
  });
}

function fileOf(m: Messenger, contactId: string, messageId: string, index: number): meow.IFileMeta {
  const stored = m.db.messages.get(contactId, messageId);
  if (!stored) throw new ServiceError('UNKNOWN_MESSAGE', { message: messageId });
  const f = stored.files[index];
  if (!f) throw new ServiceError('UNKNOWN_FILE', { message: messageId, index });
  return f;
}

/** The file send running to each contact, to cancel it. */
const sendsOf = perProfile<AbortController>();

/**
 * Stops a transfer: with a message id, that file's download (what arrived stays: the next
 * download continues from it); without one (''), the files being sent to the contact.
 */
export function cancelFile(
  s: ServiceSession,
  contactId: string,
  messageId: string,
  index: number,
): Promise<{ cancelled: boolean }> {
  return s.guard('cancelFile', () => {
    const m = s.open();
    s.contact(m, contactId);
    if (!messageId) {
      const c = sendsOf(m).get(contactId);
      c?.abort();
      return Promise.resolve({ cancelled: !!c });
    }
    return Promise.resolve({
      cancelled: m.attachments.cancelDownload(fileOf(m, contactId, messageId, index)),
    });
  });
}

export function sendFiles(s: ServiceSession, contactId: string, args: SendFilesArgs): Promise<MessageView> {
  return s.guard('sendFiles', async () => {
    const m = s.open();
    const contact = s.contact(m, contactId);
    if (contact.blocked) throw new ServiceError('BLOCKED', { contact: contact.name });
    const stages = stagesOf(m);
    // Previews travel inside the message, whose bound is 64 KiB: the first ones that fit go.
    let previewBudget = PREVIEW_BUDGET_BYTES;
    const files: SendFile[] = args.files.map((f, i) => {
      let thumb = f.thumbnail ? Buffer.from(f.thumbnail, 'base64') : undefined;
      if (thumb && thumb.length > previewBudget) thumb = undefined;
      previewBudget -= thumb?.length ?? 0;
      const extra = {
        ...(thumb?.length ? { thumbnail: thumb } : {}),
        ...(f.width ? { width: f.width } : {}),
        ...(f.height ? { height: f.height } : {}),
      };
      if (f.path) return { path: f.path, ...(f.name ? { name: f.name } : {}), ...extra };
      const st = stages.get(f.stageId ?? '');
      if (!st)
        throw new ServiceError('BAD_INPUT', { field: `files.${i}.stageId`, reason: 'no such staged file' });
      if (st.received !== st.size)
        throw new ServiceError('BAD_INPUT', {
          field: `files.${i}.stageId`,
          reason: 'the staged file is incomplete',
        });
      return { path: st.path, name: f.name ?? st.name, ...extra };
    });
    try {
      // Every file is checked (exists, under the relay's limit) before any is uploaded.
      for (const f of files) await m.attachments.check(f);
      // Recorded before it uploads: cut short, it continues when the profile opens again.
      const cancel = new AbortController();
      sendsOf(m).set(contactId, cancel);
      const stored = await sendFilesDurably(
        m,
        contactId,
        args.caption ?? '',
        files,
        (index, name, done, total) =>
          s.emit('file:progress', { contactId, messageId: '', index, name, direction: 'up', done, total }),
        cancel.signal,
      );
      await s.flushSoon(m);
      return messageView(m, m.db.messages.get(contactId, stored.uuid) ?? stored);
    } finally {
      sendsOf(m).delete(contactId);
      for (const f of args.files) {
        const st = f.stageId ? stages.get(f.stageId) : undefined;
        if (st) {
          stages.delete(f.stageId!);
          await rm(st.path, { force: true });
        }
      }
    }
  });
}

async function fetchFile(
  s: ServiceSession,
  m: Messenger,
  stored: StoredMessage,
  index: number,
): Promise<void> {
  const f = stored.files[index]!;
  const progress = (done: number, total: number) =>
    s.emit('file:progress', {
      contactId: stored.peerUid,
      messageId: stored.uuid,
      index,
      name: f.name ?? '',
      direction: 'down',
      done,
      total,
    });
  const p = m.attachments.download(f, progress);
  s.emit('message:status', messageView(m, stored)); // downloading
  try {
    await p;
  } finally {
    const now = m.db.messages.get(stored.peerUid, stored.uuid) ?? stored;
    s.emit('message:status', messageView(m, now)); // ready, or failed with its reason
  }
}

export function downloadFile(
  s: ServiceSession,
  contactId: string,
  messageId: string,
  index: number,
): Promise<MessageView> {
  return s.guard('downloadFile', async () => {
    const m = s.open();
    s.contact(m, contactId);
    fileOf(m, contactId, messageId, index);
    const stored = m.db.messages.get(contactId, messageId)!;
    await fetchFile(s, m, stored, index);
    return messageView(m, m.db.messages.get(contactId, messageId)!);
  });
}

export function downloadsFolder(): string {
  const d = join(homedir(), 'Downloads');
  return existsSync(d) ? d : homedir();
}

export function saveFile(
  s: ServiceSession,
  contactId: string,
  messageId: string,
  index: number,
  dir?: string,
): Promise<{ path: string }> {
  return s.guard('saveFile', async () => {
    const m = s.open();
    s.contact(m, contactId);
    const f = fileOf(m, contactId, messageId, index);
    const target = dir ?? downloadsFolder();
    const st = await stat(target).catch(() => null);
    if (st && !st.isDirectory())
      throw new ServiceError('BAD_INPUT', { field: 'dir', reason: 'not a folder' });
    return { path: await m.attachments.save(f, target) };
  });
}

export function fileData(
  s: ServiceSession,
  contactId: string,
  messageId: string,
  index: number,
): Promise<{ mime: string; name: string; base64: string }> {
  return s.guard('fileData', async () => {
    const m = s.open();
    s.contact(m, contactId);
    const f = fileOf(m, contactId, messageId, index);
    const bytes = await m.attachments.read(f);
    if (!bytes)
      throw new ServiceError('BAD_INPUT', { field: 'index', reason: 'the file is too large to show' });
    return {
      // The type of the bytes themselves, whatever the message claims: the app shows only raster types inline.
      mime: sniffType(bytes.subarray(0, 64)).mime,
      name: safeFileName(f.name ?? ''),
      base64: bytes.toString('base64'),
    };
  });
}

export function fileSettings(s: ServiceSession): Promise<FileSettingsView> {
  return s.guard('fileSettings', () => Promise.resolve(m(s).attachments.settings()));
}

export function setFileSettings(
  s: ServiceSession,
  change: Partial<FileSettingsView>,
): Promise<FileSettingsView> {
  return s.guard('setFileSettings', () => m(s).attachments.setSettings(change));
}

const m = (s: ServiceSession) => s.open();

export function fileUsage(s: ServiceSession): Promise<FileUsageView[]> {
  return s.guard('fileUsage', () => Promise.resolve(usageOf(m(s))));
}

export function clearMedia(
  s: ServiceSession,
  args: { olderThanDays: number; contactId?: string },
): Promise<{ files: number; bytes: number }> {
  return s.guard('clearMedia', async () => {
    const messenger = m(s);
    if (args.contactId) s.contact(messenger, args.contactId);
    return clearOld(messenger, args);
  });
}

/** Continues the file sends a crash or a close cut short (in the background, when a profile opens). */
export function resumeSends(s: ServiceSession, m: Messenger): void {
  void resumeFileSends(
    m,
    (index, name, done, total) =>
      s.emit('file:progress', { contactId: '', messageId: '', index, name, direction: 'up', done, total }),
    (e) => s.log.warn('a file send stays pending', { error: String(e) }),
  ).then(async (stored) => {
    if (stored.length) await s.flushSoon(m);
  });
}

/** Fetches the small files of a message just stored (received, or synced from my other devices). */
export function autoDownload(s: ServiceSession, m: Messenger, stored: StoredMessage): void {
  const limit = m.attachments.settings().autoDownloadBytes;
  stored.files.forEach((f, index) => {
    if (Number(f.size ?? 0) > limit || m.attachments.state(f).state !== 'remote') return;
    fetchFile(s, m, stored, index).catch((e: unknown) =>
      s.log.warn('could not fetch a file', { message: stored.uuid, error: String(e) }),
    );
  });
}
