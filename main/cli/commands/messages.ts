/** send, messages, sync, run */
import { ServiceError, isServiceError } from '../../../shared/errors.js';
import { LIMITS } from '../../../shared/schemas.js';
import type { MeowService } from '../../../shared/service.js';
import type { MessageView } from '../../../shared/views.js';
import { serveControlSocket, type ControlServer } from '../control.js';
import type { CliContext } from '../context.js';
import { messageJson, messageLine } from '../format.js';
import { flag, list, str, type CommandSpec } from '../spec.js';
import { sendFiles } from './files.js';
import { unreachableServer } from './contacts.js';
import { resolveContact, seconds, whole } from './resolve.js';

export const send: CommandSpec = {
  name: 'send',
  synopsis: 'CONTACT [--file PATH]... [--] [TEXT...]',
  summary: 'send now (queued while the server cannot be reached); TEXT up to 32 KiB',
  help: [
    'CONTACT is a name or an id (`meow contacts`); the words of TEXT are joined with spaces.',
    'A TEXT that starts with "-" goes after --:  meow send Bob -- -1 for me',
    'Prints the status it reached: sent, pending (the server could not be reached; `meow sync` or',
    '`meow run` sends it) or pending_forward (another device of yours talks to CONTACT and sends it).',
    '--file PATH (repeatable) sends files, TEXT then being their caption: each is checked against the',
    "server's largest file first, pictures (JPEG, PNG) lose their EXIF/GPS, everything is encrypted and",
    'uploaded once; CONTACT and your other devices fetch it from there (`meow save`).',
  ],
  options: { file: { type: 'string', multiple: true } },
  positionals: ['CONTACT', '[TEXT]...'],
  textFrom: 1,
  async run(ctx, args) {
    const [ref, ...words] = args.positionals as [string, ...string[]];
    const text = words.join(' ');
    if (Buffer.byteLength(text, 'utf8') > LIMITS.textBytes)
      throw new ServiceError('TEXT_TOO_LONG', { maxBytes: LIMITS.textBytes });
    const paths = list(args, 'file');
    const s = await ctx.open();
    const c = await resolveContact(s, ref);
    const m = paths.length ? await sendFiles(ctx, s, c.id, paths, text) : await s.send(c.id, text);
    ctx.out(ctx.json ? '' : await sendOutcome(ctx, s, c.name, m), messageJson(m));
  },
};

/** What became of a message just sent, in words. */
async function sendOutcome(ctx: CliContext, s: MeowService, name: string, m: MessageView): Promise<string> {
  if (m.failed) return `Not sent to ${name}: the server refused the message itself (${m.failed.reason}).`;
  switch (m.status) {
    case 'pending_forward':
      return `Queued for "${m.waitingFor?.name ?? 'another device'}", your device that talks to ${name}: it sends it when it is online.`;
    case 'pending': {
      const down = (await unreachableServer(s)) ?? 'your server';
      return ctx.remote
        ? `Queued: the server at ${down} cannot be reached now; the running \`meow run\` sends it as soon as it can.`
        : `Queued: the server at ${down} cannot be reached now; \`meow sync\` (or \`meow run\`) sends it later.`;
    }
    default:
      return `Sent to ${name}.`;
  }
}

/** The conversation, oldest first: everything, or the newest `limit` (the service pages it). */
async function conversation(s: MeowService, contactId: string, limit?: number): Promise<MessageView[]> {
  const all: MessageView[] = [];
  let before: string | undefined;
  for (;;) {
    const want = Math.min(LIMITS.pageLimit, (limit ?? Number.POSITIVE_INFINITY) - all.length);
    if (want <= 0) break;
    const page = await s.messages(contactId, before ? { before, limit: want } : { limit: want });
    all.unshift(...page);
    if (page.length < want) break;
    before = page[0]!.cursor;
  }
  return all;
}

