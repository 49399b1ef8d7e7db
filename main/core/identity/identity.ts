/**
 * The identity of one profile (one device): my root key pair (never leaves this
 * device), the device key that authenticates me to relays, my profile (nickname,
 * avatar, status), my message servers with their pinned keys, and the storage key
 * that encrypts everything else at rest. Saved under the user's password.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { readFile, rename, open as openFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import {
  bytesEqual,
  fromBase64,
  randomBytes,
  toBase64,
  toHex,
  utf8,
  fromUtf8,
} from '../../../protocol/crypto/bytes.js';
import { ed25519KeyPair, type KeyPair } from '../../../protocol/crypto/curves.js';
import { hmacSha256 } from '../../../protocol/crypto/kdf.js';
import { MeowError, storageError, withFile } from '../errors.js';
import {
  b64,
  keyPairJson,
  keyPairSchema,
  type KeyPairJson,
  serverRefSchema,
  type ServerRef,
  versionSchema,
  type Version,
} from '../records.js';
import {
  DEFAULT_LOG_N,
  deriveKey,
  newPasswordKey,
  openWithKey,
  openWithPassword,
  parsePasswordFile,
  resealWithKey,
  sealWithKey,
  sealWithPassword,
  type PasswordFile,
} from './passwordBox.js';

export const IDENTITY_FILE = 'identity.json';

const IdentitySchema = z.object({
  v: z.literal(1),
  uid: z.string().min(1),
  nickname: z.string(),
  avatar: z.string(),
  status: z.string(),
  rootKp: keyPairSchema,
  device: keyPairSchema,
  deviceName: z.string(),
  storageKey: b64,
  servers: z.array(serverRefSchema),
  createdAt: z.number(),
  profileVersion: versionSchema,
  serversVersion: versionSchema,
  /** Blank identities made by `pair new`, waiting to be filled by a paired device. */
  pairingPending: z.boolean().default(false),
  historyDays: z.number().int().min(0).default(90),
  /** Set when one of my other devices unlinked this one. */
  unlinked: z.object({ at: z.number(), by: z.string() }).nullable().default(null),
  /** Version of deviceName: any of my devices may rename this one. */
  deviceNameVersion: versionSchema.default({ counter: 0, device: '' }),
  /** What a saved change still owes my other devices and contacts (see IdentityRepository). */
  owed: z
    .array(z.enum(['identity_update', 'server_add', 'device_name', 'contacts_profile', 'device_caps']))
    .default([]),
  /** The device protocol and change kinds last announced to my other devices (devices/capabilities.ts). */
  announced: z.string().default(''),
});

/** Syncs a change of the identity owes: to my other devices, or (profile notices) to my contacts. */
export type Owed = 'identity_update' | 'server_add' | 'device_name' | 'contacts_profile' | 'device_caps';

export interface Identity {
  uid: string;
  nickname: string;
  avatar: string;
  status: string;
  rootKp: KeyPair;
  device: KeyPair;
  deviceName: string;
  storageKey: Uint8Array;
  servers: ServerRef[];
  createdAt: number;
  profileVersion: Version;
  serversVersion: Version;
  pairingPending: boolean;
  historyDays: number;
  unlinked: { at: number; by: string } | null;
  deviceNameVersion: Version;
  owed: Owed[];
  announced: string;
}

function toJson(id: Identity): z.input<typeof IdentitySchema> {
  return {
    v: 1,
    uid: id.uid,
    nickname: id.nickname,
    avatar: id.avatar,
    status: id.status,
    rootKp: keyPairJson(id.rootKp),
    device: keyPairJson(id.device),
    deviceName: id.deviceName,
    storageKey: toBase64(id.storageKey),
    servers: id.servers,
    createdAt: id.createdAt,
    profileVersion: id.profileVersion,
    serversVersion: id.serversVersion,
    pairingPending: id.pairingPending,
    historyDays: id.historyDays,
    unlinked: id.unlinked,
    deviceNameVersion: id.deviceNameVersion,
    owed: id.owed,
    announced: id.announced,
  };
}

function fromJson(raw: unknown): Identity {
  const parsed = IdentitySchema.safeParse(raw);
  if (!parsed.success)
    throw new MeowError('CORRUPTED', { what: 'identity file', detail: 'unexpected content' });
  const j = parsed.data;
  const kp = (k: KeyPairJson): KeyPair => ({ publicKey: fromBase64(k.pub), privateKey: fromBase64(k.priv) });
  return {
    uid: j.uid,
    nickname: j.nickname,
    avatar: j.avatar,
    status: j.status,
    rootKp: kp(j.rootKp),
    device: kp(j.device),
    deviceName: j.deviceName,
    storageKey: fromBase64(j.storageKey),
    servers: j.servers,
    createdAt: j.createdAt,
    profileVersion: j.profileVersion,
    serversVersion: j.serversVersion,
    pairingPending: j.pairingPending,
    historyDays: j.historyDays,
    unlinked: j.unlinked,
    deviceNameVersion: j.deviceNameVersion,
    owed: j.owed,
    announced: j.announced,
  };
}

