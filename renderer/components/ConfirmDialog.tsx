/** A modal question (the native <dialog>: focus stays inside, Escape cancels). */
import { useEffect, useId, useRef, type ReactNode } from 'react';

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  /** The button that closes the dialog ("Cancel" unless said). */
  cancelLabel?: string;
  danger?: boolean;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) d.showModal();
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
      data-testid={props.testId ?? 'confirm-dialog'}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div className="dialog-body">{props.children}</div>
      <div className="actions">
        <button className="secondary" onClick={props.onCancel} autoFocus data-testid="dialog-cancel">
          {props.cancelLabel ?? 'Cancel'}
        </button>
        <button
          className={props.danger ? 'danger' : 'primary'}
          onClick={props.onConfirm}
          disabled={props.busy}
          data-testid="dialog-confirm"
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
