/** pair new | accept | status, devices [unlink | make-primary], servers add */
import { devicesOf } from '../../core/devices/install.js';
import { listDevices, unlinkDevice } from '../../core/devices/management.js';
import type { PairingView } from '../../core/devices/pairing.js';
import { MeowError } from '../../core/errors.js';
import { IdentityFile } from '../../core/identity/identity.js';
import { Messenger } from '../../core/messenger/messenger.js';
import { flagValue, parseArgs, requireFlag, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { confirm, readPassword } from '../password.js';
import { terminalQr } from './contacts.js';
import { kdfCost } from './identity.js';

function pairingLine(p: PairingView): string {
  switch (p.phase) {
    case 'waiting':
      return `waiting: open the link on your other device (valid until ${new Date(p.expiresAt).toLocaleTimeString()})`;
    case 'code':
      return p.role === 'new'
        ? `code ${p.code}: check that your other device shows the same code, and confirm there`
        : `code ${p.code}: waiting for your confirmation here (meow pair accept … --yes, or answer the prompt)`;
    case 'syncing':
      return `syncing with "${p.name}": ${p.done}/${p.total}`;
    case 'done':
      return `done: "${p.name}" is linked`;
    case 'refused':
      return `refused or expired: start again with \`meow pair new\``;
  }
}

async function cmdPairNew(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { server: 'value', 'device-name': 'value' });
  let m: Messenger;
  if (IdentityFile.exists(ctx.profile)) {
    m = await ctx.open();
  } else {
    const server = requireFlag(args, 'server', 'pair new');
    const password = await readPassword(`New password for ${ctx.profile}: `, { confirm: true });
    m = await Messenger.create(
      ctx.profile,
      password,
      {
        nickname: '',
        serverUrl: server,
        deviceName: flagValue(args, 'device-name'),
        logN: kdfCost(),
        pairingPending: true,
      },
      { relays: ctx.relays, log: ctx.log },
    );
  }
  try {
    const { link, device } = await devicesOf(m).pairing.init();
    if (ctx.json) ctx.out('', { link, device: device.uid, expiresAt: device.invitationExpiresAt });
    else {
      process.stdout.write(await terminalQr(link));
      process.stdout.write(
        `On the device that has your contacts, scan this or run: meow pair accept LINK\n` +
          `Valid until ${new Date(device.invitationExpiresAt).toLocaleTimeString()}. Then: meow pair status\n${link}\n`,
      );
    }
  } finally {
    await m.close();
  }
}

async function cmdPairAccept(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { 'device-name': 'value', yes: 'bool', 'history-days': 'value' });
  const link = args.positionals[0];
  if (!link) throw new UsageError('pair accept: the pairing LINK is required');
  const historyDays = flagValue(args, 'history-days');
  if (historyDays !== undefined && !/^\d+$/.test(historyDays))
    throw new UsageError('pair accept: --history-days takes a whole number');
  const m = await ctx.open();
  try {
    const { pairing } = devicesOf(m);
    const { device, code } = await pairing.accept(link, { deviceName: flagValue(args, 'device-name') });
    await m.flushOutbox();
    if (!ctx.json)
      process.stdout.write(
        `Safety code: ${code}\nYour new device "${device.name}" must show the same code.\n`,
      );
    const yes = args.flags.has('yes') || (await confirm(`Does "${device.name}" show ${code}?`));
    if (!yes) {
      await pairing.refuse(device.uid);
      throw new MeowError('PAIRING', 'Pairing cancelled: nothing was sent to the new device.');
    }
    const next = await pairing.confirm(device.uid, {
      historyDays: historyDays ? Number(historyDays) : undefined,
    });
    await m.flushOutbox();
    const left = m.db.outboxCount('device', device.uid);
    ctx.out(
      `Confirmed. Sending ${next.pairing!.total} items to "${device.name}"${left ? ` (${left} messages still to post: keep \`meow run\` or \`meow sync\` going)` : ''}.`,
      {
        device: device.uid,
        name: device.name,
        code,
        confirmed: true,
        total: next.pairing!.total,
        waiting: left,
      },
    );
  } finally {
    await m.close();
  }
}

async function cmdPairStatus(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { wait: 'value' });
  const m = await ctx.open();
  try {
    await m.sync({ waitMs: Number(flagValue(args, 'wait') ?? '0') * 1000 });
    const views = devicesOf(m).pairing.status();
    const latest = views[0];
    ctx.out(
      latest ? pairingLine(latest) : 'No pairing in progress: `meow pair new` on the new device.',
      latest ? { ...latest, all: views } : { phase: 'none', all: [] },
    );
  } finally {
    await m.close();
  }
}

export async function cmdPair(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'new') return cmdPairNew(ctx, rest);
  if (sub === 'accept') return cmdPairAccept(ctx, rest);
  if (sub === 'status') return cmdPairStatus(ctx, rest);
  throw new UsageError('pair: new | accept LINK | status');
}

export async function cmdDevices(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const m = await ctx.open();
  try {
    const { sync } = devicesOf(m);
    if (sub === 'unlink') {
      const ref = parseArgs(rest, {}).positionals[0];
      if (!ref) throw new UsageError('devices unlink: DEVICE is required');
      const { device, primaryFor } = await unlinkDevice(sync, ref);
      const warn = primaryFor
        ? ` It was the primary for ${primaryFor} contact(s): re-invite them from here.`
        : '';
      ctx.out(`Unlinked "${device.name}".${warn}`, {
        uid: device.uid,
        name: device.name,
        unlinked: true,
        primaryFor,
      });
      return;
    }
    if (sub === 'make-primary') {
      const ref = parseArgs(rest, {}).positionals[0];
      const r = await sync.requestPrimary(ref);
      await m.flushOutbox();
      ctx.out(
        r.contacts
          ? `Asked ${r.devices.join(', ')} to hand over ${r.contacts} contact(s); it happens when they are online.`
          : 'This device is already the primary for them.',
        r,
      );
      return;
    }
    if (sub !== undefined) throw new UsageError('devices: [unlink DEVICE | make-primary [CONTACT]]');
    const list = listDevices(sync);
    ctx.out(
      () =>
        list
          .map(
            (d) =>
              `${d.thisDevice ? '* ' : '  '}${d.name} — ${d.state}, primary for ${d.primaryFor}, last seen ${new Date(d.lastSeen).toLocaleString()}  [${d.uid}]`,
          )
          .join('\n'),
      list.map((d) => ({
        uid: d.uid,
        name: d.name,
        lastSeen: d.lastSeen,
        primaryFor: d.primaryFor,
        state: d.state,
        thisDevice: d.thisDevice,
      })),
    );
  } finally {
    await m.close();
  }
}

export async function cmdServers(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  const m = await ctx.open();
  try {
    if (sub === 'add') {
      const url = parseArgs(rest, {}).positionals[0];
      if (!url) throw new UsageError('servers add: URL is required');
      await m.addServer(url);
    } else if (sub !== undefined) throw new UsageError('servers: [add URL]');
    const servers = m.identity.servers;
    ctx.out(
      servers.map((s) => `${s.url}${s.name ? ` (${s.name})` : ''}`).join('\n'),
      servers.map((s) => ({ url: s.url, name: s.name })),
    );
  } finally {
    await m.close();
  }
}
