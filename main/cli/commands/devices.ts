/** pair new | accept | confirm | refuse | status; devices [rename | unlink | make-primary] */
import { ServiceError, isServiceError } from '../../../shared/errors.js';
import type { MeowService } from '../../../shared/service.js';
import type { PairingView } from '../../../shared/views.js';
import { CliError, UsageError } from '../errors.js';
import type { CliContext } from '../context.js';
import { deviceJson, deviceLine, pairingJson, pairingLine, time } from '../format.js';
import { flag, str, type CommandSpec } from '../spec.js';
import { terminalQr } from './contacts.js';
import { resolveContact, resolveDevice, seconds, whole } from './resolve.js';

const ENDED = new Set<PairingView['phase']>(['done', 'refused', 'expired']);
/** How long `pair accept` waits for the new device to show the code. */
const REVEAL_MS = 120_000;
/** How long a person who confirmed here is given to confirm on the other device. */
const OTHER_CONFIRM_MS = 10 * 60_000;
/** How long the sending to a new device may stall before the command leaves the rest to `run`/`sync`. */
const IDLE_MS = 15_000;

/** Runs the send and receive loops while `fn` runs, unless they run already (a `meow run`). */
async function withLoops<T>(s: MeowService, fn: () => Promise<T>): Promise<T> {
  const started = !(await s.appState()).online;
  if (started) await s.setOnline(true);
  try {
    return await fn();
  } finally {
    if (started) await s.setOnline(false);
  }
}

/** One pairing as its `pairing:progress` events move it (never polled). */
class PairingWatch {
  latest: PairingView;
  private wake: (() => void) | null = null;
  private readonly off: () => void;

  constructor(
    s: MeowService,
    first: PairingView,
    private readonly onChange: (v: PairingView) => void = () => undefined,
  ) {
    this.latest = first;
    this.off = s.on('pairing:progress', (v) => {
      if (v.id !== this.latest.id) return;
      this.latest = v;
      this.onChange(v);
      this.wake?.();
    });
  }

  /** Resolves true on the next change, false after `ms` without one. */
  next(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = null;
        resolve(false);
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve(true);
      };
    });
  }

  /** Waits until `done(latest)`, at most `ms` in all (`idle`: at most `ms` between two changes). */
  async until(done: (v: PairingView) => boolean, ms: number, idle = false): Promise<PairingView> {
    const deadline = Date.now() + ms;
    while (!done(this.latest)) {
      const left = idle ? ms : deadline - Date.now();
      if (left <= 0 || !(await this.next(left))) break;
    }
    return this.latest;
  }

  close(): void {
    this.off();
  }
}

/** Prints a pairing's states as they change (syncing progress at most once a second). */
function pairingPrinter(ctx: CliContext, write: (line: string) => void) {
  let last = '';
  let at = 0;
  return (v: PairingView) => {
    if (ctx.json) return;
    const line = pairingLine(v);
    if (line === last) return;
    if (v.phase === 'syncing' && v.done < v.total && Date.now() - at < 1000) return;
    last = line;
    at = Date.now();
    write(line);
  };
}

/**
 * Follows a pairing (the newest, or `id`) through its events until it ends or `waitS`
 * passes, printing each new state; the loops bring the other device's part. On the new
 * device, in a terminal, it asks whether the codes match when they are shown.
 */
