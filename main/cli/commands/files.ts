/** Files: `send --file` (its upload), `save`, and `storage` (what files take here; clearing old ones). */
import { resolve } from 'node:path';
import { ServiceError } from '../../../shared/errors.js';
import { LIMITS } from '../../../shared/schemas.js';
import type { MeowService } from '../../../shared/service.js';
import type { MessageView } from '../../../shared/views.js';
import type { CliContext } from '../context.js';
import { str, type CommandSpec } from '../spec.js';
import { resolveContact, whole } from './resolve.js';

function size(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

/** Progress of the files going up or down, on a terminal only (one line rewritten). */
function progressLine(ctx: CliContext, s: MeowService): () => void {
  if (ctx.json || !process.stderr.isTTY) return () => undefined;
  const off = s.on('file:progress', (p) => {
    const pct = p.total ? Math.floor((p.done / p.total) * 100) : 100;
    process.stderr.write(`\r${p.direction === 'up' ? 'uploading' : 'downloading'} ${p.name}: ${pct}%   `);
  });
  return () => {
    off();
    process.stderr.write('\r\x1b[K');
  };
}

export async function sendFiles(
  ctx: CliContext,
  s: MeowService,
  contactId: string,
  paths: string[],
  caption: string,
): Promise<MessageView> {
  if (paths.length > LIMITS.filesPerMessage)
    throw new ServiceError('BAD_INPUT', {
      field: '--file',
      reason: `at most ${LIMITS.filesPerMessage} files`,
    });
  const done = progressLine(ctx, s);
  try {
    return await s.sendFiles(contactId, { files: paths.map((p) => ({ path: resolve(p) })), caption });
  } finally {
    done();
  }
}

/** The message with this id (or a unique start of it, 8 characters at least), in any conversation. */
async function findMessage(s: MeowService, ref: string): Promise<MessageView> {
  if (ref.length < 8) throw new ServiceError('UNKNOWN_MESSAGE', { message: ref });
  const found: MessageView[] = [];
  for (const c of await s.contacts()) {
    let before: string | undefined;
    for (;;) {
      const page = await s.messages(
        c.id,
        before ? { before, limit: LIMITS.pageLimit } : { limit: LIMITS.pageLimit },
      );
      found.push(...page.filter((m) => m.id === ref || m.id.startsWith(ref)));
      if (page.length < LIMITS.pageLimit) break;
      before = page[0]!.cursor;
    }
  }
  const exact = found.find((m) => m.id === ref);
  if (exact) return exact;
  if (found.length !== 1) throw new ServiceError('UNKNOWN_MESSAGE', { message: ref });
  return found[0]!;
}

export const save: CommandSpec = {
  name: 'save',
  synopsis: 'MESSAGE [DIR] [--index N]',
  summary: "save a message's files into DIR (default: Downloads), downloading them if needed",
  help: [
    'MESSAGE is the id `meow messages --json` shows (uuid), or its first 8 characters or more.',
    'Each file is checked against its digest before anything is written; names are made safe',
    '(no folders, no reserved names) and never overwrite a file: "name (2).ext" instead.',
    '--index N saves only the Nth file (1 = the first).',
  ],
  options: { index: { type: 'string' } },
  positionals: ['MESSAGE', '[DIR]'],
  async run(ctx, args) {
    const [ref, dirArg] = args.positionals as [string, string | undefined];
    const only = whole(str(args, 'index'), 'save: --index', 1);
    const s = await ctx.open();
    const m = await findMessage(s, ref);
    if (!m.attachments.length) throw new ServiceError('UNKNOWN_FILE', { message: m.id, index: 0 });
    const which = only !== undefined ? [only - 1] : m.attachments.map((a) => a.index);
    const done = progressLine(ctx, s);
    const saved: { name: string; size: number; path: string }[] = [];
    try {
      for (const i of which) {
        const a = m.attachments[i];
        if (!a) throw new ServiceError('UNKNOWN_FILE', { message: m.id, index: i });
        const { path } = await s.saveFile(m.contactId, m.id, i, dirArg ? resolve(dirArg) : undefined);
        saved.push({ name: a.name, size: a.size, path });
      }
    } finally {
      done();
    }
    ctx.out(() => saved.map((f) => `Saved ${f.name} (${size(f.size)}) to ${f.path}`).join('\n'), saved);
  },
};

export const storage: CommandSpec = {
  name: 'storage',
  synopsis: '[--clear-older-than DAYS] [--contact NAME]',
  summary: "what each conversation's files take on this computer; clear old ones",
  help: [
    'Lists each conversation that keeps files here, the largest first.',
    '--clear-older-than DAYS removes the files of messages older than DAYS days (0: all) from',
    'this computer, in every conversation or only --contact NAME. The messages stay; their',
    'files download again when asked for, as long as the message server keeps them.',
  ],
  options: { 'clear-older-than': { type: 'string' }, contact: { type: 'string' } },
  positionals: [],
  async run(ctx, args) {
    const days = whole(str(args, 'clear-older-than'), 'storage: --clear-older-than');
    const name = str(args, 'contact');
    const s = await ctx.open();
    const contactId = name ? (await resolveContact(s, name)).id : undefined;
    if (days !== undefined) {
      const cleared = await s.clearMedia({ olderThanDays: days, ...(contactId ? { contactId } : {}) });
      ctx.out(() => `Removed ${cleared.files} files (${size(cleared.bytes)}) from this computer.`, cleared);
      return;
    }
    const usage = (await s.fileUsage()).filter((u) => !contactId || u.contactId === contactId);
    ctx.out(
      () =>
        usage.length
          ? usage.map((u) => `${u.name}: ${u.files} files, ${size(u.bytes)}`).join('\n')
          : 'No files are kept on this computer.',
      usage,
    );
  },
};
