/** pair new | accept | confirm | refuse | status, devices [unlink | make-primary] */
import { findDevice, listDevices, unlinkDevice } from '../../core/devices/management.js';
import type { PairingView } from '../../core/devices/pairing.js';
import { MeowError } from '../../core/errors.js';
import { IdentityFile } from '../../core/identity/identity.js';
import type { Messenger } from '../../core/messenger/messenger.js';
import { CliError, flagValue, parseArgs, requireFlag, UsageError } from '../args.js';
import type { CliContext } from '../context.js';
import { terminalQr } from './contacts.js';
import { createProfile } from './identity.js';

function pairingLine(p: PairingView): string {
  switch (p.phase) {
    case 'waiting':
      return `waiting: open the link on the device that has your contacts (valid until ${new Date(p.expiresAt).toLocaleTimeString()})`;
    case 'code':
      return p.role === 'new'
        ? `code ${p.code}: check that your other device shows the same code, then \`meow pair confirm\` here and there`
        : `code ${p.code}: compare it with the new device, then \`meow pair confirm\` (or \`meow pair refuse\`)`;
    case 'syncing':
      return `syncing with "${p.name}": ${p.done}/${p.total}`;
    case 'done':
      return `done: "${p.name}" is linked`;
    case 'refused':
      return `refused or expired: start again with \`meow pair new\``;
  }
}

function secondsFlag(v: string | undefined, what: string): number {
  const n = Number(v ?? '0');
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${what} takes a number of seconds`);
  return n;
}

/** Syncs and prints each new pairing state until done/refused or `waitS` passes. */
async function followPairing(ctx: CliContext, m: Messenger, waitS: number): Promise<PairingView | undefined> {
  const deadline = Date.now() + waitS * 1000;
  let last = '';
  for (;;) {
    const left = deadline - Date.now();
    await m.sync({ waitMs: Math.max(0, Math.min(left, 5000)) });
    const view = m.pairing.status()[0];
    const line = view ? pairingLine(view) : '';
    if (line && line !== last && !ctx.json) ctx.out(line, null);
    last = line;
    if (!view || view.phase === 'done' || view.phase === 'refused' || Date.now() >= deadline) return view;
  }
}

async function cmdPairNew(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { server: 'value', 'device-name': 'value', wait: 'value' });
  const wait = secondsFlag(flagValue(args, 'wait'), 'pair new: --wait');
  const go = async (m: Messenger) => {
    const { link, device } = await m.pairing.init();
    if (ctx.json) ctx.out('', { link, device: device.uid, expiresAt: device.invitationExpiresAt });
    else {
      ctx.print(await terminalQr(link));
      ctx.print(
        `On the device that has your contacts: scan this, or run  meow pair accept LINK\n` +
          `Valid until ${new Date(device.invitationExpiresAt).toLocaleTimeString()}. Both devices will show a safety code to compare.\n${link}\n`,
      );
    }
    if (wait > 0) await followPairing(ctx, m, wait);
  };
  if (IdentityFile.exists(ctx.profile)) return ctx.withMessenger(go);
  const m = await createProfile(ctx, {
    nickname: '',
    serverUrl: requireFlag(args, 'server', 'pair new'),
    deviceName: flagValue(args, 'device-name'),
    pairingPending: true,
  });
  try {
    await go(m);
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
  await ctx.withMessenger(async (m) => {
    const { pairing } = m;
    const { device } = await pairing.accept(link, {
      historyDays: historyDays ? Number(historyDays) : undefined,
    });
    // The code exists once the new device has revealed its nonce (docs/pairing.md).
    if (!ctx.json) ctx.note(`Answered "${device.name}"; waiting for it to show the safety code…`);
    const deadline = Date.now() + 120_000;
    let view = pairing.status().find((v) => v.device === device.uid);
    while (view?.phase === 'waiting' && Date.now() < deadline) {
      await m.sync({ waitMs: 2000 });
      view = pairing.status().find((v) => v.device === device.uid);
    }
    if (view?.phase !== 'code')
      throw new CliError(
        view?.phase === 'refused'
          ? 'Pairing refused: the answer does not match the link (was the link swapped?).'
          : 'The new device did not answer in time: keep `meow pair new --wait` running there, and try again.',
      );
    const code = view.code;
    if (!ctx.json)
      ctx.print(
        `Safety code: ${code}\nThe new device "${device.name}" shows a code too: they must be the same.\n`,
      );
    let yes = args.flags.has('yes');
    if (!yes && ctx.io.interactive) {
      yes = await ctx.confirm(`Does "${device.name}" show ${code}?`);
      if (!yes) {
        await pairing.refuse(device.uid);
        throw new CliError('Pairing refused: nothing private was sent to the new device.', 'PAIRING_REFUSED');
      }
    }
    if (!yes) {
      ctx.out(
        `Not confirmed yet: compare the codes, then run \`meow pair confirm\` (or \`meow pair refuse\`).`,
        {
          device: device.uid,
          name: device.name,
          code,
          confirmed: false,
        },
      );
      return;
    }
    await confirmAndSend(ctx, m, device.uid, historyDays ? Number(historyDays) : undefined, code);
  });
}

