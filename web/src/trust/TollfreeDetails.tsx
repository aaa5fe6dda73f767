import { useState, type FormEvent } from 'react';
import { Scoped } from '../components/Scoped';
import { TimeLeft } from '../components/TimeLeft';
import { Timeline } from '../components/Timeline';
import { Field, Status, when, FormSubmit } from '../components/ui';
import { TrustDetailsPage } from './TrustPages';
import { isRunning, useCancelTollfree, useEditTollfree, useTollfreeVerification, type TollfreeEdit, type TollfreeVerification } from './queries';
import { fromTollfreeDraft, messageFor, toTollfreeDraft, type TollfreeValues } from './tollfree-fields';
import { TollfreeFields } from './TollfreeFields';

export function TollfreeDetails({ id, onBack }: { id: string; onBack: () => void }) {
  return (
    <TrustDetailsPage noun="verification" read={useTollfreeVerification(id)} cancel={useCancelTollfree(id)} onBack={onBack}>
      {(v) => (
        <>
          <Summary v={v} />
          <Reasons v={v} />
          {v.editAllowed ? (
            <Scoped scope="spend" what="Editing and resubmitting a verification">
              <EditForm v={v} />
            </Scoped>
          ) : null}
          <Timeline events={v.timeline} headingId="tf-timeline-heading" />
        </>
      )}
    </TrustDetailsPage>
  );
}

function Summary({ v }: { v: TollfreeVerification }) {
  return (
    <section className="card" aria-labelledby="tf-details-heading">
      <h3 id="tf-details-heading">
        Verification of {v.tollfreePhoneNumber} <Status value={v.status} />
      </h3>
      {isRunning(v.status) ? (
        <p role="status" className="muted">
          {v.status === 'in_review' ? 'In Twilio’s review' : 'Following Twilio'}: this page refreshes by itself.
        </p>
      ) : null}
      <dl className="facts">
        <dt>Twilio status</dt>
        <dd>{v.twilioStatus?.replace(/_/g, ' ') ?? '—'}</dd>
        <dt>Verification</dt>
        <dd>{v.verificationSid ?? '—'}</dd>
        <dt>Business</dt>
        <dd>{v.draft.business.name}</dd>
        <dt>Started</dt>
        <dd>{when(v.createdAt)}</dd>
        <dt>Finished</dt>
        <dd>{when(v.finishedAt)}</dd>
      </dl>
    </section>
  );
}

/** Twilio's rejection reasons with their codes, and how long an edit may still be sent. */
function Reasons({ v }: { v: TollfreeVerification }) {
  if (v.problems.length === 0 && !v.editExpiration) return null;
  return (
    <section className="card" aria-labelledby="tf-reasons-heading">
      <h3 id="tf-reasons-heading">{v.status === 'action_required' ? 'Rejected by Twilio' : 'Problems'}</h3>
      <ul>
        {v.problems.map((p, i) => (
          <li key={i}>
            {p.twilioCode ? <code>{p.twilioCode}</code> : null} {p.message}
            {p.field ? <span className="muted"> ({p.field})</span> : null}
          </li>
        ))}
      </ul>
      {v.editExpiration && v.editAllowed ? (
        <p>
          Edit window: <TimeLeft until={v.editExpiration} /> (until {when(v.editExpiration)}).
        </p>
      ) : null}
    </section>
  );
}

/** Within the edit window: the submitted draft to change, and why; it goes back to Twilio's review. */
function EditForm({ v }: { v: TollfreeVerification }) {
  const edit = useEditTollfree(v.id);
  const [values, setValues] = useState<TollfreeValues>(() => fromTollfreeDraft(v.draft));
  const [editReason, setEditReason] = useState('');
  const fieldsOf = edit.error?.fields ?? [];
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const { tollfreePhoneNumber: _number, ...draft } = toTollfreeDraft(values);
    await edit.mutateAsync({ editReason: editReason.trim(), ...draft } as TollfreeEdit).catch(() => {});
  };
  return (
    <section className="card" aria-labelledby="tf-edit-heading">
      <h3 id="tf-edit-heading">Edit and resubmit</h3>
      <form onSubmit={submit} noValidate aria-label="Edit the verification" className="stack">
        <Field label="Edit reason" name="editReason" value={editReason} onChange={setEditReason} required multiline hint="What changed and why: Twilio’s reviewers read it." error={messageFor('editReason', [], fieldsOf)} />
        <TollfreeFields values={values} onChange={(path, value) => setValues((o) => ({ ...o, [path]: value }))} messageFor={(path) => messageFor(path, [], fieldsOf)} />
        <FormSubmit label="Resubmit" disabled={edit.isPending} error={edit.error} errorTitle="The edit was not accepted" />
      </form>
    </section>
  );
}
