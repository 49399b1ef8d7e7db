/** The mark of a contact whose safety number was compared (for the keys used now). */
import { withDirectionMarks } from '../../shared/text.js';
import { Icon } from './Icon.js';

export function VerifiedBadge({ name, size = 18 }: { name: string; size?: number }) {
  return (
    <span
      className="verified-badge"
      role="img"
      aria-label="Verified"
      title={`${withDirectionMarks(name)} is verified: you compared your safety numbers`}
      data-testid="verified-badge"
    >
      <Icon name="verified" size={size} />
    </span>
  );
}
