/** init, profile, servers */
import { DEFAULT_LOG_N } from '../../core/identity/passwordBox.js';
import { Messenger } from '../../core/messenger/messenger.js';
import { CliError, flagValue, parseArgs, requireFlag, UsageError } from '../args.js';
import type { CliContext } from '../context.js';

/** scrypt cost for new profiles; MEOW_KDF_LOGN lowers it for scripted test profiles. */
export function kdfCost(env: NodeJS.ProcessEnv): number {
  const v = env['MEOW_KDF_LOGN'];
  if (!v) return DEFAULT_LOG_N;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 10 || n > 22)
    throw new CliError('MEOW_KDF_LOGN must be an integer from 10 to 22.');
  return n;
}

/** A new profile (a full identity, or a blank one waiting to be paired). */
export async function createProfile(
  ctx: CliContext,
  init: { nickname: string; serverUrl: string; deviceName?: string; pairingPending?: boolean },
): Promise<Messenger> {
  const password = await ctx.password(`New password for ${ctx.profile}: `, { confirm: true });
  const m = await Messenger.create(
    ctx.profile,
    password,
    { ...init, logN: kdfCost(ctx.io.env) },
    { relays: ctx.relays, log: ctx.log },
  );
  return m;
}

export async function cmdInit(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { name: 'value', server: 'value', 'device-name': 'value' });
  const nickname = requireFlag(args, 'name', 'init');
  const serverUrl = requireFlag(args, 'server', 'init');
  const m = await createProfile(ctx, { nickname, serverUrl, deviceName: flagValue(args, 'device-name') });
  const id = m.identity;
  await m.close();
  ctx.out(`Created ${nickname}'s profile in ${ctx.profile} (server ${id.servers[0]!.url}).`, {
    uid: id.uid,
    name: id.nickname,
    profile: ctx.profile,
    servers: id.servers.map((s) => s.url),
  });
}

export async function cmdProfile(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { name: 'value', status: 'value' });
  await ctx.withMessenger(async (m) => {
    const name = flagValue(args, 'name');
    const status = flagValue(args, 'status');
    if (name !== undefined || status !== undefined) {
      await m.updateProfile({ nickname: name, status });
      await m.flushOutbox().catch(() => undefined); // contacts and my other devices learn it now if they can
    }
    const id = m.identity;
    ctx.out(
      () =>
        [
          `name:    ${id.nickname}`,
          `status:  ${id.status}`,
          `device:  ${id.deviceName}`,
          `servers: ${id.servers.map((s) => s.url).join(', ')}`,
          ...(id.unlinked
            ? [
                `This device was unlinked by "${id.unlinked.by}" on ${new Date(id.unlinked.at).toLocaleString()}.`,
              ]
            : []),
        ].join('\n'),
      {
        uid: id.uid,
        name: id.nickname,
        status: id.status,
        deviceName: id.deviceName,
        servers: id.servers.map((s) => s.url),
      },
    );
  });
}

export async function cmdServers(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== undefined && sub !== 'add') throw new UsageError('servers: [add URL]');
  const url = sub === 'add' ? parseArgs(rest, {}).positionals[0] : undefined;
  if (sub === 'add' && !url) throw new UsageError('servers add: URL is required');
  await ctx.withMessenger(async (m) => {
    if (url) {
      await m.addServer(url);
      await m.flushOutbox().catch(() => undefined);
    }
    const servers = m.identity.servers;
    ctx.out(
      servers.map((s) => `${s.url}${s.name ? ` (${s.name})` : ''}`).join('\n'),
      servers.map((s) => ({ url: s.url, name: s.name })),
    );
  });
}
