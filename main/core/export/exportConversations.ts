/**
 * Export of a conversation, or of every one, to a folder: `messages.json` for programs,
 * `index.html` to read (exportHtml.ts), the files under `files/`. Everything is written into a
 * hidden `.partial` folder first and renamed to its final name only once complete, so a
 * folder that is not writable or a disk that fills up ends with a clear error and nothing
 * left behind that looks like an export.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { access, constants, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { MessageView, ReactionView } from '../../../shared/views.js';
import { safeFileName, freeName } from '../attachments/fileName.js';
import { MeowError, isMeowError } from '../errors.js';
import type { Messenger } from '../messenger/messenger.js';
import { messageView } from '../service/views.js';
import { exportPage } from './exportHtml.js';

export interface ExportedMessage {
  id: string;
  from: 'me' | 'contact';
  sentAt: number;
  readAt: number;
  text: string;
  editedAt: number;
  history: { text: string; at: number }[];
  deleted: boolean;
  reactions: ReactionView[];
  quote: { id: string; firstLine: string } | null;
  /** `file`: its path in the export, or null when it is not on this device (not downloaded). */
  attachments: { name: string; size: number; mime: string; file: string | null }[];
  disappearAfter: number;
}

export interface ExportedConversation {
  contact: { id: string; name: string };
  messages: ExportedMessage[];
}

export interface ExportResult {
  folder: string;
  conversations: number;
  messages: number;
  files: number;
  /** Files that could not be fetched (listed in the export as not on this device). */
  missingFiles: number;
}

const PAGE = 500;

/** A failure of the folder or the disk: the whole export stops (a file that cannot be fetched does not). */
function folderError(e: unknown, folder: string): MeowError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new MeowError('DISK_FULL', { what: 'the export (nothing of it was kept)' }, { cause: e });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new MeowError('EXPORT_FAILED', { folder, reason: 'the folder is not writable' }, { cause: e });
  if (isMeowError(e)) return e;
  return new MeowError('EXPORT_FAILED', { folder, reason: (e as Error)?.message ?? String(e) }, { cause: e });
}

const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/[:T]/g, '-');

export async function exportConversations(
  m: Messenger,
  folder: string,
  opts: { contactId?: string } = {},
): Promise<ExportResult> {
  const st = await stat(folder).catch(() => null);
  if (!st) throw new MeowError('EXPORT_FAILED', { folder, reason: 'there is no such folder' });
  if (!st.isDirectory()) throw new MeowError('EXPORT_FAILED', { folder, reason: 'it is not a folder' });
  await access(folder, constants.W_OK).catch((e: unknown) => {
    throw folderError(e, folder);
  });
  const contacts = m
    .contacts()
    .filter((c) => c.state !== 'invited' && (!opts.contactId || c.uid === opts.contactId));
  const now = Date.now();
  const one = opts.contactId ? contacts[0] : undefined;
  const name = `meow-export-${stamp(now)}${one ? `-${safeFileName(one.name, 'contact')}` : ''}`;
  const partial = join(folder, `.${name}.${randomBytes(4).toString('hex')}.partial`);
  const result = { conversations: 0, messages: 0, files: 0, missingFiles: 0 };
  try {
    await mkdir(partial, { mode: 0o700 });
    const out: ExportedConversation[] = [];
    const used = new Set<string>();
    for (const c of contacts) {
      const views: MessageView[] = [];
      let before: { sentAt: number; id: number } | null = null;
      for (;;) {
        const page = m.db.messages.page(c.uid, before, PAGE);
        views.unshift(...page.map((s) => messageView(m, s)));
        if (page.length < PAGE) break;
        before = { sentAt: page[0]!.sentAt, id: page[0]!.id };
      }
      const dirName = freeName(safeFileName(c.name, 'contact'), (x) => used.has(x));
      used.add(dirName);
      const files = join(partial, 'files', dirName);
      const messages: ExportedMessage[] = [];
      for (const v of views) {
        const stored = m.db.messages.get(c.uid, v.id);
        const attachments: ExportedMessage['attachments'] = [];
        for (const [i, a] of v.attachments.entries()) {
          const f = stored?.files[i];
          let file: string | null = null;
          if (f && !v.deleted) {
            try {
              file = relative(partial, await m.attachments.save(f, files))
                .split('\\')
                .join('/');
              result.files++;
            } catch (e) {
              if (!isMeowError(e)) throw e; // the disk or the folder: the export stops
              result.missingFiles++;
            }
          }
          attachments.push({ name: a.name, size: a.size, mime: a.mime, file });
        }
        messages.push({
          id: v.id,
          from: v.outbound ? 'me' : 'contact',
          sentAt: v.sentAt,
          readAt: v.readAt,
          text: v.text,
          editedAt: v.editedAt,
          history: v.history,
          deleted: v.deleted,
          reactions: v.reactions,
          quote: v.quote?.present ? { id: v.quote.id, firstLine: v.quote.firstLine } : null,
          attachments,
          disappearAfter: v.disappearAfter,
        });
      }
      out.push({ contact: { id: c.uid, name: c.name }, messages });
      result.conversations++;
      result.messages += messages.length;
    }
    const title = one
      ? `Meow: conversation with ${one.name}`
      : `Meow: conversations of ${m.identity.nickname}`;
    const json = {
      format: 'meow-export/1',
      exportedAt: now,
      profile: m.identity.nickname,
      conversations: out,
    };
    await writeFile(join(partial, 'messages.json'), JSON.stringify(json, null, 2), { mode: 0o600 });
    await writeFile(join(partial, 'index.html'), exportPage(title, now, out), { mode: 0o600 });
    const target = join(
      folder,
      freeName(name, (x) => existsSync(join(folder, x))),
    );
    await rename(partial, target);
    return { folder: target, ...result };
  } catch (e) {
    await rm(partial, { recursive: true, force: true }).catch(() => undefined);
    throw folderError(e, folder);
  }
}