async function confirmAndSend(
  ctx: CliContext,
  m: Messenger,
  ref: string | undefined,
  historyDays: number | undefined,
  code?: string,
): Promise<void> {
  const next = await m.pairing.confirm(ref, { historyDays });
  await m.flushOutbox().catch(() => undefined);
  const left = m.db.outboxCount('device', next.uid);
  if (!next.pairing!.confirmed) {
    ctx.out(`Confirmed here; "${next.name}" must confirm the same code too, then everything is sent.`, {
      device: next.uid,
      name: next.name,
      code: code ?? next.pairing!.code,
      confirmed: true,
      total: 0,
      waiting: left,
    });
    return;
  }
  ctx.out(
    `Confirmed. Sending ${next.pairing!.total} items to "${next.name}"${left ? ` (${left} messages still to post: keep \`meow run\` or \`meow sync\` going)` : ''}.`,
    {
      device: next.uid,
      name: next.name,
      code: code ?? next.pairing!.code,
      confirmed: true,
      total: next.pairing!.total,
      waiting: left,
    },
  );
}

async function cmdPairConfirm(ctx: CliContext, argv: string[], refuse: boolean): Promise<void> {
  const args = parseArgs(argv, { 'history-days': 'value' });
  const ref = args.positionals[0];
  const historyDays = flagValue(args, 'history-days');
  await ctx.withMessenger(async (m) => {
    // On the new device: its own confirmation (or refusal) of the code.
    const onNew = m.pairing
      .status()
      .find((v) => v.role === 'new' && v.phase === 'code' && (!ref || v.device === ref || v.name === ref));
    if (onNew && m.identity.pairingPending) {
      if (refuse) await m.pairing.refuseOnNewDevice(onNew.device);
      else await m.pairing.confirmOnNewDevice(onNew.device);
      await m.flushOutbox().catch(() => undefined);
      ctx.out(
        refuse
          ? 'Pairing refused.'
          : `Confirmed: "${onNew.name}" sends your contacts once it has confirmed too.`,
        refuse ? { refused: true } : { device: onNew.device, code: onNew.code, confirmed: true },
      );
      return;
    }
    if (refuse) {
      await m.pairing.refuse(ref);
      ctx.out('Pairing refused: nothing private was sent to the new device.', { refused: true });
    } else {
      await confirmAndSend(ctx, m, ref, historyDays ? Number(historyDays) : undefined);
    }
  });
}

async function cmdPairStatus(ctx: CliContext, argv: string[]): Promise<void> {
  const args = parseArgs(argv, { wait: 'value' });
  const wait = secondsFlag(flagValue(args, 'wait'), 'pair status: --wait');
  await ctx.withMessenger(async (m) => {
    const unlinked = m.identity.unlinked;
    if (unlinked) {
      ctx.out(`This device was unlinked by "${unlinked.by}" on ${new Date(unlinked.at).toLocaleString()}.`, {
        phase: 'unlinked',
        by: unlinked.by,
        at: unlinked.at,
      });
      return;
    }
    const latest = wait > 0 ? await followPairing(ctx, m, wait) : (await m.sync(), m.pairing.status()[0]);
    const views = m.pairing.status();
    if (ctx.json) ctx.out('', latest ? { ...latest, all: views } : { phase: 'none', all: [] });
    else if (wait === 0)
      ctx.out(
        latest ? pairingLine(latest) : 'No pairing in progress: `meow pair new` on the new device.',
        null,
      );
    else if (!latest) ctx.out('No pairing in progress: `meow pair new` on the new device.', null);
  });
}

export async function cmdPair(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'new') return cmdPairNew(ctx, rest);
  if (sub === 'accept') return cmdPairAccept(ctx, rest);
  if (sub === 'confirm') return cmdPairConfirm(ctx, rest, false);
  if (sub === 'refuse') return cmdPairConfirm(ctx, rest, true);
  if (sub === 'status') return cmdPairStatus(ctx, rest);
  throw new UsageError('pair: new | accept LINK | confirm | refuse | status');
}

export async function cmdDevices(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== undefined && sub !== 'unlink' && sub !== 'make-primary') {
    throw new UsageError('devices: [unlink DEVICE | make-primary [CONTACT]]');
  }
  await ctx.withMessenger(async (m) => {
    const sync = m.deviceSync;
    if (sub === 'unlink') {
      const args = parseArgs(rest, { yes: 'bool', force: 'bool' });
      const ref = args.positionals[0];
      if (!ref) throw new UsageError('devices unlink: DEVICE is required');
      const device = findDevice(sync, ref);
      const primaryFor = m.peers.all().filter((c) => c.primaryDeviceUid === device.uid).length;
      if (primaryFor && !args.flags.has('force')) {
        throw new MeowError('DEVICE_IS_PRIMARY', { device: device.name, contacts: primaryFor });
      }
      const yes =
        args.flags.has('yes') ||
        (await ctx.confirm(`Unlink "${device.name}"? It will stop receiving your messages.`));
      if (!yes) throw new CliError('Not unlinked: confirm with --yes.');
      await unlinkDevice(sync, device.uid);
      ctx.out(`Unlinked "${device.name}".`, {
        uid: device.deviceId,
        name: device.name,
        unlinked: true,
        primaryFor,
      });
      return;
    }
    if (sub === 'make-primary') {
      const ref = parseArgs(rest, {}).positionals[0];
      const r = await sync.requestPrimary(ref);
      await m.flushOutbox().catch(() => undefined);
      ctx.out(
        r.contacts
          ? `Asked ${r.devices.join(', ')} to hand over ${r.contacts} contact(s); it happens when ${r.devices.length > 1 ? 'they are' : 'it is'} online (then sync here).`
          : 'This device is already the primary for them.',
        r,
      );
      return;
    }
    const list = listDevices(sync);
    ctx.out(
      () =>
        list
          .map(
            (d) =>
              `${d.thisDevice ? '* ' : '  '}${d.name} — ${d.state}, primary for ${d.primaryFor} contact(s)` +
              `${d.thisDevice ? '' : `, last seen ${new Date(d.lastSeen).toLocaleString()}`}  [${d.uid}]`,
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
  });
}
