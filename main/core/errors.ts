/**
 * The core throws the service's errors (shared/errors.ts): a code with parameters,
 * rendered into one sentence by the shared catalogue. `MeowError` is the name the
 * core has always used for them.
 */
import { isServiceError, ServiceError } from '../../shared/errors.js';

export { ServiceError as MeowError, isServiceError as isMeowError } from '../../shared/errors.js';
export type { ErrorCode as MeowErrorCode } from '../../shared/errors.js';

/** A failure of this machine's storage (retry later), as opposed to bad input (drop it). */
export function isStorageFailure(e: unknown): boolean {
  return (
    e instanceof ServiceError &&
    (e.code === 'DISK_FULL' || e.code === 'CORRUPTED' || e.code === 'PROFILE_LOCKED')
  );
}

/** Maps low-level storage failures to errors a person can act on; `file` names what is damaged. */
export function storageError(e: unknown, what: string, file?: string): ServiceError {
  const err = e as NodeJS.ErrnoException & { code?: string };
  const at = file ? { file } : {};
  if (err?.code === 'ENOSPC' || err?.code === 'SQLITE_FULL') {
    return new ServiceError('DISK_FULL', { what }, { cause: e });
  }
  if (err?.code === 'SQLITE_CORRUPT' || err?.code === 'SQLITE_NOTADB' || err?.code === 'LEVEL_CORRUPTION') {
    return new ServiceError('CORRUPTED', { what: `${what} store`, detail: err.code, ...at }, { cause: e });
  }
  if (isServiceError(e)) return file ? withFile(e, file) : e;
  if (e instanceof TypeError || e instanceof RangeError) throw e; // a bug, not a storage problem: keep its stack
  return new ServiceError(
    'CORRUPTED',
    { what: `${what} store`, detail: (e as Error)?.message ?? String(e), ...at },
    { cause: e },
  );
}

/** A CORRUPTED error that does not name its file yet, naming `file`; any other error as it is. */
export function withFile<E>(e: E, file: string): E | ServiceError {
  if (!(e instanceof ServiceError) || e.code !== 'CORRUPTED') return e;
  const params = e.params as { what: string; detail: string; file?: string };
  if (params.file) return e;
  return new ServiceError('CORRUPTED', { ...params, file }, { cause: e });
}
