/**
 * Errors the person using Meow can act on. `message` is one clear sentence; `code`
 * lets callers (CLI exit codes, UI) branch without parsing text.
 */
export type MeowErrorCode =
  | 'WRONG_PASSWORD'
  | 'CORRUPTED'
  | 'NO_IDENTITY'
  | 'IDENTITY_EXISTS'
  | 'PROFILE_LOCKED'
  | 'BAD_LINK'
  | 'INVITATION_EXPIRED'
  | 'INVITATION_USED'
  | 'UNKNOWN_CONTACT'
  | 'AMBIGUOUS_CONTACT'
  | 'BLOCKED'
  | 'SERVER'
  | 'BAD_INPUT'
  | 'DISK_FULL'
  | 'PAIRING';

export class MeowError extends Error {
  override readonly name = 'MeowError';
  constructor(
    readonly code: MeowErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A failure of this machine's storage (retry later), as opposed to bad input (drop it). */
export function isStorageFailure(e: unknown): boolean {
  return (
    e instanceof MeowError &&
    (e.code === 'DISK_FULL' || e.code === 'CORRUPTED' || e.code === 'PROFILE_LOCKED')
  );
}

/** Maps low-level storage failures to errors a person can act on. */
export function storageError(e: unknown, what: string): MeowError {
  const err = e as NodeJS.ErrnoException & { code?: string };
  if (err?.code === 'ENOSPC' || err?.code === 'SQLITE_FULL') {
    return new MeowError(
      'DISK_FULL',
      `The disk is full: could not save ${what}. Nothing was lost; free some space and retry.`,
      { cause: e },
    );
  }
  if (err?.code === 'SQLITE_CORRUPT' || err?.code === 'SQLITE_NOTADB' || err?.code === 'LEVEL_CORRUPTION') {
    return new MeowError('CORRUPTED', `The ${what} store is corrupted (${err.code}).`, { cause: e });
  }
  if (e instanceof MeowError) return e;
  if (e instanceof TypeError || e instanceof RangeError) throw e; // a bug, not a storage problem: keep its stack
  return new MeowError('CORRUPTED', `Could not access ${what}: ${(e as Error)?.message ?? String(e)}`, {
    cause: e,
  });
}
