/** send, messages, sync, run */
import type { Server } from 'node:net';
import type { Messenger } from '../../core/messenger/messenger.js';
import { flagValue, parseArgs, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { messageJson, messageLine } from '../output.js';

export async function cmdSend(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, {});
  const [contact, ...words] = args.positionals;
  if (!contact || words.length === 0) throw new UsageError('send: CONTACT and TEXT are required');
  await ctx.withMessenger(async (m) => {
    const msg = await m.send(contact, words.join(' '));
    const how =
      msg.state === 'pending_forward'
        ? 'your other device will send it'
        : '`meow sync` (or a running `meow run`) sends it';
    ctx.out(`Queued (${msg.state.replace('_', ' ')}); ${how}.`, messageJson(msg));
  });
}

export async function cmdMessages(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { 'mark-read': 'bool', limit: 'value' });
  const contact = args.positionals[0];
  if (!contact) throw new UsageError('messages: CONTACT is required');
  const limit = flagValue(args, 'limit');
  if (limit !== undefined && !/^\d+$/.test(limit))
    throw new UsageError('messages: --limit takes a whole number');
  await ctx.withMessenger(async (m) => {
    const peer = m.findContact(contact);
    if (args.flags.has('mark-read')) {
      await m.markRead(peer.uid);
      await m
        .flushOutbox()
        .catch((e: unknown) => ctx.log.warn('could not send read receipts now', { error: String(e) }));
    }
    const list = m.messages(peer.uid, { limit: limit ? Number(limit) : undefined });
    const deviceName = (uid: string) => m.devices.get(uid)?.name ?? 'another device';
    ctx.out(
      () =>
        list.length
          ? list
              .map((x) => messageLine(x, peer.name, x.waitingFor ? deviceName(x.waitingFor) : undefined))
              .join('\n')
          : 'No messages yet.',
      list.map(messageJson),
    );
  });
}

export async function cmdSync(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { wait: 'value' });
  const wait = Number(flagValue(args, 'wait') ?? '0');
  if (!Number.isFinite(wait) || wait < 0) throw new UsageError('sync: --wait takes a number of seconds');
  await ctx.withMessenger(async (m) => {
    const r = await m.sync({ waitMs: wait * 1000 });
    const waiting = m.db.outboxSize();
    ctx.out(
      `Sent ${r.sent}, received ${r.received} (messages, receipts and device sync)${waiting ? `; ${waiting} waiting to be sent` : ''}.`,
      { ...r, waiting },
    );
  });
}

/** `run`: online until SIGINT/SIGTERM; `serve` opens the control socket other terminals use. */
export async function cmdRun(
  ctx: CliContext,
  argv: string[],
  serve: (m: Messenger, password: string) => Server,
): Promise<void> {
  parseArgs(argv, {});
  await ctx.withMessenger(async (m) => {
    m.on('message', (msg) => {
      if (msg.outbound) return;
      const name = m.peers.get(msg.peerUid)?.name ?? msg.peerUid;
      ctx.out(() => messageLine(msg, name), { event: 'message', contact: msg.peerUid, ...messageJson(msg) });
    });
    const control = serve(m, await ctx.password(''));
    m.start();
    if (!ctx.json)
      ctx.note('online; other `meow` commands on this profile run through this process. Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await new Promise<void>((resolve) => control.close(() => resolve()));
    await m.stop();
  });
}
