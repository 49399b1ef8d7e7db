/**
 * A relay (`meow-server`, embedded store) hosted inside this process for one profile:
 * "host a relay on this computer" in onboarding. Its data, key and settings live in
 * PROFILE/relay/, so it comes back on the same port, with the same key, whenever the
 * profile is used again. Loopback only unless the person chose LAN reach.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../../../server/config.js';
import { loadOrCreateIdentity } from '../../../server/identity.js';
import { RelayServer } from '../../../server/server.js';
import { SqliteStore } from '../../../server/store/sqlite.js';
import type { Logger } from '../log.js';

const settingsSchema = z.object({ lan: z.boolean(), port: z.number().int().min(0).max(65535) });
export type LocalRelaySettings = z.infer<typeof settingsSchema>;

export interface LocalRelay {
  url: string;
  lan: boolean;
  close(): Promise<void>;
}

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

/** This machine's first non-internal IPv4 address (what LAN peers connect to). */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export async function startLocalRelay(
  profile: string,
  want: LocalRelaySettings,
  log: Logger,
): Promise<LocalRelay> {
  const dir = folder(profile);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const store = new SqliteStore(join(dir, 'relay.db'));
  const host = want.lan ? '0.0.0.0' : '127.0.0.1';
  const start = (port: number) =>
    RelayServer.start({
      identity: loadOrCreateIdentity(join(dir, 'server-key.json')),
      store,
      limits: DEFAULT_LIMITS,
      host,
      port,
      name: 'meow-server (hosted by Meow Desktop)',
      publicUrl: want.lan && port ? `http://${lanAddress()}:${port}` : undefined,
      log: (e) => log.info('local relay', e),
      ownsStore: false,
    });
  let server: RelayServer;
  try {
    server = await start(want.port);
  } catch (e) {
    await store.close();
    throw e;
  }
  if (want.lan && !want.port) {
    // The LAN URL names the port, which is known only now: restart on it with the right card.
    const port = server.port;
    await server.close();
    server = await start(port);
  }
  const saved: LocalRelaySettings = { lan: want.lan, port: server.port };
  writeFileSync(join(dir, 'settings.json'), JSON.stringify(saved), { mode: 0o600 });
  return {
    url: server.card.url,
    lan: want.lan,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}
