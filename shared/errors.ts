/**
 * Every error a person can meet, as a code with parameters, and the one catalogue
 * that turns each into an English sentence — for the CLI and the UI alike. Hosts
 * branch on `code`, never on text; the text never names a host's commands (the CLI
 * adds its own hints, see main/cli/hints.ts).
 */

type LinkKind = 'invite' | 'pair';

export interface ErrorParams {
  /** The service has no profile open (call unlock or createIdentity first). */
  NOT_OPEN: Record<string, never>;
  NO_IDENTITY: { profile: string };
  IDENTITY_EXISTS: { profile: string };
  WRONG_PASSWORD: Record<string, never>;
  WEAK_PASSWORD: { min: number };
  NO_PASSWORD: Record<string, never>;
  PROFILE_LOCKED: { profile: string };
  /** `file`: the damaged file or folder, when known (it is left as it is, for recovery). */
  CORRUPTED: { what: string; detail: string; file?: string };
  DISK_FULL: { what: string };
  /** An argument failed validation (`field` names it as the caller wrote it). */
  BAD_INPUT: { field: string; reason: string };
  EMPTY_TEXT: Record<string, never>;
  TEXT_TOO_LONG: { maxBytes: number };
  EMPTY_NAME: Record<string, never>;
  BAD_LINK: { kind: LinkKind | 'unknown'; reason: string };
  WRONG_LINK_KIND: { expected: LinkKind };
  OWN_LINK: { kind: LinkKind };
  LINK_USED: { kind: LinkKind };
  LINK_EXPIRED: { kind: LinkKind };
  ALREADY_ACCEPTED: { contact: string };
  UNKNOWN_CONTACT: { contact: string };
  UNKNOWN_MESSAGE: { message: string };
  AMBIGUOUS_CONTACT: { name: string };
  BLOCKED: { contact: string };
  CONTACT_NOT_READY: { contact: string };
  CONTACT_REACHABLE: { contact: string };
  SAFETY_MISMATCH: { contact: string };
  NOT_A_SERVER_URL: { url: string };
  SERVER_UNREACHABLE: { url: string };
  SERVER_INVALID: { url: string; reason: string };
  SERVER_REFUSED: { url: string; reason: string };
  SERVER_EXISTS: { url: string };
  /** The server's key differs from the fingerprint in the link: someone may be intercepting. */
  SERVER_MISMATCH: { url: string };
  /** Plain http:// to a machine other than this one (allowed only with MEOW_ALLOW_INSECURE_HTTP=1). */
  INSECURE_SERVER: { url: string };
  NO_SERVER: Record<string, never>;
  UNKNOWN_DEVICE: { device: string };
  THIS_DEVICE: { device: string };
  DEVICE_IS_PRIMARY: { device: string; contacts: number };
  DEVICE_UNLINKED: { at: number; by: string };
  PRIMARY_GONE: { contact: string };
  ALREADY_PAIRED: { device: string };
  PAIRING_NOT_PENDING: Record<string, never>;
  PAIRING_ON_NEW_DEVICE: Record<string, never>;
  PAIRING_HAS_IDENTITY: { profile: string };
  PAIRING_UNKNOWN: { pairing: string };
  /** A message or sync a peer sent that this device refuses (logged, never shown as a failure of the person). */
  REFUSED: { detail: string };
  UNKNOWN_METHOD: { method: string };
  /** This host runs the service without a relay of its own (a host option). */
  LOCAL_RELAY_UNAVAILABLE: Record<string, never>;
  INTERNAL: { detail: string };
  /** Attachments (main/core/attachments): */
  FILE_TOO_LARGE: { name: string; size: number; maxBytes: number };
  FILE_UNREADABLE: { name: string; reason: string };
  /** The relay keeps no files (a Redis relay without a blob store, or --max-blob 0). */
  FILES_UNSUPPORTED: { url: string };
  /** A downloaded file that does not match its digest or fails to decrypt: not shown, not saved. */
  FILE_UNVERIFIED: { name: string };
  /** The relay no longer has the file (expired, deleted), or never had it. */
  FILE_GONE: { name: string };
  UNKNOWN_FILE: { message: string; index: number };
  /** The browser host went away (restarted) and the page is reconnecting. */
  HOST_RESTARTING: Record<string, never>;
  /** The browser host does not let this tab in (no session: its address was used before). */
  HOST_REFUSED: Record<string, never>;
  /** Conversation actions. */
  NOT_ONE_EMOJI: { emoji: string };
  NOT_YOUR_MESSAGE: { action: string };
  DELETE_TOO_LATE: { hours: number };
  MESSAGE_DELETED: Record<string, never>;
  /** An export could not be written (`folder`: where it was asked for); nothing of it is left there. */
  EXPORT_FAILED: { folder: string; reason: string };
  /** startOver on a profile that is neither unlinked nor waiting to be linked. */
  START_OVER_REFUSED: Record<string, never>;
  /** A file send cut short (Meow closed, or the server out of reach): it continues later by itself. */
  FILE_SEND_PENDING: { name: string };
  /** Showing again or cancelling an invitation the contact answered (or that this device did not make). */
  INVITATION_NOT_PENDING: { contact: string };
  /** Groups (docs/groups.md). */
  UNKNOWN_GROUP: { group: string };
  AMBIGUOUS_GROUP: { name: string };
  GROUP_REFUSED: { reason: string; detail: string };
  NOT_IN_GROUP: { group: string };
  /** A file's upload or download stopped by the person (a download continues where it stopped when asked again). */
  TRANSFER_CANCELLED: { name: string };
  /** A profile picture that is not one: `problem` says why (shared/avatar.ts). */
  AVATAR_INVALID: { problem: 'format' | 'size' | 'square' };
}