export function newIdentity(opts: {
  nickname: string;
  deviceName: string;
  servers: ServerRef[];
  pairingPending?: boolean;
}): Identity {
  const device = ed25519KeyPair();
  const uid = toHex(randomBytes(16));
  return {
    uid,
    nickname: opts.nickname,
    avatar: '',
    status: '',
    rootKp: ed25519KeyPair(),
    device,
    deviceName: opts.deviceName,
    storageKey: randomBytes(32),
    servers: opts.servers,
    createdAt: Date.now(),
    // A blank identity waiting to be paired starts below any real profile, so the paired
    // device's profile and servers always win the first sync.
    profileVersion: { counter: opts.pairingPending ? 0 : 1, device: uid },
    serversVersion: { counter: opts.pairingPending ? 0 : 1, device: uid },
    pairingPending: opts.pairingPending ?? false,
    historyDays: 90,
    unlinked: null,
    deviceNameVersion: { counter: 0, device: uid },
    owed: [],
    announced: '',
  };
}

let tmpCounter = 0;

/**
 * Writes a file so that a crash leaves either the old or the new content, never half of
 * one: a temp file of this write's own (never shared with a concurrent write), fsync, rename.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${++tmpCounter}-${toHex(randomBytes(4))}`;
  try {
    const fh = await openFile(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw storageError(e, 'identity');
  }
}

/** The identity file of a profile folder, unlocked. */
export class IdentityFile {
  private constructor(
    private readonly path: string,
    private file: PasswordFile,
    private key: Uint8Array,
    public identity: Identity,
  ) {}

  static exists(dir: string): boolean {
    return existsSync(join(dir, IDENTITY_FILE));
  }

  static async create(
    dir: string,
    identity: Identity,
    password: string,
    logN = DEFAULT_LOG_N,
  ): Promise<IdentityFile> {
    const path = join(dir, IDENTITY_FILE);
    if (existsSync(path)) throw new MeowError('IDENTITY_EXISTS', { profile: dir });
    const { text, key } = await sealWithPassword(password, utf8(JSON.stringify(toJson(identity))), logN);
    await writeFileAtomic(path, text);
    return new IdentityFile(path, parsePasswordFile(text, 'identity'), key, identity);
  }

  /** Opens with the password, or with a key kept in the OS keychain. */
  static async open(dir: string, secret: { password: string } | { key: Uint8Array }): Promise<IdentityFile> {
    const path = join(dir, IDENTITY_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new MeowError('NO_IDENTITY', { profile: dir });
      }
      throw storageError(e, 'identity', path);
    }
    try {
      const file = parsePasswordFile(text, 'identity');
      const { content, key } =
        'password' in secret
          ? await openWithPassword(file, secret.password)
          : { content: openWithKey(file, secret.key), key: secret.key };
      let raw: unknown;
      try {
        raw = JSON.parse(fromUtf8(content));
      } catch {
        throw new MeowError('CORRUPTED', { what: 'identity file', detail: 'bad content' });
      }
      return new IdentityFile(path, file, key, fromJson(raw));
    } catch (e) {
      throw withFile(e, path); // a damaged file is named (WRONG_PASSWORD and the rest pass as they are)
    }
  }

  /** Whether `password` opens this profile (re-derives the key; constant-time comparison). */
  async verifyPassword(password: string): Promise<boolean> {
    // The password last proven, as an HMAC under the derived key itself: proving it again
    // (each `meow send` through `meow run`) skips the deliberately slow KDF. Whoever could
    // read this from memory could read the key beside it.
    const proof = hmacSha256(this.key, utf8(password));
    if (this.proven && bytesEqual(proof, this.proven)) return true;
    const key = await deriveKey(password, this.file.kdf);
    const ok = bytesEqual(key, this.key);
    if (ok) this.proven = proof;
    return ok;
  }

  private proven: Uint8Array | null = null;

  /** The derived key, for a keychain (Electron safeStorage) so the app can unlock without asking. */
  get unlockKey(): Uint8Array {
    return this.key;
  }

  private writes: Promise<void> = Promise.resolve();

  /**
   * Saves the identity as it is now. Writes happen one at a time, in call order, each
   * with the content of its call: concurrent saves all succeed and the last one wins.
   * Sealed when its turn comes, so a save queued behind a password change uses the new key.
   */
  save(next: Identity = this.identity): Promise<void> {
    return this.queue(async () => {
      const text = resealWithKey(this.file, this.key, utf8(JSON.stringify(toJson(next))));
      await writeFileAtomic(this.path, text);
      this.file = parsePasswordFile(text, 'identity');
      this.identity = next;
    });
  }

  /**
   * A new password for this device's profile: the same identity, storage key included (so
   * messages.db and attachments stay as they are), sealed under a key derived from the new
   * password with a fresh salt. One atomic file write: a crash leaves the old password or
   * the new one working, never neither. Other devices keep their own passwords.
   */
  async changePassword(oldPassword: string, newPassword: string, logN = this.file.kdf.logN): Promise<void> {
    if (!(await this.verifyPassword(oldPassword))) throw new MeowError('WRONG_PASSWORD', {});
    const { kdf, key } = await newPasswordKey(newPassword, logN); // slow: outside the write queue
    await this.queue(async () => {
      const text = sealWithKey(kdf, key, utf8(JSON.stringify(toJson(this.identity))));
      await writeFileAtomic(this.path, text);
      this.file = parsePasswordFile(text, 'identity');
      this.key = key;
      this.proven = null;
    });
  }

  private queue(write: () => Promise<void>): Promise<void> {
    const done = this.writes.then(write);
    this.writes = done.catch(() => undefined);
    return done;
  }
}

/** Exposed for tests: the JSON shape of an identity. */
export const identityJsonForTests = { toJson, fromJson };

/** The name a device takes when the person gives none: the computer's own. */
export function defaultDeviceName(): string {
  return hostname() || 'my computer';
}
