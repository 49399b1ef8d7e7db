/** A person's picture, or their initials on a colour of their own when they have none. */
import { hue, initials } from '../lib/format.js';

export function Avatar({
  id,
  name,
  size = 40,
  src = '',
}: {
  id: string;
  name: string;
  size?: number;
  /** A data: URL (checked by the service); '' shows the initials. */
  src?: string;
}) {
  if (src)
    return (
      <img
        className="avatar"
        src={src}
        alt=""
        aria-hidden="true"
        width={size}
        height={size}
        style={{ width: size, height: size }}
        data-testid="avatar-picture"
      />
    );
  return (
    <span
      className="avatar"
      aria-hidden="true"
      style={{ width: size, height: size, fontSize: size * 0.4, background: `hsl(${hue(id)} 45% 48%)` }}
    >
      {initials(name)}
    </span>
  );
}
