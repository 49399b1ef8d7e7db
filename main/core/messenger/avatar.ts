/**
 * My profile picture and my contacts': base64 in the records, checked wherever it comes
 * from (shared/avatar.ts). A contact's picture that is not one is dropped (initials show).
 */
import { ServiceError } from '../../../shared/errors.js';
import { avatarMime, avatarProblem } from '../../../shared/avatar.js';
import { fromBase64, toBase64 } from '../../../protocol/crypto/bytes.js';

/** What a profile notice carried, kept only if it is a picture ('' otherwise). */
export function receivedAvatar(bytes: Uint8Array | null | undefined): string {
  if (!bytes?.length || avatarProblem(bytes)) return '';
  return toBase64(bytes);
}

/** A picture a host sends (base64; '' removes mine), or AVATAR_INVALID saying why not. */
export function checkedAvatar(base64: string): string {
  if (base64 === '') return '';
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(base64);
  } catch {
    throw new ServiceError('AVATAR_INVALID', { problem: 'format' });
  }
  const problem = avatarProblem(bytes);
  if (problem) throw new ServiceError('AVATAR_INVALID', { problem });
  return toBase64(bytes);
}

/** A data: URL for the views ('' when there is no picture). */
export function avatarUrl(base64: string): string {
  if (!base64) return '';
  try {
    const bytes = fromBase64(base64);
    return avatarProblem(bytes) ? '' : `data:${avatarMime(bytes)};base64,${base64}`;
  } catch {
    return '';
  }
}
