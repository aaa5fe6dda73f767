import { ChartFigure } from '../components/charts/ChartFigure';
import { Empty, ErrorNote, Loading } from '../components/ui';
import { useHealthSummary, type HealthSummary } from './queries';

const label = (b: HealthSummary['buckets'][number]) => `${b.from}–${b.to}`;

/** How the live numbers' scores spread, with the policy's quarantine threshold marked. */
export function ScoreDistribution() {
  const summary = useHealthSummary();
  const s = summary.data;
  return (
    <section className="card" aria-labelledby="distribution-heading">
      <h3 id="distribution-heading">Score distribution</h3>
      {summary.isLoading ? (
        <Loading label="Loading the distribution…" />
      ) : summary.error ? (
        <ErrorNote error={summary.error} title="Could not read the distribution" />
      ) : !s ? null : s.total === 0 ? (
        <Empty>No live numbers to chart yet.</Empty>
      ) : (
        <div className="chart-narrow">
          <dl className="facts">
            <dt>Numbers</dt>
            <dd>{s.total}</dd>
            <dt>Quarantined</dt>
            <dd>{s.quarantined}</dd>
            <dt>Resting</dt>
            <dd>{s.resting}</dd>
          </dl>
          <ChartFigure
            caption="Live numbers by health score"
            data={s.buckets.map((b) => ({ label: label(b), value: b.count }))}
            categoryLabel="Score"
            valueLabel="Numbers"
            {...thresholdMark(s)}
          />
          {s.partial ? <p className="hint">Counted over part of your numbers only (too many to score in one request).</p> : null}
        </div>
      )}
    </section>
  );
}

/** The marker at the bucket holding the policy's threshold, when there is a policy. */
function thresholdMark(s: HealthSummary) {
  if (s.threshold === null) return {};
  const bucket = s.buckets.find((b) => s.threshold! >= b.from && s.threshold! <= b.to);
  return bucket ? { reference: { at: label(bucket), label: `Quarantine below ${s.threshold}` } } : {};
}
