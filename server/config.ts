/**
 * meow-server configuration: command-line flags, each with an environment variable
 * fallback (flag wins), validated with zod. Durations accept `500ms`, `30s`, `5m`,
 * `12h`, `30d` or a bare number of milliseconds; sizes accept `64k`, `8m` or bytes.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { z } from 'zod';

export interface Limits {
  /** Largest HTTP request body (the whole SignedRequest). */
  maxBodyBytes: number;
  /** Largest encoded PackedUserMessage. */
  maxMessageBytes: number;
  /** Messages per post request. */
  maxMessagesPerPost: number;
  /** Lookup keys per pull (and per ack) request. */
  maxKeysPerPull: number;
  /** Messages one queue may hold; a full queue refuses new messages and keeps the old. */
  maxQueueLength: number;
  /** Upper bound of a long-poll hold, whatever the client asks. */
  maxPollMs: number;
  /** Messages returned by one pull (the client may ask for fewer); also the bound on ids per ack. */
  maxPullMessages: number;
  /** Messages older than this are pruned, delivered or not. */
  retentionMs: number;
  /** Sustained requests per second per source address (0 = no limit). */
  ratePerSec: number;
  /** Token-bucket size: requests one address may make in a burst. */
  rateBurst: number;
  /** Sustained messages per second into one destination queue, whoever sends them (0 = no limit). */
  queueRatePerSec: number;
  /** Token-bucket size: messages one queue may take in a burst. */
  queueBurst: number;
  /** Messages a queue holds while no sender key is registered for it (an invitation's queue). */
  openQueueLength: number;
  /** Largest invitation blob. */
  maxInvitationBytes: number;
  /** Furthest expiry an invitation may ask for. */
  maxInvitationTtlMs: number;
  /** Queues one session (WebSocket) may subscribe. */
  maxSessionSubscriptions: number;
  /** Bytes a session may have waiting to be sent before the relay drops it (a client that does not read). */
  maxSessionBufferBytes: number;
  /** Open sessions from one source address. */
  maxSessionsPerAddress: number;
  /** Largest attachment file (shown on the card, so clients refuse larger files before uploading); its blob may be up to 12 % larger (padding). */
  maxBlobBytes: number;
  /** Bytes of live blobs one uploader (device key) may hold. */
  blobQuotaBytes: number;
  /** Largest part of one blob append. */
  maxBlobPartBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 8 * 1024 * 1024,
  maxMessageBytes: 64 * 1024,
  maxMessagesPerPost: 100,
  maxKeysPerPull: 256,
  maxQueueLength: 10_000,
  maxPollMs: 60_000,
  maxPullMessages: 500,
  retentionMs: 30 * 24 * 3600_000,
  ratePerSec: 50,
  rateBurst: 500,
  queueRatePerSec: 20,
  queueBurst: 1000,
  openQueueLength: 32,
  maxInvitationBytes: 20 * 1024, // a card padded to its 16 KiB bucket, sealed
  maxInvitationTtlMs: 30 * 24 * 3600_000,
  maxSessionSubscriptions: 4096,
  maxSessionBufferBytes: 4 * 1024 * 1024,
  maxSessionsPerAddress: 256,
  maxBlobBytes: 100 * 1024 * 1024,
  blobQuotaBytes: 2 * 1024 * 1024 * 1024,
  maxBlobPartBytes: 8 * 1024 * 1024,
};

export type StoreConfig =
  | { kind: 'embedded'; path: string }
  | { kind: 'redis'; url: string; prefix: string }
  | { kind: 'redis-cluster'; urls: string[]; prefix: string };

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  keyFile: string;
  name: string;
  description: string;
  /** The URL written into the server card; defaults to http://HOST:PORT once listening. */
  publicUrl?: string;
  store: StoreConfig;
  limits: Limits;
  /** PEM files: serve HTTPS instead of plain HTTP. */
  tls?: { certFile: string; keyFile: string };
  /** Proxy addresses whose X-Forwarded-For names the client (for per-address limits). */
  trustProxy: string[];
  /** Where attachment blobs are kept; none: this relay keeps no files. */
  blobDir?: string;
  /** An S3-compatible object store for blobs (a fleet); wins over blobDir. */
  blobS3?: { bucket: string; region: string; endpoint?: string; prefix: string };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;