async function followPairing(
  ctx: CliContext,
  s: MeowService,
  waitS: number,
  id?: string,
): Promise<PairingView | undefined> {
  const first = (await s.pairings()).find((p) => (id ? p.id === id : true));
  if (!first) return undefined;
  const show = pairingPrinter(ctx, (line) => ctx.out(line, null));
  const watch = new PairingWatch(s, first, show);
  try {
    show(first);
    if (ENDED.has(first.phase) || waitS <= 0) return first;
    const deadline = Date.now() + waitS * 1000;
    return await withLoops(s, async () => {
      let asked = false;
      while (!ENDED.has(watch.latest.phase) && Date.now() < deadline) {
        const v = watch.latest;
        if (!asked && v.role === 'new' && v.phase === 'code' && !v.confirmed && ctx.io.interactive) {
          asked = true;
          const yes = await ctx.ask(`Does "${v.deviceName}" show ${v.code}?`);
          if (yes) watch.latest = await s.pairConfirm(v.id);
          else {
            await s.pairRefuse(v.id);
            throw new CliError(
              'Pairing refused: this device accepts nothing from the other one.',
              'PAIRING_REFUSED',
            );
          }
          continue;
        }
        if (v.role === 'new' && v.phase === 'code' && !v.confirmed && !ctx.io.interactive && !ctx.remote) {
          // Nobody to ask here, and this command holds the profile: let it go, so that
          // `meow pair confirm` (which the line above names) can run.
          if (!ctx.json) ctx.print('this command ends here so that `meow pair confirm` can open the profile');
          return v;
        }
        await watch.next(deadline - Date.now());
      }
      return watch.latest;
    });
  } finally {
    watch.close();
  }
}

/**
 * Confirms a pairing on the device with the contacts. Everything goes once the new device's
 * person has confirmed too: with `waitForOther` (a person is here) it waits for that, then
 * follows the sending until done (or it stalls); otherwise it says what is left to do.
 */
async function confirmAndSend(
  ctx: CliContext,
  s: MeowService,
  pairing: PairingView,
  historyDays: number | undefined,
  waitForOther: boolean,
): Promise<void> {
  const show = pairingPrinter(ctx, (line) => ctx.note(line));
  const watch = new PairingWatch(s, pairing, show);
  let latest: PairingView;
  try {
    // Confirmed here already (an earlier `pair accept` was killed after confirming): follow it.
    latest = watch.latest = pairing.confirmed
      ? pairing
      : await s.pairConfirm(pairing.id, historyDays !== undefined ? { historyDays } : undefined);
    latest = await withLoops(s, async () => {
      if (watch.latest.phase === 'code' && waitForOther) {
        ctx.note(
          `Confirmed here; now confirm the same code on "${pairing.deviceName}" (\`meow pair confirm\` there).`,
        );
        await watch.until((v) => v.phase !== 'code', OTHER_CONFIRM_MS);
      }
      return watch.until((v) => v.phase !== 'syncing', IDLE_MS, true);
    });
  } finally {
    watch.close();
  }
  const name = latest.deviceName;
  if (latest.phase === 'code') {
    ctx.out(
      `Confirmed here; "${name}" must confirm the same code too (\`meow pair confirm\` there), then ${ctx.remote ? 'the running `meow run`' : '`meow run` or `meow sync` here'} sends everything.`,
      { device: latest.id, name, code: latest.code, confirmed: true, total: 0, waiting: 0 },
    );
    return;
  }
  const left = Math.max(0, latest.total - latest.done);
  const keepGoing = ctx.remote ? 'the running `meow run` sends them' : 'keep `meow run` or `meow sync` going';
  ctx.out(
    left === 0
      ? `Confirmed. Sent ${latest.total} items to "${name}".`
      : `Confirmed. Sending ${latest.total} items to "${name}" (${left} still to post: ${keepGoing}).`,
    { device: latest.id, name, code: latest.code, confirmed: true, total: latest.total, waiting: left },
  );
}

/** The pairing waiting for this side's confirmation: named (id or device name), else the newest. */
async function pendingPairing(s: MeowService, ref: string | undefined): Promise<PairingView> {
  const all = await s.pairings();
  const waiting = all.filter((p) => p.phase === 'code' && !p.confirmed);
  if (!ref) {
    const newest = waiting[0];
    if (!newest) throw new ServiceError('PAIRING_NOT_PENDING', {});
    return newest;
  }
  const found =
    waiting.find((p) => p.id === ref) ??
    waiting.find((p) => p.deviceName.toLowerCase() === ref.toLowerCase());
  if (found) return found;
  if (all.some((p) => p.id === ref || p.deviceName.toLowerCase() === ref.toLowerCase()))
    throw new ServiceError('PAIRING_NOT_PENDING', {});
  throw new ServiceError('PAIRING_UNKNOWN', { pairing: ref });
}

