// electron-builder.yml cannot be exercised here (no Electron binary); it is checked against
// the installed electron-builder's own configuration schema, and for what the app needs.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(s: string): Record<string, unknown> };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration(c: unknown, log: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

describe('electron-builder.yml', () => {
  const config = yaml.load(readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8'));

  it("matches electron-builder's schema", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('targets AppImage, deb, nsis and dmg and unpacks the native modules', () => {
    expect((config['linux'] as { target: string[] }).target).toEqual(['AppImage', 'deb']);
    expect((config['win'] as { target: string }).target).toBe('nsis');
    expect((config['mac'] as { target: string }).target).toBe('dmg');
    const unpack = config['asarUnpack'] as string[];
    expect(unpack).toContain('node_modules/better-sqlite3/**/*');
    expect(unpack).toContain('node_modules/classic-level/**/*');
    expect(config['npmRebuild']).toBe(true);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      main: string;
    };
    expect((config['extraMetadata'] as { main: string }).main).toBe(pkg.main);
  });

  it('flips the fuses that keep the packaged app from running as a plain Node or loading other code', () => {
    expect(config['asar']).toBe(true);
    expect(config['electronFuses']).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});
