/**
 * Files picked, dropped or pasted in the composer, on their way to the service: a small
 * preview of a picture made here (the sandboxed renderer is the only place that decodes
 * images), and the bytes staged with the service in pieces (a browser has no path to give).
 */
import { call } from '../bridge.js';

const PREVIEW_EDGE = 240;
/** Stays well inside the message's bound (the preview travels inside the encrypted message). */
const PREVIEW_MAX_BYTES = 16 * 1024;
/**
 * Bytes staged per call: as base64 inside the call's JSON it must fit the browser host's
 * WebSocket frame (main/host/webServer.ts MAX_FRAME_BYTES, 1 MiB); 768 KiB made exactly
 * 1 MiB of base64 and the host closed the connection on any file above that.
 */
const PIECE = 512 * 1024;
const RASTER = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface Preview {
  thumbnail: string;
  width: number;
  height: number;
}

/** A JPEG preview of a raster picture and its size; null for anything else (or what cannot be decoded). */
export async function previewOf(file: File): Promise<Preview | null> {
  if (!RASTER.has(file.type)) return null;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, PREVIEW_EDGE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    for (const quality of [0.7, 0.5, 0.3]) {
      const blob = await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/jpeg', quality));
      if (blob && blob.size <= PREVIEW_MAX_BYTES) {
        return {
          thumbnail: base64(new Uint8Array(await blob.arrayBuffer())),
          width: bitmap.width,
          height: bitmap.height,
        };
      }
    }
    return { thumbnail: '', width: bitmap.width, height: bitmap.height };
  } catch {
    return null; // not decodable here: sent as a file, without a preview
  }
}

/** Hands a file's bytes to the service in pieces; returns the staged id. */
export async function stage(file: File, onProgress: (done: number) => void): Promise<string> {
  const { stageId } = await call('stageFile', { name: file.name, size: file.size });
  for (let at = 0; at < file.size; at += PIECE) {
    const piece = new Uint8Array(await file.slice(at, at + PIECE).arrayBuffer());
    await call('appendStagedFile', stageId, base64(piece));
    onProgress(Math.min(file.size, at + PIECE));
  }
  return stageId;
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function isRaster(mime: string): boolean {
  return RASTER.has(mime);
}

export function sizeText(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.ceil(n / 1024)} KB`;
  return `${n} B`;
}
