/** init, profile */
import { Messenger } from '../../core/messenger/messenger.js';
import { DEFAULT_LOG_N } from '../../core/identity/passwordBox.js';
import { installDeviceSync } from '../../core/devices/install.js';
import { flagValue, parseArgs, requireFlag } from '../args.js';
import type { CliContext } from '../context.js';
import { readPassword } from '../password.js';

/** scrypt cost for new profiles; MEOW_KDF_LOGN lowers it for scripted test profiles. */
export function kdfCost(): number {
  const v = process.env['MEOW_KDF_LOGN'];
  if (!v) return DEFAULT_LOG_N;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 10 || n > 22)
    throw new Error('MEOW_KDF_LOGN must be an integer from 10 to 22');
  return n;
}

export async function cmdInit(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { name: 'value', server: 'value', 'device-name': 'value' });
  const nickname = requireFlag(args, 'name', 'init');
  const serverUrl = requireFlag(args, 'server', 'init');
  const password = await readPassword(`New password for ${ctx.profile}: `, { confirm: true });
  const m = await Messenger.create(
    ctx.profile,
    password,
    { nickname, serverUrl, deviceName: flagValue(args, 'device-name'), logN: kdfCost() },
    { relays: ctx.relays, log: ctx.log },
  );
  installDeviceSync(m);
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
  const m = await ctx.open();
  try {
    const name = flagValue(args, 'name');
    const status = flagValue(args, 'status');
    if (name !== undefined || status !== undefined) {
      await m.updateProfile({ nickname: name, status });
    }
    const id = m.identity;
    ctx.out(
      () =>
        [
          `name:    ${id.nickname}`,
          `status:  ${id.status}`,
          `device:  ${id.deviceName}`,
          `servers: ${id.servers.map((s) => s.url).join(', ')}`,
        ].join('\n'),
      {
        uid: id.uid,
        name: id.nickname,
        status: id.status,
        deviceName: id.deviceName,
        servers: id.servers.map((s) => s.url),
      },
    );
  } finally {
    await m.close();
  }
}
