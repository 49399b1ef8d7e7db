/** invite, accept, contacts, contact */
import QRCode from 'qrcode';
import type { Messenger } from '../../core/messenger/messenger.js';
import type { Peer } from '../../core/peers/peer.js';
import { flagValue, parseArgs, requireFlag, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { contactJson } from '../output.js';

export async function terminalQr(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'L' });
}

function summaryOf(m: Messenger, p: Peer) {
  return m.db.conversationSummaries().find((s) => s.peerUid === p.uid);
}

export async function cmdInvite(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { name: 'value', long: 'bool', message: 'value' });
  const name = requireFlag(args, 'name', 'invite');
  await ctx.withMessenger(async (m) => {
    const { link, peer } = await m.invite(name, {
      long: args.flags.has('long'),
      message: flagValue(args, 'message'),
    });
    if (ctx.json) {
      ctx.out('', { link, uid: peer.uid, expiresAt: peer.invitationExpiresAt });
      return;
    }
    ctx.print(await terminalQr(link));
    ctx.print(
      `Invitation for ${name}, valid until ${new Date(peer.invitationExpiresAt).toLocaleString()}.\n` +
        `${name} scans the code, or runs: meow accept LINK\n${link}\n`,
    );
  });
}

export async function cmdAccept(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { name: 'value' });
  const link = args.positionals[0];
  if (!link) throw new UsageError('accept: the invitation LINK is required');
  await ctx.withMessenger(async (m) => {
    const peer = await m.accept(link, flagValue(args, 'name') ?? '');
    await m.flushOutbox().catch(() => undefined); // the answer goes now if the relay is there
    const waiting = m.db.outboxCount('peer', peer.uid);
    ctx.out(
      `Added ${peer.name}.${waiting ? ' Your answer will be sent with the next `meow sync`.' : ' Your answer is on its way.'}`,
      contactJson(peer),
    );
  });
}

export async function cmdContacts(ctx: CliContext, argv: string[]): Promise<void> {
  parseArgs(argv, {});
  await ctx.withMessenger(async (m) => {
    const list = m.contacts();
    ctx.out(
      () =>
        list.length === 0
          ? 'No contacts yet: `meow invite --name NAME` or `meow accept LINK`.'
          : list
              .map((p) => {
                const s = summaryOf(m, p);
                const state =
                  p.state === 'invited' ? ' (invitation not answered yet)' : p.blocked ? ' (blocked)' : '';
                const unread = s?.unread ? ` — ${s.unread} unread` : '';
                return `${p.name}${state}${unread}  [${p.uid}]`;
              })
              .join('\n'),
      list.map((p) => contactJson(p, summaryOf(m, p))),
    );
  });
}

function onOff(v: string | undefined, flag: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new UsageError(`--${flag} takes on or off`);
}

/** `contact CONTACT [...]`: show or change one contact's settings. */
export async function cmdContact(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, {
    rename: 'value',
    block: 'bool',
    unblock: 'bool',
    'delivery-receipts': 'value',
    'read-receipts': 'value',
  });
  const ref = args.positionals[0];
  if (!ref) throw new UsageError('contact: CONTACT is required');
  if (args.flags.has('block') && args.flags.has('unblock'))
    throw new UsageError('contact: --block or --unblock, not both');
  const change = {
    name: flagValue(args, 'rename'),
    blocked: args.flags.has('block') ? true : args.flags.has('unblock') ? false : undefined,
    sendDeliveryAck: onOff(flagValue(args, 'delivery-receipts'), 'delivery-receipts'),
    sendProcessingAck: onOff(flagValue(args, 'read-receipts'), 'read-receipts'),
  };
  await ctx.withMessenger(async (m) => {
    const defined = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
    const peer = Object.keys(defined).length ? await m.updateContact(ref, defined) : m.findContact(ref);
    await m.flushOutbox().catch(() => undefined); // my other devices learn the change
    const s = summaryOf(m, peer);
    ctx.out(
      () =>
        [
          `${peer.name} (calls themselves "${peer.contactName}")${peer.blocked ? ' — blocked' : ''}`,
          ...(peer.status ? [`status: ${peer.status}`] : []),
          `delivery receipts: ${peer.sendDeliveryAck ? 'on' : 'off'}, read receipts: ${peer.sendProcessingAck ? 'on' : 'off'}`,
          `messages: ${s?.count ?? 0}${s?.unread ? `, ${s.unread} unread` : ''}`,
          `uid: ${peer.uid}`,
        ].join('\n'),
      contactJson(peer, s),
    );
  });
}