export const pairNew: CommandSpec = {
  name: 'pair new',
  synopsis: '--server URL [--device-name NAME] [--wait SECONDS]',
  summary: 'on the new machine: print the pairing link (last line); --wait then follows it',
  help: [
    'Run it in a new, empty profile folder: it creates a blank profile (new password: MEOW_PASSWORD,',
    'else asked) that the other device fills. NAME is what all your devices will call this one',
    '(default: the host name). On a profile waiting to be paired, it prints a fresh link. With --wait,',
    'in a terminal, it asks whether both devices show the same code when they do.',
  ],
  options: { server: { type: 'string' }, 'device-name': { type: 'string' }, wait: { type: 'string' } },
  async run(ctx, args) {
    const wait = seconds(str(args, 'wait'), 'pair new: --wait');
    const deviceName = str(args, 'device-name');
    const { service, state } = await ctx.local();
    let s: MeowService;
    let v: PairingView;
    if (state.state === 'new') {
      const serverUrl = str(args, 'server');
      if (!serverUrl)
        throw new UsageError('pair new: --server URL is required for a new profile', 'pair new');
      const password = await ctx.newPassword();
      s = service;
      v = await s.pairNew({ password, serverUrl, ...(deviceName ? { deviceName } : {}) });
    } else {
      s = await ctx.open();
      const p = await s.profile();
      if (!p.pairingPending) throw new ServiceError('PAIRING_HAS_IDENTITY', { profile: ctx.profile });
      if (deviceName && deviceName.trim() !== p.deviceName) await s.renameDevice(p.deviceId, deviceName);
      v = await s.pairNew({});
    }
    if (ctx.json) ctx.out('', { link: v.link, device: v.id, expiresAt: v.expiresAt });
    else {
      ctx.print(await terminalQr(v.link, ctx.io.stdoutTty === true));
      ctx.print(
        `On the device that has your contacts: scan this, or run  meow pair accept LINK\n` +
          `Valid until ${new Date(v.expiresAt).toLocaleTimeString()}. Both devices will show a safety code to compare.\n${v.link}\n`,
      );
    }
    if (wait > 0) await followPairing(ctx, s, wait, v.id);
  },
};

export const pairAccept: CommandSpec = {
  name: 'pair accept',
  synopsis: 'LINK [--yes] [--history-days N]',
  summary: 'on the machine with your contacts: show the safety code, ask, send everything',
  help: [
    'Waits for the new device to show the safety code (it must be following: `pair new --wait`, or',
    '`meow run` there), then asks (in this terminal, also while `meow run` holds this profile) whether',
    'both show the same. Everything is sent once it is confirmed on both devices. --yes: the codes were',
    'compared some other way. Without a terminal and without --yes the pairing waits for',
    '`meow pair confirm` (or `meow pair refuse`); --history-days N (default 90) is kept for it. The new',
    'device keeps the name it gave itself (`meow devices rename` changes it).',
  ],
  options: {
    yes: { type: 'boolean' },
    'history-days': { type: 'string' },
    'device-name': { type: 'string' },
  },
  positionals: ['LINK'],
  async run(ctx, args) {
    if (args.values['device-name'] !== undefined)
      throw new UsageError(
        'pair accept: --device-name is not needed: the new device names itself (`pair new --device-name NAME` there; `meow devices rename DEVICE NAME` later)',
        'pair accept',
      );
    const historyDays = whole(str(args, 'history-days'), 'pair accept: --history-days');
    const s = await ctx.open();
    const answered = await s.pairAccept({
      link: args.positionals[0]!,
      ...(historyDays !== undefined ? { historyDays } : {}),
    });
    // The code exists once the new device has revealed its nonce (docs/pairing.md).
    if (!ctx.json) ctx.note(`Answered "${answered.deviceName}"; waiting for it to show the safety code…`);
    const watch = new PairingWatch(s, answered);
    let v: PairingView;
    try {
      v = await withLoops(s, () => watch.until((p) => p.phase !== 'waiting', REVEAL_MS));
    } finally {
      watch.close();
    }
    if (v.phase === 'refused')
      throw new CliError(
        'Pairing refused: the answer does not match the link (was the link swapped?).',
        'PAIRING_REFUSED',
      );
    if (v.phase !== 'code')
      throw new CliError(
        `"${v.deviceName}" has not shown the code yet: keep \`meow pair new --wait 300\` (or \`meow run\`) going there, then \`meow pair confirm\` here.`,
        'PAIRING_WAITING',
      );
    if (!ctx.json)
      ctx.print(
        `Safety code: ${v.code}\nThe new device "${v.deviceName}" shows a code too: they must be the same.\n`,
      );
    let yes = flag(args, 'yes');
    let asked = false;
    if (!yes) {
      const answer = await ctx.ask(`Does "${v.deviceName}" show ${v.code}?`);
      if (answer === false) {
        await s.pairRefuse(v.id);
        throw new CliError('Pairing refused: nothing private was sent to the new device.', 'PAIRING_REFUSED');
      }
      yes = asked = answer === true;
    }
    if (!yes) {
      ctx.out('Not confirmed yet: compare the codes, then run `meow pair confirm` (or `meow pair refuse`).', {
        device: v.id,
        name: v.deviceName,
        code: v.code,
        confirmed: false,
      });
      return;
    }
    await confirmAndSend(ctx, s, v, undefined, asked);
  },
};

