/** init, profile, servers, servers add */
import { ServiceError } from '../../../shared/errors.js';
import type { MeowService } from '../../../shared/service.js';
import type { ProfileView } from '../../../shared/views.js';
import type { CliContext } from '../context.js';
import { profileJson, time } from '../format.js';
import { flag, str, type CommandSpec } from '../spec.js';
import { readFile, stat } from 'node:fs/promises';
import { AVATAR_LIMITS } from '../../../shared/avatar.js';
import { CliError } from '../errors.js';
import { required } from './resolve.js';

export const init: CommandSpec = {
  name: 'init',
  synopsis: '--name NICK --server URL [--device-name NAME]',
  summary: 'create the identity; refuses if DIR already has one',
  help: [
    'NICK is the name your contacts see; NAME is what your devices call this one (default: the host name).',
    'The new password (MEOW_PASSWORD, else asked twice) needs at least 8 characters.',
  ],
  options: { name: { type: 'string' }, server: { type: 'string' }, 'device-name': { type: 'string' } },
  async run(ctx, args) {
    const nickname = required(args.values, 'name', 'init');
    const serverUrl = required(args.values, 'server', 'init');
    const { service, state } = await ctx.local();
    if (state.state !== 'new') throw new ServiceError('IDENTITY_EXISTS', { profile: ctx.profile });
    const password = await ctx.newPassword();
    const p = await service.createIdentity({
      nickname,
      password,
      serverUrl,
      deviceName: str(args, 'device-name'),
    });
    ctx.out(`Created ${p.nickname}'s profile in ${ctx.profile} (server ${p.servers[0]?.url ?? serverUrl}).`, {
      ...profileJson(p),
      profile: ctx.profile,
    });
  },
};

/** The picture file as base64 (the service checks it: AVATAR_INVALID); a file bigger than any picture is refused unread. */
async function avatarFile(path: string | undefined): Promise<string | undefined> {
  if (path === undefined) return undefined;
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new CliError(`Cannot read ${path}.`);
  }
  if (size > AVATAR_LIMITS.bytes) throw new ServiceError('AVATAR_INVALID', { problem: 'size' });
  return (await readFile(path)).toString('base64');
}

function profileText(p: ProfileView): string {
  return [
    `name:    ${p.nickname}`,
    `status:  ${p.status}`,
    `picture: ${p.avatar ? 'yes' : 'none (initials)'}`,
    `device:  ${p.deviceName}`,
    `servers: ${p.servers.map((s) => s.url).join(', ')}`,
    ...(p.unlinked ? [`This device was unlinked by "${p.unlinked.by}" on ${time(p.unlinked.at)}.`] : []),
  ].join('\n');
}

export const profile: CommandSpec = {
  name: 'profile',
  synopsis: '[--name N] [--status S] [--avatar FILE|--no-avatar]',
  summary: 'show or change the profile (contacts and my other devices learn it)',
  help: [
    'FILE: a square PNG or JPEG of at most 16 KB and 512 × 512 pixels (the app crops and shrinks',
    'any picture; here it is taken as it is). --no-avatar removes the picture (initials show).',
  ],
  options: {
    name: { type: 'string' },
    status: { type: 'string' },
    avatar: { type: 'string' },
    'no-avatar': { type: 'boolean' },
  },
  async run(ctx, args) {
    const s = await ctx.open();
    const name = str(args, 'name');
    const status = str(args, 'status');
    const avatar = flag(args, 'no-avatar') ? '' : await avatarFile(str(args, 'avatar'));
    const p =
      name !== undefined || status !== undefined || avatar !== undefined
        ? await s.updateProfile({
            ...(name !== undefined ? { nickname: name } : {}),
            ...(status !== undefined ? { status } : {}),
            ...(avatar !== undefined ? { avatar } : {}),
          })
        : await s.profile();
    ctx.out(() => profileText(p), {
      uid: p.deviceId,
      name: p.nickname,
      status: p.status,
      avatar: p.avatar !== '',
      deviceName: p.deviceName,
      servers: p.servers.map((x) => x.url),
    });
  },
};

function printServers(ctx: CliContext, p: ProfileView): void {
  ctx.out(
    p.servers.map((s) => `${s.url}${s.name ? ` (${s.name})` : ''}`).join('\n'),
    p.servers.map((s) => ({ url: s.url, name: s.name })),
  );
}

export const servers: CommandSpec = {
  name: 'servers',
  synopsis: '',
  summary: 'my message servers',
  async run(ctx) {
    const s: MeowService = await ctx.open();
    printServers(ctx, await s.profile());
  },
};

export const serversAdd: CommandSpec = {
  name: 'servers add',
  synopsis: 'URL',
  summary: 'add a message server (pinned from its card); my other devices learn it',
  positionals: ['URL'],
  async run(ctx, args) {
    const s = await ctx.open();
    printServers(ctx, await s.addServer(args.positionals[0]!));
  },
};
