/** Initials on a colour of the person's own (no pictures: nothing to fetch). */
import { hue, initials } from '../lib/format.js';

export function Avatar({ id, name, size = 40 }: { id: string; name: string; size?: number }) {
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