export type ErrorCode = keyof ErrorParams;

const linkName = (k: LinkKind | 'unknown') =>
  k === 'pair' ? 'pairing link' : k === 'invite' ? 'invitation link' : 'link';
// Local time, as every other time the person sees (the CLI's lists, the app's messages).
const when = (ms: number) =>
  new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const CATALOGUE: { [K in ErrorCode]: (p: ErrorParams[K]) => string } = {
  NOT_OPEN: () => 'No profile is open: unlock it or create one first.',
  NO_IDENTITY: (p) => `There is no identity in ${p.profile} yet.`,
  IDENTITY_EXISTS: (p) => `${p.profile} already holds an identity.`,
  WRONG_PASSWORD: () => 'Wrong password.',
  WEAK_PASSWORD: (p) => `The password is too short: use at least ${p.min} characters.`,
  NO_PASSWORD: () => 'A password is needed to open this profile.',
  PROFILE_LOCKED: (p) => `The profile ${p.profile} is open in another Meow process.`,
  CORRUPTED: (p) =>
    `The ${p.what} is damaged and cannot be read (${p.detail})${p.file ? `: ${p.file}` : ''}.`,
  DISK_FULL: (p) =>
    `The disk is full: could not save ${p.what}. Nothing was lost; free some space and retry.`,
  BAD_INPUT: (p) => `Invalid ${p.field}: ${p.reason}.`,
  EMPTY_TEXT: () => 'The message is empty.',
  TEXT_TOO_LONG: (p) => `The message is too long (the limit is ${Math.floor(p.maxBytes / 1024)} KiB).`,
  EMPTY_NAME: () =>
    'A name needs at least one visible letter or sign: this one is empty or only invisible characters.',
  BAD_LINK: (p) => `This ${linkName(p.kind)} cannot be used: ${p.reason}.`,
  WRONG_LINK_KIND: (p) =>
    p.expected === 'invite'
      ? 'This is a device pairing link, not a contact invitation.'
      : 'This is a contact invitation, not a device pairing link.',
  OWN_LINK: (p) =>
    p.kind === 'pair'
      ? "This is this device's own pairing link: open it on your other device."
      : 'This is your own invitation: give it to the person you invite.',
  LINK_USED: (p) => `This ${linkName(p.kind)} was already used, cancelled or has expired; ask for a new one.`,
  LINK_EXPIRED: (p) => `This ${linkName(p.kind)} has expired; ask for a new one.`,
  ALREADY_ACCEPTED: (p) => `You already accepted this invitation (contact "${p.contact}").`,
  UNKNOWN_CONTACT: (p) => `No contact "${p.contact}".`,
  UNKNOWN_MESSAGE: (p) => `No message "${p.message}" in this conversation.`,
  AMBIGUOUS_CONTACT: (p) => `Several contacts are named "${p.name}".`,
  BLOCKED: (p) => `"${p.contact}" is blocked; unblock them to send.`,
  CONTACT_NOT_READY: (p) => `"${p.contact}" has not answered the invitation yet.`,
  CONTACT_REACHABLE: (p) =>
    `${p.contact} is still reachable through your devices: there is nothing to invite again.`,
  SAFETY_MISMATCH: (p) =>
    `That is not your safety number with ${p.contact}: you may not be talking to who you think. Nothing was marked verified.`,
  NOT_A_SERVER_URL: (p) => `"${p.url}" is not a server address (expected http://HOST:PORT or https://HOST).`,
  SERVER_UNREACHABLE: (p) => `Could not reach the Meow server at ${p.url}.`,
  SERVER_INVALID: (p) => `${p.url} did not answer like a Meow server (${p.reason}).`,
  SERVER_REFUSED: (p) => `The server ${p.url} refused the request (${p.reason}).`,
  SERVER_EXISTS: (p) => `${p.url} is already one of your servers.`,
  SERVER_MISMATCH: (p) =>
    `The server at ${p.url} is not the one this link was made on (its key differs from the fingerprint in the link): someone may be intercepting the connection. Nothing was sent.`,
  INSECURE_SERVER: (p) =>
    `${p.url} is plain http:// on another machine: anyone on the way could watch or tamper. Use https://, or allow it explicitly.`,
  NO_SERVER: () => 'This profile has no message server.',
  UNKNOWN_DEVICE: (p) => `No linked device "${p.device}".`,
  THIS_DEVICE: (p) => `"${p.device}" is this device: unlink it from one of your other devices.`,
  DEVICE_IS_PRIMARY: (p) =>
    `"${p.device}" talks to ${p.contacts} of your contacts: move them to another device first, or unlink anyway and lose those conversations on your other devices.`,
  DEVICE_UNLINKED: (p) => `This device was unlinked by "${p.by}" on ${when(p.at)}.`,
  PRIMARY_GONE: (p) =>
    `The device that talks to ${p.contact} is no longer linked; invite ${p.contact} again from this device.`,
  ALREADY_PAIRED: (p) => `"${p.device}" is already paired with this device.`,
  PAIRING_NOT_PENDING: () => 'No pairing is waiting for confirmation.',
  PAIRING_ON_NEW_DEVICE: () =>
    'This device is itself waiting to be paired; open the link on the device that already has your contacts.',
  PAIRING_HAS_IDENTITY: (p) =>
    `${p.profile} already holds an identity with its own contacts; pair a new device from a new, empty profile.`,
  PAIRING_UNKNOWN: (p) => `No pairing "${p.pairing}".`,
  REFUSED: (p) => `Refused: ${p.detail}.`,
  UNKNOWN_METHOD: (p) => `Unknown method "${p.method}".`,
  LOCAL_RELAY_UNAVAILABLE: () => 'This copy of Meow cannot host a relay itself: choose a message server.',
  INTERNAL: (p) => `Something went wrong inside Meow (${p.detail}).`,
  FILE_TOO_LARGE: (p) =>
    `${p.name} is too large to send: ${mib(p.size)}, and this message server takes files up to ${mib(p.maxBytes)}.`,
  FILE_UNREADABLE: (p) => `Cannot read ${p.name}: ${p.reason}.`,
  FILES_UNSUPPORTED: (p) =>
    `The message server ${p.url} does not keep files, so files cannot be sent through it.`,
  FILE_UNVERIFIED: (p) =>
    `Could not verify ${p.name}: it was changed or damaged on the way, so it is not shown.`,
  FILE_GONE: (p) => `${p.name} is no longer on the message server (it expired or was deleted).`,
  UNKNOWN_FILE: (p) => `Message ${p.message} has no file ${p.index + 1}.`,
  HOST_RESTARTING: () => 'Meow was restarted — reconnecting. Try again in a moment.',
  START_OVER_REFUSED: () =>
    'Only a computer that was unlinked, or one still waiting to be linked, can start over: this one holds your contacts and history.',
  HOST_REFUSED: () =>
    'This tab is not signed in to Meow. Open the address that `npm run web` printed last (each address works once).',
  NOT_ONE_EMOJI: (p) => `A reaction is one emoji ("${p.emoji}" is not).`,
  NOT_YOUR_MESSAGE: (p) => `Only the author of a message can ${p.action} it.`,
  DELETE_TOO_LATE: (p) =>
    `A message can be deleted for everyone only within ${p.hours} hours of sending it; you can still delete it for yourself.`,
  MESSAGE_DELETED: () => 'This message was deleted.',
  FILE_SEND_PENDING: (p) =>
    `${p.name} was not sent yet: its upload stopped, and it continues where it stopped when Meow is open and the message server can be reached.`,
  AVATAR_INVALID: (p) =>
    p.problem === 'format'
      ? 'This file is not a PNG or JPEG picture Meow can use.'
      : p.problem === 'square'
        ? 'A profile picture must be square (the app crops it for you).'
        : 'This picture is too large for a profile picture: at most 16 KB and 512 × 512 pixels (the app shrinks it for you).',
  INVITATION_NOT_PENDING: (p) =>
    `There is no pending invitation for ${p.contact} on this computer: it was answered, cancelled, or made on another of your devices.`,
  UNKNOWN_GROUP: (p) => `No group "${p.group}".`,
  AMBIGUOUS_GROUP: (p) => `More than one group is called "${p.name}": name it by its id.`,
  GROUP_REFUSED: (p) => `The group change was refused (${p.reason}): ${p.detail}.`,
  NOT_IN_GROUP: (p) => `You are no longer a member of "${p.group}".`,
  TRANSFER_CANCELLED: (p) => `Cancelled: ${p.name} was not transferred.`,
  EXPORT_FAILED: (p) => `Could not export to ${p.folder}: ${p.reason}. Nothing was left there.`,
};

