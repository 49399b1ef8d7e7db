/** The pairing's safety code, large and grouped, for comparing two screens. */
export function SafetyCode({ code }: { code: string }) {
  const groups =
    code.includes(' ') || code.includes('-') ? code.split(/[\s-]+/) : (code.match(/.{1,4}/g) ?? [code]);
  return (
    <div
      className="safety-code"
      data-testid="safety-code"
      data-code={code}
      aria-label={`Safety code ${code}`}
    >
      {groups.map((g, i) => (
        <span key={i}>{g}</span>
      ))}
    </div>
  );
}