export const pairConfirm: CommandSpec = {
  name: 'pair confirm',
  synopsis: '[DEVICE] [--history-days N]',
  summary: 'confirm a pairing whose code you have compared, on either device (the newest, or DEVICE)',
  help: ['--history-days N overrides what `pair accept` was given (default 90).'],
  options: { 'history-days': { type: 'string' } },
  positionals: ['[DEVICE]'],
  async run(ctx, args) {
    const historyDays = whole(str(args, 'history-days'), 'pair confirm: --history-days');
    const s = await ctx.open();
    const v = await pendingPairing(s, args.positionals[0]);
    if (v.role === 'existing') return confirmAndSend(ctx, s, v, historyDays, ctx.io.interactive);
    const next = await s.pairConfirm(v.id);
    ctx.out(
      next.otherConfirmed
        ? `Confirmed; "${next.deviceName}" is sending everything (\`meow pair status --wait 60\` follows it).`
        : `Confirmed here; "${next.deviceName}" sends everything once it is confirmed there too.`,
      pairingJson(next),
    );
  },
};

export const pairRefuse: CommandSpec = {
  name: 'pair refuse',
  synopsis: '[DEVICE]',
  summary: 'refuse a pairing (the codes differ): nothing private is sent',
  positionals: ['[DEVICE]'],
  async run(ctx, args) {
    const s = await ctx.open();
    const v = await pendingPairing(s, args.positionals[0]);
    await s.pairRefuse(v.id);
    ctx.out(
      v.role === 'existing'
        ? 'Pairing refused: nothing private was sent to the new device.'
        : `Pairing refused: this device accepts nothing from "${v.deviceName}".`,
      { refused: true, device: v.id },
    );
  },
};

export const pairStatus: CommandSpec = {
  name: 'pair status',
  synopsis: '[--wait SECONDS]',
  summary: 'waiting / code / syncing (progress) / done',
  help: ['--wait: follow the newest pairing as it moves, until it ends or SECONDS pass.'],
  options: { wait: { type: 'string' } },
  async run(ctx, args) {
    const wait = seconds(str(args, 'wait'), 'pair status: --wait');
    const s = await ctx.open();
    const p = await s.profile();
    if (p.unlinked) {
      ctx.out(`This device was unlinked by "${p.unlinked.by}" on ${time(p.unlinked.at)}.`, {
        phase: 'unlinked',
        by: p.unlinked.by,
        at: p.unlinked.at,
      });
      return;
    }
    let latest: PairingView | undefined;
    if (wait > 0) latest = await followPairing(ctx, s, wait);
    else {
      if (!(await s.appState()).online)
        await s.sync().catch((e: unknown) => {
          if (!isServiceError(e) || e.code !== 'SERVER_UNREACHABLE') throw e;
          ctx.note(`${e.message} Showing what this device knows.`);
        });
      latest = (await s.pairings())[0];
    }
    const none = 'No pairing in progress: `meow pair new` on the new device.';
    if (ctx.json) {
      const all = (await s.pairings()).map(pairingJson);
      ctx.out('', latest ? { ...pairingJson(latest), all } : { phase: 'none', all });
    } else if (!latest) ctx.out(none, null);
    else if (wait === 0) ctx.out(pairingLine(latest), null);
  },
};

