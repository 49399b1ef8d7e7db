/**
 * The picture viewer over a conversation: one picture large (the full one once verified,
 * the preview meanwhile), ← and → to the previous and next picture of the conversation,
 * + and − (or the buttons) to zoom, Save (a browser download in the browser host), Esc to close.
 */
import { useEffect, useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import { messageOf } from '../bridge.js';
import { useChats } from '../stores/chatStore.js';
import { useFiles } from '../stores/fileStore.js';
import { useViewer } from '../stores/viewerStore.js';
import { useAction } from './useAction.js';

const ZOOMS = [0.5, 0.75, 1, 1.5, 2, 3, 4];

export function PictureViewer({ contactId }: { contactId: string }) {
  const open = useViewer((s) => (s.open?.contactId === contactId ? s.open : null));
  const items = useChats((s) => s.threads[contactId]?.items);
  // every picture of the loaded conversation, oldest first
  const pictures = useMemo(
    () =>
      (items ?? []).flatMap((m) =>
        m.deleted ? [] : m.attachments.filter((f) => f.image && f.state !== 'failed').map((f) => ({ m, f })),
      ),
    [items],
  );
  const at = open ? pictures.findIndex((p) => p.m.id === open.messageId && p.f.index === open.index) : -1;
  const current = at >= 0 ? pictures[at] : undefined;
  const url = useFiles((s) => (current ? s.images[`${current.m.id}:${current.f.index}`] : undefined));
  const [zoom, setZoom] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const save = useAction(async () => {
    if (current) await useFiles.getState().save(current.m, current.f.index);
  });

  useEffect(() => {
    setZoom(1);
    setError(null);
    if (!current || url) return;
    const f = current.f;
    const load = f.state === 'ready' ? Promise.resolve() : useFiles.getState().download(current.m, f.index);
    load
      .then(() => useFiles.getState().image(current.m, f.index))
      .catch((e: unknown) => setError(messageOf(e)));
  }, [current, url]);

  useEffect(() => {
    if (!open) return;
    const go = (step: number) => {
      const next = pictures[at + step];
      if (next) useViewer.getState().show(contactId, next.m.id, next.f.index);
    };
    const zoomBy = (step: number) =>
      setZoom((z) => ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, ZOOMS.indexOf(z) + step))]!);
    const onKey = (e: KeyboardEvent) => {
      const act: Record<string, () => void> = {
        Escape: () => useViewer.getState().close(),
        ArrowLeft: () => go(-1),
        ArrowRight: () => go(1),
        '+': () => zoomBy(1),
        '=': () => zoomBy(1),
        '-': () => zoomBy(-1),
        '0': () => setZoom(1),
      };
      const fn = act[e.key];
      if (!fn) return;
      e.preventDefault();
      fn();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open, pictures, at, contactId]);

  if (!open || !current) return null;
  const src = url ?? (current.f.thumbnail || null);
  return createPortal(
    <div
      className="viewer"
      role="dialog"
      aria-modal="true"
      aria-label={`Picture ${at + 1} of ${pictures.length}: ${current.f.name}`}
      data-testid="viewer"
      data-zoom={zoom}
      data-state={url ? 'full' : 'preview'}
    >
      <div className="viewer-bar">
        <span className="viewer-name">{current.f.name}</span>
        <span className="muted small" data-testid="viewer-position">
          {at + 1} / {pictures.length}
        </span>
        <button
          className="secondary"
          aria-label="Zoom out"
          onClick={() => setZoom(ZOOMS[Math.max(0, ZOOMS.indexOf(zoom) - 1)]!)}
        >
          −
        </button>
        <span className="small" data-testid="viewer-zoom">
          {Math.round(zoom * 100)} %
        </span>
        <button
          className="secondary"
          aria-label="Zoom in"
          onClick={() => setZoom(ZOOMS[Math.min(ZOOMS.length - 1, ZOOMS.indexOf(zoom) + 1)]!)}
        >
          +
        </button>
        <button
          className="secondary"
          onClick={() => void save.run()}
          disabled={save.busy || current.f.state !== 'ready'}
          data-testid="viewer-save"
        >
          Save
        </button>
        <button
          className="secondary"
          aria-label="Close"
          onClick={() => useViewer.getState().close()}
          data-testid="viewer-close"
        >
          ×
        </button>
      </div>
      <div
        className="viewer-stage"
        onClick={(e) => e.target === e.currentTarget && useViewer.getState().close()}
      >
        {src ? (
          <img
            src={src}
            alt={current.f.name}
            style={{ transform: `scale(${zoom})` }}
            data-testid="viewer-image"
          />
        ) : (
          <span className="muted">{current.f.name}</span>
        )}
      </div>
      {(error ?? save.error) && (
        <p className="error viewer-error" data-testid="viewer-error">
          {error ?? save.error}
        </p>
      )}
    </div>,
    document.body,
  );
}