function mib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** The English sentence for an error. */
export function errorMessage<K extends ErrorCode>(code: K, params: ErrorParams[K]): string {
  const render = CATALOGUE[code] as ((p: ErrorParams[K]) => string) | undefined;
  return render ? render(params) : `Error ${String(code)}.`;
}

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(CATALOGUE, code);
}

/** An error as it crosses a boundary (RPC, IPC, JSON output): plain data. */
export interface ErrorView {
  code: ErrorCode;
  params: Record<string, unknown>;
  message: string;
}

/** The error every host sees: a code, its parameters, and the catalogue's sentence. */
export class ServiceError<K extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'ServiceError';
  constructor(
    readonly code: K,
    readonly params: ErrorParams[K],
    options?: { cause?: unknown },
  ) {
    super(errorMessage(code, params), options);
  }

  toView(): ErrorView {
    return { code: this.code, params: this.params, message: this.message };
  }

  static fromView(v: ErrorView): ServiceError {
    const code = isErrorCode(v.code) ? v.code : 'INTERNAL';
    const params = (code === v.code ? v.params : { detail: v.message }) as ErrorParams[ErrorCode];
    return new ServiceError(code, params);
  }
}

export function isServiceError(e: unknown): e is ServiceError {
  return e instanceof ServiceError;
}
