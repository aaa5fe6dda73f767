import { ErrorNote, ListStates, Loading, Status, THead, when, LoadMore } from '../components/ui';
import { Factors, hygieneStateOf } from './Factors';
import { useNumberHealth, useOutcomes, type NumberHealth } from './queries';

/** One number (#health/<e164>): its score, the factors and inputs behind it, and the call outcomes reported for it. */
export function NumberHistory({ phoneNumber, onBack }: { phoneNumber: string; onBack: () => void }) {
  const health = useNumberHealth(phoneNumber);
  return (
    <div className="stack">
      <button type="button" className="link" onClick={onBack}>
        ← All scores
      </button>
      <h2>Health of {phoneNumber}</h2>
      {health.isLoading ? (
        <Loading label="Loading the number…" />
      ) : health.error ? (
        <ErrorNote error={health.error} title="Could not read this number’s health" />
      ) : health.data ? (
        <>
          <ScoreCard health={health.data} />
          <OutcomeHistory phoneNumber={phoneNumber} />
        </>
      ) : null}
    </div>
  );
}

function ScoreCard({ health }: { health: NumberHealth }) {
  const i = health.inputs;
  const trust = [i.voiceTrust.shakenStir ? `SHAKEN/STIR ${i.voiceTrust.shakenStir}` : null, i.voiceTrust.cnam ? 'CNAM' : null, i.voiceTrust.voiceIntegrity ? 'Voice Integrity' : null].filter(Boolean);
  return (
    <section className="card" aria-labelledby="score-heading">
      <h3 id="score-heading">Score</h3>
      <div className="score-row">
        <p className="score">
          <span className="visually-hidden">Score </span>
          {health.score}
          <span className="visually-hidden"> of 100</span>
        </p>
        <Status value={hygieneStateOf(health)} />
        {health.quarantinedAt ? <span className="muted">quarantined since {when(health.quarantinedAt)}</span> : null}
        {health.restingUntil ? <span className="muted">resting until {when(health.restingUntil)}</span> : null}
      </div>
      <h4>Factors</h4>
      <Factors factors={health.factors} />
      <h4>Inputs</h4>
      <dl className="facts">
        <dt>Line type</dt>
        <dd>{i.lineType ?? 'not looked up'}</dd>
        <dt>SMS pumping risk</dt>
        <dd>{i.smsPumpingRiskScore ?? 'not looked up'}</dd>
        <dt>Calls (30 days)</dt>
        <dd>
          {i.calls.total} calls, {i.calls.answered} answered, {i.calls.short} short, {i.calls.blocked} blocked; {i.calls.labelled} labelled as spam, {i.calls.complaints} complaints
        </dd>
        <dt>Reputation</dt>
        <dd>{i.reputation ? `${i.reputation.score}/100 from ${i.reputation.source}` : 'none reported'}</dd>
        <dt>Voice trust</dt>
        <dd>{trust.length ? trust.join(', ') : 'none approved'}</dd>
      </dl>
    </section>
  );
}

function OutcomeHistory({ phoneNumber }: { phoneNumber: string }) {
  const outcomes = useOutcomes(phoneNumber);
  const rows = outcomes.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <section className="card" aria-labelledby="outcomes-heading">
      <h3 id="outcomes-heading">Outcome history</h3>
      <ListStates
        loading={outcomes.isLoading}
        loadingLabel="Loading the outcomes…"
        error={outcomes.error}
        errorTitle="Could not read the outcomes"
        empty={rows.length === 0}
        emptyText="No call outcomes reported for this number. Post them to /v1/number-health/call-outcomes and they count in its score."
      >
        <table>
          <caption className="visually-hidden">Call outcomes of {phoneNumber}, newest first</caption>
          <THead cols={['When', 'Outcome', 'Duration', 'Your id']} />
          <tbody>
            {rows.map((o, index) => (
              <tr key={o.externalId ?? `${o.at}-${index}`}>
                <td>{when(o.at)}</td>
                <td>{o.outcome.replace(/_/g, ' ')}</td>
                <td>{o.durationSeconds === null ? '—' : `${o.durationSeconds} s`}</td>
                <td className="wrap">{o.externalId ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ListStates>
      <LoadMore pages={outcomes} />
    </section>
  );
}
