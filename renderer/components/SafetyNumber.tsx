/** A contact's safety number: 12 groups of 5 digits in 3 rows, to read aloud or compare side by side. */
export function SafetyNumber({ number }: { number: string }) {
  const groups = number.split(/\s+/).filter(Boolean);
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += 4) rows.push(groups.slice(i, i + 4).join(' '));
  return (
    <p className="safety-number" data-testid="safety-number" data-number={number}>
      {rows.map((r, i) => (
        <span key={i} className="safety-row">
          {r}
        </span>
      ))}
    </p>
  );
}
