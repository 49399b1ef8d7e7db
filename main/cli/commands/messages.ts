/** send, messages, sync, run */
import { flagValue, parseArgs, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { messageJson, messageLine } from '../output.js';

export async function cmdSend(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, {});
  const [contact, ...words] = args.positionals;
  if (!contact || words.length === 0) throw new UsageError('send: CONTACT and TEXT are required');
  const m = await ctx.open();
  try {
    const msg = await m.send(contact, words.join(' '));
    ctx.out(`Queued (${msg.state}); \`meow sync\` sends it.`, messageJson(msg));
  } finally {
    await m.close();
  }
}

export async function cmdMessages(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { 'mark-read': 'bool', limit: 'value' });
  const contact = args.positionals[0];
  if (!contact) throw new UsageError('messages: CONTACT is required');
  const limit = flagValue(args, 'limit');
  const m = await ctx.open();
  try {
    const peer = m.findContact(contact);
    if (args.flags.has('mark-read')) {
      await m.markRead(peer.uid);
      await m
        .flushOutbox()
        .catch((e: unknown) => ctx.log.warn('could not send read receipts now', { error: String(e) }));
    }
    const list = m.messages(peer.uid, { limit: limit ? Number(limit) : undefined });
    const deviceName = (uid: string) => m.devices.get(uid)?.name ?? uid;
    ctx.out(
      () =>
        list.length
          ? list
              .map((x) => messageLine(x, peer.name, x.waitingFor ? deviceName(x.waitingFor) : undefined))
              .join('\n')
          : 'No messages yet.',
      list.map(messageJson),
    );
  } finally {
    await m.close();
  }
}

export async function cmdSync(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { wait: 'value' });
  const wait = Number(flagValue(args, 'wait') ?? '0');
  if (!Number.isFinite(wait) || wait < 0) throw new UsageError('sync: --wait takes a number of seconds');
  const m = await ctx.open();
  try {
    const r = await m.sync({ waitMs: wait * 1000 });
    const waiting = m.db.outboxSize();
    ctx.out(`Sent ${r.sent}, received ${r.received}${waiting ? `, ${waiting} waiting` : ''}.`, {
      ...r,
      waiting,
    });
  } finally {
    await m.close();
  }
}

export async function cmdRun(ctx: CliContext, argv: string[]): Promise<void> {
  parseArgs(argv, {});
  const m = await ctx.open();
  m.on('message', (msg) => {
    if (msg.outbound) return;
    const name = m.peers.get(msg.peerUid)?.name ?? msg.peerUid;
    ctx.out(() => messageLine(msg, name), { event: 'message', contact: msg.peerUid, ...messageJson(msg) });
  });
  m.on('warning', (w) => ctx.log.warn(w));
  m.start();
  if (!ctx.json) process.stderr.write('Running; Ctrl-C to stop.\n');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await m.close();
}