export const devices: CommandSpec = {
  name: 'devices',
  synopsis: '',
  summary: 'my devices (name, last seen, primary for how many contacts)',
  async run(ctx) {
    const s = await ctx.open();
    const list = await s.devices();
    ctx.out(() => list.map(deviceLine).join('\n'), list.map(deviceJson));
  },
};

export const devicesRename: CommandSpec = {
  name: 'devices rename',
  synopsis: 'DEVICE NAME',
  summary: 'rename a device of mine (this one too); every device shows the new name',
  positionals: ['DEVICE', 'NAME'],
  async run(ctx, args) {
    const [ref, name] = args.positionals as [string, string];
    const s = await ctx.open();
    const d = await resolveDevice(s, ref);
    const v = await s.renameDevice(d.id, name);
    ctx.out(`Renamed "${d.name}" to "${v.name}"; your other devices learn it.`, deviceJson(v));
  },
};

export const devicesUnlink: CommandSpec = {
  name: 'devices unlink',
  synopsis: 'DEVICE [--yes] [--force]',
  summary: 'unlink a device: it is told, its keys are dropped',
  help: [
    'Asks first (--yes in scripts). Refuses while DEVICE talks to contacts for you (their primary):',
    'move them with `meow devices make-primary` on another device, or --force.',
  ],
  options: { yes: { type: 'boolean' }, force: { type: 'boolean' } },
  positionals: ['DEVICE'],
  async run(ctx, args) {
    const s = await ctx.open();
    const d = await resolveDevice(s, args.positionals[0]!);
    const force = flag(args, 'force');
    if (d.thisDevice) throw new ServiceError('THIS_DEVICE', { device: d.name });
    if (d.state === 'unlinked') throw new ServiceError('UNKNOWN_DEVICE', { device: args.positionals[0]! });
    if (d.primaryFor > 0 && !force)
      throw new ServiceError('DEVICE_IS_PRIMARY', { device: d.name, contacts: d.primaryFor });
    if (!flag(args, 'yes')) {
      const answer = await ctx.ask(`Unlink "${d.name}"? It will stop receiving your messages.`);
      if (answer === null) throw new CliError('Not unlinked: confirm with --yes.', 'NOT_CONFIRMED');
      if (!answer) throw new CliError('Not unlinked.', 'NOT_CONFIRMED');
    }
    await s.unlinkDevice(d.id, force ? { force } : undefined);
    ctx.out(`Unlinked "${d.name}".`, { uid: d.id, name: d.name, unlinked: true, primaryFor: d.primaryFor });
  },
};

export const devicesMakePrimary: CommandSpec = {
  name: 'devices make-primary',
  synopsis: '[CONTACT]',
  summary: 'on a sibling: take over the primary role (all contacts, or one)',
  positionals: ['[CONTACT]'],
  async run(ctx, args) {
    const s = await ctx.open();
    const ref = args.positionals[0];
    const contactId = ref ? (await resolveContact(s, ref)).id : undefined;
    const r = await s.makePrimary(contactId ? { contactId } : undefined);
    ctx.out(
      r.contacts
        ? `Asked ${r.devices.join(', ')} to hand over ${r.contacts} contact(s); it happens when ${r.devices.length > 1 ? 'they are' : 'it is'} online (then sync here).`
        : 'This device is already the primary for them.',
      r,
    );
  },
};
