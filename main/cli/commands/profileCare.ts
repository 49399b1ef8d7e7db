/** password, start-over: looking after this device's profile itself. */
import type { CommandSpec } from '../spec.js';

export const password: CommandSpec = {
  name: 'password',
  synopsis: '',
  summary: "change this device's password (my other devices keep their own)",
  help: [
    'The current password comes from MEOW_PASSWORD (else it is asked), the new one from',
    'MEOW_NEW_PASSWORD (else it is asked twice). The storage key is re-wrapped, not replaced:',
    'messages and files stay as they are. Each of your devices has its own password.',
  ],
  async run(ctx) {
    // Through a running `meow run` too: the profile stays open under the new password.
    const s = await ctx.open();
    const oldPassword = await ctx.password();
    const newPassword = await ctx.newPassword('MEOW_NEW_PASSWORD');
    await s.changePassword({ oldPassword, newPassword });
    ctx.out(`Password changed for ${ctx.profile} (this device only).`, {
      changed: true,
      profile: ctx.profile,
    });
  },
};

export const startOver: CommandSpec = {
  name: 'start-over',
  synopsis: '',
  summary: 'empty an unlinked computer, or one still waiting to be linked',
  help: [
    'Refused for a profile with contacts and history (one that is neither unlinked nor',
    'waiting to be linked): that would destroy them. Afterwards `meow init` or `meow pair new`.',
  ],
  async run(ctx) {
    const s = await ctx.open();
    await s.startOver();
    ctx.out(`Started over: ${ctx.profile} is empty (\`meow init\` or \`meow pair new\` next).`, {
      state: 'new',
      profile: ctx.profile,
    });
  },
};
