import type { NumberHealth } from './queries';

/** Points as a score shows them: "−30" with a real minus sign. */
export const points = (p: number) => (p < 0 ? `−${-p}` : `+${p}`);

/** Why a score is what it is: each factor with its points and the reason, or that nothing took any away. */
export function Factors({ factors }: { factors: NumberHealth['factors'] }) {
  if (factors.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="factors">
      {factors.map((f) => (
        <li key={f.factor}>
          <code>{f.factor}</code> <span className="points">{points(f.points)}</span> {f.detail}
        </li>
      ))}
    </ul>
  );
}

/** ok, quarantined, or resting (quarantined and still inside its rest days). */
export const hygieneStateOf = (n: Pick<NumberHealth, 'hygieneState' | 'restingUntil'>) => (n.restingUntil ? 'resting' : (n.hygieneState ?? 'ok'));
