/**
 * Why a post failed, and what the outbox does about it. Every attempt is re-signed and
 * re-sealed, so anything that can go wrong on the way — a damaged request the relay
 * refuses (BAD_SIGNATURE, NOT_FOR_THIS_SERVER, MALFORMED in a plain reply), a damaged
 * reply the client refuses (BAD_REPLY), a clock or key problem, a queue that is not yet
 * open to us (NOT_AUTHORIZED during a key rotation), a busy relay — is transient: retry
 * with the normal backoff. Only what the relay says, authenticated, about the message
 * itself is permanent (too large, malformed, its queue gone): the message is shown as
 * failed with the reason until the person retries it.
 */
import { isRelayError } from '../relay.js';

export type FailureKind = 'transient' | 'split' | 'permanent';

export interface SendFailure {
  kind: FailureKind;
  code: string;
  reason: string;
  /** The relay asked to wait this long (RATE_LIMITED). */
  retryAfterMs?: number;
}

/** Sizes the relay refuses; a plain reply may carry them (checked against the HTTP status). */
const SIZE = new Set(['MESSAGE_TOO_LARGE', 'BODY_TOO_LARGE', 'TOO_MANY_MESSAGES']);
/** What a relay can only say about the message after opening the request. */
const ABOUT_THE_MESSAGE = new Set(['MALFORMED', 'NOT_FOUND', 'EXPIRED']);

export function classifySendFailure(e: unknown, batchSize: number): SendFailure {
  if (!isRelayError(e)) return { kind: 'transient', code: 'ERROR', reason: String(e) };
  const code = e.code;
  const reason = `${code}: ${e.message}`;
  const sure = e.authenticated === true || (SIZE.has(code) && e.httpStatus === 413);
  if (sure && (SIZE.has(code) || ABOUT_THE_MESSAGE.has(code)))
    return { kind: batchSize > 1 ? 'split' : 'permanent', code, reason };
  // The relay refuses a whole batch for one message it names (a queue that no longer takes
  // my key, a closed queue, a full one): the others must not wait with it, each goes alone.
  if (batchSize > 1 && e.index !== undefined) return { kind: 'split', code, reason };
  return {
    kind: 'transient',
    code,
    reason,
    ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
  };
}

/** Refusals that, repeated on every request, mean the relay cannot read us (or we it). */
const REFUSALS = new Set([
  'BAD_SIGNATURE',
  'NOT_FOR_THIS_SERVER',
  'STALE',
  'BAD_REPLY',
  'BAD_PROOF',
  'MALFORMED',
  'UNSUPPORTED',
]);

/**
 * Watches each relay's refusals: a relay that refuses every request for a while (wrong
 * pinned key, clock skew) is reported once, until it accepts a request again. Damage
 * now and then never reaches the threshold, since any success resets it.
 */
export class RelayHealth {
  private readonly runs = new Map<string, { count: number; since: number; told: boolean }>();

  constructor(
    private readonly report: (server: string, code: string) => void,
    private readonly threshold = 12,
    private readonly minMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  ok(server: string): void {
    this.runs.delete(server);
  }

  failed(server: string, e: unknown): void {
    if (!isRelayError(e) || !REFUSALS.has(e.code)) return;
    const run = this.runs.get(server) ?? { count: 0, since: this.now(), told: false };
    run.count++;
    this.runs.set(server, run);
    if (!run.told && run.count >= this.threshold && this.now() - run.since >= this.minMs) {
      run.told = true;
      this.report(server, e.code);
    }
  }
}
