/**
 * The relay a profile hosts itself ("host a relay on this computer" in onboarding): which
 * one (its settings, in PROFILE/relay/), and the port through which a host starts it. The
 * core never imports the relay server; the host that creates the service passes a
 * LocalRelayStarter (entry/hostedRelay.ts), so the service can run without one.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { MeowError } from '../errors.js';
import type { Logger } from '../log.js';

const settingsSchema = z.object({ lan: z.boolean(), port: z.number().int().min(0).max(65535) });
export type LocalRelaySettings = z.infer<typeof settingsSchema>;

export interface LocalRelay {
  url: string;
  lan: boolean;
  close(): Promise<void>;
}

/** Starts a relay whose data lives in `dir` (the host's part: server/hosted.ts). */
export type LocalRelayStarter = (o: {
  dir: string;
  lan: boolean;
  port: number;
  log: (event: Record<string, unknown>) => void;
}) => Promise<{ url: string; port: number; close(): Promise<void> }>;

function folder(profile: string): string {
  return join(profile, 'relay');
}

/** The saved settings of a profile's local relay, or null when it hosts none. */
export function localRelaySettings(profile: string): LocalRelaySettings | null {
  const file = join(folder(profile), 'settings.json');
  if (!existsSync(file)) return null;
  const parsed = settingsSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : null;
}

export async function startLocalRelay(
  profile: string,
  want: LocalRelaySettings,
  log: Logger,
  starter: LocalRelayStarter | undefined,
): Promise<LocalRelay> {
  if (!starter) throw new MeowError('LOCAL_RELAY_UNAVAILABLE', {});
  const dir = folder(profile);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const relay = await starter({
    dir,
    lan: want.lan,
    port: want.port,
    log: (e) => log.info('local relay', e),
  });
  const saved: LocalRelaySettings = { lan: want.lan, port: relay.port };
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(saved), { mode: 0o600 });
  return { url: relay.url, lan: want.lan, close: () => relay.close() };
}
