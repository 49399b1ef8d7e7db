/** export: a conversation, or every one, to a folder (JSON, a readable page, the files). */
import { str, type CommandSpec } from '../spec.js';
import { resolveContact } from './resolve.js';

export const exportCmd: CommandSpec = {
  name: 'export',
  synopsis: '[FOLDER] [--contact C]',
  summary: 'export your conversations (or one, --contact) to a new folder inside FOLDER (default: Downloads)',
  help: [
    'The new folder holds messages.json (for programs), index.html (open it in a browser) and files/.',
    'It is written whole or not at all: a folder that is not writable or a full disk leaves nothing there.',
  ],
  options: { contact: { type: 'string' } },
  positionals: ['[FOLDER]'],
  async run(ctx, args) {
    const s = await ctx.open();
    const ref = str(args, 'contact');
    const contactId = ref ? (await resolveContact(s, ref)).id : undefined;
    const folder = args.positionals[0];
    const r = await s.exportData({ ...(folder ? { folder } : {}), ...(contactId ? { contactId } : {}) });
    const missing = r.missingFiles ? ` (${r.missingFiles} not on this device)` : '';
    ctx.out(
      `Exported ${r.messages} messages of ${r.conversations} conversations and ${r.files} files${missing} to ${r.folder}`,
      r,
    );
  },
};
