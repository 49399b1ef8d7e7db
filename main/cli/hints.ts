/**
 * What a person can do next, per error code: printed after the shared catalogue's
 * sentence (the service's sentences never name commands; these do). Only where a
 * command helps: most sentences say enough on their own.
 */
import type { ErrorCode } from '../../shared/errors.js';

export const HINTS: Partial<Record<ErrorCode, string>> = {
  NO_IDENTITY: 'Create one with `meow init` or `meow pair new`.',
  IDENTITY_EXISTS: 'Use another folder (--profile DIR) for a new identity.',
  NO_PASSWORD: 'Set MEOW_PASSWORD, or run `meow` in a terminal to be asked.',
  PROFILE_LOCKED: 'Close the other Meow process first (the desktop app, or a meow command still running).',
  AMBIGUOUS_CONTACT: 'Name them by id (see `meow contacts`).',
  CONTACT_NOT_READY:
    'They answer by opening your invitation link (`meow accept LINK` on their side); then `meow sync` here.',
  SERVER_UNREACHABLE: 'What is queued stays queued and goes once it can be reached.',
  UNKNOWN_DEVICE: 'See `meow devices`.',
  DEVICE_IS_PRIMARY:
    'Run `meow devices make-primary` on the device that should take over, or unlink with --force.',
  PAIRING_HAS_IDENTITY: 'Run `meow --profile NEW_FOLDER pair new --server URL` for the new device.',
  PAIRING_NOT_PENDING: '`meow pair status` shows where pairings stand.',
  PAIRING_ON_NEW_DEVICE: 'Run `meow pair accept LINK` there.',
};
