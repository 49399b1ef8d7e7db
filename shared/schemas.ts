/**
 * zod schemas for the arguments of every MeowService method, as positional tuples.
 * Every RPC server (worker thread, control socket, WebSocket, Electron IPC) checks a
 * call against these before the service sees it; the service relies on them for
 * types and lengths, and checks meaning (empty after trimming, unknown ids) itself.
 */
import { z } from 'zod';
import type { ServiceMethodName, ServiceMethods } from './service.js';

/** Bounds of what a person can type; the service enforces them whatever the host. */
export const LIMITS = {
  textBytes: 32 * 1024,
  nameChars: 64,
  statusChars: 1024,
  passwordChars: 1024,
  minPasswordChars: 8,
  linkChars: 8 * 1024,
  urlChars: 2048,
  idChars: 128,
  cursorChars: 64,
  queryChars: 256,
  pageLimit: 500,
  historyDays: 36500,
  /** Other members a group is created with (the group's bound, 256 with me; the service says so). */
  groupMembers: 1024,
  waitMs: 120_000,
  filesPerMessage: 32,
  /** A preview travels inside the message (whose bound is 64 KiB with everything else). */
  thumbnailBase64: 24 * 1024,
  /** A profile picture (16 KiB of bytes: shared/avatar.ts), and some room for a bad one to be named. */
  avatarBase64: 32 * 1024,
  /** One piece of a staged file (1 MiB of bytes). */
  stageChunkBase64: 1400 * 1024,
} as const;

const id = z.string().min(1).max(LIMITS.idChars);
const name = z.string().max(LIMITS.nameChars);
const password = z.string().max(LIMITS.passwordChars);
const url = z.string().min(1).max(LIMITS.urlChars);
const historyDays = z.number().int().min(0).max(LIMITS.historyDays);
const fileIndex = z
  .number()
  .int()
  .min(0)
  .max(LIMITS.filesPerMessage - 1);
// The text's byte length is checked by the service (TEXT_TOO_LONG); this bounds what crosses a bridge.
const text = z.string().max(LIMITS.textBytes * 4);

type ArgsOf<K extends ServiceMethodName> = Parameters<ServiceMethods[K]>;

