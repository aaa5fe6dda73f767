import { useState, type FormEvent } from 'react';
import { Scoped } from '../components/Scoped';
import { Timeline } from '../components/Timeline';
import { Field, fieldError, Status, THead, when, FormSubmit } from '../components/ui';
import { TrustDetailsPage } from './TrustPages';
import { productLabel, voiceTrustSteps } from './labels';
import { isRunning, useCancelVoiceTrust, useCorrectVoiceTrust, useVoiceTrustRegistration, type VoiceTrustCorrections, type VoiceTrustRegistration } from './queries';

export function VoiceTrustDetails({ id, onBack }: { id: string; onBack: () => void }) {
  return (
    <TrustDetailsPage noun="registration" read={useVoiceTrustRegistration(id)} cancel={useCancelVoiceTrust(id)} onBack={onBack}>
      {(r) => (
        <>
          <Summary r={r} />
          <Numbers r={r} />
          {r.status === 'action_required' ? (
            <Scoped scope="spend" what="Sending corrections (a resubmission may be billed)">
              <Corrections r={r} />
            </Scoped>
          ) : (
            <Problems r={r} />
          )}
          <Timeline events={r.timeline} headingId="vt-timeline-heading" />
        </>
      )}
    </TrustDetailsPage>
  );
}

function Summary({ r }: { r: VoiceTrustRegistration }) {
  // A completed registration has every step behind it; otherwise the API's step is the one under way.
  const current = r.status === 'completed' ? voiceTrustSteps.length : voiceTrustSteps.findIndex(([s]) => s === r.step);
  const displayName = typeof r.draft.displayName === 'string' ? r.draft.displayName : null;
  return (
    <section className="card" aria-labelledby="vt-details-heading">
      <h3 id="vt-details-heading">
        {productLabel[r.product] ?? r.product} registration <Status value={r.status} />
      </h3>
      <ol className="stepper" aria-label="Registration steps">
        {voiceTrustSteps.map(([step, label], i) => (
          <li key={step} className={i === current ? 'current' : i < current ? 'done' : undefined} aria-current={i === current ? 'step' : undefined}>
            {label}
          </li>
        ))}
      </ol>
      {isRunning(r.status) ? (
        <p role="status" className="muted">
          Following Twilio: this page refreshes by itself.
        </p>
      ) : null}
      <dl className="facts">
        <dt>Step</dt>
        <dd>{r.step.replace(/_/g, ' ')}</dd>
        {displayName ? (
          <>
            <dt>Display name</dt>
            <dd>{displayName}</dd>
          </>
        ) : null}
        <dt>Business profile</dt>
        <dd>{r.businessProfileSid}</dd>
        <dt>Trust product</dt>
        <dd>{r.trustProductSid ?? '—'}</dd>
        <dt>Twilio status</dt>
        <dd>{r.twilioStatus ?? '—'}</dd>
        <dt>Started</dt>
        <dd>{when(r.createdAt)}</dd>
        <dt>Finished</dt>
        <dd>{when(r.finishedAt)}</dd>
      </dl>
    </section>
  );
}

const yes = (b: boolean) => (b ? 'yes' : 'no');

function Numbers({ r }: { r: VoiceTrustRegistration }) {
  return (
    <section className="card" aria-labelledby="vt-numbers-heading">
      <h3 id="vt-numbers-heading">Numbers</h3>
      <table>
        <caption className="visually-hidden">The registration’s numbers</caption>
        <THead cols={['Number', 'On business profile', 'On trust product', 'Attestation']} />
        <tbody>
          {r.numbers.map((n) => (
            <tr key={n.phoneNumber}>
              <td>{n.phoneNumber}</td>
              <td>{yes(n.onBusinessProfile)}</td>
              <td>{n.detached ? 'taken off' : yes(n.onTrustProduct)}</td>
              <td>{r.product === 'shaken_stir' ? (n.attestation ?? 'B or C') : 'n/a'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ProblemList({ r }: { r: VoiceTrustRegistration }) {
  return (
    <ul>
      {r.problems.map((p, i) => (
        <li key={i}>
          {p.code ? <code>{p.code}</code> : null} {p.message}
          {p.field ? <span className="muted"> ({p.field})</span> : null}
        </li>
      ))}
    </ul>
  );
}

function Problems({ r }: { r: VoiceTrustRegistration }) {
  if (r.problems.length === 0) return null;
  return (
    <section className="card" aria-labelledby="vt-problems-heading">
      <h3 id="vt-problems-heading">Problems</h3>
      <ProblemList r={r} />
    </section>
  );
}

type CorrectionKey = 'displayName' | 'useCase' | 'employeeCount' | 'averageDailyCallVolume' | 'notes' | 'email';
const correctionFields: Record<string, [CorrectionKey, string][]> = {
  cnam: [['displayName', 'Display name']],
  voice_integrity: [
    ['useCase', 'Use case'],
    ['employeeCount', 'Employees'],
    ['averageDailyCallVolume', 'Average daily calls'],
    ['notes', 'Notes'],
  ],
};

/** The changed fields only; numbers as numbers. Nothing changed: `{}`, which resubmits as is. */
function toCorrections(values: Partial<Record<CorrectionKey, string>>): VoiceTrustCorrections {
  const body: Record<string, string | number> = {};
  for (const [k, raw] of Object.entries(values)) {
    const v = raw?.trim();
    if (!v) continue;
    body[k] = (k === 'employeeCount' || k === 'averageDailyCallVolume') && /^\d+$/.test(v) ? Number(v) : v;
  }
  return body as VoiceTrustCorrections;
}

/** action_required: Twilio's reasons, and the fields a correction may change. */
function Corrections({ r }: { r: VoiceTrustRegistration }) {
  const correct = useCorrectVoiceTrust(r.id);
  const [values, setValues] = useState<Partial<Record<CorrectionKey, string>>>({});
  const fields = [...(correctionFields[r.product] ?? []), ['email', 'Email'] as [CorrectionKey, string]];
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await correct.mutateAsync(toCorrections(values)).catch(() => {});
  };
  return (
    <section className="card" aria-labelledby="vt-action-heading">
      <h3 id="vt-action-heading">Action required</h3>
      <ProblemList r={r} />
      <form onSubmit={submit} noValidate aria-label="Corrections" className="stack">
        <p className="hint">Change what the reasons name; with every field left empty the registration is resubmitted as it is.</p>
        <div className="grid">
          {fields.map(([k, label]) => (
            <Field key={k} name={k} label={label} value={values[k] ?? ''} onChange={(v) => setValues((o) => ({ ...o, [k]: v }))} type={k === 'email' ? 'email' : 'text'} error={fieldError(correct.error, k)} />
          ))}
        </div>
        <FormSubmit label="Send corrections" disabled={correct.isPending} error={correct.error} errorTitle="The corrections were not accepted" />
      </form>
    </section>
  );
}
