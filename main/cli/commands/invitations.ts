/** invite show, invite cancel: a pending invitation of this device, again or withdrawn. */
import type { CommandSpec } from '../spec.js';
import { printInvitation } from './contacts.js';
import { resolveContact } from './resolve.js';

export const inviteShow: CommandSpec = {
  name: 'invite show',
  synopsis: 'CONTACT',
  summary: 'the pending invitation made here for CONTACT, again (QR and link)',
  positionals: ['CONTACT'],
  async run(ctx, args) {
    const s = await ctx.open();
    const c = await resolveContact(s, args.positionals[0]!);
    await printInvitation(ctx, c.name, await s.invitation(c.id));
  },
};

export const inviteCancel: CommandSpec = {
  name: 'invite cancel',
  synopsis: 'CONTACT',
  summary: 'cancel a pending invitation: its link is refused from now on',
  help: ['The contact goes with it, unless it was invited again after an unlink (its conversation stays).'],
  positionals: ['CONTACT'],
  async run(ctx, args) {
    const s = await ctx.open();
    const c = await resolveContact(s, args.positionals[0]!);
    const { removed } = await s.cancelInvitation(c.id);
    ctx.out(
      removed
        ? `Invitation for ${c.name} cancelled; the link no longer works.`
        : `Invitation for ${c.name} cancelled; the link no longer works (the conversation stays).`,
      { cancelled: true, removed, uid: c.id },
    );
  },
};