export const messages: CommandSpec = {
  name: 'messages',
  synopsis: 'CONTACT [--mark-read] [--limit N] [--ids]',
  summary: 'the conversation, oldest first (--limit N: only the newest N)',
  help: [
    '--mark-read marks it read here; read receipts (if on for them) and your other devices follow.',
    '--ids starts each line with the message id (for reply, react, edit, delete).',
  ],
  options: { 'mark-read': { type: 'boolean' }, limit: { type: 'string' }, ids: { type: 'boolean' } },
  positionals: ['CONTACT'],
  async run(ctx, args) {
    const limit = whole(str(args, 'limit'), 'messages: --limit', 1);
    const s = await ctx.open();
    const c = await resolveContact(s, args.positionals[0]!);
    if (flag(args, 'mark-read')) await s.markRead(c.id);
    const list = await conversation(s, c.id, limit);
    ctx.out(
      () =>
        list.length
          ? list.map((m) => (flag(args, 'ids') ? `${m.id}  ` : '') + messageLine(m, c.name)).join('\n')
          : 'No messages yet.',
      list.map(messageJson),
    );
  },
};

export const sync: CommandSpec = {
  name: 'sync',
  synopsis: '[--wait SECONDS]',
  summary: 'send the outbox, pull, process, ack, repeat until nothing is left',
  help: ['--wait (up to 120 s): the first pull waits that long for something to arrive.'],
  options: { wait: { type: 'string' } },
  async run(ctx, args) {
    const wait = seconds(str(args, 'wait'), 'sync: --wait', LIMITS.waitMs / 1000);
    const s = await ctx.open();
    const r = await s.sync({ waitMs: Math.round(wait * 1000) });
    ctx.out(
      `Sent ${r.sent}, received ${r.received} (messages, receipts and device sync)${r.waiting ? `; ${r.waiting} waiting to be sent` : ''}.`,
      r,
    );
  },
};

export const run: CommandSpec = {
  name: 'run',
  synopsis: '',
  summary: 'stay online until SIGINT/SIGTERM; other meow commands on this profile run through it',
  help: [
    'Prints what arrives. Says "online" once the server answers; while it cannot be reached, says which',
    'one and keeps retrying. Meanwhile `meow send …` and the rest, in other terminals, go through this',
    'process (a socket in DIR only you can open, after the password); their questions stay there.',
  ],
  async run(ctx) {
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    const s = await ctx.open({ own: true });

    const names = new Map<string, string>();
    const nameOf = async (contactId: string) => {
      if (!names.has(contactId)) for (const c of await s.contacts()) names.set(c.id, c.name);
      return names.get(contactId) ?? contactId;
    };
    let printing = Promise.resolve();
    const shown = new Map<string, boolean>();
    const connection = (server: string, online: boolean, error = '') => {
      if (shown.get(server) === online) return;
      const again = shown.has(server);
      shown.set(server, online);
      if (ctx.json) ctx.out('', { event: 'connection', server, online, error });
      else if (online) ctx.note(`online${again ? ' again' : ''} (${server}).`);
      else ctx.note(`cannot reach the Meow server at ${server}; retrying in the background.`);
    };
    const offs = [
      s.on('message:stored', (m) => {
        if (m.outbound) return;
        printing = printing.then(async () => {
          const name = await nameOf(m.contactId).catch(() => m.contactId);
          ctx.out(() => messageLine(m, name), { event: 'message', contact: m.contactId, ...messageJson(m) });
        });
      }),
      s.on('contact:changed', (c) => void names.set(c.id, c.name)),
      s.on('notice', (n) => ctx.note(n.text)),
      s.on('connection', (c) => connection(c.server, c.online, c.error)),
    ];

    let control: ControlServer | null = null;
    try {
      control = await serveControlSocket(ctx.profile, s);
    } catch (e) {
      ctx.note(
        `could not open the control socket (${(e as Error).message}): other meow commands cannot use this profile while it runs.`,
      );
    }
    try {
      // One round first: it tells whether the server answers, and brings what waits.
      try {
        await s.sync();
      } catch (e) {
        if (!isServiceError(e) || e.code !== 'SERVER_UNREACHABLE') throw e;
        connection((e.params as { url: string }).url, false, e.message);
      }
      await s.setOnline(true);
      for (const c of await s.connections()) if (c.since > 0) connection(c.server, c.online, c.error);
      if (!ctx.json) {
        if (shown.size === 0)
          ctx.note('nothing to receive yet (no contacts or devices): it connects once there is something.');
        ctx.note(
          `${control ? 'other `meow` commands on this profile run through this process; ' : ''}Ctrl-C to stop.`,
        );
      }
      await stopped;
    } finally {
      offs.forEach((off) => off());
      await control?.close();
      await s.setOnline(false).catch(() => undefined);
      await printing;
    }
  },
};