/** One schema per method: the tuple of its arguments. A method missing here fails the type check. */
export const METHOD_ARGS: { [K in ServiceMethodName]: z.ZodType<ArgsOf<K>> } = {
  appState: z.tuple([]),
  createIdentity: z.tuple([
    z.object({ nickname: name, password, serverUrl: url, deviceName: name.optional() }).strict(),
  ]),
  unlock: z.tuple([z.object({ password, remember: z.boolean().optional() }).strict()]),
  unlockRemembered: z.tuple([]),
  lock: z.tuple([]),
  startOver: z.tuple([]),
  changePassword: z.tuple([z.object({ oldPassword: password, newPassword: password }).strict()]),
  setOnline: z.tuple([z.boolean()]),
  sync: z.tuple([
    z
      .object({ waitMs: z.number().int().min(0).max(LIMITS.waitMs).optional() })
      .strict()
      .optional(),
  ]),
  connections: z.tuple([]),
  retryConnections: z.tuple([]),
  hostLocalRelay: z.tuple([
    z.object({ lan: z.boolean().optional(), port: z.number().int().min(0).max(65535).optional() }).strict(),
  ]),
  profile: z.tuple([]),
  updateProfile: z.tuple([
    z
      .object({
        nickname: name.optional(),
        status: z.string().max(LIMITS.statusChars).optional(),
        // Checked by the service (AVATAR_INVALID); this bounds what crosses a bridge.
        avatar: z.string().max(LIMITS.avatarBase64).optional(),
      })
      .strict(),
  ]),
  addServer: z.tuple([url]),
  contacts: z.tuple([]),
  invite: z.tuple([z.object({ name, long: z.boolean().optional() }).strict()]),
  reinvite: z.tuple([id, z.object({ long: z.boolean().optional() }).strict().optional()]),
  previewInvite: z.tuple([z.object({ link: z.string().min(1).max(LIMITS.linkChars) }).strict()]),
  acceptInvite: z.tuple([
    z.object({ link: z.string().min(1).max(LIMITS.linkChars), name: name.optional() }).strict(),
  ]),
  invitation: z.tuple([id]),
  deleteConversation: z.tuple([id]),
  deleteContact: z.tuple([id]),
  cancelInvitation: z.tuple([id]),
  updateContact: z.tuple([
    id,
    z
      .object({
        name: name.optional(),
        blocked: z.boolean().optional(),
        deliveryReceipts: z.boolean().optional(),
        readReceipts: z.boolean().optional(),
      })
      .strict(),
  ]),
  contactSafety: z.tuple([id]),
  verifyContact: z.tuple([
    id,
    z.object({ verified: z.boolean(), scanned: z.string().max(256).optional() }).strict(),
  ]),
  groups: z.tuple([]),
  groupInfo: z.tuple([id]),
  createGroup: z.tuple([z.object({ name, members: z.array(id).max(LIMITS.groupMembers) }).strict()]),
  addGroupMember: z.tuple([id, id]),
  removeGroupMember: z.tuple([id, id]),
  leaveGroup: z.tuple([id]),
  renameGroup: z.tuple([id, name]),
  promoteGroupMember: z.tuple([id, id]),
  sendGroup: z.tuple([id, text]),
  groupMessages: z.tuple([
    id,
    z
      .object({ limit: z.number().int().min(1).max(LIMITS.pageLimit).optional() })
      .strict()
      .optional(),
  ]),
  conversations: z.tuple([]),
  messages: z.tuple([
    id,
    z
      .object({
        before: z.string().max(LIMITS.cursorChars).optional(),
        limit: z.number().int().min(1).max(LIMITS.pageLimit).optional(),
      })
      .strict()
      .optional(),
  ]),
  send: z.tuple([id, text, z.object({ quote: id.optional() }).strict().optional()]),
  // The emoji is checked by the service (NOT_ONE_EMOJI); this bounds what crosses a bridge.
  react: z.tuple([id, id, z.string().max(64)]),
  editMessage: z.tuple([id, id, text]),
  deleteMessage: z.tuple([id, id, z.object({ forEveryone: z.boolean().optional() }).strict().optional()]),
  markRead: z.tuple([
    id,
    z
      .object({ upTo: z.string().max(LIMITS.cursorChars).optional() })
      .strict()
      .optional(),
  ]),
  search: z.tuple([
    z.string().max(LIMITS.queryChars),
    z
      .object({ contactId: id.optional(), limit: z.number().int().min(1).max(LIMITS.pageLimit).optional() })
      .strict()
      .optional(),
  ]),
  updateConversation: z.tuple([
    id,
    z
      .object({
        pinned: z.boolean().optional(),
        archived: z.boolean().optional(),
        unread: z.boolean().optional(),
        mutedUntil: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
        draft: text.optional(),
      })
      .strict(),
  ]),
  // The value is checked by the service against the list (BAD_INPUT otherwise).
  typing: z.tuple([id]),
  exportData: z.tuple([
    z
      .object({ folder: z.string().min(1).max(4096).optional(), contactId: id.optional() })
      .strict()
      .optional(),
  ]),
  setDisappearing: z.tuple([id, z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]),
  retryMessage: z.tuple([id, id]),
  sendFiles: z.tuple([
    id,
    z
      .object({
        files: z
          .array(
            z
              .object({
                path: z.string().min(1).max(4096).optional(),
                stageId: id.optional(),
                name: z.string().max(1024).optional(),
                thumbnail: z.string().max(LIMITS.thumbnailBase64).optional(),
                width: z.number().int().min(0).max(100_000).optional(),
                height: z.number().int().min(0).max(100_000).optional(),
              })
              .strict()
              .refine((f) => !!f.path !== !!f.stageId, 'give a path or a stageId'),
          )
          .min(1)
          .max(LIMITS.filesPerMessage),
        caption: text.optional(),
      })
      .strict(),
  ]),
  stageFile: z.tuple([
    z
      .object({
        name: z.string().max(1024),
        size: z
          .number()
          .int()
          .min(0)
          .max(2 ** 40),
      })
      .strict(),
  ]),
  appendStagedFile: z.tuple([id, z.string().max(LIMITS.stageChunkBase64)]),
  downloadFile: z.tuple([id, id, fileIndex]),
  saveFile: z.tuple([id, id, fileIndex, z.string().min(1).max(4096).optional()]),
  fileData: z.tuple([id, id, fileIndex]),
  fileSettings: z.tuple([]),
  cancelFile: z.tuple([id, z.union([z.literal(''), id]), fileIndex]),
  fileUsage: z.tuple([]),
  clearMedia: z.tuple([
    z.object({ olderThanDays: z.number().int().min(0).max(36_500), contactId: id.optional() }).strict(),
  ]),
  setFileSettings: z.tuple([
    z
      .object({
        autoDownloadBytes: z
          .number()
          .int()
          .min(0)
          .max(2 ** 40)
          .optional(),
      })
      .strict(),
  ]),
  devices: z.tuple([]),
  renameDevice: z.tuple([id, name]),
  unlinkDevice: z.tuple([id, z.object({ force: z.boolean().optional() }).strict().optional()]),
  makePrimary: z.tuple([z.object({ contactId: id.optional() }).strict().optional()]),
  pairNew: z.tuple([
    z
      .object({ password: password.optional(), serverUrl: url.optional(), deviceName: name.optional() })
      .strict(),
  ]),
  pairAccept: z.tuple([
    z.object({ link: z.string().min(1).max(LIMITS.linkChars), historyDays: historyDays.optional() }).strict(),
  ]),
  pairConfirm: z.tuple([id, z.object({ historyDays: historyDays.optional() }).strict().optional()]),
  pairRefuse: z.tuple([id]),
  pairings: z.tuple([]),
};

/** Every method of the service, in a fixed order (the allowlist of every bridge). */
export const SERVICE_METHODS = Object.freeze(Object.keys(METHOD_ARGS) as ServiceMethodName[]);

export function isServiceMethod(name: unknown): name is ServiceMethodName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(METHOD_ARGS, name);
}

export const SERVICE_EVENTS = Object.freeze([
  'message:stored',
  'message:status',
  'messages:bulk',
  'conversation:changed',
  'contact:changed',
  'contact:removed',
  'device:changed',
  'profile:changed',
  'pairing:progress',
  'connection',
  'notice',
  'app:state',
  'file:progress',
  'contact:typing',
  'group:changed',
] as const);
