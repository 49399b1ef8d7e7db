/**
 * A message's files: pictures inline (the preview that came in the message at once, the
 * full picture once downloaded and verified), other files as cards with name, size,
 * progress and Save. Nothing is shown from bytes that did not verify.
 */
import { useEffect, useState } from 'react';
import type { AttachmentView, MessageView } from '../../shared/views.js';
import { messageOf } from '../bridge.js';
import { sizeText } from '../lib/files.js';
import { useFiles } from '../stores/fileStore.js';
import { useViewer } from '../stores/viewerStore.js';
import { useAction } from './useAction.js';
import './Files.css';

function Bar({ messageId, index }: { messageId: string; index: number }) {
  const p = useFiles((s) => s.progress[`${messageId}:${index}`]);
  if (!p || !p.total) return null;
  return <progress className="file-progress" max={p.total} value={p.done} data-testid="file-progress" />;
}

function Picture({ message, file }: { message: MessageView; file: AttachmentView }) {
  const url = useFiles((s) => s.images[`${message.id}:${file.index}`]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (file.state !== 'ready' || url) return;
    useFiles
      .getState()
      .image(message, file.index)
      .catch((e: unknown) => setError(messageOf(e)));
  }, [file.state, url, message, file.index]);
  const src = url ?? (file.thumbnail || null);
  return (
    <figure className="file-picture" data-testid="file-image" data-state={url ? 'full' : 'preview'}>
      {src ? (
        <button
          className="picture-open"
          aria-label={`Open ${file.name}`}
          onClick={() => useViewer.getState().show(message.contactId, message.id, file.index)}
          data-testid="file-image-open"
        >
          <img src={src} alt={file.name} width={file.width || undefined} height={file.height || undefined} />
        </button>
      ) : (
        <div className="file-picture-empty">{file.name}</div>
      )}
      {error && <figcaption className="error">{error}</figcaption>}
    </figure>
  );
}

function Card({ message, file }: { message: MessageView; file: AttachmentView }) {
  const download = useAction(() => useFiles.getState().download(message, file.index));
  const save = useAction(async () => {
    if (file.executable && !window.confirm(`${file.name} is a program. Save it anyway?`)) return;
    await useFiles.getState().save(message, file.index);
  });
  return (
    <div className="file-card" data-testid="file-card" data-name={file.name} data-state={file.state}>
      <div className="file-card-head">
        <span className="file-name">{file.name}</span>
        <span className="muted small">
          {sizeText(file.size)} · {file.mime}
        </span>
      </div>
      {file.state === 'downloading' && (
        <div className="file-progress-row">
          <Bar messageId={message.id} index={file.index} />
          <button
            className="link-button"
            onClick={() => void useFiles.getState().cancel(message.contactId, message.id, file.index)}
            data-testid="file-cancel"
          >
            Cancel
          </button>
        </div>
      )}
      {file.state === 'failed' && (
        <span className="error small" data-testid="file-error">
          {file.error}
        </span>
      )}
      <div className="file-card-actions">
        {(file.state === 'remote' || file.state === 'failed') && (
          <button
            className="secondary"
            onClick={() => void download.run()}
            disabled={download.busy}
            data-testid="file-download"
          >
            {file.state === 'failed' ? 'Try again' : 'Download'}
          </button>
        )}
        {file.state === 'ready' && (
          <button
            className="secondary"
            onClick={() => void save.run()}
            disabled={save.busy}
            data-testid="file-save"
          >
            Save
          </button>
        )}
      </div>
      {(download.error || save.error) && <span className="error small">{download.error ?? save.error}</span>}
    </div>
  );
}

export function MessageFiles({ message }: { message: MessageView }) {
  return (
    <div className="message-files">
      {message.attachments.map((f) =>
        f.image && f.state !== 'failed' ? (
          <div key={f.index} className="file-picture-wrap">
            <Picture message={message} file={f} />
            {f.state !== 'ready' && <Card message={message} file={f} />}
          </div>
        ) : (
          <Card key={f.index} message={message} file={f} />
        ),
      )}
    </div>
  );
}

/** Files waiting in the composer, each with a remove button, and what happens to pictures. */
export function PendingFiles({ contactId }: { contactId: string }) {
  const files = useFiles((s) => s.pending[contactId]);
  const uploads = useFiles((s) => s.progress);
  if (!files?.length) return null;
  const pictures = files.some((f) => ['image/jpeg', 'image/png', 'image/webp'].includes(f.type));
  return (
    <div className="pending-files" data-testid="pending-files">
      {files.map((f, i) => {
        const p = uploads[`up:${f.name}`];
        return (
          <span key={`${f.name}-${i}`} className="pending-file" data-testid="pending-file">
            {f.name} <span className="muted small">{sizeText(f.size)}</span>
            {p && <progress className="file-progress" max={p.total} value={p.done} />}
            {p && (
              <button
                className="link-button"
                onClick={() => void useFiles.getState().cancel(contactId, '', i)}
                data-testid="upload-cancel"
              >
                Cancel
              </button>
            )}
            <button
              className="link-button"
              aria-label={`Remove ${f.name}`}
              onClick={() => useFiles.getState().remove(contactId, i)}
            >
              ×
            </button>
          </span>
        );
      })}
      {pictures && (
        <small className="muted" data-testid="location-removed">
          Location and camera details are removed from pictures before they are sent.
        </small>
      )}
    </div>
  );
}
