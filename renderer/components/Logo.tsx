/** The cat: an inline SVG, no image request. */
export function Logo({ size = 40 }: { size?: number }) {
  return (
    <svg className="logo" width={size} height={size} viewBox="0 0 64 64" aria-hidden="true">
      <path
        d="M10 8 L24 20 Q32 17 40 20 L54 8 Q58 28 54 38 Q50 56 32 56 Q14 56 10 38 Q6 28 10 8 Z"
        className="logo-face"
      />
      <circle cx="24" cy="34" r="3.5" className="logo-eye" />
      <circle cx="40" cy="34" r="3.5" className="logo-eye" />
      <path d="M29 42 L35 42 L32 45 Z" className="logo-eye" />
    </svg>
  );
}
