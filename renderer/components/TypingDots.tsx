/** "Bob is typing" with three dots, above the composer, while the contact types. */
import type { ContactView } from '../../shared/views.js';
import { useTyping } from '../stores/typingStore.js';
import { UserText } from './UserText.js';

export function TypingDots({ contact }: { contact: ContactView }) {
  const typing = useTyping((s) => contact.id in s.until);
  return (
    <div className="typing-line muted small" aria-live="polite" data-testid="typing-line">
      {typing && (
        <span data-testid="typing">
          <UserText text={contact.name} name /> is typing
          <span className="typing-dots" aria-hidden="true">
            <span>.</span>
            <span>.</span>
            <span>.</span>
          </span>
        </span>
      )}
    </div>
  );
}
