/**
 * Names on the command line → the ids the service takes. The service knows only ids;
 * a person types names (or the ids `meow contacts` / `meow devices` print).
 */
import { ServiceError } from '../../../shared/errors.js';
import type { MeowService } from '../../../shared/service.js';
import type { ContactView, DeviceView } from '../../../shared/views.js';
import { CliError, UsageError } from '../errors.js';

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A contact by id, or by the name I call them (case-insensitive). */
export async function resolveContact(s: MeowService, ref: string): Promise<ContactView> {
  const all = await s.contacts();
  const byId = all.find((c) => c.id === ref);
  if (byId) return byId;
  const named = all.filter((c) => same(c.name, ref));
  if (named.length === 1) return named[0]!;
  if (named.length > 1) throw new ServiceError('AMBIGUOUS_CONTACT', { name: ref });
  throw new ServiceError('UNKNOWN_CONTACT', { contact: ref });
}

/** One of my devices (this one included) by id or name; unlinked ones only by id. */
export async function resolveDevice(s: MeowService, ref: string): Promise<DeviceView> {
  const all = await s.devices();
  const byId = all.find((d) => d.id === ref);
  if (byId) return byId;
  const named = all.filter((d) => d.state !== 'unlinked' && same(d.name, ref));
  if (named.length === 1) return named[0]!;
  if (named.length > 1)
    throw new CliError(
      `Several of your devices are named "${ref}": name it by id (see \`meow devices\`).`,
      'AMBIGUOUS_DEVICE',
      { name: ref },
    );
  throw new ServiceError('UNKNOWN_DEVICE', { device: ref });
}

/** `--wait SECONDS`: a number of seconds, 0 when absent. */
export function seconds(value: string | undefined, what: string, max = Number.POSITIVE_INFINITY): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > max)
    throw new UsageError(
      `${what} takes a number of seconds${Number.isFinite(max) ? ` from 0 to ${max}` : ''}`,
      what.split(':')[0],
    );
  return n;
}

/** A whole number option (`--limit N`, `--history-days N`). */
export function whole(value: string | undefined, what: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(`${what} takes a whole number${min ? ` from ${min}` : ''}`, what.split(':')[0]);
  return Number(value);
}

/** An option the command cannot do without (`init --name`). */
export function required(
  values: Record<string, string | boolean | string[] | undefined>,
  name: string,
  cmd: string,
): string {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`${cmd}: --${name} is required`, cmd);
  return v;
}
