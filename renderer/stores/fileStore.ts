/**
 * Files: those waiting in a composer (per conversation), progress of files going up or
 * down, and pictures shown inline — each from a blob: URL made of bytes the service
 * verified and typed by their content (only raster types; never SVG or HTML).
 */
import { create } from 'zustand';
import type { FileProgressView, MessageView } from '../../shared/views.js';
import { call, codeOf } from '../bridge.js';
import { fromBase64, isRaster, previewOf, stage } from '../lib/files.js';
import { useChats } from './chatStore.js';

export interface Progress {
  done: number;
  total: number;
}

interface FileStore {
  pending: Record<string, File[]>;
  /** `${messageId}:${index}` (downloads) or `up:${name}` (uploads) → progress. */
  progress: Record<string, Progress>;
  /** `${messageId}:${index}` → blob: URL of a verified picture. */
  images: Record<string, string>;
  add(contactId: string, files: File[]): void;
  remove(contactId: string, index: number): void;
  send(contactId: string, caption: string): Promise<void>;
  onProgress(p: FileProgressView): void;
  image(m: MessageView, index: number): Promise<string | null>;
  download(m: MessageView, index: number): Promise<void>;
  /** Stops a file's download (`messageId`), or ('') the files being sent to the contact. */
  cancel(contactId: string, messageId: string, index: number): Promise<void>;
  save(m: MessageView, index: number): Promise<void>;
}

const key = (messageId: string, index: number) => `${messageId}:${index}`;

/** Contacts whose send the person cancelled (checked between the pieces staged). */
const stopped = new Set<string>();

export const useFiles = create<FileStore>((set, get) => ({
  pending: {},
  progress: {},
  images: {},
  add(contactId, files) {
    const now = get().pending[contactId] ?? [];
    set({ pending: { ...get().pending, [contactId]: [...now, ...files] } });
  },
  remove(contactId, index) {
    const now = (get().pending[contactId] ?? []).filter((_, i) => i !== index);
    set({ pending: { ...get().pending, [contactId]: now } });
  },
  async send(contactId, caption) {
    const files = get().pending[contactId] ?? [];
    if (!files.length) return;
    set({ pending: { ...get().pending, [contactId]: [] } });
    stopped.delete(contactId);
    try {
      const staged = [];
      for (const f of files) {
        const preview = await previewOf(f);
        const stageId = await stage(f, (done) => {
          // cancelled while the bytes still go to the service: stop there (nothing was uploaded)
          if (stopped.has(contactId)) throw new Error(`Cancelled: ${f.name} was not sent.`);
          set({ progress: { ...get().progress, [`up:${f.name}`]: { done, total: f.size * 2 } } });
        });
        staged.push({
          stageId,
          name: f.name,
          ...(preview?.thumbnail ? { thumbnail: preview.thumbnail } : {}),
          ...(preview ? { width: preview.width, height: preview.height } : {}),
        });
      }
      const m = await call('sendFiles', contactId, { files: staged, caption });
      useChats.getState().onMessage(m);
    } catch (e) {
      // the files come back to the composer, with the reason shown there — unless the send
      // continues by itself (its upload was cut: it resumes where it stopped)
      if (codeOf(e) !== 'FILE_SEND_PENDING')
        set({ pending: { ...get().pending, [contactId]: [...files, ...(get().pending[contactId] ?? [])] } });
      throw e;
    } finally {
      const progress = { ...get().progress };
      for (const f of files) delete progress[`up:${f.name}`];
      set({ progress });
    }
  },
  onProgress(p) {
    // uploads: staging counted as the first half, the relay upload as the second
    const k = p.direction === 'up' ? `up:${p.name}` : key(p.messageId, p.index);
    const value = p.direction === 'up' ? { done: p.total + p.done, total: p.total * 2 } : p;
    set({ progress: { ...get().progress, [k]: { done: value.done, total: value.total } } });
  },
  async image(m, index) {
    const k = key(m.id, index);
    const known = get().images[k];
    if (known) return known;
    const data = await call('fileData', m.contactId, m.id, index);
    if (!isRaster(data.mime)) return null; // what the bytes are, not what the message said
    const url = URL.createObjectURL(new Blob([fromBase64(data.base64)], { type: data.mime }));
    set({ images: { ...get().images, [k]: url } });
    return url;
  },
  async download(m, index) {
    try {
      const updated = await call('downloadFile', m.contactId, m.id, index);
      useChats.getState().onMessage(updated);
    } catch (e) {
      if (codeOf(e) !== 'TRANSFER_CANCELLED') throw e; // stopped by the person: its card says Download again
    }
  },
  async cancel(contactId, messageId, index) {
    if (!messageId) stopped.add(contactId);
    await call('cancelFile', contactId, messageId, index);
  },
  async save(m, index) {
    const a = m.attachments[index];
    if (!a) return;
    if (a.size > 25 * 1024 * 1024) {
      // too large to pass through the page: the service writes it to the Downloads folder
      await call('saveFile', m.contactId, m.id, index);
      return;
    }
    const data = await call('fileData', m.contactId, m.id, index);
    // Saved as bytes (octet-stream), never opened or rendered by the page.
    const url = URL.createObjectURL(
      new Blob([fromBase64(data.base64)], { type: 'application/octet-stream' }),
    );
    const link = document.createElement('a');
    link.href = url;
    link.download = data.name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  },
}));