const DURATION_UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`not a duration: "${text}" (use e.g. 500ms, 30s, 5m, 12h, 30d)`);
  return Math.round(Number(m[1]) * DURATION_UNIT[m[2] ?? 'ms']!);
}
const SIZE = /^(\d+)(k|kb|kib|m|mb|mib|g|gb|gib|b)?$/i;
export function parseSize(text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new Error(`not a size: "${text}" (use e.g. 65536, 64k, 8m)`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}

interface FlagSpec {
  env: string;
  help: string;
  default?: string;
}
/** Every flag, its environment variable and its help line (also the README's table). */
export const FLAGS: Record<string, FlagSpec> = {
  host: { env: 'MEOW_HOST', default: '127.0.0.1', help: 'address to listen on' },
  port: { env: 'MEOW_PORT', default: '8787', help: 'port to listen on (0 = pick a free one)' },
  data: {
    env: 'MEOW_DATA',
    default: './meow-server-data',
    help: 'data folder: the embedded store (relay.db) and the server key',
  },
  redis: { env: 'MEOW_REDIS_URL', help: 'Redis URL (redis://host:port/db); replaces the embedded store' },
  'redis-cluster': { env: 'MEOW_REDIS_CLUSTER', help: 'Redis Cluster seed nodes: URL,URL,...' },
  'redis-prefix': { env: 'MEOW_REDIS_PREFIX', default: '', help: 'prefix for every Redis key and channel' },
  key: { env: 'MEOW_KEY_FILE', help: 'server key file (default DATA/server-key.json; created if missing)' },
  name: { env: 'MEOW_NAME', default: 'meow-server', help: 'server name shown on its card' },
  description: { env: 'MEOW_DESCRIPTION', default: '', help: 'server description shown on its card' },
  'public-url': {
    env: 'MEOW_PUBLIC_URL',
    help: 'URL written into the card (default http(s)://HOST:PORT)',
  },
  'tls-cert': { env: 'MEOW_TLS_CERT', help: 'PEM certificate (chain): serve HTTPS (with --tls-key)' },
  'tls-key': { env: 'MEOW_TLS_KEY', help: 'PEM private key of --tls-cert (re-read with the cert on SIGHUP)' },
  'trust-proxy': {
    env: 'MEOW_TRUST_PROXY',
    default: '',
    help: 'proxy addresses (a,b,...) whose X-Forwarded-For names the client',
  },
  'max-body': { env: 'MEOW_MAX_BODY', default: '8m', help: 'largest request body' },
  'max-message': { env: 'MEOW_MAX_MESSAGE', default: '64k', help: 'largest message (encoded)' },
  'max-messages-per-post': { env: 'MEOW_MAX_MESSAGES_PER_POST', default: '100', help: 'messages per post' },
  'max-keys-per-pull': { env: 'MEOW_MAX_KEYS_PER_PULL', default: '256', help: 'lookup keys per pull or ack' },
  'max-queue-length': { env: 'MEOW_MAX_QUEUE_LENGTH', default: '10000', help: 'messages one queue may hold' },
  'max-poll': { env: 'MEOW_MAX_POLL', default: '60s', help: 'longest long-poll hold' },
  'max-pull-messages': {
    env: 'MEOW_MAX_PULL_MESSAGES',
    default: '500',
    help: 'messages per pull reply; ids per ack',
  },
  retention: { env: 'MEOW_RETENTION', default: '30d', help: 'messages older than this are pruned' },
  rate: { env: 'MEOW_RATE', default: '50', help: 'requests per second per source address (0 = unlimited)' },
  'rate-burst': { env: 'MEOW_RATE_BURST', default: '500', help: 'burst size of the per-address rate limit' },
  'queue-rate': {
    env: 'MEOW_QUEUE_RATE',
    default: '20',
    help: 'messages per second into one queue, all senders together (0 = unlimited)',
  },
  'queue-burst': { env: 'MEOW_QUEUE_BURST', default: '1000', help: 'burst size of the per-queue rate limit' },
  'open-queue-length': {
    env: 'MEOW_OPEN_QUEUE_LENGTH',
    default: '32',
    help: 'messages a queue holds before its owner registers a sender key',
  },
  'max-invitation': { env: 'MEOW_MAX_INVITATION', default: '20k', help: 'largest invitation blob' },
  'max-invitation-ttl': {
    env: 'MEOW_MAX_INVITATION_TTL',
    default: '30d',
    help: 'furthest expiry of an invitation',
  },
  'max-session-subscriptions': {
    env: 'MEOW_MAX_SESSION_SUBSCRIPTIONS',
    default: '4096',
    help: 'queues one session (WebSocket) may subscribe',
  },
  'max-session-buffer': {
    env: 'MEOW_MAX_SESSION_BUFFER',
    default: '4m',
    help: 'bytes waiting to go to one session before it is dropped',
  },
  'max-sessions-per-address': {
    env: 'MEOW_MAX_SESSIONS_PER_ADDRESS',
    default: '256',
    help: 'open sessions from one source address',
  },
  'max-blob': {
    env: 'MEOW_MAX_BLOB',
    default: '100m',
    help: 'largest file (attachment blob); 0 = keep no files',
  },
  'blob-quota': { env: 'MEOW_BLOB_QUOTA', default: '2g', help: 'bytes of files one device may keep here' },
  'max-blob-part': {
    env: 'MEOW_MAX_BLOB_PART',
    default: '8m',
    help: 'largest part of one file upload request',
  },
  'blob-dir': {
    env: 'MEOW_BLOB_DIR',
    help: 'folder for files (default DATA/blobs with the embedded store; none with Redis)',
  },
  'blob-s3-bucket': {
    env: 'MEOW_BLOB_S3_BUCKET',
    help: 'keep files in this S3 bucket (a fleet); credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
  },
  'blob-s3-endpoint': { env: 'MEOW_BLOB_S3_ENDPOINT', help: 'an S3-compatible endpoint URL (default: AWS)' },
  'blob-s3-region': { env: 'MEOW_BLOB_S3_REGION', default: 'us-east-1', help: 'the bucket region' },
  'blob-s3-prefix': { env: 'MEOW_BLOB_S3_PREFIX', default: '', help: 'prefix of every key in the bucket' },
};

export function usage(): string {
  const lines = ['usage: meow-server [flags]   (each flag also reads the environment variable shown)', ''];
  for (const [flag, spec] of Object.entries(FLAGS)) {
    const def = spec.default !== undefined ? ` [default: ${spec.default === '' ? '""' : spec.default}]` : '';
    lines.push(`  --${flag.padEnd(22)} ${spec.env.padEnd(28)} ${spec.help}${def}`);
  }
  lines.push(`  --${'help'.padEnd(22)} ${''.padEnd(28)} this text`);
  return lines.join('\n');
}

const positiveInt = z.number().int().positive();
const limitsSchema = z.object({
  maxBodyBytes: positiveInt,
  maxMessageBytes: positiveInt,
  maxMessagesPerPost: positiveInt,
  maxKeysPerPull: positiveInt,
  maxQueueLength: positiveInt,
  maxPollMs: z.number().int().nonnegative(),
  maxPullMessages: positiveInt,
  retentionMs: positiveInt,
  ratePerSec: z.number().nonnegative(),
  rateBurst: positiveInt,
  queueRatePerSec: z.number().nonnegative(),
  queueBurst: positiveInt,
  openQueueLength: positiveInt,
  maxInvitationBytes: positiveInt,
  maxInvitationTtlMs: positiveInt,
  maxSessionSubscriptions: positiveInt,
  maxSessionBufferBytes: positiveInt,
  maxSessionsPerAddress: positiveInt,
  maxBlobBytes: z.number().int().nonnegative(),
  blobQuotaBytes: positiveInt,
  maxBlobPartBytes: positiveInt,
});

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses argv (without node and script) and the environment into a validated config. */
export function parseConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ServerConfig | 'help' {
  const options = Object.fromEntries(
    Object.keys(FLAGS).map((k) => [k, { type: 'string' as const }]),
  ) as Record<string, { type: 'string' }>;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  if (values.help) return 'help';
  const get = (flag: string): string | undefined => {
    const v = values[flag];
    if (typeof v === 'string') return v;
    const e = env[FLAGS[flag]!.env];
    return e !== undefined && e !== '' ? e : FLAGS[flag]!.default;
  };
  const num = (flag: string, parse: (s: string) => number = Number): number => {
    const text = get(flag)!;
    let n: number;
    try {
      n = parse(text);
    } catch (e) {
      throw new ConfigError(`--${flag}: ${(e as Error).message}`);
    }
    if (!Number.isFinite(n)) throw new ConfigError(`--${flag}: not a number: "${text}"`);
    return n;
  };

  const port = num('port');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port: out of range`);
  const dataDir = resolve(get('data')!);
  const prefix = get('redis-prefix') ?? '';
  if (/[{}]/.test(prefix)) throw new ConfigError('--redis-prefix: braces would break the Cluster hash tags');
  const redis = get('redis');
  const cluster = get('redis-cluster');
  if (redis && cluster) throw new ConfigError('give either --redis or --redis-cluster, not both');
  let store: StoreConfig;
  if (cluster) {
    const urls = cluster
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!urls.length) throw new ConfigError('--redis-cluster: no node URL');
    store = { kind: 'redis-cluster', urls, prefix };
  } else if (redis) {
    store = { kind: 'redis', url: redis, prefix };
  } else {
    store = { kind: 'embedded', path: join(dataDir, 'relay.db') };
  }
  const limits: Limits = {
    maxBodyBytes: num('max-body', parseSize),
    maxMessageBytes: num('max-message', parseSize),
    maxMessagesPerPost: num('max-messages-per-post'),
    maxKeysPerPull: num('max-keys-per-pull'),
    maxQueueLength: num('max-queue-length'),
    maxPollMs: num('max-poll', parseDuration),
    maxPullMessages: num('max-pull-messages'),
    retentionMs: num('retention', parseDuration),
    ratePerSec: num('rate'),
    rateBurst: num('rate-burst'),
    queueRatePerSec: num('queue-rate'),
    queueBurst: num('queue-burst'),
    openQueueLength: num('open-queue-length'),
    maxInvitationBytes: num('max-invitation', parseSize),
    maxInvitationTtlMs: num('max-invitation-ttl', parseDuration),
    maxSessionSubscriptions: num('max-session-subscriptions'),
    maxSessionBufferBytes: num('max-session-buffer', parseSize),
    maxSessionsPerAddress: num('max-sessions-per-address'),
    maxBlobBytes: num('max-blob', parseSize),
    blobQuotaBytes: num('blob-quota', parseSize),
    maxBlobPartBytes: num('max-blob-part', parseSize),
  };
  const checked = limitsSchema.safeParse(limits);
  if (!checked.success) {
    throw new ConfigError(
      'invalid limits: ' + checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    );
  }
  const publicUrl = get('public-url');
  const certFile = get('tls-cert');
  const tlsKeyFile = get('tls-key');
  if (!certFile !== !tlsKeyFile) throw new ConfigError('give both --tls-cert and --tls-key, or neither');
  const trustProxy = (get('trust-proxy') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const blobDirFlag = get('blob-dir');
  const blobDir =
    checked.data.maxBlobBytes === 0
      ? undefined
      : blobDirFlag
        ? resolve(blobDirFlag)
        : store.kind === 'embedded'
          ? join(dataDir, 'blobs')
          : undefined;
  const bucket = get('blob-s3-bucket');
  const endpoint = get('blob-s3-endpoint');
  const blobS3 =
    bucket && checked.data.maxBlobBytes > 0
      ? {
          bucket,
          region: get('blob-s3-region')!,
          prefix: get('blob-s3-prefix') ?? '',
          ...(endpoint ? { endpoint } : {}),
        }
      : undefined;
  return {
    host: get('host')!,
    ...(blobDir && !blobS3 ? { blobDir } : {}),
    ...(blobS3 ? { blobS3 } : {}),
    port,
    dataDir,
    keyFile: resolve(get('key') ?? join(dataDir, 'server-key.json')),
    name: get('name')!,
    description: get('description') ?? '',
    ...(publicUrl ? { publicUrl } : {}),
    ...(certFile && tlsKeyFile ? { tls: { certFile: resolve(certFile), keyFile: resolve(tlsKeyFile) } } : {}),
    trustProxy,
    store,
    limits: checked.data,
  };
}
